"""Self check-in at the hall (point 3): the screen's code changes every 30 s; a registered
delegate who opens it (Telegram deep link) or types it (Zalo) is checked in; an old or wrong
code, or a stranger, is refused with nothing recorded. The screen renders one frame at a
time on the injected clock and stops cleanly."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

import pytest

from bot import checkin_screen, hall_code
from bot.app import App
from bot.clock import FixedClock, to_iso
from storage import attendance, registrations, users
from storage.users import ChatUser
from testkit.congress_day import DAY_ONE_AM, programme_and_people, scan_text
from testkit.people import Person
from testkit.telegram_harness import TelegramChat
from testkit.texts import vi
from testkit.zalo_harness import ZaloChat
from tests.conftest import ORGANISER_ID

SECRET = bytes(range(32))



@pytest.fixture
async def people(app: App) -> list[Person]:
    """Four delegates registered on Telegram, and the programme."""
    return await programme_and_people(app, 4)


async def current_code(app: App) -> str:
    """Return the code the hall screen shows now."""
    secret = await hall_code.event_secret(app.services.db)
    return hall_code.code(secret, hall_code.period(app.services.clock.now()))


# ---------------------------------------------------------------------------- the code
def test_the_code_of_now_and_of_the_period_before_are_good_older_ones_are_not(
        clock: FixedClock) -> None:
    now = clock.now()
    shown = hall_code.code(SECRET, hall_code.period(now))
    assert hall_code.is_valid(SECRET, shown, now)
    assert hall_code.is_valid(SECRET, shown.lower(), now)  # typed in lower case
    assert hall_code.is_valid(SECRET, f"{shown[:4]} {shown[4:]}", now)
    start = hall_code.period(now) * hall_code.PERIOD_SECONDS
    later = now + timedelta(seconds=start + hall_code.PERIOD_SECONDS - now.timestamp())
    assert hall_code.is_valid(SECRET, shown, later)  # the next period: still good
    assert not hall_code.is_valid(SECRET, shown, later + timedelta(seconds=30))  # two: no
    assert not hall_code.is_valid(bytes(32), shown, now)  # another event's secret
    assert not hall_code.is_valid(SECRET, "", now)
    assert hall_code.code(SECRET, 1) != hall_code.code(SECRET, 2)


async def test_the_event_secret_is_made_once_and_kept(app: App) -> None:
    first = await hall_code.event_secret(app.services.db)
    assert len(first) == 32 and await hall_code.event_secret(app.services.db) == first


# ---------------------------------------------------------------------------- in the chat
async def test_a_delegate_opening_the_hall_link_is_checked_in_once(
        app: App, tg: TelegramChat, people: list[Person]) -> None:
    user = people[0].user_id
    assert user is not None
    link = f"/start hall_{await current_code(app)}"
    assert await tg.texts(user, link) == [vi(
        "checkin.hall_done", name=people[0].delegate.full_name,
        window="buổi sáng Thứ Ba 11/08")]
    [made] = await attendance.checkins(app.services.db, DAY_ONE_AM)
    assert (made.delegate_id, made.method) == (people[0].delegate.id, "hall")
    again = await tg.texts(user, link)
    assert again == [vi("checkin.hall_twice", window="buổi sáng Thứ Ba 11/08",
                        at="07:30, Thứ Ba 11/08")]
    # Staff scanning their card afterwards are told how they checked in.
    answer = "".join(await tg.texts(ORGANISER_ID, await scan_text(app, people[0].delegate.id)))
    assert "Tự điểm danh tại hội trường lúc 07:30" in answer


async def test_an_old_or_wrong_code_and_a_stranger_are_refused(
        app: App, tg: TelegramChat, people: list[Person], clock: FixedClock) -> None:
    user = people[1].user_id
    assert user is not None
    old = await current_code(app)
    clock.advance(timedelta(seconds=2 * hall_code.PERIOD_SECONDS))
    assert await tg.texts(user, f"/start hall_{old}") == [vi("checkin.hall_expired")]
    assert await tg.texts(user, "/start hall_AAAAAAAA") == [vi("checkin.hall_expired")]
    assert await tg.texts(user, "/start hall_") == [vi("checkin.hall_expired")]
    fresh = await current_code(app)
    assert await tg.texts(4242, f"/start hall_{fresh}") == [vi("checkin.hall_not_registered")]
    assert await tg.texts(user, "/checkin") == [vi("checkin.hall_usage")]
    assert await attendance.checkins(app.services.db, DAY_ONE_AM) == []


async def test_a_zalo_delegate_types_the_code(
        app: App, zalo: ZaloChat, people: list[Person]) -> None:
    db, now = app.services.db, to_iso(app.services.clock.now())
    await users.touch(db, ChatUser("zalo", "a1b2c3", "a1b2c3", "Hà"), now)
    assert await registrations.link(db, "zalo", "a1b2c3", people[2].delegate.id, "invite_code",
                                    now)
    code = await current_code(app)
    answer = await zalo.say("a1b2c3", f"/checkin {code[:4].lower()} {code[4:]}")
    assert "Đã điểm danh buổi sáng Thứ Ba 11/08" in answer
    [made] = await attendance.checkins(db, DAY_ONE_AM)
    assert made.delegate_id == people[2].delegate.id


# ---------------------------------------------------------------------------- the screen
def modules_of(lines: list[str]) -> list[list[bool]]:
    """Read the light (True) modules back from the screen's half blocks."""
    rows: list[list[bool]] = []
    for line in lines:
        rows.append([c in "█▀" for c in line])
        rows.append([c in "█▄" for c in line])
    return rows


