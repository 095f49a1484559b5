"""Zalo updates in every shape the platform has been seen to send, through the real channel.

The Zalo Bot Platform promises no one shape (see the README's "Zalo: the shapes of an
update"): its documented getUpdates sample has no `event_name` and names the sender
`first_name`; clients written for it read `event_name`, `display_name` or `name`. The main
flows (register with the invite code, /me, a broadcast reaching the account) run in each
shape, long polling and by webhook; then the documented sample as published, the documented
getMe answer, updates that lack optional fields or carry unknown ones, photos and stickers
without `event_name`, and chat types. Answers are built from the Vietnamese locale.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.channels import zalo_updates
from bot.channels.zalo_updates import IMAGE, STICKER, TEXT, UNSUPPORTED, parse_update
from bot.clock import FixedClock, to_iso
from bot.config import Config
from bot.i18n import Translator
from bot.tabular import read_table_bytes
from bot.text import html_to_plain
from handlers.roster import apply_plan, plan_from_table
from storage import registrations, users
from testkit.fake_zalo import DOCUMENTED, DOCUMENTED_SAMPLE, SHAPES, FakeZalo, Shape
from testkit.worker import drain
from testkit.zalo_harness import ZaloChat, start_zalo
from tests.conftest import make_config

TEXTS = Translator.load()


def hello(name: str) -> str:
    """Return the greeting line of the welcome, as the bot builds it."""
    return TEXTS.t("vi", "start.hello", name=name)
EVENT = "Đại hội thử nghiệm"
ORGANISER = "0rg4n1532"
HA = "a1b2c3d4e5"
BINH = "00f3e2d1c0"
ROSTER = "\r\n".join([
    "Mã đại biểu;Họ và tên;Đơn vị;Đoàn;Loại;Số điện thoại;Số ghế;Mã mời",
    "DB001;Trần Thị Hà;Sở Y tế;Đoàn Sở Y tế;Chính thức;;A01;AC3D-E4F6-GH",
    "DB002;Lê Văn Bình;UBND huyện;Đoàn huyện A;Dự khuyết;;B02;MNPQ-RTUV-WX",
]) + "\r\n"
HA_CODE = "ac3d-e4f6-gh"
DOCUMENTED_GETME = {  # the documented getMe sample's result: account_name, no display_name
    "id": "1459232241454765289", "account_name": "bot.VDKyGxQvc", "account_type": "BASIC",
    "can_join_groups": False,
}
TRANSPORTS = ("polling", "webhook")


def plain(key: str, /, **params: object) -> str:
    """Return a Vietnamese locale text as Zalo shows it: plain, without tags."""
    return html_to_plain(TEXTS.t("vi", key, **params))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a test config with one Zalo organiser."""
    return make_config(tmp_path, organisers={"zalo": [ORGANISER]})


@pytest.fixture
async def roster(app: App) -> None:
    """Load two delegates with invite codes."""
    table = read_table_bytes(ROSTER.encode(), "ds.csv")
    plan = await plan_from_table(app.services.db, table, prune=False)
    assert plan.ok, plan.problems
    await apply_plan(app.services.db, plan, to_iso(app.services.clock.now()))


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    """Return how updates reach the channel: long polling or the webhook."""
    return str(request.param)


@pytest.fixture
async def zfake() -> AsyncIterator[FakeZalo]:
    """Return a running fake Zalo server (its shape is set by each test)."""
    async with FakeZalo() as server:
        yield server


@pytest.fixture
async def zalo(app: App, zfake: FakeZalo, transport: str) -> AsyncIterator[ZaloChat]:
    """Return a chat driver for the app's Zalo channel, by polling or by webhook."""
    channel = await start_zalo(app, zfake, deliver_by_webhook=transport == "webhook")
    try:
        yield ZaloChat(zfake, channel)
    finally:
        await channel.stop()


def received_by(zfake: FakeZalo, transport: str) -> int:
    """Return how many updates reached the channel by the given transport."""
    if transport == "webhook":
        assert zfake.calls_to("getUpdates") == []
        assert set(zfake.webhook_statuses) == {200}
        return len(zfake.webhook_statuses)
    polls = zfake.calls_to("getUpdates")
    return len([c for c in polls if c.status == 200 and c.error_code is None])


