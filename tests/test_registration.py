"""Registration end to end: the real Telegram channel against the fake Bot API server.

Invite codes (typed or from the deep link), shared phone numbers, the "is this you?"
confirmation, wrong-attempt limits on the injected clock, one account per delegate per
platform (and the organisers' alert), /me, /forget, flows that survive a restart, odd input,
and the same main flow on the console.
"""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.console import ConsoleChannel
from bot.clock import FixedClock, to_iso
from bot.config import Config
from bot.i18n import Translator
from bot.tabular import read_table_bytes
from handlers.roster import apply_plan, plan_from_table
from storage import delegates, registrations, users
from storage.users import ChatUser
from testkit.fake_telegram import FakeTelegram
from testkit.people import seed
from testkit.telegram_harness import TelegramChat, buttons, start_channel
from tests.conftest import DELEGATE_ID, ORGANISER_ID, make_config

OTHER_ID = 1002  # a second Telegram account, not an organiser

HEADER = "Mã đại biểu;Họ và tên;Đơn vị;Đoàn;Loại;Số điện thoại;Số ghế;Mã mời"
HA = "DB001;Trần Thị Hà;Sở Y tế <Bệnh viện & Co>;Đoàn Sở Y tế;Chính thức;0912 345 678;A01;"
BINH = "DB002;Lê Văn Bình;UBND huyện;Đoàn huyện A;Dự khuyết;;B02;"
KHACH = "DB003;Phạm Khách;;;Khách mời;;;"
HA_CODE, BINH_CODE, KHACH_CODE = "AC3DE4F6GH", "MNPQRTUVWX", "JKMN34679A"
HA_PHONE = "+84912345678"
ROSTER = [HEADER, HA + "AC3D-E4F6-GH", BINH + "MNPQ-RTUV-WX", KHACH + "JKMN-3467-9A"]

TEXTS = Translator.load()


def hello(name: str) -> str:
    """Return the greeting line of the welcome, as the bot builds it."""
    return TEXTS.t("vi", "start.hello", name=name)


def vi(key: str, **params: object) -> str:
    """Return a Vietnamese text exactly as the bot sends it (HTML, values escaped)."""
    return TEXTS.t("vi", key, **params)


async def load_roster(app: App, lines: list[str]) -> None:
    """Import roster lines (a semicolon CSV) into the app's database."""
    table = read_table_bytes(("\r\n".join(lines) + "\r\n").encode(), "ds.csv")
    plan = await plan_from_table(app.services.db, table, prune=False)
    assert plan.ok, plan.problems
    await apply_plan(app.services.db, plan, to_iso(app.services.clock.now()))


async def linked_code(app: App, user_id: int | str, platform: str = "telegram") -> str | None:
    """Return the roster code of the delegate a chat account is linked to, if any."""
    delegate_id = await registrations.delegate_id_of(app.services.db, platform, str(user_id))
    if delegate_id is None:
        return None
    delegate = await delegates.get(app.services.db, delegate_id)
    assert delegate is not None
    return delegate.code


async def failures(app: App, user_id: int) -> int:
    """Return how many failed attempts are stored for a Telegram account."""
    return len(await registrations.failures_since(app.services.db, "telegram", str(user_id), ""))


def confirm_text(name: str, unit: str, delegation: str) -> str:
    return vi("registration.confirm", name=name, unit=unit, delegation=delegation)


HA_CONFIRM = confirm_text("Trần Thị Hà", "Sở Y tế <Bệnh viện & Co>", "Đoàn Sở Y tế")


def joined(messages: list[dict]) -> str:
    """Return the texts of the bot's messages as one string (however they were grouped)."""
    return "\n\n".join(m["text"] for m in messages)


async def said(tg: TelegramChat, user_id: int, text: str) -> str:
    """Send a text; return the bot's answer as one string."""
    return joined(await tg.send(user_id, text))


async def pressed(tg: TelegramChat, user_id: int, data: str) -> str:
    """Press a button; return the bot's answer as one string."""
    return joined(await tg.press(user_id, data))


def is_registered_answer(text: str, name: str) -> bool:
    """Tell whether an answer says "registered" and what to do next."""
    return vi("registration.done", name=name) in text and vi("registration.next_steps") in text