async def test_a_frame_shows_the_qr_of_the_current_hall_link_and_the_count(
        app: App, people: list[Person], clock: FixedClock) -> None:
    t = app.texts.in_language("vi")
    shown = await checkin_screen.frame(app.services, t, lambda p: f"https://t.me/b?start={p}",
                                       colour=False)
    assert shown.code == await current_code(app)
    lines = shown.text.split("\n")
    qr = [line for line in lines if line and set(line) <= set("█▀▄ ")]
    expected = checkin_screen.segno.make(f"https://t.me/b?start=hall_{shown.code}", error="m",
                                         micro=False)
    light = [[not v for v in row] for row in expected.matrix_iter(border=checkin_screen.BORDER)]
    assert modules_of(qr)[:len(light)] == light
    assert f"/checkin {shown.code}" in shown.text
    assert "có mặt 0/4 đại biểu chính thức" in shown.text
    clock.advance(timedelta(seconds=hall_code.PERIOD_SECONDS))
    later = await checkin_screen.frame(app.services, t, None, colour=False)
    assert later.code != shown.code and "█" not in later.text  # no deep link: the code only
    assert "\x1b[" in checkin_screen.qr_lines("x")[0]  # coloured by default


async def test_the_screen_redraws_until_stopped_and_puts_the_terminal_back(
        app: App, people: list[Person], clock: FixedClock) -> None:
    out, stop, ticks = io.StringIO(), asyncio.Event(), []

    async def sleep(seconds: float) -> None:
        ticks.append(seconds)
        clock.advance(timedelta(seconds=seconds))
        if len(ticks) == 3:
            stop.set()
        await asyncio.sleep(0)

    await checkin_screen.show(app.services, app.texts.in_language("vi"), None, out=out,
                              sleep=sleep, stop=stop, colour=False)
    written = out.getvalue()
    assert written.count(checkin_screen.CLEAR) == 4  # three frames, then the screen cleared
    assert written.startswith(checkin_screen.HIDE_CURSOR)
    assert written.endswith(checkin_screen.SHOW_CURSOR + checkin_screen.CLEAR
                            + "Đã tắt màn hình điểm danh.\n")
