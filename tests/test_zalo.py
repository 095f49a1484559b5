"""The Zalo channel end to end: the real ZaloChannel (httpx) against the fake Zalo Bot API.

What is checked is what the fake server recorded (calls, their parameters and status, the
texts accepted), rows in the database read through the storage functions, and the texts the
bot answered, built here from the Vietnamese locale. Covered: start-up (getMe, a wrong
token), long polling (one update per call, 408 = nothing new), webhook mode and its secret,
the environment token; every feature with text alone (numbered choices, answered by number
or by word, kept across a restart); Telegram and Zalo in one process; the delivery worker's
Zalo rate and error mapping on the injected clock; and bad input.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.app import App
from bot.channels.base import TokenRejected
from bot.channels.zalo import SECRET_HEADER, ZaloChannel
from bot.clock import FixedClock, to_iso
from bot.config import Config, ZaloWebhookConfig, parse_config
from bot.delivery import DeliveryError, messages_for
from bot.i18n import Translator
from bot.tabular import read_table_bytes
from bot.text import html_to_plain
from handlers import agenda_import, reminders, results
from handlers.roster import apply_plan, plan_from_table
from storage import agenda, broadcasts, delegates, outbox, registrations, users
from storage.users import ChatUser
from testkit.fake_telegram import FakeTelegram
from testkit.fake_zalo import FakeZalo
from testkit.telegram_harness import TelegramChat, buttons
from testkit.worker import drain
from testkit.zalo_harness import (
    ClockedZalo,
    ZaloChat,
    free_port,
    start_zalo,
    zalo_config,
)
from tests.conftest import ORGANISER_ID, make_config

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TEXTS = Translator.load()


def hello(name: str) -> str:
    """Return the greeting line of the welcome, as the bot builds it."""
    return TEXTS.t("vi", "start.hello", name=name)
ZALO_ORGANISER = "0rg4n1532"
HA_ZALO = "a1b2c3d4e5"  # Zalo ids are hex strings
BINH_ZALO = "00f3e2d1c0"  # leading zeros: a string, never a number
STRANGER = "5e7a9c0b1d"
TG_DELEGATE = 1001

HEADER = "Mã đại biểu;Họ và tên;Đơn vị;Đoàn;Loại;Số điện thoại;Số ghế;Mã mời"
ROSTER = [
    HEADER,
    "DB001;Trần Thị Hà;Sở Y tế <Bệnh viện & Co>;Đoàn Sở Y tế;Chính thức;0912 345 678;A01;"
    "AC3D-E4F6-GH",
    "DB002;Lê Văn Bình;UBND huyện;Đoàn huyện A;Dự khuyết;;B02;MNPQ-RTUV-WX",
    "DB003;Phạm Khách;;;Khách mời;;;JKMN-3467-9A",
]
HA_CODE, BINH_CODE = "AC3DE4F6GH", "MNPQRTUVWX"
BOT_TAG = re.compile(r"</?(b|i|u|s|code|pre|a|em|strong|blockquote|tg-spoiler)\b[^>]*>")
PROGRAMME = """
[[session]]
id = "don"
day = "2026-08-11"
start = "07:00"
end = "07:30"
title = "Đón đại biểu"
location = "Sảnh A"
kind = "nghi lễ"

[[session]]
id = "bao-cao"
day = "2026-08-11"
start = "08:30"
end = "10:00"
title = "Báo cáo chính trị"
location = "Hội trường A"
presenter = "Đồng chí Trương Văn Lộc"

[[session]]
id = "bau-cu"
day = "2026-08-11"
start = "14:00"
end = "16:00"
title = "Bầu Ban Chấp hành"
location = "Hội trường A"
kind = "bầu cử"
"""
VOTE_CSV = ("\ufeffTiêu đề,Biểu quyết thông qua Nghị quyết <Đại hội> & văn kiện\n"
            "Loại,biểu quyết\nSố phiếu phát ra,299\nSố phiếu thu về,297\n"
            "Số phiếu hợp lệ,296\nSố phiếu không hợp lệ,1\n\n"
            "Tán thành,Không tán thành,Không biểu quyết\n290,2,4\n").encode()


# ---------------------------------------------------------------------------- helpers
def plain(key: str, /, language: str = "vi", **params: object) -> str:
    """Return a locale text as Zalo shows it: plain, without tags, values as written."""
    return html_to_plain(TEXTS.t(language, key, **params))


def numbered(*labels: str) -> str:
    """Return the numbered list a reply's choices become on Zalo."""
    lines = [f"  {i}. {label}" for i, label in enumerate(labels, 1)]
    return "\n".join([*lines, plain("console.choose")])


def tagless(texts: list[str], *written: str) -> bool:
    """Tell whether no bot markup (Telegram's HTML tags) is in any of the texts, leaving out
    what people wrote themselves (`written`), which may well look like tags."""
    for text in texts:
        for part in written:
            text = text.replace(part, "")
        if BOT_TAG.search(text):
            return False
    return True


async def load_roster(app: App) -> None:
    """Import the three delegates of ROSTER."""
    table = read_table_bytes(("\r\n".join(ROSTER) + "\r\n").encode(), "ds.csv")
    plan = await plan_from_table(app.services.db, table, prune=False)
    assert plan.ok, plan.problems
    await apply_plan(app.services.db, plan, to_iso(app.services.clock.now()))


async def load_programme(app: App, clock: FixedClock) -> None:
    """Import PROGRAMME as of a week before, so that no reminder falls due on import."""
    saved = clock.now()
    clock.set(datetime(2026, 8, 4, 9, 0, tzinfo=HANOI))
    try:
        plan = await agenda_import.plan_from_bytes(app.services, PROGRAMME.encode(), "ct.toml")
        assert plan.ok, plan.problems
        await agenda_import.apply_plan(app.services, plan, actor="test")
    finally:
        clock.set(saved)