async def register(tg: TelegramChat, user_id: int, code: str, name: str) -> None:
    """Register an account through the deep link and the "yes" button."""
    (ask,) = await tg.send(user_id, f"/start {code}")
    assert buttons(ask) == [("✅ Đúng, là tôi", "reg:yes"), ("❌ Không phải tôi", "reg:no")]
    assert is_registered_answer(await pressed(tg, user_id, "reg:yes"), name)


@asynccontextmanager
async def running(config: Config, clock: FixedClock,
                  fake: FakeTelegram) -> AsyncIterator[tuple[App, TelegramChat]]:
    """Open an App on `config` with a Telegram channel polling `fake`; close both after."""
    app = await App.open(config, clock=clock)
    try:
        channel = await start_channel(app, fake)
        try:
            yield app, TelegramChat(fake, channel)
        finally:
            await channel.stop()
    finally:
        await app.close()


@pytest.fixture
async def roster(app: App) -> None:
    """Load three delegates: one with a phone number, an alternate, a guest."""
    await load_roster(app, ROSTER)


# ---------------------------------------------------------------------------- the happy path


async def test_start_explains_and_offers_the_phone_button_when_the_roster_has_phones(
    roster: None, tg: TelegramChat
) -> None:
    messages = await tg.send(DELEGATE_ID, "/start", first_name="Hà")
    text = joined(messages)
    assert vi("start.welcome", hello=hello("Hà"), event="Đại hội thử nghiệm") in text
    assert text.endswith(vi("registration.ask_code_or_phone"))
    keyboard = messages[-1]["reply_markup"]["keyboard"]
    assert keyboard == [[{"text": "📱 Chia sẻ số điện thoại của tôi", "request_contact": True}]]


async def test_start_asks_only_for_the_code_when_the_roster_has_no_phones(
    app: App, tg: TelegramChat
) -> None:
    await load_roster(app, [HEADER, BINH + BINH_CODE])
    messages = await tg.send(DELEGATE_ID, "/start")
    assert joined(messages).endswith(vi("registration.ask_code"))
    assert all("reply_markup" not in m for m in messages)


@pytest.mark.parametrize("typed", ["ac3d-e4f6-gh", "  AC3D E4F6 GH ", "Ac3dE4f6Gh", "ac3d–e4f6 gh"])
async def test_typed_code_ignores_case_spaces_and_hyphens_then_yes_registers(
    app: App, roster: None, tg: TelegramChat, typed: str
) -> None:
    await tg.send(DELEGATE_ID, "/start")
    (ask,) = await tg.send(DELEGATE_ID, typed)
    assert ask["text"] == HA_CONFIRM
    assert "Sở Y tế &lt;Bệnh viện &amp; Co&gt;" in ask["text"]  # roster data is escaped
    assert buttons(ask) == [("✅ Đúng, là tôi", "reg:yes"), ("❌ Không phải tôi", "reg:no")]
    assert await linked_code(app, DELEGATE_ID) is None  # nothing linked before "yes"
    done = await pressed(tg, DELEGATE_ID, "reg:yes")
    assert is_registered_answer(done, "Trần Thị Hà")
    assert "/me" in done  # what to do next
    assert await linked_code(app, DELEGATE_ID) == "DB001"


async def test_deep_link_goes_straight_to_the_confirmation(
    app: App, roster: None, tg: TelegramChat
) -> None:
    (ask,) = await tg.send(DELEGATE_ID, f"/start {BINH_CODE}")
    assert ask["text"] == confirm_text("Lê Văn Bình", "UBND huyện", "Đoàn huyện A")
    await tg.press(DELEGATE_ID, "reg:yes")
    assert await linked_code(app, DELEGATE_ID) == "DB002"
    again = await said(tg, DELEGATE_ID, "/start")
    assert vi("start.welcome_back", event="Đại hội thử nghiệm", name="Lê Văn Bình") in again
    assert vi("registration.next_steps") in again


async def test_no_links_nothing_and_asks_for_the_code_again(
    app: App, roster: None, tg: TelegramChat
) -> None:
    await tg.send(DELEGATE_ID, f"/start {HA_CODE}")
    assert await pressed(tg, DELEGATE_ID, "reg:no") == vi("registration.not_me")
    assert await linked_code(app, DELEGATE_ID) is None
    assert await failures(app, DELEGATE_ID) == 0
    # Still waiting for a code.
    assert await said(tg, DELEGATE_ID, KHACH_CODE) == confirm_text("Phạm Khách", "—", "—")


