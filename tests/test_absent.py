"""/absent (báo vắng) end to end: choose what will be missed, give the reason, confirm.

Through the real Telegram channel against the fake Bot API server (buttons) and the real Zalo
channel against the fake Zalo server (numbered choices). The programme and the roster are
written through storage (testkit.congress_roster); the clock is the test's, at 07:30 on the
first congress day. What is checked: the questions and their choices, the stored absence and
its audit entry, the organisers' notice through the outbox (once), and each bad input.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FixedClock, to_iso
from bot.config import Config
from bot.text import html_to_plain
from storage import attendance, audit, broadcasts, registrations, users
from storage.users import ChatUser
from testkit.congress_roster import Roster, congress, programme
from testkit.fake_telegram import FakeTelegram
from testkit.telegram_harness import TelegramChat, buttons
from testkit.texts import vi
from testkit.worker import drain
from testkit.zalo_harness import ZaloChat
from tests.conftest import ORGANISER_ID, make_config

ZALO_USER = "a1b2c3d4e5f60718"



def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


TUE_AM = (at("2026-08-11T00:30:00+00:00"), at("2026-08-11T04:30:00+00:00"))
TUE_PM = (at("2026-08-11T06:30:00+00:00"), at("2026-08-11T10:00:00+00:00"))
WED_AM = (at("2026-08-12T00:30:00+00:00"), at("2026-08-12T04:00:00+00:00"))
SPAN_TUE_PM = "buổi chiều Thứ Ba 11/08 (13:30–17:00)"


def window_data(span: tuple[datetime, datetime]) -> str:
    return f"abs:w:{int(span[0].timestamp())}"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a test config with a Telegram organiser and Zalo enabled for delegates."""
    return make_config(tmp_path)


async def people_and_programme(app: App) -> Roster:
    """3 officials, an alternate and a guest, all but CT003 on Telegram; the programme."""
    await programme(app)
    return await congress(app, officials=3, alternates=1, guests=1,
                          registered=("CT001", "CT002", "DK001", "KM001"))


async def choices_of(tg: TelegramChat, user: int, text: str) -> tuple[str, list[tuple[str, str]]]:
    (answer,) = await tg.send(user, text)
    return str(answer["text"]), buttons(answer)


async def press(tg: TelegramChat, user: int, data: str) -> tuple[str, list[tuple[str, str]]]:
    (answer,) = await tg.press(user, data)
    return str(answer["text"]), buttons(answer)


async def report(tg: TelegramChat, user: int, data: str, reason: str) -> str:
    """Go through the flow: /absent, a choice, the reason, send; return the last answer."""
    await tg.send(user, "/absent")
    await tg.press(user, data)
    await tg.send(user, reason)
    return (await press(tg, user, "abs:send"))[0]


