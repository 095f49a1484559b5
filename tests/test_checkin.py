"""Check-in at the door through the real Telegram and Zalo channels (points 2, 4, 10).

Organisers and checkers scan cards (`/start ci_<token>`): a check-in for the window in
progress, the running count, a second scan saying when and by whom; delegates and strangers
are refused with nothing recorded; forged, re-issued and pruned tokens are not recognised;
outside the windows a check-in is refused naming the next one; the quorum message goes to
the organisers once per window.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import App
from bot.checkin_link import checkin_payload
from bot.clock import FixedClock, to_iso
from bot.config import Config, ConfigError
from bot.model import Incoming
from storage import attendance, broadcasts, delegates
from storage.attendance import Checkin
from testkit.congress_day import (
    AFTER_EVERYTHING,
    AFTERNOON,
    BEFORE_EVERYTHING,
    DAY_ONE_AM,
    DAY_ONE_PM,
    LUNCH,
    load_programme,
    programme_and_people,
    scan_text,
)
from testkit.fake_telegram import FakeTelegram
from testkit.people import Person, seed
from testkit.telegram_harness import TelegramChat, start_channel
from testkit.texts import vi
from testkit.worker import drain
from testkit.zalo_harness import ZaloChat
from tests.conftest import ORGANISER_ID, make_config

CHECKER = 7001
ZALO_CHECKER = "c0ffee01"
ZALO_ORGANISER = "0a0b0c0d"
STRANGER = 4242



@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a config with an organiser and a checker on each platform."""
    return make_config(tmp_path, organisers={
        "telegram": [ORGANISER_ID], "zalo": [ZALO_ORGANISER],
        "checkers": {"telegram": [CHECKER], "zalo": [ZALO_CHECKER]}})


@pytest.fixture
async def people(app: App) -> list[Person]:
    """Six official delegates registered on Telegram, and the programme."""
    return await programme_and_people(app, 6)


async def stored(app: App, window: str = DAY_ONE_AM) -> list[Checkin]:
    """Return the check-ins of a window."""
    return await attendance.checkins(app.services.db, window)


# ---------------------------------------------------------------------------- staff scans
async def test_a_checker_scans_a_card_and_gets_who_and_the_running_count(
        app: App, tg: TelegramChat, people: list[Person]) -> None:
    first = people[0].delegate
    answer = await tg.say(CHECKER, await scan_text(app, first.id))
    assert vi("checkin.done") in answer
    assert first.full_name in answer and first.delegation in answer and first.seat in answer
    assert "Đại biểu chính thức" in answer
    assert "Có mặt 1/6 đại biểu chính thức — chưa đủ 2/3 (cần 4)" in answer
    [made] = await stored(app)
    assert (made.delegate_id, made.method, made.by_platform, made.by_user) == (
        first.id, "staff", "telegram", str(CHECKER))


async def test_a_second_scan_says_when_and_by_whom(
        app: App, tg: TelegramChat, people: list[Person]) -> None:
    scan = await scan_text(app, people[1].delegate.id)
    await tg.say(ORGANISER_ID, scan)
    answer = await tg.say(CHECKER, scan)
    assert vi("checkin.twice") in answer
    [made] = await stored(app)
    assert made.by_user == str(ORGANISER_ID)
    assert f"do {made.by_name} quét thẻ" in answer and "07:3" in answer
    assert "Có mặt 1/6" in answer


async def test_two_checkers_scanning_one_badge_at_once_make_one_check_in(
        app: App, people: list[Person]) -> None:
    scan = await scan_text(app, people[2].delegate.id)
    _, *args = scan.split()

    def msg(user: int) -> Incoming:
        return Incoming("telegram", str(user), str(user), f"U{user}", "vi", scan, "start",
                        tuple(args))

    answers = await asyncio.gather(app.handle(msg(CHECKER)), app.handle(msg(ORGANISER_ID)))
    heads = sorted(r[0].text.split("\n")[0] for r in answers)
    assert heads == sorted([vi("checkin.done"), vi("checkin.twice")])
    assert len(await stored(app)) == 1