async def test_me_shows_name_unit_delegation_kind_and_seat(
    roster: None, tg: TelegramChat
) -> None:
    assert await said(tg, DELEGATE_ID, "/me") == vi("registration.not_registered")
    await register(tg, DELEGATE_ID, BINH_CODE, "Lê Văn Bình")
    assert await said(tg, DELEGATE_ID, "/me") == (
        "<b>Lê Văn Bình</b>\nMã đại biểu: DB002\nĐơn vị: UBND huyện\n"
        "Đoàn: Đoàn huyện A\nLoại: Đại biểu dự khuyết\nSố ghế: B02")
    await register(tg, OTHER_ID, KHACH_CODE, "Phạm Khách")
    guest = await said(tg, OTHER_ID, "/me")
    assert "Đơn vị: —\nĐoàn: —\nLoại: Khách mời\nSố ghế: —" in guest


# ---------------------------------------------------------------------------- phone numbers


@pytest.mark.parametrize("shared", [HA_PHONE, "84912345678", "0912345678"])
async def test_own_contact_registers_after_confirmation(
    app: App, roster: None, tg: TelegramChat, shared: str
) -> None:
    await tg.send(DELEGATE_ID, "/start")
    (ask,) = await tg.share_contact(DELEGATE_ID, shared, contact_user_id=DELEGATE_ID)
    assert ask["text"] == HA_CONFIRM
    assert buttons(ask) == [("✅ Đúng, là tôi", "reg:yes"), ("❌ Không phải tôi", "reg:no")]
    assert await linked_code(app, DELEGATE_ID) is None
    assert is_registered_answer(await pressed(tg, DELEGATE_ID, "reg:yes"), "Trần Thị Hà")
    assert await linked_code(app, DELEGATE_ID) == "DB001"
    method = await app.services.db.scalar(
        "SELECT method FROM registrations WHERE user_id = ?", (str(DELEGATE_ID),))
    assert method == "phone"
    again = await tg.share_contact(DELEGATE_ID, HA_PHONE, contact_user_id=DELEGATE_ID)
    assert joined(again) == vi("registration.already_done")


@pytest.mark.parametrize("owner", [OTHER_ID, None], ids=["someone-else", "no-user-id"])
async def test_forwarded_contact_is_refused(
    app: App, roster: None, tg: TelegramChat, owner: int | None
) -> None:
    await tg.send(DELEGATE_ID, "/start")
    answer = await tg.share_contact(DELEGATE_ID, HA_PHONE, contact_user_id=owner)
    assert joined(answer) == vi("registration.phone_not_yours")
    assert await pressed(tg, DELEGATE_ID, "reg:yes") == vi("error.stale_choice")
    assert await linked_code(app, DELEGATE_ID) is None
    assert await failures(app, DELEGATE_ID) == 0


async def test_unknown_phone_is_a_failed_attempt(
    app: App, roster: None, tg: TelegramChat
) -> None:
    await tg.send(DELEGATE_ID, "/start")
    answer = await tg.share_contact(DELEGATE_ID, "+84987654321", contact_user_id=DELEGATE_ID)
    assert joined(answer) == vi("registration.wrong_phone")
    assert await failures(app, DELEGATE_ID) == 1
    assert await linked_code(app, DELEGATE_ID) is None


# ---------------------------------------------------------------------------- wrong codes


async def test_wrong_code_does_not_tell_whether_it_exists(
    app: App, roster: None, tg: TelegramChat
) -> None:
    await tg.send(DELEGATE_ID, "/start")
    well_formed = await said(tg, DELEGATE_ID, "CCCC-DDDD-EE")  # right alphabet, no such code
    deep_link = await said(tg, DELEGATE_ID, "/start 0000000")
    assert well_formed == deep_link == vi("registration.wrong_code")
    # Text that cannot be a code is explained, and not counted as an attempt.
    assert await said(tg, DELEGATE_ID, "xyz!!") == vi("registration.explain_or_phone",
                                                      event=app.services.config.event.name)
    assert await failures(app, DELEGATE_ID) == 2
    assert await linked_code(app, DELEGATE_ID) is None


