"""Zalo group chats: the bot serves private chats only, as on Telegram.

A registered delegate's `/me` sent from a Zalo group used to be answered into the group with
name, code, unit, delegation, kind and seat, and the group became where that delegate's
notices went. Now a message from a group (chat type "GROUP", any other type, or no type and
a chat that is not the sender's) is never read as the person's: a command gets one line
saying the bot works in private chats, anything else is ignored, and nothing is linked or
remembered. Through the real channel and the fake Zalo server, in every update shape, by
long polling and by webhook.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.clock import FixedClock, to_iso
from bot.config import Config
from bot.i18n import Translator
from bot.tabular import read_table_bytes
from bot.text import html_to_plain
from handlers.roster import apply_plan, plan_from_table
from storage import registrations, users
from testkit.fake_zalo import SHAPES, FakeZalo, Shape
from testkit.worker import drain
from testkit.zalo_harness import ZaloChat, start_zalo
from tests.conftest import make_config

TEXTS = Translator.load()
ORGANISER = "0rg4n1532"
HA = "a1b2c3d4e5"
BINH = "00f3e2d1c0"
GROUP = "9c0ffee0ab12"
ROSTER = "\r\n".join([
    "Mã đại biểu;Họ và tên;Đơn vị;Đoàn;Loại;Số điện thoại;Số ghế;Mã mời",
    "DB001;Trần Thị Hà;Sở Y tế;Đoàn Sở Y tế;Chính thức;;A01;AC3D-E4F6-GH",
    "DB002;Lê Văn Bình;UBND huyện;Đoàn huyện A;Dự khuyết;;B02;MNPQ-RTUV-WX",
]) + "\r\n"


def plain(key: str, /, **params: object) -> str:
    """Return a Vietnamese locale text as Zalo shows it: plain, without tags."""
    return html_to_plain(TEXTS.t("vi", key, **params))


PRIVATE_ONLY = plain("error.private_only")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a test config with one Zalo organiser."""
    return make_config(tmp_path, organisers={"zalo": [ORGANISER]})


@pytest.fixture
async def roster(app: App) -> None:
    """Load two delegates with invite codes."""
    plan = await plan_from_table(app.services.db, read_table_bytes(ROSTER.encode(), "ds.csv"),
                                 prune=False)
    await apply_plan(app.services.db, plan, to_iso(app.services.clock.now()))


@pytest.fixture
async def zfake() -> AsyncIterator[FakeZalo]:
    """Return a running fake Zalo server."""
    async with FakeZalo() as server:
        yield server


@pytest.fixture(params=("polling", "webhook"))
async def zalo(app: App, zfake: FakeZalo,
               request: pytest.FixtureRequest) -> AsyncIterator[ZaloChat]:
    """Return a chat driver for the app's Zalo channel, by polling or by webhook."""
    channel = await start_zalo(app, zfake, deliver_by_webhook=request.param == "webhook")
    try:
        yield ZaloChat(zfake, channel)
    finally:
        await channel.stop()


async def register_privately(zalo: ZaloChat, user_id: str, code: str) -> None:
    """Register a Zalo account with its invite code in its private chat."""
    await zalo.send(user_id, "/start")
    await zalo.send(user_id, code)
    done = await zalo.say(user_id, "1")
    assert done.startswith("✅") or "thành công" in done