@pytest.mark.parametrize("who", ["delegate", "stranger"])
async def test_a_delegate_or_a_stranger_opening_a_check_in_link_is_refused_and_logged(
        app: App, tg: TelegramChat, people: list[Person], who: str,
        caplog: pytest.LogCaptureFixture) -> None:
    user = people[3].user_id if who == "delegate" else STRANGER
    assert user is not None
    answer = await tg.say(user, await scan_text(app, people[0].delegate.id))
    key = "checkin.not_staff_delegate" if who == "delegate" else "checkin.not_staff"
    assert answer == vi(key)
    assert await stored(app) == []
    assert "opened a check-in link without being staff" in caplog.text


async def test_forged_reissued_and_pruned_tokens_are_not_recognised(
        app: App, tg: TelegramChat, people: list[Person]) -> None:
    db = app.services.db
    unknown = vi("checkin.unknown_card")
    assert await tg.say(CHECKER, f"/start {checkin_payload('0' * 20)}") == unknown
    assert await tg.say(CHECKER, "/start ci_") == unknown
    assert await tg.say(CHECKER, f"/start ci_{'x' * 200}") == unknown
    old = await scan_text(app, people[0].delegate.id)
    await delegates.new_checkin_token(db, people[0].delegate.id)
    assert await tg.say(CHECKER, old) == unknown
    assert vi("checkin.done") in await tg.say(CHECKER, await scan_text(app, people[0].delegate.id))
    pruned = await scan_text(app, people[5].delegate.id)
    await delegates.apply_import(db, upserts=[], remove_codes=[people[5].delegate.code],
                                 now=to_iso(app.services.clock.now()))
    assert await tg.say(CHECKER, pruned) == unknown
    assert [c.delegate_id for c in await stored(app)] == [people[0].delegate.id]


async def test_a_registration_deep_link_still_reaches_registration(
        app: App, tg: TelegramChat, people: list[Person]) -> None:
    answer = await tg.say(STRANGER, "/start INVITE0004")  # linked already: refused there
    assert answer == vi("registration.taken")


# ---------------------------------------------------------------------------- windows
async def test_before_between_and_after_the_windows_a_check_in_is_refused(
        app: App, tg: TelegramChat, people: list[Person], clock: FixedClock) -> None:
    scan = await scan_text(app, people[0].delegate.id)
    clock.set(BEFORE_EVERYTHING)
    answer = await tg.say(CHECKER, scan)
    assert answer == vi("checkin.not_yet", window="buổi sáng Thứ Ba 11/08",
                        opens="07:00, Thứ Ba 11/08")
    clock.set(LUNCH)
    answer = await tg.say(CHECKER, scan)
    assert answer == vi("checkin.not_yet", window="buổi chiều Thứ Ba 11/08",
                        opens="12:30, Thứ Ba 11/08")
    clock.set(AFTER_EVERYTHING)
    assert await tg.say(CHECKER, scan) == vi("checkin.closed")
    assert await attendance.windows_taken(app.services.db) == set()
    clock.set(AFTERNOON)
    assert vi("checkin.done") in await tg.say(CHECKER, scan)
    assert [c.delegate_id for c in await stored(app, DAY_ONE_PM)] == [people[0].delegate.id]


async def test_without_a_programme_nothing_can_be_checked_in(
        app: App, tg: TelegramChat) -> None:
    [person] = await seed(app, 1)
    assert await tg.say(CHECKER, await scan_text(app, person.delegate.id)) == vi(
        "checkin.closed")


@pytest.mark.parametrize(("mode", "key"), [("day", "2026-08-11"), ("session", "s/open")])
async def test_the_windows_follow_the_config(
        tmp_path: Path, clock: FixedClock, fake: FakeTelegram, mode: str, key: str) -> None:
    config = make_config(tmp_path, attendance={"windows": mode})
    application = await App.open(config, clock=clock)
    try:
        await load_programme(application)
        [person] = await seed(application, 1)
        channel = await start_channel(application, fake)
        try:
            scan = await scan_text(application, person.delegate.id)
            await TelegramChat(fake, channel).texts(ORGANISER_ID, scan)
        finally:
            await channel.stop()
        assert await attendance.windows_taken(application.services.db) == {key}
    finally:
        await application.close()