async def test_five_wrong_codes_in_15_minutes_lock_the_account_for_15_minutes(
    app: App, roster: None, tg: TelegramChat, clock: FixedClock
) -> None:
    locked = vi("registration.locked", minutes=15)
    await tg.send(DELEGATE_ID, "/start")
    for attempt in range(4):
        assert await said(tg, DELEGATE_ID, f"WRONG{attempt}") == vi("registration.wrong_code")
        clock.advance(timedelta(minutes=3))
    assert await said(tg, DELEGATE_ID, "WRONG5") == locked
    # Even the right code, typed or shared as a phone number, must wait.
    assert await said(tg, DELEGATE_ID, HA_CODE) == locked
    answer = await tg.share_contact(DELEGATE_ID, HA_PHONE, contact_user_id=DELEGATE_ID)
    assert joined(answer) == locked
    # Another account is not locked.
    assert await said(tg, OTHER_ID, f"/start {KHACH_CODE}") == confirm_text(
        "Phạm Khách", "—", "—")
    clock.advance(timedelta(minutes=14))
    assert await said(tg, DELEGATE_ID, HA_CODE) == vi("registration.locked", minutes=1)
    assert await said(tg, DELEGATE_ID, f"/start {HA_CODE}") == vi("registration.locked", minutes=1)
    clock.advance(timedelta(minutes=1))
    assert await said(tg, DELEGATE_ID, f"/start {HA_CODE}") == HA_CONFIRM
    await tg.press(DELEGATE_ID, "reg:yes")
    assert await linked_code(app, DELEGATE_ID) == "DB001"
    assert await failures(app, DELEGATE_ID) == 0  # cleared by the registration


async def test_wrong_codes_spread_over_more_than_the_window_do_not_lock(
    roster: None, tg: TelegramChat, clock: FixedClock
) -> None:
    await tg.send(DELEGATE_ID, "/start")
    for _ in range(4):
        assert await said(tg, DELEGATE_ID, "WRONGCODE") == vi("registration.wrong_code")
    clock.advance(timedelta(minutes=16))
    for _ in range(4):
        assert await said(tg, DELEGATE_ID, "WRONGCODE") == vi("registration.wrong_code")
    assert await said(tg, DELEGATE_ID, "WRONGCODE") == vi("registration.locked", minutes=15)


async def test_attempt_limits_come_from_the_config(
    tmp_path: Path, clock: FixedClock, fake: FakeTelegram
) -> None:
    config = make_config(tmp_path, registration={
        "max_attempts": 2, "window_minutes": 1, "lockout_minutes": 60})
    async with running(config, clock, fake) as (app, tg):
        await load_roster(app, ROSTER)
        await tg.send(DELEGATE_ID, "/start")
        assert await said(tg, DELEGATE_ID, "WRONGCODE") == vi("registration.wrong_code")
        clock.advance(timedelta(minutes=2))  # outside the 1-minute window: no lock
        assert await said(tg, DELEGATE_ID, "WRONGCODE") == vi("registration.wrong_code")
        assert await said(tg, DELEGATE_ID, "WRONGCODE") == vi("registration.locked", minutes=60)
        clock.advance(timedelta(minutes=59))
        assert await said(tg, DELEGATE_ID, HA_CODE) == vi("registration.locked", minutes=1)
        clock.advance(timedelta(minutes=1))
        assert await said(tg, DELEGATE_ID, HA_CODE) == HA_CONFIRM


async def test_attempts_are_logged_without_the_code_or_phone(
    roster: None, tg: TelegramChat, caplog: pytest.LogCaptureFixture
) -> None:
    secrets = ["WRONG7QX9Z", "wrong7qx9z", HA_CODE, "ac3d-e4f6-gh", "912345678", "987654321"]
    # The app's own loggers at DEBUG; libraries at INFO, as `delegate-bot run` sets them.
    caplog.set_level(logging.INFO)
    for name in ("bot", "handlers", "storage"):
        caplog.set_level(logging.DEBUG, logger=name)
    await tg.send(DELEGATE_ID, "/start")
    await tg.send(DELEGATE_ID, "wrong7qx9z")
    await tg.share_contact(DELEGATE_ID, "+84987654321", contact_user_id=DELEGATE_ID)
    await tg.send(DELEGATE_ID, "ac3d-e4f6-gh")
    await tg.press(DELEGATE_ID, "reg:yes")
    await tg.send(OTHER_ID, f"/start {HA_CODE}")  # the seat is taken: logged as a warning
    ours = [r for r in caplog.records if r.name.startswith(("bot", "handlers", "storage"))]
    assert sum("registration attempt failed" in r.getMessage() for r in ours) == 2
    # The account by its pseudonym, never beside the delegate's code (tests/test_forget.py).
    me = tg.channel.app.services.pseudonyms.account("telegram", str(DELEGATE_ID))
    assert any(r.getMessage() == f"{me} registered" for r in ours)
    assert not any("DB001" in r.getMessage() for r in ours)
    for record in caplog.records:
        logged = f"{record.getMessage()} {record.exc_text or ''}"
        for secret in secrets:
            assert secret not in logged, (record.name, logged)