# ---------------------------------------------------------------------------- the happy path
async def test_a_delegate_reports_an_afternoon_and_the_organisers_are_told_once(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    people = await people_and_programme(app)
    await tg.send(ORGANISER_ID, "/help")  # the organiser wrote to the bot: it can write back
    delegate = people.official[0]
    user = people.user(delegate)

    text, choices = await choices_of(tg, user, "/absent")
    assert text == vi("absent.ask_span")
    assert choices == [
        ("Buổi sáng Thứ Ba 11/08 (07:30–11:30)", window_data(TUE_AM)),
        ("Buổi chiều Thứ Ba 11/08 (13:30–17:00)", window_data(TUE_PM)),
        ("Buổi sáng Thứ Tư 12/08 (07:30–11:00)", window_data(WED_AM)),
        ("Cả ngày Thứ Ba 11/08", "abs:d:2026-08-11"),
        ("Từ 07:30, Thứ Ba 11/08 đến hết đại hội", "abs:r"),
        ("Hủy", "abs:cancel"),
    ]
    text, _ = await press(tg, user, window_data(TUE_PM))
    assert text == vi("absent.ask_reason", span=SPAN_TUE_PM, max=300)
    text, choices = await choices_of(tg, user, "  Đi khám bệnh   theo lịch hẹn \n")
    assert text == vi("absent.confirm", span=SPAN_TUE_PM, reason="Đi khám bệnh theo lịch hẹn")
    assert choices == [("Gửi báo vắng", "abs:send"), ("Hủy", "abs:cancel")]
    assert await attendance.absences_of(app.services.db, delegate.id) == []  # not yet

    text, _ = await press(tg, user, "abs:send")
    assert text == vi("absent.done", span=SPAN_TUE_PM, reason="Đi khám bệnh theo lịch hẹn")
    (absence,) = await attendance.absences_of(app.services.db, delegate.id)
    assert (absence.scope, absence.reason) == ("window", "Đi khám bệnh theo lịch hẹn")
    assert (absence.starts_at, absence.ends_at) == (to_iso(TUE_PM[0]), to_iso(TUE_PM[1]))
    (entry,) = await audit.entries(app.services.db, action="absence.reported")
    assert entry.actor == f"telegram:{user}" and entry.details["delegate"] == "CT001"

    await drain(app, clock)
    told = vi("absent.organisers", name=delegate.full_name, code="CT001",
              kind=vi("kind.official"), delegation=delegate.delegation, span=SPAN_TUE_PM,
              reason="Đi khám bệnh theo lịch hẹn", hint="")
    assert fake.sent_texts(ORGANISER_ID)[-1] == told
    # The button pressed again: the question was answered; nothing stored or sent twice.
    assert (await press(tg, user, "abs:send"))[0] == vi("error.stale_choice")
    await drain(app, clock)
    assert fake.sent_texts(ORGANISER_ID).count(told) == 1
    assert len(await attendance.absences_of(app.services.db, delegate.id)) == 1


async def test_the_rest_of_the_congress_by_an_official_suggests_an_alternate(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    people = await people_and_programme(app)
    await tg.send(ORGANISER_ID, "/help")
    delegate = people.official[1]
    text = await report(tg, people.user(delegate), "abs:r", "Ốm")
    span = "từ 07:30, Thứ Ba 11/08 đến hết đại hội"
    assert text == vi("absent.done", span=span, reason="Ốm")
    (absence,) = await attendance.absences_of(app.services.db, delegate.id)
    assert (absence.scope, absence.starts_at, absence.ends_at) == (
        "rest", to_iso(TUE_AM[0]), to_iso(WED_AM[1]))
    await drain(app, clock)
    assert fake.sent_texts(ORGANISER_ID)[-1].endswith(
        vi("absent.organisers_hint", code="CT002"))


async def test_a_whole_day_and_a_guest_may_report_too(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    people = await people_and_programme(app)
    guest = people.guest[0]
    text = await report(tg, people.user(guest), "abs:d:2026-08-11", "Công tác")
    assert text == vi("absent.done", span="cả ngày Thứ Ba 11/08", reason="Công tác")
    (absence,) = await attendance.absences_of(app.services.db, guest.id)
    assert (absence.scope, absence.starts_at, absence.ends_at) == (
        "day", to_iso(TUE_AM[0]), to_iso(TUE_PM[1]))
    # The organiser never wrote to the bot: nothing can reach them, the absence is kept.
    assert [b.kind for b in await broadcasts.recent(app.services.db)] == []


async def test_reporting_the_same_span_again_is_not_stored_twice(
    app: App, tg: TelegramChat
) -> None:
    people = await people_and_programme(app)
    delegate = people.official[0]
    await report(tg, people.user(delegate), "abs:r", "Ốm")
    text = await report(tg, people.user(delegate), window_data(WED_AM), "Vẫn ốm")
    assert text == vi("absent.already", span="buổi sáng Thứ Tư 12/08 (07:30–11:00)",
                      reason="Ốm")
    assert len(await attendance.absences_of(app.services.db, delegate.id)) == 1


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("reason", "answer"), [
    ("   ", vi("error.unsupported")),  # the router's answer to a blank message
    ("x" * 301, vi("absent.reason_too_long", max=300, length=301)),
    ("Ốm\x07", vi("absent.reason_control", code="U+0007")),
    ("Ốm\u200b\x1b[31m", vi("absent.reason_control", code="U+001B")),
])
async def test_a_bad_reason_is_refused_and_asked_again(
    app: App, tg: TelegramChat, reason: str, answer: str
) -> None:
    people = await people_and_programme(app)
    user = people.user(people.official[0])
    await tg.send(user, "/absent")
    await tg.press(user, window_data(TUE_PM))
    assert await tg.texts(user, reason) == [answer]
    assert await attendance.absences_of(app.services.db, people.official[0].id) == []
    text, choices = await choices_of(tg, user, "x" * 300)  # at the limit: taken
    assert text.startswith("Báo vắng mặt") and choices[0][1] == "abs:send"


async def test_text_before_choosing_cancel_and_a_stale_button(
    app: App, tg: TelegramChat
) -> None:
    people = await people_and_programme(app)
    user = people.user(people.official[0])
    await tg.send(user, "/absent")
    assert await tg.texts(user, "Ốm") == [vi("absent.choose_first")]
    assert (await press(tg, user, "abs:cancel"))[0] == vi("absent.cancelled")
    assert (await press(tg, user, window_data(TUE_PM)))[0] == vi("error.stale_choice")
    assert (await press(tg, user, "abs:send"))[0] == vi("error.stale_choice")
    await tg.send(user, "/absent")
    assert (await press(tg, user, "abs:w:12345"))[0] == vi("absent.gone")  # forged
    assert await attendance.absences_of(app.services.db, people.official[0].id) == []


async def test_a_window_over_before_the_reason_is_gone(
    app: App, tg: TelegramChat, clock: FixedClock
) -> None:
    people = await people_and_programme(app)
    user = people.user(people.official[0])
    await tg.send(user, "/absent")
    await tg.press(user, window_data(TUE_AM))
    clock.advance(timedelta(hours=4, minutes=1))  # 11:31: the morning is over
    assert await tg.texts(user, "Ốm") == [vi("absent.gone")]
    assert await attendance.absences_of(app.services.db, people.official[0].id) == []


async def test_with_nothing_left_on_the_programme_there_is_nothing_to_report(
    app: App, tg: TelegramChat, clock: FixedClock
) -> None:
    people = await congress(app, officials=1, registered=("CT001",))
    user = people.user(people.official[0])
    assert await tg.texts(user, "/absent") == [vi("absent.nothing_left")]  # no programme
    await programme(app)
    clock.advance(timedelta(days=1, hours=3, minutes=30))  # Wednesday 11:00: all over
    assert await tg.texts(user, "/absent") == [vi("absent.nothing_left")]
    clock.advance(timedelta(minutes=-1))
    _, choices = await choices_of(tg, user, "/absent")
    assert [d for _, d in choices] == [window_data(WED_AM), "abs:r", "abs:cancel"]


async def test_a_person_not_registered_is_told_how_to_register(
    app: App, tg: TelegramChat
) -> None:
    await people_and_programme(app)
    stranger = 77_777
    tg.fake.declare_chat(stranger)
    assert await tg.texts(stranger, "/absent") == [vi("registration.not_registered")]
    assert await tg.texts(stranger, "abs:r") != []  # plain text, not a choice
    assert (await press(tg, stranger, "abs:send"))[0] == vi("registration.not_registered")


# ---------------------------------------------------------------------------- Zalo
async def test_on_zalo_the_choices_are_numbers(app: App, zalo: ZaloChat) -> None:
    people = await people_and_programme(app)
    delegate = people.alternate[0]
    db, now = app.services.db, to_iso(app.services.clock.now())
    await users.touch(db, ChatUser("zalo", ZALO_USER, ZALO_USER, "Đại biểu"), now)
    assert await registrations.link(db, "zalo", ZALO_USER, delegate.id, "invite_code", now)
    (ask,) = await zalo.send(ZALO_USER, "/absent")
    assert ask.startswith(html_to_plain(vi("absent.ask_span")) + "\n  1. ")
    assert "\n  3. Buổi sáng Thứ Tư 12/08 (07:30–11:00)\n" in ask
    assert await zalo.say(ZALO_USER, "3") == html_to_plain(vi(
        "absent.ask_reason", span="buổi sáng Thứ Tư 12/08 (07:30–11:00)", max=300))
    (confirm,) = await zalo.send(ZALO_USER, "Họp cơ quan")
    assert "\n  1. Gửi báo vắng\n  2. Hủy\n" in confirm
    assert await zalo.say(ZALO_USER, "1") == html_to_plain(vi(
        "absent.done", span="buổi sáng Thứ Tư 12/08 (07:30–11:00)", reason="Họp cơ quan"))
    (absence,) = await attendance.absences_of(db, delegate.id)
    assert (absence.scope, absence.starts_at) == ("window", to_iso(WED_AM[0]))