@pytest.mark.parametrize(("section", "bad"), [
    ({"windows": "week"}, "attendance.windows"),
    ({"quorum": "3/2"}, "attendance.quorum"),
    ({"quorum": "0/3"}, "attendance.quorum"),
    ({"quorum": "two thirds"}, "attendance.quorum"),
    ({"quorum": "2/0"}, "attendance.quorum"),
    ({"quorum": "66%"}, "attendance.quorum"),
    ({"quorum": 2}, "attendance.quorum"),
])
def test_bad_attendance_settings_stop_start_up(tmp_path: Path, section: dict[str, object],
                                               bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_config(tmp_path, attendance=section)
    assert caught.value.key == bad


def test_bad_checker_ids_stop_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        make_config(tmp_path, organisers={"checkers": {"telegram": [-5]}})
    assert caught.value.key == "organisers.checkers.telegram"
    with pytest.raises(ConfigError) as caught:
        make_config(tmp_path, organisers={"checkers": {"signal": []}})
    assert caught.value.key == "organisers.checkers.signal"


# ---------------------------------------------------------------------------- quorum
async def test_the_organisers_hear_once_when_the_quorum_is_first_reached(
        app: App, tg: TelegramChat, people: list[Person], clock: FixedClock) -> None:
    await tg.say(ORGANISER_ID, "/start")  # the organiser's chat is known to the bot
    for person in people[:3]:
        assert "chưa đủ" in await tg.say(CHECKER, await scan_text(app, person.delegate.id))
    assert await broadcasts.recent(app.services.db) == []
    answer = await tg.say(CHECKER, await scan_text(app, people[3].delegate.id))
    assert "Có mặt 4/6 đại biểu chính thức — đã đủ 2/3" in answer
    await tg.say(CHECKER, await scan_text(app, people[4].delegate.id))
    await tg.say(CHECKER, await scan_text(app, people[3].delegate.id))
    [notice] = await broadcasts.recent(app.services.db)
    assert notice.kind == "quorum" and notice.body == DAY_ONE_AM
    await drain(app, clock)
    told = [m for m in tg.fake.sent_texts(ORGANISER_ID) if "Đã đủ số lượng" in m]
    assert told == ["✅ <b>Đã đủ số lượng</b> buổi sáng Thứ Ba 11/08: có mặt 4/6 đại biểu"
                    " chính thức, đạt từ 2/3 trở lên."]


async def test_a_guest_checked_in_does_not_count(app: App, tg: TelegramChat) -> None:
    await load_programme(app)
    await delegates.apply_import(app.services.db, upserts=[
        delegates.DelegateData("G1", "Khách Mời", "", "", "guest", None, "", "GUEST0001"),
        delegates.DelegateData("O1", "Chính Thức", "", "", "official", None, "", "OFFI0001")],
        remove_codes=[], now=to_iso(app.services.clock.now()))
    guest = await delegates.find_by_code(app.services.db, "G1")
    assert guest is not None
    answer = await tg.say(CHECKER, await scan_text(app, guest.id))
    assert "Khách mời" in answer and "Có mặt 0/1" in answer


# ---------------------------------------------------------------------------- Zalo staff
async def test_a_checker_on_zalo_checks_in_as_on_telegram(
        app: App, zalo: ZaloChat, people: list[Person]) -> None:
    answer = await zalo.say(ZALO_CHECKER, await scan_text(app, people[0].delegate.id))
    assert "Đã điểm danh" in answer and "<b>" not in answer
    assert "Có mặt 1/6 đại biểu chính thức" in answer
    answer = await zalo.say("5e7a9c0b1d", await scan_text(app, people[1].delegate.id))
    assert "Chưa có gì được ghi nhận" in answer
    [made] = await stored(app)
    assert (made.by_platform, made.by_user) == ("zalo", ZALO_CHECKER)