# ---------------------------------------------------------------------------- one account


@pytest.mark.parametrize("by", ["code", "phone"])
async def test_second_account_is_refused_and_the_organisers_are_told(
    app: App, roster: None, tg: TelegramChat, fake: FakeTelegram, by: str
) -> None:
    await tg.send(ORGANISER_ID, "/start")  # the bot knows the organiser's chat
    await register(tg, DELEGATE_ID, HA_CODE, "Trần Thị Hà")
    if by == "code":
        answer = await tg.send(OTHER_ID, f"/start {HA_CODE}", first_name="Kẻ <Lạ>")
    else:
        await tg.send(OTHER_ID, "/start", first_name="Kẻ <Lạ>")
        answer = await tg.share_contact(OTHER_ID, HA_PHONE, contact_user_id=OTHER_ID)
    assert joined(answer) == vi("registration.taken")
    assert await pressed(tg, OTHER_ID, "reg:yes") == vi("error.stale_choice")
    assert await linked_code(app, OTHER_ID) is None
    assert await linked_code(app, DELEGATE_ID) == "DB001"
    alert = fake.sent_texts(ORGANISER_ID)[-1]
    assert alert == vi("registration.alert_taken", account="Kẻ <Lạ>", platform="telegram",
                       user_id=str(OTHER_ID), name="Trần Thị Hà", code="DB001")
    assert "Kẻ &lt;Lạ&gt;" in alert and f"id {OTHER_ID}" in alert and "/unlink DB001" in alert


async def test_two_accounts_confirming_the_same_seat_only_the_first_wins(
    app: App, roster: None, tg: TelegramChat, fake: FakeTelegram
) -> None:
    await tg.send(ORGANISER_ID, "/start")
    await tg.send(DELEGATE_ID, f"/start {HA_CODE}")
    await tg.send(OTHER_ID, f"/start {HA_CODE}")  # both see "is this you?"
    await tg.press(DELEGATE_ID, "reg:yes")
    assert await pressed(tg, OTHER_ID, "reg:yes") == vi("registration.taken")
    assert await linked_code(app, DELEGATE_ID) == "DB001"
    assert await linked_code(app, OTHER_ID) is None
    assert "Trần Thị Hà" in fake.sent_texts(ORGANISER_ID)[-1]


async def test_the_same_delegate_may_link_one_account_on_each_platform(
    app: App, roster: None, tg: TelegramChat
) -> None:
    await register(tg, DELEGATE_ID, HA_CODE, "Trần Thị Hà")
    out = await console_chat(app, f"/start {HA_CODE}", "1")
    assert "Đăng ký thành công! Chào mừng đồng chí Trần Thị Hà." in out
    assert await linked_code(app, DELEGATE_ID) == "DB001"
    assert await linked_code(app, "ha-console", platform="console") == "DB001"


async def test_forged_yes_without_a_pending_confirmation_links_nothing(
    app: App, roster: None, tg: TelegramChat
) -> None:
    stale = vi("error.stale_choice")
    assert await pressed(tg, DELEGATE_ID, "reg:yes") == stale
    await tg.send(DELEGATE_ID, "/start")  # waiting for a code, not for a confirmation
    assert await pressed(tg, DELEGATE_ID, "reg:yes") == stale
    await tg.send(DELEGATE_ID, f"/start {HA_CODE}")
    await tg.send(DELEGATE_ID, "/help")  # a command ends the flow in progress
    assert await pressed(tg, DELEGATE_ID, "reg:yes") == stale
    assert await linked_code(app, DELEGATE_ID) is None