async def linked_code(app: App, platform: str, user_id: str) -> str | None:
    """Return the roster code of the delegate a chat account is linked to, if any."""
    delegate_id = await registrations.delegate_id_of(app.services.db, platform, user_id)
    if delegate_id is None:
        return None
    delegate = await delegates.get(app.services.db, delegate_id)
    return None if delegate is None else delegate.code


async def register_zalo(zalo: ZaloChat, user_id: str, code: str) -> str:
    """Register a Zalo account: /start, the invite code, then "1" (yes); return the answer."""
    await zalo.send(user_id, "/start")
    await zalo.send(user_id, code)
    return await zalo.say(user_id, "1")


async def link_directly(app: App, platform: str, user_id: str, code: str) -> None:
    """Register an account straight in storage (for tests about delivery, not the flow)."""
    db, now = app.services.db, to_iso(app.services.clock.now())
    delegate = await delegates.find_by_code(db, code)
    assert delegate is not None
    await users.touch(db, ChatUser(platform, user_id, user_id, "Đại biểu"), now)
    assert await registrations.link(db, platform, user_id, delegate.id, "invite_code", now)


async def queue_zalo(app: App, chat_ids: list[str], text: str) -> int:
    """Queue `text` to Zalo chats straight in the outbox (no report); return the broadcast."""
    db, now = app.services.db, to_iso(app.services.clock.now())
    broadcast_id = await broadcasts.create(
        db, kind="announcement", audience={"type": "all"}, body=text, status="queued",
        send_at=None, created_by="test", report=None, now=now)
    rows = [m for chat in chat_ids for m in messages_for(
        f"b{broadcast_id}:zalo:{chat}", "zalo", chat, text, broadcast_id=broadcast_id)]
    await outbox.enqueue(db, rows, now)
    return broadcast_id


def statuses(fake: FakeZalo, method: str) -> list[tuple[int, int | None]]:
    """Return (HTTP status, envelope error code) of every call of a method."""
    return [(c.status, c.error_code) for c in fake.calls_to(method)]


# ---------------------------------------------------------------------------- fixtures
@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a test config with one Telegram and one Zalo organiser."""
    return make_config(tmp_path, organisers={"telegram": [ORGANISER_ID],
                                             "zalo": [ZALO_ORGANISER]})


@pytest.fixture
async def zfake() -> AsyncIterator[FakeZalo]:
    """Return a running fake Zalo Bot API server on 127.0.0.1."""
    async with FakeZalo() as server:
        yield server


@pytest.fixture
async def zalo(app: App, zfake: FakeZalo) -> AsyncIterator[ZaloChat]:
    """Return a chat driver for the app's Zalo channel, long-polling the fake server."""
    channel = await start_zalo(app, zfake)
    try:
        yield ZaloChat(zfake, channel)
    finally:
        await channel.stop()


@pytest.fixture
async def roster(app: App) -> None:
    """Load three delegates: one with a phone number, an alternate, a guest."""
    await load_roster(app)


# ---------------------------------------------------------------------------- 1. start-up
async def test_start_checks_the_token_with_getme_then_long_polls(
    zalo: ZaloChat, zfake: FakeZalo
) -> None:
    await zfake.wait_polling(1)
    assert [c.method for c in zfake.calls[:3]] == ["getMe", "deleteWebhook", "getUpdates"]
    assert statuses(zfake, "getMe") == [(200, None)]
    assert zfake.calls_to("getUpdates")[0].params == {"timeout": 1}
    (answer,) = await zalo.send(HA_ZALO, "/help")
    assert answer.startswith("Các lệnh đồng chí có thể dùng\n")
    assert zfake.sent_messages(HA_ZALO)[0]["chat_id"] == HA_ZALO


async def test_a_wrong_token_makes_start_fail_clearly(app: App, zfake: FakeZalo) -> None:
    channel = ZaloChannel(app, zalo_config(zfake, token="wrong-secret-token"), poll_timeout=1)
    with pytest.raises(TokenRejected) as failed:  # the command line says so in one line
        await channel.start()
    await channel.stop()
    assert failed.value.platform == "zalo"
    assert "wrong-secret-token" not in str(failed.value)
    assert [(c.method, c.status) for c in zfake.calls] == [("getMe", 401)]  # nothing polled


async def test_polling_takes_one_update_per_call_and_carries_on_after_408(
    zalo: ZaloChat, zfake: FakeZalo
) -> None:
    # The harness's 1 s long poll ends with nothing new: HTTP 200, error_code 408.
    async with asyncio.timeout(3):
        while [c.error_code for c in zfake.calls_to("getUpdates")][:2] != [408, None]:
            await asyncio.sleep(0.02)
    first, again = zfake.calls_to("getUpdates")[:2]
    assert first.status == 200 and again.params == {"timeout": 1}  # and it polls again
    # Injected 408s too: the channel polls again at once, and then gets the updates.
    zfake.fail_next("getUpdates", 200, error_code=408, times=2)  # for the calls to come
    zfake.push_text(HA_ZALO, "/help")
    zfake.push_text(BINH_ZALO, "/language")
    zfake.push_text(HA_ZALO, "/nosuch")
    await zalo.channel.wait_handled(3)
    assert zfake.pending_updates == 0
    delivered = [c for c in zfake.calls_to("getUpdates") if c.status == 200
                 and c.error_code is None]
    assert len(delivered) == 3  # one update per call
    assert [c.error_code for c in zfake.calls_to("getUpdates")].count(408) >= 3
    assert zfake.sent_texts(HA_ZALO)[0].startswith("Các lệnh đồng chí có thể dùng")
    assert zfake.sent_texts(HA_ZALO)[1] == plain("fallback.unknown_command", command="/nosuch")
    assert zfake.sent_texts(BINH_ZALO)[0].startswith(plain("language.ask"))