async def in_group(zalo: ZaloChat, user_id: str, text: str, **chat: Any) -> list[str]:
    """Send a text from `user_id` in a group chat; return what the bot sent into the group."""
    update = zalo.fake.make_update(user_id, text, chat_id=GROUP)
    update["message"]["chat"].update(chat)
    for key, value in chat.items():
        if value is None:
            del update["message"]["chat"][key]
    return await zalo.push(GROUP, lambda: zalo.fake.push_update(update))


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.label)
async def test_me_from_a_group_gets_one_line_and_the_group_is_never_linked(
    app: App, roster: None, zalo: ZaloChat, zfake: FakeZalo, clock: FixedClock, shape: Shape
) -> None:
    zfake.shape = shape
    await register_privately(zalo, HA, "ac3d-e4f6-gh")
    assert zfake.make_update(HA, "/me", chat_id=GROUP)["message"]["chat"] == {
        "id": GROUP, "chat_type": "GROUP"}  # the group shape the platform sends
    assert await in_group(zalo, HA, "/me") == [PRIVATE_ONLY]
    assert await in_group(zalo, HA, "xin chào cả nhóm") == []  # chatter is ignored
    sent_to_group = "\n".join(zfake.sent_texts(GROUP))
    for detail in ("Trần Thị Hà", "DB001", "Sở Y tế", "Đoàn Sở Y tế", "A01", "AC3D"):
        assert detail not in sent_to_group
    user = await users.get(app.services.db, "zalo", HA)
    assert user is not None and user.chat_id == HA  # notices still go to the private chat
    me = await zalo.say(HA, "/me")  # and the private chat works as before
    assert me.startswith("Trần Thị Hà\nMã đại biểu: DB001\n")

    await zalo.send(ORGANISER, "/announce Khai mạc lúc 8 giờ")
    await zalo.send(ORGANISER, "1")
    await zalo.send(ORGANISER, "1")
    await drain(app, clock)
    assert zfake.sent_texts(HA)[-1] == plain("announce.message", text="Khai mạc lúc 8 giờ")
    assert zfake.sent_texts(GROUP) == [PRIVATE_ONLY]


async def test_an_invite_code_sent_in_a_group_links_nobody(
    app: App, roster: None, zalo: ZaloChat, zfake: FakeZalo
) -> None:
    assert await in_group(zalo, BINH, "/start") == [PRIVATE_ONLY]
    assert await in_group(zalo, BINH, "MNPQ-RTUV-WX") == []
    assert await in_group(zalo, BINH, "1") == []
    assert await in_group(zalo, BINH, "/start MNPQRTUVWX") == [PRIVATE_ONLY]
    assert await registrations.delegate_id_of(app.services.db, "zalo", BINH) is None
    assert await users.get(app.services.db, "zalo", BINH) is None  # nothing remembered
    # The same code in the private chat still works.
    await register_privately(zalo, BINH, "MNPQ-RTUV-WX")
    assert await registrations.delegate_id_of(app.services.db, "zalo", BINH) is not None


async def test_organiser_commands_in_a_group_do_nothing(
    app: App, roster: None, zalo: ZaloChat, zfake: FakeZalo
) -> None:
    assert await in_group(zalo, ORGANISER, "/registrations") == [PRIVATE_ONLY]
    assert await in_group(zalo, ORGANISER, "/announce Họp ngay") == [PRIVATE_ONLY]
    assert await in_group(zalo, ORGANISER, "1") == []
    assert await users.get(app.services.db, "zalo", ORGANISER) is None


@pytest.mark.parametrize(
    ("chat", "private"),
    [
        ({"chat_type": "group"}, False),
        ({"chat_type": "COMMUNITY"}, False),
        ({"chat_type": None}, False),  # no type, and the chat is not the sender's
        ({"chat_type": 42}, False),
        ({"chat_type": "PRIVATE"}, True),  # the platform says so
        ({"chat_type": None, "id": HA}, True),  # no type, the sender's own chat
    ],
    ids=["group-lowercase", "community", "no-type", "not-a-string", "private", "own-chat"],
)
async def test_only_a_private_chat_is_answered(
    app: App, zalo: ZaloChat, zfake: FakeZalo, chat: dict[str, Any], private: bool
) -> None:
    update = zfake.make_update(HA, "/help", chat_id=GROUP)
    message_chat = update["message"]["chat"]
    for key, value in chat.items():
        if value is None:
            message_chat.pop(key)
        else:
            message_chat[key] = value
    target = message_chat["id"]
    answers = await zalo.push(target, lambda: zfake.push_update(update))
    if private:
        (answer,) = answers
        assert answer.startswith("Các lệnh")
    else:
        assert answers == [PRIVATE_ONLY]
        assert await users.get(app.services.db, "zalo", HA) is None