# ---------------------------------------------------------------------------- /forget


async def test_forget_asks_then_unlinks_and_deletes_chat_data_but_not_the_roster(
    app: App, roster: None, tg: TelegramChat
) -> None:
    db = app.services.db
    await register(tg, DELEGATE_ID, HA_CODE, "Trần Thị Hà")
    (ask,) = await tg.send(DELEGATE_ID, "/forget")
    assert ask["text"] == vi("forget.ask")
    assert buttons(ask) == [("Xóa dữ liệu của tôi", "forget:yes"), ("Giữ lại", "forget:no")]
    assert await pressed(tg, DELEGATE_ID, "forget:no") == vi("forget.kept")
    assert await linked_code(app, DELEGATE_ID) == "DB001"
    await tg.send(DELEGATE_ID, "/forget")
    assert await pressed(tg, DELEGATE_ID, "forget:yes") == vi("forget.done")
    assert await linked_code(app, DELEGATE_ID) is None
    assert await users.get(db, "telegram", str(DELEGATE_ID)) is None
    kept = await delegates.find_by_code(db, "DB001")
    assert kept is not None and kept.invite_code == HA_CODE
    # An account's failed attempts stay until they expire: /forget must not lift a lock-out.
    await tg.send(OTHER_ID, "/start")
    await tg.send(OTHER_ID, "WRONGCODE")
    assert await failures(app, OTHER_ID) == 1
    await tg.send(OTHER_ID, "/forget")
    await tg.press(OTHER_ID, "forget:yes")
    assert await failures(app, OTHER_ID) == 1
    assert await users.get(db, "telegram", str(OTHER_ID)) is None
    # The delegate can register again.
    await register(tg, DELEGATE_ID, HA_CODE, "Trần Thị Hà")
    assert await linked_code(app, DELEGATE_ID) == "DB001"


# ---------------------------------------------------------------------------- restart


async def test_registration_and_a_half_finished_flow_survive_restarts(
    app: App, roster: None, tg: TelegramChat, fake: FakeTelegram, config: Config,
    clock: FixedClock,
) -> None:
    await tg.send(DELEGATE_ID, "/start")  # waiting for the code
    await tg.send(OTHER_ID, f"/start {BINH_CODE}")  # waiting for "yes"
    await tg.channel.stop()
    await app.close()
    async with running(config, clock, fake) as (_, chat):
        assert await said(chat, DELEGATE_ID, "ac3d e4f6 gh") == HA_CONFIRM
        assert is_registered_answer(await pressed(chat, OTHER_ID, "reg:yes"), "Lê Văn Bình")
    async with running(config, clock, fake) as (again, chat):
        assert is_registered_answer(await pressed(chat, DELEGATE_ID, "reg:yes"), "Trần Thị Hà")
        assert await linked_code(again, DELEGATE_ID) == "DB001"
        assert await linked_code(again, OTHER_ID) == "DB002"
        assert (await said(chat, OTHER_ID, "/me")).startswith("<b>Lê Văn Bình</b>")


async def test_lockout_survives_a_restart(
    app: App, roster: None, tg: TelegramChat, fake: FakeTelegram, config: Config,
    clock: FixedClock,
) -> None:
    await tg.send(DELEGATE_ID, "/start")
    for _ in range(5):
        await tg.send(DELEGATE_ID, "WRONGCODE")
    await tg.channel.stop()
    await app.close()
    async with running(config, clock, fake) as (_, chat):
        assert await said(chat, DELEGATE_ID, HA_CODE) == vi("registration.locked", minutes=15)


# ---------------------------------------------------------------------------- odd input