async def test_webhook_mode_sets_the_hook_and_checks_the_secret(
    app: App, zfake: FakeZalo
) -> None:
    port = free_port()
    hook = ZaloWebhookConfig(url="https://bot.example.org/zalo", listen="127.0.0.1", port=port,
                             secret_token="s3cret-token")
    channel = await start_zalo(app, zfake, mode="webhook", webhook=hook)
    try:
        assert [c.method for c in zfake.calls] == ["getMe", "setWebhook"]
        params = zfake.calls_to("setWebhook")[0].params
        assert params == {"url": "https://bot.example.org/zalo", "secret_token": "s3cret-token"}
        assert zfake.webhook_url == "https://bot.example.org/zalo"
        url = f"http://127.0.0.1:{port}/zalo"
        update = zfake.make_update(HA_ZALO, "/help")
        for secret in ("wrong-token!", None, "", "s3cret-token-", "S3CRET-TOKEN"):
            assert await zfake.post_webhook(url, update, secret_token=secret) == 403, secret
        assert channel.handled == 0
        assert zfake.calls_to("sendMessage") == []
        assert await users.get(app.services.db, "zalo", HA_ZALO) is None
        assert await zfake.post_webhook(url, update, secret_token="s3cret-token") == 200
        await channel.wait_handled(1)
        (answer,) = zfake.sent_texts(HA_ZALO)
        assert answer.startswith("Các lệnh đồng chí có thể dùng")
        # The bare update (without the {"ok", "result"} envelope) is read too.
        bare = zfake.make_update(HA_ZALO, "/nosuch")
        assert await zfake.post_webhook(url, bare, secret_token="s3cret-token",
                                        envelope=False) == 200
        await channel.wait_handled(2)
        assert zfake.sent_texts(HA_ZALO)[-1] == plain("fallback.unknown_command",
                                                      command="/nosuch")
        async with httpx.AsyncClient() as http:
            garbled = await http.post(url, content=b"{not json",
                                      headers={SECRET_HEADER: "s3cret-token"})
        assert garbled.status_code == 400
        assert zfake.calls_to("getUpdates") == []  # no polling in webhook mode
    finally:
        await channel.stop()


def test_the_environment_token_wins_over_the_file(tmp_path: Path) -> None:
    data = {"zalo": {"enabled": True, "token": "file-token"}}
    from_env = parse_config(data, file="t.toml", base_dir=tmp_path,
                            env={"DELEGATE_BOT_ZALO_TOKEN": "env-token"})
    assert from_env.zalo.token == "env-token"
    from_file = parse_config(data, file="t.toml", base_dir=tmp_path, env={})
    assert from_file.zalo.token == "file-token"
    only_env = parse_config({"zalo": {"enabled": True}}, file="t.toml", base_dir=tmp_path,
                            env={"DELEGATE_BOT_ZALO_TOKEN": "env-token"})
    assert only_env.zalo.token == "env-token" and only_env.zalo.enabled
    assert "env-token" not in repr(from_env) and "env-token" not in repr(from_env.zalo)


async def test_the_environment_token_is_the_one_the_channel_uses(
    tmp_path: Path, clock: FixedClock
) -> None:
    async with FakeZalo(token="env-token") as server:
        config = parse_config(
            {"event": {"name": "Đại hội thử nghiệm"},
             "zalo": {"enabled": True, "token": "file-token", "api_base_url": server.base_url}},
            file="t.toml", base_dir=tmp_path, env={"DELEGATE_BOT_ZALO_TOKEN": "env-token"})
        app = await App.open(config, clock=clock)
        channel = ZaloChannel(app, config.zalo, poll_timeout=1)
        app.add_channel(channel)
        try:
            await channel.start()
            assert statuses(server, "getMe") == [(200, None)]
            (answer,) = await ZaloChat(server, channel).send(HA_ZALO, "/help")
            assert answer.startswith("Các lệnh")
        finally:
            await channel.stop()
            await app.close()


# ---------------------------------------------------------------------------- 2. features
async def test_language_is_chosen_by_number_or_by_word(app: App, zalo: ZaloChat) -> None:
    (ask,) = await zalo.send(HA_ZALO, "/language")
    assert ask == plain("language.ask") + "\n" + numbered("Tiếng Việt", "English")
    assert await zalo.say(HA_ZALO, "2") == "Switched to English."
    user = await users.get(app.services.db, "zalo", HA_ZALO)
    assert user is not None and user.language == "en"
    (ask_en,) = await zalo.send(HA_ZALO, "/language")
    assert ask_en.endswith("  2. English\n" + plain("console.choose", "en"))
    assert await zalo.say(HA_ZALO, "  tiếng VIỆT ") == "Đã chuyển sang tiếng Việt."
    await zalo.send(HA_ZALO, "/language")
    assert await zalo.say(HA_ZALO, "English") == "Switched to English."
    # The list is used up: a number now is just text (and the person is not registered).
    explain = plain("registration.explain", "en", event="Đại hội thử nghiệm")
    assert await zalo.say(HA_ZALO, "1") == explain
    await zalo.send(HA_ZALO, "/language")
    assert await zalo.say(HA_ZALO, "3") == explain  # not on the list


async def test_a_choice_is_answered_by_its_words_without_the_emoji(
    app: App, roster: None, zalo: ZaloChat
) -> None:
    """People type the words of a choice, not its emoji: "Đúng, là tôi" answers
    "✅ Đúng, là tôi" and "tắt" answers "🔕 Tắt". Typing them must not count as a wrong
    invite code."""
    await zalo.send(HA_ZALO, f"/start {HA_CODE}")
    done = await zalo.say(HA_ZALO, "Đúng, là tôi")
    assert done.startswith(plain("registration.done", name="Trần Thị Hà"))
    assert await registrations.failures_since(app.services.db, "zalo", HA_ZALO, "") == []
    await zalo.send(HA_ZALO, "/reminders")
    assert await zalo.say(HA_ZALO, "tắt") == plain("reminders.off")


