"""/attendance for organisers through the real Telegram channel (point 7): present over
summoned, by kind and by delegation, absent with their reason apart from the missing, the
quorum, an alternate in an official's seat; and every organiser command refused to a
delegate."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FixedClock, to_iso
from bot.config import Config
from handlers import build_router
from storage import attendance
from storage.attendance import Checkin, Replacement
from testkit.congress_day import (
    AFTER_EVERYTHING,
    DAY_ONE_AM,
    load_programme,
    programme_and_people,
    scan_text,
)
from testkit.people import Person, seed
from testkit.telegram_harness import TelegramChat
from testkit.texts import vi
from tests.conftest import ORGANISER_ID, make_config

CHECKER = 7001



@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a config with an organiser and a checker, quorum one half."""
    return make_config(tmp_path, organisers={"checkers": {"telegram": [CHECKER]}},
                       attendance={"quorum": "1/2"})


@pytest.fixture
async def people(app: App) -> list[Person]:
    """Twelve delegates (T0009 an alternate) registered on Telegram, and the programme."""
    return await programme_and_people(app, 12)


async def report(tg: TelegramChat, text: str = "/attendance") -> str:
    """Return the organiser's /attendance answer as one string."""
    return await tg.say(ORGANISER_ID, text)


async def test_attendance_shows_present_absent_missing_and_the_quorum(
        app: App, tg: TelegramChat, people: list[Person]) -> None:
    db, now = app.services.db, to_iso(app.services.clock.now())
    for person in people[:5]:
        await tg.texts(CHECKER, await scan_text(app, person.delegate.id))
    await attendance.report_absence(db, people[6].delegate.id, starts_at=now,
                                    ends_at="2026-08-12T10:00:00.000+00:00", scope="rest",
                                    reason="Ốm <nằm viện>", now=now)
    await attendance.replace(db, Replacement(people[7].delegate.id, people[9].delegate.id, now,
                                             "cli"), None)
    await tg.texts(CHECKER, await scan_text(app, people[9].delegate.id))
    answer = await report(tg)
    assert "Điểm danh buổi sáng Thứ Ba 11/08</b> (buổi 1/3)" in answer
    # 11 seats (T0009 is an alternate, now in T0007's seat): 6 holders present, 1/2 needs 6.
    assert "Có mặt 6/11 đại biểu chính thức — đã đủ 1/2" in answer
    assert "• Đại biểu chính thức: 5/11" in answer
    assert "• Đại biểu dự khuyết đã thay thế đại biểu chính thức: 1/1" in answer
    assert "Vắng mặt có lý do (1)</b>\n• Đại biểu Thử 6 (Đoàn Sở Tài chính): Ốm &lt;nằm viện&gt;" \
        in answer
    missing = answer.split("Chưa có mặt, chưa báo vắng (4)</b>\n")[1].split("\n")
    assert missing == ["• Đại biểu Thử 10 (Đoàn Sở Y tế)",
                       "• Đại biểu Thử 11 (Đoàn Sở Giáo dục và Đào tạo)",
                       "• Đại biểu Thử 5 (Đoàn Sở Giáo dục và Đào tạo)",
                       "• Đại biểu Thử 8 (Đoàn Sở Giáo dục và Đào tạo)"]
    assert "Đại biểu Thử 7 (" not in answer.split("Chưa có mặt")[1]  # replaced: not missing
    assert "• Đoàn Sở Tài chính: 3/4" in answer  # T0009 holds T0007's seat: by their own


async def test_attendance_picks_a_window_by_number_and_refuses_a_wrong_one(
        app: App, tg: TelegramChat, people: list[Person], clock: FixedClock) -> None:
    await attendance.check_in(app.services.db, Checkin(people[0].delegate.id, DAY_ONE_AM,
                                                       to_iso(clock.now()), "desk", "", "", ""))
    clock.set(AFTER_EVERYTHING)
    assert "(buổi 3/3)" in await report(tg)
    first = await report(tg, "/attendance 1")
    assert "(buổi 1/3)" in first and "Có mặt 1/11" in first
    for bad in ("/attendance 4", "/attendance 0", "/attendance x", "/attendance ²"):
        assert await report(tg, bad) == vi("attendance.usage", total=3)


async def test_attendance_without_a_programme(app: App, tg: TelegramChat) -> None:
    assert await report(tg) == vi("attendance.no_programme")


async def test_attendance_lists_at_most_forty_names_and_says_how_many_more(
        app: App, tg: TelegramChat) -> None:
    await load_programme(app)
    await seed(app, 60)
    answer = await report(tg)
    assert "Chưa có mặt, chưa báo vắng (54)" in answer
    assert vi("attendance.more", count=14) in answer


async def test_every_organiser_command_is_refused_to_a_delegate_and_a_checker(
        app: App, tg: TelegramChat, people: list[Person]) -> None:
    commands = build_router().commands.values()
    organiser_only = sorted(c.name for c in commands if c.organiser)
    assert {"attendance", "newcard"} <= set(organiser_only)
    # /web lets checkers in too (a link to the check-in desk only: tests/test_web.py).
    checkers_too = {c.name for c in commands if c.organiser and c.also is not None}
    assert checkers_too == {"web"}
    user = people[0].user_id
    assert user is not None
    for who in (user, CHECKER):
        for name in organiser_only:
            if who == CHECKER and name in checkers_too:
                continue
            assert await tg.texts(who, f"/{name} T0001") == [vi("error.organisers_only")], name
    assert await attendance.checkins(app.services.db, DAY_ONE_AM) == []