LONG = "A" * 5000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start <b>&amp;</b>", "registration.wrong_code"),
        ("/start 🎉🎉🎉", "registration.wrong_code"),
        ("/start <script>alert(1)</script>", "registration.wrong_code"),
        (f"/start {LONG}", "error.too_long"),
        ("/start " + "AC3D-" * 800, "registration.wrong_code"),  # 4,000 characters
    ],
)
async def test_odd_start_arguments_get_a_clear_answer(
    app: App, roster: None, tg: TelegramChat, text: str, expected: str
) -> None:
    assert await said(tg, DELEGATE_ID, text) == vi(expected, limit=4096)
    assert await linked_code(app, DELEGATE_ID) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<b>AC3D</b>E4F6GH", "registration.explain_or_phone"),
        ("&lt;AC3DE4F6GH&gt;", "registration.explain_or_phone"),
        ("🎉 AC3DE4F6GH 🎉", "registration.explain_or_phone"),
        ("مرحبا שלום \u202e AC3D", "registration.explain_or_phone"),
        (LONG, "error.too_long"),
        ("Z" * 4096, "registration.explain_or_phone"),
    ],
)
async def test_odd_text_in_the_code_step_gets_a_clear_answer_and_the_flow_goes_on(
    app: App, roster: None, tg: TelegramChat, text: str, expected: str
) -> None:
    await tg.send(DELEGATE_ID, "/start")
    event = app.services.config.event.name
    assert await said(tg, DELEGATE_ID, text) == vi(expected, limit=4096, event=event)
    assert await linked_code(app, DELEGATE_ID) is None
    assert await failures(app, DELEGATE_ID) == 0  # none of them can be a code
    assert await said(tg, DELEGATE_ID, HA_CODE) == HA_CONFIRM


# ---------------------------------------------------------------------------- console


async def console_chat(app: App, *lines: str, user: str = "ha-console") -> str:
    """Type lines into a console channel; return everything it printed."""
    out = io.StringIO()
    channel = ConsoleChannel(app, user_id=user, display_name="Chị Hà",
                             stdin=io.StringIO("".join(f"{line}\n" for line in lines)),
                             stdout=out)
    await channel.run(prompt=False)
    return out.getvalue()


async def test_console_main_flow_asks_for_the_code_confirms_and_registers(
    app: App, roster: None
) -> None:
    out = await console_chat(app, "/start", "wrong-code", "ac3d-e4f6-gh", "1", "/me")
    assert "Xin chào Chị Hà!" in out
    assert "vui lòng gửi mã mời" in out
    assert "Chia sẻ số điện thoại" not in out  # no phone button off Telegram
    assert "Mã mời không đúng." in out
    assert "Mã mời này là của:\nTrần Thị Hà\nĐơn vị: Sở Y tế <Bệnh viện & Co>" in out
    assert "  1. ✅ Đúng, là tôi\n  2. ❌ Không phải tôi" in out
    assert "Đăng ký thành công! Chào mừng đồng chí Trần Thị Hà." in out
    assert "Mã đại biểu: DB001" in out and "Số ghế: A01" in out
    assert "<b>" not in out
    assert await linked_code(app, "ha-console", platform="console") == "DB001"


async def test_confirming_ends_the_step_links_and_forgets_failures_or_links_nothing(
    app: App,
) -> None:
    """storage.registrations.confirm: each outcome, as stored."""
    db = app.services.db
    people = await seed(app, 2, registered=0)
    now, later = "2026-08-11T00:00:00.000+00:00", "2026-08-11T00:01:00.000+00:00"
    for account in ("1", "2", "3"):
        await users.touch(db, ChatUser("telegram", account, account, "A"), now)
        await users.set_step(db, "telegram", account, "registration.confirm", {"x": 1})
        await registrations.record_failure(db, "telegram", account, now)
    first, second = people[0].delegate.id, people[1].delegate.id

    async def state(account: str) -> tuple[str | None, int | None, int]:
        user = await users.get(db, "telegram", account)
        assert user is not None
        failures = await registrations.failures_since(db, "telegram", account, "2000")
        return (user.step, await registrations.delegate_id_of(db, "telegram", account),
                len(failures))

    assert await registrations.confirm(db, "telegram", "1", first, "invite_code", later)
    assert await state("1") == (None, first, 0)
    # the delegate is taken: the step ends, nothing is linked, the failures stay
    assert not await registrations.confirm(db, "telegram", "2", first, "invite_code", later)
    assert await state("2") == (None, None, 1)
    # the account is linked already: the same
    await users.set_step(db, "telegram", "1", "registration.confirm", {})
    assert not await registrations.confirm(db, "telegram", "1", second, "phone", later)
    assert await state("1") == (None, first, 0)
    # a delegate that no longer exists: nothing linked, the step still ends
    assert not await registrations.confirm(db, "telegram", "3", 99_999, "invite_code", later)
    assert await state("3") == (None, None, 1)