async def test_registration_with_the_invite_code_and_1_for_yes(
    app: App, roster: None, zalo: ZaloChat
) -> None:
    welcome, ask = await zalo.send(HA_ZALO, "/start", display_name="Hà")
    assert welcome == plain("start.welcome", hello=hello("Hà"), event="Đại hội thử nghiệm")
    assert ask == plain("registration.ask_code")  # no phone button on Zalo: the code is asked
    assert "số điện thoại" not in ask and "mã mời" in ask
    (confirm,) = await zalo.send(HA_ZALO, "ac3d-e4f6-gh")
    assert confirm == "\n".join([
        plain("registration.confirm", name="Trần Thị Hà", unit="Sở Y tế <Bệnh viện & Co>",
              delegation="Đoàn Sở Y tế"),
        numbered("✅ Đúng, là tôi", "❌ Không phải tôi")])
    assert await linked_code(app, "zalo", HA_ZALO) is None  # nothing before "yes"
    done = await zalo.say(HA_ZALO, "1")
    assert done == plain("registration.done", name="Trần Thị Hà") + "\n\n" + plain(
        "registration.next_steps")
    assert await linked_code(app, "zalo", HA_ZALO) == "DB001"
    me = await zalo.say(HA_ZALO, "/me")
    assert me == ("Trần Thị Hà\nMã đại biểu: DB001\nĐơn vị: Sở Y tế <Bệnh viện & Co>\n"
                  "Đoàn: Đoàn Sở Y tế\nLoại: Đại biểu chính thức\nSố ghế: A01")
    # "2" (no) on another account links nothing and asks for the code again.
    await zalo.send(BINH_ZALO, f"/start {BINH_CODE}")
    assert await zalo.say(BINH_ZALO, "2") == plain("registration.not_me")
    assert await linked_code(app, "zalo", BINH_ZALO) is None
    assert tagless(zalo.fake.sent_texts())


async def test_numbered_choices_survive_a_restart(
    app: App, roster: None, zalo: ZaloChat, zfake: FakeZalo, config: Config, clock: FixedClock
) -> None:
    (confirm,) = await zalo.send(HA_ZALO, f"/start {HA_CODE}")
    assert confirm.endswith(numbered("✅ Đúng, là tôi", "❌ Không phải tôi"))
    await zalo.send(BINH_ZALO, "/language")
    await zalo.channel.stop()
    await app.close()
    again = await App.open(config, clock=clock)
    try:
        channel = await start_zalo(again, zfake)
        try:
            chat = ZaloChat(zfake, channel)
            done = await chat.say(HA_ZALO, "1")
            assert done.startswith(plain("registration.done", name="Trần Thị Hà"))
            assert await linked_code(again, "zalo", HA_ZALO) == "DB001"
            assert await chat.say(BINH_ZALO, "english") == "Switched to English."
        finally:
            await channel.stop()
    finally:
        await again.close()


async def test_forget_by_number(app: App, roster: None, zalo: ZaloChat) -> None:
    await register_zalo(zalo, HA_ZALO, HA_CODE)
    (ask,) = await zalo.send(HA_ZALO, "/forget")
    assert ask == plain("forget.ask") + "\n" + numbered("Xóa dữ liệu của tôi", "Giữ lại")
    assert await zalo.say(HA_ZALO, "giữ lại") == plain("forget.kept")
    assert await linked_code(app, "zalo", HA_ZALO) == "DB001"
    await zalo.send(HA_ZALO, "/forget")
    assert await zalo.say(HA_ZALO, "1") == plain("forget.done")
    assert await linked_code(app, "zalo", HA_ZALO) is None
    assert await users.get(app.services.db, "zalo", HA_ZALO) is None


async def test_agenda_and_next_with_numbered_sessions(
    app: App, roster: None, zalo: ZaloChat, clock: FixedClock
) -> None:
    await load_programme(app, clock)
    await register_zalo(zalo, HA_ZALO, HA_CODE)
    (shown,) = await zalo.send(HA_ZALO, "/agenda")  # 07:30 in Hanoi on 11/08
    day = plain("date.day", weekday=plain("weekday.1"), date="11/08")
    assert shown == "\n".join([
        plain("agenda.head", day=day),
        plain("agenda.line", start="07:00", end="07:30", title="Đón đại biểu",
              location="Sảnh A"),
        plain("agenda.line", start="08:30", end="10:00", title="Báo cáo chính trị",
              location="Hội trường A"),
        plain("agenda.line", start="14:00", end="16:00", title="Bầu Ban Chấp hành",
              location="Hội trường A"),
        plain("agenda.hint"),
        numbered("07:00 Đón đại biểu", "08:30 Báo cáo chính trị", "14:00 Bầu Ban Chấp hành"),
    ])
    details = await zalo.say(HA_ZALO, "2")
    assert details.startswith("Báo cáo chính trị\n📅 " + day + "\n🕑 08:30–10:00")
    assert "🎤 Đồng chí Trương Văn Lộc" in details
    nxt = await zalo.say(HA_ZALO, "/next")
    assert nxt == plain("agenda.next", title="Báo cáo chính trị", start="08:30", day=day,
                        location="Hội trường A", wait="1 giờ")
    assert tagless(zalo.fake.sent_texts(HA_ZALO))


async def test_reminders_off_then_on(app: App, roster: None, zalo: ZaloChat) -> None:
    await register_zalo(zalo, HA_ZALO, HA_CODE)
    assert await zalo.say(HA_ZALO, "/reminders off") == plain("reminders.off")
    user = await users.get(app.services.db, "zalo", HA_ZALO)
    assert user is not None and user.reminders_off
    (status,) = await zalo.send(HA_ZALO, "/reminders")
    assert status == plain("reminders.status_off") + "\n" + numbered("🔔 Bật", "🔕 Tắt")
    assert await zalo.say(HA_ZALO, "1") == plain("reminders.on")
    user = await users.get(app.services.db, "zalo", HA_ZALO)
    assert user is not None and not user.reminders_off
    assert await zalo.say(HA_ZALO, "/reminders tắt") == plain("reminders.off")
    assert await zalo.say(HA_ZALO, "/reminders on") == plain("reminders.on")


