"""Times as people type them (bot/when.py): one table of inputs and the moments they mean.

Every moment is read against an injected `now` in the event's zone (Hanoi, UTC+7), so that
the edges are fixed: the congress morning (Tuesday 11/08/2026 07:30), just before and just
after midnight in Hanoi (when UTC is still on the previous day), and the last day of the
year. Bad inputs each come back as their own `Misread`; programme files read the same clocks.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.formats.agenda import read_agenda
from bot.i18n import Translator
from bot.localtime import LocalDates
from bot.when import Misread, parse_clock, read_moment

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MORNING = datetime(2026, 8, 11, 0, 30, tzinfo=UTC)  # Tuesday 11/08/2026 07:30 in Hanoi
BEFORE_MIDNIGHT = datetime(2026, 8, 11, 16, 50, tzinfo=UTC)  # Tuesday 23:50 in Hanoi
AFTER_MIDNIGHT = datetime(2026, 8, 11, 17, 10, tzinfo=UTC)  # Wednesday 00:10 in Hanoi, UTC Tue
YEAR_END = datetime(2026, 12, 31, 3, 0, tzinfo=UTC)  # Thursday 31/12/2026 10:00 in Hanoi


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """Return a wall-clock moment in Hanoi."""
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


TABLE: list[tuple[datetime, str, datetime]] = [
    (MORNING, "8h", at(2026, 8, 11, 8)),
    (MORNING, "8h30", at(2026, 8, 11, 8, 30)),
    (MORNING, "08:30", at(2026, 8, 11, 8, 30)),
    (MORNING, "8:30", at(2026, 8, 11, 8, 30)),
    (MORNING, "07.45", at(2026, 8, 11, 7, 45)),
    (MORNING, "8H30", at(2026, 8, 11, 8, 30)),
    (MORNING, "8 giờ 30", at(2026, 8, 11, 8, 30)),
    (MORNING, "8 giờ 30 phút", at(2026, 8, 11, 8, 30)),
    (MORNING, "8g30", at(2026, 8, 11, 8, 30)),
    (MORNING, "2h chiều", at(2026, 8, 11, 14)),
    (MORNING, "7h tối", at(2026, 8, 11, 19)),
    (MORNING, "hôm nay 16h", at(2026, 8, 11, 16)),
    (MORNING, "mai 8h", at(2026, 8, 12, 8)),
    (MORNING, "ngày mai 8h", at(2026, 8, 12, 8)),
    (MORNING, "8h mai", at(2026, 8, 12, 8)),
    (MORNING, "Mai 8h", at(2026, 8, 12, 8)),
    (MORNING, "mốt 9h", at(2026, 8, 13, 9)),
    (MORNING, "thứ ba 14h", at(2026, 8, 11, 14)),  # today is Tuesday and 14h is ahead
    (MORNING, "thứ ba 7h", at(2026, 8, 18, 7)),  # 07:00 today has passed: next Tuesday
    (MORNING, "thu 3 14h", at(2026, 8, 11, 14)),
    (MORNING, "Thứ 4 9h", at(2026, 8, 12, 9)),
    (MORNING, "t5 9h", at(2026, 8, 13, 9)),
    (MORNING, "thứ hai 8h", at(2026, 8, 17, 8)),
    (MORNING, "thứ bảy 8h", at(2026, 8, 15, 8)),
    (MORNING, "chủ nhật 9h", at(2026, 8, 16, 9)),
    (MORNING, "cn 9h", at(2026, 8, 16, 9)),
    (MORNING, "12/08 8h30", at(2026, 8, 12, 8, 30)),
    (MORNING, "12/08/2026 08:30", at(2026, 8, 12, 8, 30)),
    (MORNING, "12.08 8h", at(2026, 8, 12, 8)),
    (MORNING, "12-8 8h", at(2026, 8, 12, 8)),
    (MORNING, "8h30 12/08", at(2026, 8, 12, 8, 30)),
    (MORNING, "2026-08-12 14:30", at(2026, 8, 12, 14, 30)),
    (MORNING, "2026-08-12T14:30", at(2026, 8, 12, 14, 30)),
    (MORNING, "  12/08   14:30 ", at(2026, 8, 12, 14, 30)),
    (MORNING, "10/08 8h", at(2027, 8, 10, 8)),  # a date without a year that passed: next year
    # Around midnight: "today" is Hanoi's day, not UTC's.
    (BEFORE_MIDNIGHT, "23h55", at(2026, 8, 11, 23, 55)),
    (BEFORE_MIDNIGHT, "mai 0h", at(2026, 8, 12, 0)),
    (BEFORE_MIDNIGHT, "mai 0h05", at(2026, 8, 12, 0, 5)),
    (AFTER_MIDNIGHT, "0h30", at(2026, 8, 12, 0, 30)),
    (AFTER_MIDNIGHT, "8h", at(2026, 8, 12, 8)),
    (AFTER_MIDNIGHT, "mai 8h", at(2026, 8, 13, 8)),
    (AFTER_MIDNIGHT, "thứ tư 8h", at(2026, 8, 12, 8)),  # Wednesday in Hanoi already
    # Across the year end.
    (YEAR_END, "mai 8h", at(2027, 1, 1, 8)),
    (YEAR_END, "02/01 8h", at(2027, 1, 2, 8)),
    (YEAR_END, "31/12 14h", at(2026, 12, 31, 14)),
    (YEAR_END, "02/01/2027 08:30", at(2027, 1, 2, 8, 30)),
    (YEAR_END, "thứ hai 8h", at(2027, 1, 4, 8)),
]


@pytest.mark.parametrize(("now", "typed", "expected"), TABLE, ids=[row[1] for row in TABLE])
def test_typed_moments_mean_these_times_in_the_event_zone(
    now: datetime, typed: str, expected: datetime
) -> None:
    moment = read_moment(typed, HANOI, now)
    assert moment == expected
    assert isinstance(moment, datetime) and moment.tzinfo is HANOI


def test_a_past_time_today_is_read_as_today_for_the_caller_to_refuse() -> None:
    moment = read_moment("7h", HANOI, MORNING)  # 07:00 today: half an hour ago
    assert isinstance(moment, datetime) and moment < MORNING


BAD: list[tuple[str, Misread]] = [
    ("", Misread("when.problem.empty")),
    ("   ", Misread("when.problem.empty")),
    ("25h", Misread("when.problem.bad_clock", "25h")),
    ("25:10", Misread("when.problem.bad_clock", "25:10")),
    ("8h75", Misread("when.problem.bad_clock", "8h75")),
    ("24:00", Misread("when.problem.bad_clock", "24:00")),
    ("mai 25h", Misread("when.problem.bad_clock", "25h")),
    ("32/13", Misread("when.problem.bad_date", "32/13")),
    ("32/13 8h", Misread("when.problem.bad_date", "32/13")),
    ("30/02 8h", Misread("when.problem.bad_date", "30/02")),
    ("thứ tám", Misread("when.problem.bad_weekday", "thứ tám")),
    ("thứ tám 8h", Misread("when.problem.bad_weekday", "thứ tám")),
    ("thu 9 8h", Misread("when.problem.bad_weekday", "thu 9")),
    ("mai", Misread("when.problem.no_clock", "mai")),
    ("12/08", Misread("when.problem.no_clock", "12/08")),
    ("chiều nay", Misread("when.problem.no_clock", "chiều nay")),
    ("8h 9h", Misread("when.problem.unreadable", "8h 9h")),
    ("khi nào cũng được", Misread("when.problem.unreadable", "khi nào cũng được")),
    ("hôm qua 8h", Misread("when.problem.unreadable", "hôm qua")),
]


@pytest.mark.parametrize(("typed", "expected"), BAD, ids=[row[0] or "empty" for row in BAD])
def test_bad_inputs_each_get_their_reason(typed: str, expected: Misread) -> None:
    assert read_moment(typed, HANOI, MORNING) == expected


@pytest.mark.parametrize(("typed", "expected"), [
    ("07:30", time(7, 30)), ("7:30", time(7, 30)), ("7h30", time(7, 30)), ("7h", time(7)),
    ("07.30", time(7, 30)), ("7 giờ 30", time(7, 30)), ("7g", time(7)), ("23h59", time(23, 59)),
    ("24h", None), ("7h61", None), ("mai 7h", None), ("", None), ("bảy giờ", None),
])
def test_clock_times_read_one_way(typed: str, expected: time | None) -> None:
    assert parse_clock(typed) == expected


@pytest.mark.parametrize("start", ["7h30", "7 giờ 30", "07:30", "7h30p"])
def test_programme_files_read_the_same_clocks(start: str) -> None:
    data = ("Ngày,Bắt đầu,Kết thúc,Tiêu đề\n"
            f"11/08/2026,{start},8h,Khai mạc\n").encode()
    parsed = read_agenda(data, "ct.csv", HANOI)
    assert parsed.problems == []
    assert [row.starts_at for row in parsed.rows] == [at(2026, 8, 11, 7, 30)]


def test_a_programme_clock_out_of_range_is_a_problem_at_its_line() -> None:
    data = "Ngày,Bắt đầu,Kết thúc,Tiêu đề\n11/08/2026,25h,26h,Khai mạc\n".encode()
    parsed = read_agenda(data, "ct.csv", HANOI)
    assert [(p.line, p.key, p.params) for p in parsed.problems] == [
        (2, "agenda.problem.bad_time", {"value": "25h"}),
        (2, "agenda.problem.bad_time", {"value": "26h"})]


def test_moments_are_said_one_way_with_the_year_only_when_not_this_year() -> None:
    texts = Translator.load()
    vi, en = texts.in_language("vi"), texts.in_language("en")
    dates = LocalDates.at(HANOI, at(2026, 8, 10, 20, 0))
    moment = at(2026, 8, 11, 8, 30).astimezone(UTC)
    assert dates.when(vi, moment) == "08:30, Thứ Ba 11/08"
    assert dates.when(en, moment) == "08:30, Tuesday 11/08"
    next_year = at(2027, 1, 2, 8, 0).astimezone(UTC)
    assert dates.when(vi, next_year) == "08:00, Thứ Bảy 02/01/2027"
    hanoi = Translator.load(timezone="Asia/Ho_Chi_Minh")
    paris = Translator.load(timezone="Europe/Paris")
    assert hanoi.implicit("vi")["timezone"] == "giờ Việt Nam"
    assert paris.implicit("en")["timezone"] == "Europe/Paris time"