def with_message(update: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Return a copy of an update whose message has `fields` set (None: removed)."""
    changed = copy.deepcopy(update)
    for key, value in fields.items():
        if value is None:
            changed["message"].pop(key, None)
        else:
            changed["message"][key] = value
    return changed


# ---------------------------------------------------------------------------- main flows
@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.label)
async def test_register_me_and_a_broadcast_in_every_shape(
    app: App, roster: None, zalo: ZaloChat, zfake: FakeZalo, clock: FixedClock,
    transport: str, shape: Shape,
) -> None:
    zfake.shape = shape
    welcome, ask = await zalo.send(HA, "/start", display_name="Chị Hà")  # the name is read
    assert welcome == plain("start.welcome", hello=hello("Chị Hà"), event=EVENT)
    assert ask == plain("registration.ask_code")
    user = await users.get(app.services.db, "zalo", HA)
    assert user is not None and user.display_name == "Chị Hà"
    (confirm,) = await zalo.send(HA, HA_CODE)
    assert confirm.startswith(plain("registration.confirm", name="Trần Thị Hà", unit="Sở Y tế",
                                    delegation="Đoàn Sở Y tế"))
    done = await zalo.say(HA, "1")
    assert done.startswith(plain("registration.done", name="Trần Thị Hà"))
    me = await zalo.say(HA, "/me")
    assert me.startswith("Trần Thị Hà\nMã đại biểu: DB001\nĐơn vị: Sở Y tế\n")

    await zalo.send(ORGANISER, "/announce Khai mạc lúc 8 giờ")
    await zalo.send(ORGANISER, "1")  # all registered delegates
    (queued,) = await zalo.send(ORGANISER, "1")  # send now
    assert queued == plain("announce.queued", id=1, count=1, messages=1)
    await drain(app, clock)
    assert zfake.sent_texts(HA)[-1] == plain("announce.message", text="Khai mạc lúc 8 giờ")
    assert received_by(zfake, transport) == 7  # 4 from the delegate, 3 from the organiser
    assert plain("error.unsupported") not in zfake.sent_texts()


async def test_the_documented_getupdates_sample_is_answered_as_text(
    app: App, zalo: ZaloChat, zfake: FakeZalo, transport: str
) -> None:
    """The sample response of the platform's getUpdates documentation, as published: no
    event_name, the name under first_name. It must be read as the text it holds."""
    sender = DOCUMENTED_SAMPLE["message"]["from"]["id"]
    (answer,) = await zalo.push(sender, lambda: zfake.push_update(copy.deepcopy(
        DOCUMENTED_SAMPLE)))
    # "Xin chào" is text, not a sticker: from someone not registered, how to register.
    assert answer == plain("registration.explain", event=app.services.config.event.name)
    user = await users.get(app.services.db, "zalo", sender)
    assert user is not None and user.display_name == "Nguyen Van A"
    # Another message: another id (a message with the same id is a retry, taken once).
    command = with_message(DOCUMENTED_SAMPLE, text="/help", message_id="16f6366b3f02645a3d16")
    (helped,) = await zalo.push(sender, lambda: zfake.push_update(command))
    assert helped.startswith("Các lệnh bạn có thể dùng\n")
    assert received_by(zfake, transport) == 2


async def test_the_documented_getme_answer_starts_the_channel(
    app: App, zfake: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    zfake.bot_info = dict(DOCUMENTED_GETME)
    with caplog.at_level(logging.INFO, logger="bot.channels.zalo"):
        channel = await start_zalo(app, zfake)
    try:
        assert "zalo bot bot.VDKyGxQvc is up" in caplog.messages
        (answer,) = await ZaloChat(zfake, channel).send(HA, "/help")
        assert answer.startswith("Các lệnh")
    finally:
        await channel.stop()


# ---------------------------------------------------------------------------- odd updates
@pytest.mark.parametrize("shape", [Shape(), DOCUMENTED], ids=lambda shape: shape.label)
async def test_missing_optional_fields_neither_crash_nor_silence_the_channel(
    app: App, roster: None, zalo: ZaloChat, zfake: FakeZalo, shape: Shape
) -> None:
    zfake.shape = shape

    def bare(text: str) -> dict[str, Any]:
        """A text update with no name, date, message id, chat type or is_bot."""
        update = zfake.make_update(HA, text)
        update["message"] = {"from": {"id": HA}, "chat": {"id": HA}, "text": text}
        return update

    (helped,) = await zalo.push(HA, lambda: zfake.push_update(bare("/help")))
    assert helped.startswith("Các lệnh")
    no_chat = bare("/help")
    del no_chat["message"]["chat"]  # the answer goes to the sender then
    (again,) = await zalo.push(HA, lambda: zfake.push_update(no_chat))
    assert again == helped
    welcome, _ = await zalo.push(HA, lambda: zfake.push_update(bare("/start")))
    assert welcome.startswith("Xin chào! 👋\n")  # no name: no gap before the "!"
    (confirm,) = await zalo.push(HA, lambda: zfake.push_update(bare(HA_CODE)))
    assert confirm.startswith(plain("registration.confirm", name="Trần Thị Hà",
                                    unit="Sở Y tế", delegation="Đoàn Sở Y tế"))
    await zalo.push(HA, lambda: zfake.push_update(bare("1")))
    assert await registrations.delegate_id_of(app.services.db, "zalo", HA) is not None
    (me,) = await zalo.push(HA, lambda: zfake.push_update(bare("/me")))
    assert me.startswith("Trần Thị Hà\nMã đại biểu: DB001")
    assert plain("error.internal") not in zfake.sent_texts()


@pytest.mark.parametrize("shape", [Shape(), DOCUMENTED], ids=lambda shape: shape.label)
async def test_unknown_extra_fields_are_ignored(
    app: App, roster: None, zalo: ZaloChat, zfake: FakeZalo, shape: Shape
) -> None:
    zfake.shape = shape

    def cluttered(text: str) -> dict[str, Any]:
        """A text update with fields the bot does not know at every level."""
        update = zfake.make_update(HA, text, display_name="Hà")
        update.update({"app_id": "2553928453557884079", "timestamp": "1766619597466",
                       "update_id": 7, "sender": {"id": "elsewhere"}})
        message = update["message"]
        message.update({"message_type": "CHAT_MESSAGE", "attachments": [], "quote": None,
                        "entities": [{"type": "bold", "offset": 0}], "msg_id": "x"})
        message["from"].update({"avatar": "https://zalo.example/a.jpg", "last_name": "Trần",
                                "language_code": "vi"})
        message["chat"].update({"name": "Hà", "members": 2})
        return update

    (welcome, ask) = await zalo.push(HA, lambda: zfake.push_update(cluttered("/start")))
    assert welcome == plain("start.welcome", hello=hello("Hà"), event=EVENT)
    assert ask == plain("registration.ask_code")
    (confirm,) = await zalo.push(HA, lambda: zfake.push_update(cluttered(HA_CODE)))
    assert confirm.startswith(plain("registration.confirm", name="Trần Thị Hà",
                                    unit="Sở Y tế", delegation="Đoàn Sở Y tế"))


@pytest.mark.parametrize("shape", [Shape(), DOCUMENTED], ids=lambda shape: shape.label)
@pytest.mark.parametrize("what", ["sticker", "photo", "photo_url", "photo-with-caption"])
async def test_a_photo_or_sticker_gets_the_text_only_answer_in_any_shape(
    app: App, roster: None, zalo: ZaloChat, zfake: FakeZalo, shape: Shape, what: str
) -> None:
    """With or without event_name: the polite text-only answer, and while the invite code is
    asked it is no attempt at a code (not counted against the wrong-code limit)."""
    zfake.shape = shape

    def push() -> object:
        if what == "sticker":
            return zfake.push_sticker(HA)
        if what == "photo-with-caption":
            return zfake.push_image(HA, caption="AC3D-E4F6-GH")
        return zfake.push_image(HA, photo_key=what)

    (answer,) = await zalo.push(HA, push)
    assert answer == plain("error.unsupported")
    await zalo.send(HA, "/start")
    (again,) = await zalo.push(HA, push)
    assert again == plain("error.unsupported")
    assert await registrations.failures_since(app.services.db, "zalo", HA, "") == []
    assert await registrations.delegate_id_of(app.services.db, "zalo", HA) is None


@pytest.mark.parametrize("update", [
    {"event_name": "message.unsupported.received", "message": {}},
    {"event_name": "message.location.received", "message": {"text": "/help"}},
    {"event_name": "message.image.received", "message": {"text": "/help"}},
    {"message": {"voice": "https://zalo.example/v.aac"}},
    {"message": {"text": ""}},
    {"message": {"text": {"body": "/help"}}},
], ids=["unsupported-event", "unknown-event", "image-event-with-text", "bare-voice",
        "bare-empty-text", "bare-text-object"])
async def test_what_is_not_text_gets_the_text_only_answer(
    zalo: ZaloChat, zfake: FakeZalo, update: dict[str, Any]
) -> None:
    full = copy.deepcopy(update)
    full["message"].update({"from": {"id": BINH, "first_name": "Bình"}, "chat": {"id": BINH}})
    (answer,) = await zalo.push(BINH, lambda: zfake.push_update(full))
    assert answer == plain("error.unsupported")


@pytest.mark.parametrize("chat_type", ["PRIVATE", "GROUP", "private", None, 42, "COMMUNITY"])
async def test_any_chat_type_is_read_without_an_error(
    zalo: ZaloChat, zfake: FakeZalo, chat_type: object
) -> None:
    """What the bot does in groups is decided elsewhere; reading the type never fails."""
    update = zfake.make_update(HA, "/help", chat_id="9c0ffee0")
    update["message"]["chat"]["chat_type"] = chat_type
    await zalo.push("9c0ffee0", lambda: zfake.push_update(update))
    assert plain("error.internal") not in zfake.sent_texts()
    (answer,) = await zalo.send(BINH, "/help")  # and the channel carries on
    assert answer.startswith("Các lệnh")


# ---------------------------------------------------------------------------- parsing
@pytest.mark.parametrize(("message", "event", "kind"), [
    ({"text": "xin chào"}, None, TEXT),
    ({"text": "xin chào"}, "message.text.received", TEXT),
    ({"photo": "https://zalo.example/p.jpg"}, None, IMAGE),
    ({"photo_url": "https://zalo.example/p.jpg", "caption": "ảnh"}, None, IMAGE),
    ({"photo": "https://zalo.example/p.jpg"}, "message.image.received", IMAGE),
    ({"sticker": "0e078a2fb66a5f34067b", "url": "https://zalo.example/s.png"}, None, STICKER),
    ({"sticker": "0e078a2fb66a5f34067b"}, "message.sticker.received", STICKER),
    ({"sticker": "0e07", "text": "ignored"}, None, STICKER),
    ({}, "message.unsupported.received", UNSUPPORTED),
    ({"text": "xin chào"}, "message.reaction.received", UNSUPPORTED),
    ({"text": "xin chào"}, "", TEXT),  # an empty event_name is none
    ({"photo": ""}, None, UNSUPPORTED),
    ({"photo": False, "text": "/help"}, None, TEXT),
])
def test_the_kind_comes_from_event_name_or_else_from_the_content(
    message: dict[str, Any], event: str | None, kind: str
) -> None:
    update: dict[str, Any] = {"message": {"from": {"id": HA}, **message}}
    if event is not None:
        update["event_name"] = event
    read = parse_update(update)
    assert read is not None and read.kind == kind
    assert read.text == (message["text"] if kind == TEXT else "")


@pytest.mark.parametrize(("sender", "name"), [
    ({"display_name": "Hà"}, "Hà"),
    ({"name": "Hà"}, "Hà"),
    ({"first_name": "Nguyen Van A"}, "Nguyen Van A"),
    ({"display_name": "  Hà  ", "name": "Khác"}, "Hà"),
    ({"display_name": None, "name": "", "first_name": "Hà"}, "Hà"),
    ({"display_name": 42, "name": {"full": "x"}}, ""),
    ({}, ""),
])
def test_the_name_comes_from_whichever_key_holds_one(sender: dict[str, Any], name: str) -> None:
    read = parse_update({"message": {"from": {"id": HA, **sender}, "text": "x"}})
    assert read is not None and read.name == name


def test_ids_chat_type_and_bots_are_read_as_sent() -> None:
    read = parse_update({"message": {"from": {"id": 12345, "is_bot": True},
                                     "chat": {"id": "00ab", "chat_type": "group"}}})
    assert read is not None
    assert (read.user_id, read.chat_id, read.chat_type, read.is_bot) == (
        "12345", "00ab", "GROUP", True)
    person = parse_update({"message": {"from": {"id": HA, "is_bot": "false"}}})
    assert person is not None and not person.is_bot
    for odd in (None, [], {}, {"message": None}, {"message": {"from": {"id": None}}},
                {"message": {"from": {"id": ""}}}, {"message": {"from": "a1b2"}}):
        assert parse_update(odd) is None


@pytest.mark.parametrize(("me", "name"), [
    (DOCUMENTED_GETME, "bot.VDKyGxQvc"),
    ({"id": "1", "display_name": "Trợ lý", "account_name": "bot.x"}, "Trợ lý"),
    ({"id": "1", "name": "Trợ lý"}, "Trợ lý"),
    ({"id": "1459232241454765289"}, "1459232241454765289"),
    (None, ""),
])
def test_the_bot_name_comes_from_getme(me: object, name: str) -> None:
    assert zalo_updates.bot_name(me) == name