async def test_an_organiser_announces_on_zalo_and_zalo_delegates_receive_it(
    app: App, roster: None, zalo: ZaloChat, zfake: FakeZalo, clock: FixedClock
) -> None:
    await register_zalo(zalo, HA_ZALO, HA_CODE)
    await register_zalo(zalo, BINH_ZALO, BINH_CODE)
    body = "Họp lúc <8h> & ăn trưa tại <b>hội trường</b>"
    (question,) = await zalo.send(ZALO_ORGANISER, f"/announce {body}")
    assert question == plain("announce.ask_audience") + "\n" + numbered(
        "Tất cả đại biểu đã đăng ký", "Một đoàn…", "Một loại đại biểu…", "Hủy")
    (shown,) = await zalo.send(ZALO_ORGANISER, "1")
    expected = "📢 Thông báo của Ban Tổ chức\n\n" + body  # as written: nothing escaped
    assert shown == "\n".join([
        plain("announce.preview_head"), "", expected, "",
        plain("announce.preview", audience="Tất cả đại biểu đã đăng ký", count=2),
        numbered("Gửi ngay tới 2 tài khoản", "Hẹn giờ gửi", "Hủy")])
    assert await outbox.next_due(app.services.db) is None  # a preview queues nothing
    (queued,) = await zalo.send(ZALO_ORGANISER, "1")
    assert queued == plain("announce.queued", id=1, count=2, messages=2)
    await drain(app, clock)
    assert zfake.sent_texts(HA_ZALO)[-1] == expected
    assert zfake.sent_texts(BINH_ZALO)[-1] == expected
    assert [t for t in zfake.sent_texts() if t == expected] == [expected, expected]
    counts = await outbox.counts(app.services.db, 1)
    assert counts["sent"] == 2 and counts["pending"] + counts["failed"] == 0
    item = await broadcasts.get(app.services.db, 1)
    assert item is not None and item.status == "done" and item.created_by == (
        f"zalo:{ZALO_ORGANISER}")
    report = zfake.sent_texts(ZALO_ORGANISER)[-2:]  # Zalo cannot edit: the first, the last
    assert report == [
        plain("delivery.report", id=1, total=2, sent=2, failed=0, blocked=0, pending=0),
        plain("delivery.finished", id=1, total=2, sent=2, failed=0, blocked=0)]
    assert tagless(zfake.sent_texts(), body)
    assert not tagless([expected])  # the check does see tags


async def test_an_organiser_schedules_on_zalo_the_time_echoed_in_full(
    app: App, roster: None, zalo: ZaloChat
) -> None:
    """Zalo has no buttons: the echoed time's choices are numbered, and "1" schedules it."""
    await register_zalo(zalo, HA_ZALO, HA_CODE)
    await zalo.send(ZALO_ORGANISER, "/announce Họp tổ lúc 8h")
    await zalo.send(ZALO_ORGANISER, "1")  # everyone
    (ask,) = await zalo.send(ZALO_ORGANISER, "2")  # schedule
    assert ask.startswith("Gửi lúc nào? Nhập thời điểm theo giờ Việt Nam. Ví dụ: 8h30 (hôm nay)")
    (bad,) = await zalo.send(ZALO_ORGANISER, "thứ tám 8h")
    assert bad.startswith("Không có ngày “thứ tám” trong tuần")
    (echo,) = await zalo.send(ZALO_ORGANISER, "mai 8h")
    assert echo == "Gửi lúc 08:00, Thứ Tư 12/08 (giờ Việt Nam)?\n" + numbered(
        "Đúng, hẹn giờ gửi", "Nhập thời điểm khác", "Hủy")
    assert await broadcasts.with_status(app.services.db, "scheduled") == []
    (done,) = await zalo.send(ZALO_ORGANISER, "1")
    assert done == ("🕑 Đã hẹn gửi thông báo #1 lúc 08:00, Thứ Tư 12/08. "
                    "Gõ /scheduled để xem hoặc hủy.")
    (item,) = await broadcasts.with_status(app.services.db, "scheduled")
    assert item.send_at == to_iso(datetime(2026, 8, 12, 8, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))


async def test_registrations_overview_for_a_zalo_organiser(
    app: App, roster: None, zalo: ZaloChat
) -> None:
    await register_zalo(zalo, HA_ZALO, HA_CODE)
    answer = await zalo.say(ZALO_ORGANISER, "/registrations")
    # the guest (DB003) is counted apart from the delegates
    assert answer.startswith(plain("overview.total", registered=1, total=2, percent="50") + "\n"
                             + plain("overview.guests", registered=0, total=1))
    assert plain("overview.missing", count=2, page=1, pages=1) in answer
    assert "• DB002 — Lê Văn Bình (Đoàn huyện A)" in answer
    assert "DB001" not in answer


async def test_a_published_result_reaches_zalo_delegates(
    app: App, roster: None, zalo: ZaloChat, zfake: FakeZalo, clock: FixedClock
) -> None:
    await register_zalo(zalo, HA_ZALO, HA_CODE)
    await register_zalo(zalo, BINH_ZALO, BINH_CODE)
    parsed, result_id = await results.import_file(app.services, VOTE_CSV, "kq.csv", "test")
    assert parsed.ok and result_id == 1
    # The Zalo organiser finds the draft, reads the preview and publishes it, by numbers.
    (listing,) = await zalo.send(ZALO_ORGANISER, "/results")
    assert listing.endswith(numbered("Xem bản nháp #1"))
    (preview,) = await zalo.send(ZALO_ORGANISER, "1")
    assert preview.startswith(plain("results.preview", id=1))
    assert preview.endswith(numbered(plain("results.publish", count=2), plain("results.discard")))
    (done,) = await zalo.send(ZALO_ORGANISER, "1")
    assert done == plain("results.published", id=1, count=2, broadcast=1)
    await drain(app, clock)
    title = "Biểu quyết thông qua Nghị quyết <Đại hội> & văn kiện"
    head = plain("results.head.titled", title=title)
    for user in (HA_ZALO, BINH_ZALO):
        (notice,) = [t for t in zfake.sent_texts(user) if t.startswith("🗳")]
        assert notice.startswith(head + "\n")
        assert "Tán thành: 290" in notice and plain("results.passed", needed=149) in notice
    assert (await outbox.counts(app.services.db, 1))["sent"] == 2
    # A delegate opens it again from /results, by number.
    (mine,) = await zalo.send(HA_ZALO, "/results")
    assert mine.endswith(numbered(title[:39] + "…"))
    assert (await zalo.say(HA_ZALO, "1")).startswith(head)


async def test_messages_over_2000_characters_are_split(
    app: App, roster: None, zalo: ZaloChat, zfake: FakeZalo, clock: FixedClock
) -> None:
    await register_zalo(zalo, HA_ZALO, HA_CODE)
    body = "\n\n".join(f"Mục {i}: " + "nội dung thông báo dài " * 14 for i in range(11))
    assert 3000 < len(body) < 4000
    await zalo.send(ZALO_ORGANISER, f"/announce {body}")
    preview = await zalo.send(ZALO_ORGANISER, "1")
    assert len(preview) >= 2 and all(len(part) <= 2000 for part in preview)
    assert preview[0].startswith(plain("announce.preview_head") + "\n\n📢")
    assert preview[-1].endswith(numbered("Gửi ngay tới 1 tài khoản", "Hẹn giờ gửi", "Hủy"))
    await zalo.send(ZALO_ORGANISER, "1")
    before = len(zfake.sent_texts(HA_ZALO))
    await drain(app, clock)
    parts = zfake.sent_texts(HA_ZALO)[before:]
    assert len(parts) >= 2 and all(len(part) <= 2000 for part in parts)
    whole = "📢 Thông báo của Ban Tổ chức\n\n" + body
    assert re.sub(r"\s+", " ", " ".join(parts)).strip() == re.sub(r"\s+", " ", whole).strip()
    assert all(status == 200 for status, _ in statuses(zfake, "sendMessage"))
    assert (await outbox.counts(app.services.db, 1))["sent"] == len(parts)


async def test_ids_are_kept_as_strings(app: App, roster: None, zalo: ZaloChat,
                                       zfake: FakeZalo) -> None:
    await register_zalo(zalo, BINH_ZALO, BINH_CODE)
    assert await linked_code(app, "zalo", BINH_ZALO) == "DB002"
    assert await registrations.delegate_id_of(app.services.db, "zalo", "f3e2d1c0") is None
    user = await users.get(app.services.db, "zalo", BINH_ZALO)
    assert user is not None and user.chat_id == BINH_ZALO
    sent = zfake.sent_messages(BINH_ZALO)
    assert sent and all(m["chat_id"] == BINH_ZALO for m in sent)
    # A chat id other than the user id is where the answer goes.
    await zalo.send(HA_ZALO, "/help", chat_id="c0ffee00")
    assert zfake.sent_messages("c0ffee00") and zfake.sent_messages(HA_ZALO) == []


async def test_a_sticker_gets_the_polite_text_only_answer(
    app: App, roster: None, zalo: ZaloChat, zfake: FakeZalo
) -> None:
    (answer,) = await zalo.push(HA_ZALO, lambda: zfake.push_sticker(HA_ZALO))
    assert answer == plain("error.unsupported")
    (image,) = await zalo.push(HA_ZALO, lambda: zfake.push_image(HA_ZALO))
    assert image == plain("error.unsupported")


async def test_a_sticker_while_the_code_is_asked_is_not_a_wrong_code(
    app: App, roster: None, zalo: ZaloChat, zfake: FakeZalo
) -> None:
    """A sticker is no attempt at an invite code: it gets the text-only answer and is not
    counted against the wrong-code limit (five stickers must not lock the account)."""
    await zalo.send(HA_ZALO, "/start")
    (answer,) = await zalo.push(HA_ZALO, lambda: zfake.push_sticker(HA_ZALO))
    assert answer == plain("error.unsupported")
    failed = await registrations.failures_since(app.services.db, "zalo", HA_ZALO, "")
    assert failed == []


@pytest.mark.parametrize("command", ["/announce Tin giả mạo", "/announce", "/registrations",
                                     "/scheduled", "/deliveries", "/unlink DB001"])
async def test_a_delegate_sending_organiser_commands_is_refused(
    app: App, roster: None, zalo: ZaloChat, command: str
) -> None:
    await register_zalo(zalo, HA_ZALO, HA_CODE)
    assert await zalo.say(HA_ZALO, command) == plain("error.organisers_only")
    # The Telegram organiser's numeric id is nobody on Zalo.
    assert await zalo.say(str(ORGANISER_ID), command) == plain("error.organisers_only")
    assert await zalo.say(HA_ZALO, "1") == plain("fallback.text")  # no flow was started
    assert await broadcasts.recent(app.services.db) == []
    assert await linked_code(app, "zalo", HA_ZALO) == "DB001"


# ---------------------------------------------------------------------------- 3. both platforms
async def test_telegram_and_zalo_share_the_database_outbox_and_scheduler(
    app: App, roster: None, tg: TelegramChat, fake: FakeTelegram, zalo: ZaloChat,
    zfake: FakeZalo, clock: FixedClock
) -> None:
    await load_programme(app, clock)
    (ask,) = await tg.send(TG_DELEGATE, f"/start {HA_CODE}")
    assert buttons(ask) == [("✅ Đúng, là tôi", "reg:yes"), ("❌ Không phải tôi", "reg:no")]
    await tg.press(TG_DELEGATE, "reg:yes")
    done = await register_zalo(zalo, HA_ZALO, HA_CODE)  # the same invite code
    assert done.startswith(plain("registration.done", name="Trần Thị Hà"))
    assert await linked_code(app, "telegram", str(TG_DELEGATE)) == "DB001"
    assert await linked_code(app, "zalo", HA_ZALO) == "DB001"
    assert set(app.delivery.transports) == {"telegram", "zalo"}

    # An announcement by the Telegram organiser.
    await tg.send(ORGANISER_ID, "/announce Khai mạc lúc 8h")
    await tg.press(ORGANISER_ID, "ann:all")
    preview = fake.sent_messages(ORGANISER_ID)[-1]
    assert "— 2 tài khoản." in preview["text"]
    (send,) = [d for _, d in buttons(preview) if d.startswith("ann:send:")]
    await tg.press(ORGANISER_ID, send)
    # A reminder of the 14:00 session, through the scheduler's job function.
    election = next(s for s in await agenda.all_sessions(app.services.db) if s.key == "bau-cu")
    assert await reminders.send(app.services, election.id, 30, election.starts_at) == 2
    # A result.
    _, result_id = await results.import_file(app.services, VOTE_CSV, "kq.csv", "test")
    assert result_id is not None and await results.publish(app.services, result_id, "test")
    await drain(app, clock)

    def kinds(texts: list[str]) -> list[str]:
        return sorted(t[:1] for t in texts if t[:1] in "📢⏰🗳")

    on_telegram = fake.sent_texts(TG_DELEGATE)
    on_zalo = zfake.sent_texts(HA_ZALO)
    assert kinds(on_telegram) == kinds(on_zalo) == sorted(["📢", "⏰", "🗳"])
    assert "📢 <b>Thông báo của Ban Tổ chức</b>\n\nKhai mạc lúc 8h" in on_telegram
    assert "📢 Thông báo của Ban Tổ chức\n\nKhai mạc lúc 8h" in on_zalo
    assert tagless(on_zalo) and not tagless(on_telegram)
    assert await outbox.next_due(app.services.db) is None


# ---------------------------------------------------------------------------- 4. delivery
async def test_the_zalo_rate_is_configurable(tmp_path: Path, clock: FixedClock,
                                             zfake: FakeZalo) -> None:
    config = make_config(tmp_path, delivery={"zalo_rate": 5})
    app = await App.open(config, clock=clock)
    channel = await start_zalo(app, zfake)
    try:
        assert app.delivery.rates["zalo"] == 5
        recorder = ClockedZalo(app, clock)
        chats = [f"{i:010x}" for i in range(0xA0, 0xAA)]
        await queue_zalo(app, chats, "Thông báo <b>thử</b>")
        started = clock.now()
        await drain(app, clock)
        assert [a.chat_id for a in recorder.attempts] == chats
        offsets = [(a.at - started).total_seconds() for a in recorder.attempts]
        assert offsets == pytest.approx([i / 5 for i in range(10)], abs=0.01)  # 10 in ~2 s
        assert [zfake.sent_texts(c) for c in chats] == [["Thông báo thử"]] * 10
    finally:
        await channel.stop()
        await app.close()


async def test_a_429_is_retried_after_the_wait(
    app: App, zalo: ZaloChat, zfake: FakeZalo, clock: FixedClock
) -> None:
    recorder = ClockedZalo(app, clock)
    zfake.fail_next("sendMessage", 429, retry_after=7)
    broadcast_id = await queue_zalo(app, [HA_ZALO], "Giải lao 15 phút")
    await drain(app, clock)
    assert statuses(zfake, "sendMessage") == [(429, 429), (200, None)]
    assert [a.error for a in recorder.attempts] == [DeliveryError.RETRY_AFTER, None]
    assert (recorder.attempts[1].at - recorder.attempts[0].at).total_seconds() >= 7
    assert zfake.sent_texts(HA_ZALO) == ["Giải lao 15 phút"]
    assert (await outbox.counts(app.services.db, broadcast_id))["sent"] == 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried_then_failed_after_max_attempts(
    tmp_path: Path, clock: FixedClock, zfake: FakeZalo, status: int
) -> None:
    config = make_config(tmp_path, delivery={"max_attempts": 3, "backoff_seconds": 2})
    app = await App.open(config, clock=clock)
    channel = await start_zalo(app, zfake)
    try:
        recorder = ClockedZalo(app, clock)
        zfake.fail_next("sendMessage", status, times=3)
        failed = await queue_zalo(app, [HA_ZALO], "Sẽ lỗi")
        await drain(app, clock)
        assert statuses(zfake, "sendMessage") == [(status, status)] * 3
        gaps = [(b.at - a.at).total_seconds()
                for a, b in zip(recorder.attempts, recorder.attempts[1:], strict=False)]
        assert gaps == pytest.approx([2, 4], abs=0.01)  # bounded exponential back-off
        (row,) = await outbox.undelivered(app.services.db, failed)
        assert row.state == "failed" and row.error is not None and str(status) in row.error
        # One 5xx, then it goes through.
        zfake.fail_next("sendMessage", status)
        ok = await queue_zalo(app, [BINH_ZALO], "Lần sau được")
        await drain(app, clock)
        assert zfake.sent_texts(BINH_ZALO) == ["Lần sau được"]
        assert (await outbox.counts(app.services.db, ok))["sent"] == 1
    finally:
        await channel.stop()
        await app.close()


async def test_a_timeout_is_retried(app: App, zfake: FakeZalo, clock: FixedClock) -> None:
    channel = await start_zalo(app, zfake, request_timeout=0.3)
    try:
        recorder = ClockedZalo(app, clock)
        zfake.hang_next("sendMessage")
        broadcast_id = await queue_zalo(app, [HA_ZALO], "Sau khi hết thời gian chờ")
        await drain(app, clock)
        assert [a.error for a in recorder.attempts] == [DeliveryError.TRANSIENT, None]
        assert zfake.sent_texts(HA_ZALO) == ["Sau khi hết thời gian chờ"]
        assert (await outbox.counts(app.services.db, broadcast_id))["sent"] == 1
    finally:
        await channel.stop()


async def test_a_403_marks_the_chat_blocked(
    app: App, roster: None, zalo: ZaloChat, zfake: FakeZalo, clock: FixedClock
) -> None:
    await link_directly(app, "zalo", HA_ZALO, "DB001")
    zfake.fail_next("sendMessage", 403)
    first = await queue_zalo(app, [HA_ZALO], "Tin thứ nhất")
    second = await queue_zalo(app, [HA_ZALO], "Tin thứ hai")
    await drain(app, clock)
    assert statuses(zfake, "sendMessage") == [(403, 403)]  # the second is not even tried
    for broadcast_id in (first, second):
        (row,) = await outbox.undelivered(app.services.db, broadcast_id)
        assert row.state == "blocked" and row.chat_id == HA_ZALO
    user = await users.get(app.services.db, "zalo", HA_ZALO)
    assert user is not None and user.blocked_at is not None
    assert await registrations.recipients(app.services.db, {"type": "all"}) == []


async def test_a_400_fails_at_once(app: App, zalo: ZaloChat, zfake: FakeZalo,
                                   clock: FixedClock) -> None:
    zfake.fail_next("sendMessage", 400, description="Bad Request: text is invalid")
    broadcast_id = await queue_zalo(app, [HA_ZALO], "Bị từ chối")
    await drain(app, clock)
    assert statuses(zfake, "sendMessage") == [(400, 400)]
    (row,) = await outbox.undelivered(app.services.db, broadcast_id)
    assert row.state == "failed" and row.error == "400: Bad Request: text is invalid"
    assert zfake.sent_texts(HA_ZALO) == []


# ---------------------------------------------------------------------------- 5. bad input
async def test_a_10000_character_message_gets_a_clear_answer(
    zalo: ZaloChat, zfake: FakeZalo
) -> None:
    (answer,) = await zalo.send(HA_ZALO, "x" * 10_000)
    assert answer == plain("error.too_long", limit=4096)
    assert await zalo.send(HA_ZALO, "/start") != [answer]  # the bot carries on ...
    (again,) = await zalo.send(HA_ZALO, "Mã " * 3_000)  # ... and a step keeps nothing of it
    assert again == answer
    assert statuses(zfake, "sendMessage") == [(200, None)] * 4


async def test_html_characters_come_back_as_written_and_no_tags_reach_zalo(
    app: App, roster: None, zalo: ZaloChat
) -> None:
    welcome, _ = await zalo.send(HA_ZALO, "/start", display_name="Trần <Bình> & Co")
    assert welcome.startswith("Xin chào Trần <Bình> & Co! 👋\n")
    assert "Đại hội thử nghiệm" in welcome and "&lt;" not in welcome
    assert await zalo.say(HA_ZALO, "/language <b>&") == plain("language.unknown",
                                                              value="<b>&")
    # What the person typed comes back exactly, even text that looks like an entity.
    assert await zalo.say(HA_ZALO, "/language &amp;") == plain("language.unknown",
                                                               value="&amp;")
    assert await zalo.say(STRANGER, "<b>&amp; *đậm*") == plain("registration.explain",
                                                              event="Đại hội thử nghiệm")
    bot_texts = [t for t in zalo.fake.sent_texts() if "<b>&" not in t and "<Bình>" not in t]
    assert tagless(bot_texts) and bot_texts
    assert not any("&lt;" in t or "&gt;" in t for t in zalo.fake.sent_texts())


async def test_an_unknown_command(zalo: ZaloChat) -> None:
    assert await zalo.say(HA_ZALO, "/nosuch") == plain("fallback.unknown_command",
                                                       command="/nosuch")
    assert await zalo.say(HA_ZALO, "/") == plain("registration.explain",
                                                 event="Đại hội thử nghiệm")


async def test_updates_without_text_or_sender_are_handled_safely(
    app: App, zalo: ZaloChat, zfake: FakeZalo
) -> None:
    no_text = zfake.make_update(HA_ZALO, "")
    del no_text["message"]["text"]
    (answer,) = await zalo.push(HA_ZALO, lambda: zfake.push_update(no_text))
    assert answer == plain("error.unsupported")
    # Updates the bot cannot read are dropped without an answer, and it carries on.
    for odd in ({"event_name": "message.text.received"},
                {"event_name": "message.text.received", "message": None},
                {"event_name": "message.text.received",
                 "message": {"chat": {"id": STRANGER}, "text": "/help"}},
                {"event_name": "message.text.received",
                 "message": {"from": {"display_name": "?"}, "chat": {"id": STRANGER},
                             "text": "/help"}}):
        assert await zalo.push(STRANGER, lambda odd=odd: zfake.push_update(odd)) == []
    assert zfake.sent_texts(STRANGER) == []
    (answer,) = await zalo.send(HA_ZALO, "/help")
    assert answer.startswith("Các lệnh")


async def test_a_message_from_a_bot_is_ignored(app: App, zalo: ZaloChat,
                                               zfake: FakeZalo) -> None:
    update = zfake.make_update(STRANGER, "/help")
    update["message"]["from"]["is_bot"] = True
    assert await zalo.push(STRANGER, lambda: zfake.push_update(update)) == []
    assert zfake.calls_to("sendMessage") == []
    assert await users.get(app.services.db, "zalo", STRANGER) is None
    (answer,) = await zalo.send(STRANGER, "/help")  # the same person as a person: answered
    assert answer.startswith("Các lệnh")


@pytest.mark.parametrize("message", ["xin chào", ["/help"],
                                     {"from": "a1b2", "chat": {"id": "a1b2"}, "text": "/help"}],
                         ids=["message-is-text", "message-is-a-list", "from-is-text"])
async def test_a_malformed_update_does_not_stop_long_polling(
    zalo: ZaloChat, zfake: FakeZalo, message: object
) -> None:
    """An update whose "message" (or "from") is not an object is dropped like the others;
    the channel must go on polling and answer the next person."""
    zfake.push_update({"event_name": "message.text.received", "message": message})
    zfake.push_text(HA_ZALO, "/help")
    with contextlib.suppress(TimeoutError):  # a working channel takes milliseconds
        await asyncio.wait_for(zalo.channel.wait_handled(2), 1)
    assert zfake.pending_updates == 0, "the channel stopped polling after a malformed update"
    (answer,) = zfake.sent_texts(HA_ZALO)
    assert answer.startswith("Các lệnh")
