"""Attendance storage, windows and seats: what the congress-day features build on."""

from __future__ import annotations

import asyncio
from dataclasses import astuple
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.attendance_windows import covering, window_for, windows
from bot.seats import absent_throughout, holders, seats, summoned_base
from storage import attendance, delegates
from storage.agenda import Session
from storage.attendance import Checkin, Replacement
from storage.db import Database
from storage.delegates import DelegateData

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = "2026-12-08T00:00:00+00:00"


def session(key: str, start: str, end: str, kind: str = "plenary",
            cancelled: bool = False) -> Session:
    return Session(key, start, end, key, "Hội trường", "", "", kind, "all", 1, cancelled)


# Local times (UTC+7): day 1 07:30-11:30 and 13:30-17:00, lunch between; day 2 morning only.
PROGRAMME = [
    session("open", "2026-12-08T00:30:00+00:00", "2026-12-08T02:00:00+00:00"),
    session("report", "2026-12-08T02:00:00+00:00", "2026-12-08T04:30:00+00:00"),
    session("lunch", "2026-12-08T04:30:00+00:00", "2026-12-08T06:30:00+00:00", kind="break"),
    session("discuss", "2026-12-08T06:30:00+00:00", "2026-12-08T10:00:00+00:00"),
    session("vote", "2026-12-09T01:00:00+00:00", "2026-12-09T04:00:00+00:00"),
    session("gone", "2026-12-09T06:00:00+00:00", "2026-12-09T08:00:00+00:00", cancelled=True),
]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_half_day_windows_leave_out_breaks_and_cancelled_sessions() -> None:
    found = windows(PROGRAMME, TZ)
    assert [w.key for w in found] == ["2026-12-08/am", "2026-12-08/pm", "2026-12-09/am"]
    assert found[0].starts_at == at("2026-12-08T00:30:00+00:00")
    assert found[0].ends_at == at("2026-12-08T04:30:00+00:00")


def test_day_and_session_modes() -> None:
    assert [w.key for w in windows(PROGRAMME, TZ, "day")] == ["2026-12-08", "2026-12-09"]
    assert [w.key for w in windows(PROGRAMME, TZ, "session")] == [
        "s/open", "s/report", "s/discuss", "s/vote"]


def test_a_check_in_counts_for_the_window_in_progress_or_starting_within_an_hour() -> None:
    found = windows(PROGRAMME, TZ)
    assert window_for(found, at("2026-12-07T23:29:00+00:00")) is None        # too early
    assert window_for(found, at("2026-12-07T23:31:00+00:00")).key == "2026-12-08/am"  # type: ignore[union-attr]
    assert window_for(found, at("2026-12-08T03:00:00+00:00")).key == "2026-12-08/am"  # type: ignore[union-attr]
    assert window_for(found, at("2026-12-08T05:45:00+00:00")).key == "2026-12-08/pm"  # type: ignore[union-attr]
    assert window_for(found, at("2026-12-08T05:00:00+00:00")) is None        # lunch, > 1 h before
    assert window_for(found, at("2026-12-09T04:00:00+00:00")) is None        # after the last
    assert [w.key for w in covering(found, at("2026-12-08T06:00:00+00:00"),
                                    at("2026-12-10T00:00:00+00:00"))] == [
        "2026-12-08/pm", "2026-12-09/am"]


def person(code: str, kind: str = "official") -> DelegateData:
    return DelegateData(code, f"Người {code}", "Đơn vị", "Đoàn A", kind, None, "1",
                        f"INV{code}XYZ")


async def roster(tmp_path: Path, *people: DelegateData) -> Database:
    db = await Database.open(tmp_path / "bot.sqlite3")
    await delegates.apply_import(db, upserts=list(people), remove_codes=[], now=NOW)
    return db


async def test_two_scans_at_once_make_one_check_in(tmp_path: Path) -> None:
    db = await roster(tmp_path, person("D1"))
    try:
        (d1,) = await delegates.all_delegates(db)
        scans = [Checkin(d1.id, "2026-12-08/am", f"2026-12-08T00:0{i}:00+00:00", "staff",
                         "telegram", str(i), f"Checker {i}") for i in range(2)]
        done = await asyncio.gather(*(attendance.check_in(db, s) for s in scans))
        assert sorted(made for _, made in done) == [False, True]
        assert done[0][0] == done[1][0]                 # both see the one that holds
        assert len(await attendance.checkins(db, "2026-12-08/am")) == 1
        assert await attendance.ever_present(db) == {d1.id}
        assert await attendance.windows_taken(db) == {"2026-12-08/am"}
    finally:
        await db.close()


async def test_absences_overlap_the_windows_they_cover(tmp_path: Path) -> None:
    db = await roster(tmp_path, person("D1"))
    try:
        (d1,) = await delegates.all_delegates(db)
        await attendance.report_absence(db, d1.id, starts_at="2026-12-08T06:30:00+00:00",
                                        ends_at="2026-12-08T10:00:00+00:00", scope="window",
                                        reason="Ốm", now=NOW)
        assert await attendance.absences_overlapping(
            db, "2026-12-08T00:30:00+00:00", "2026-12-08T04:30:00+00:00") == []
        (found,) = await attendance.absences_overlapping(
            db, "2026-12-08T06:30:00+00:00", "2026-12-08T10:00:00+00:00")
        assert (found.reason, found.scope) == ("Ốm", "window")
        assert await attendance.absences_of(db, d1.id) == [found]
    finally:
        await db.close()


async def test_a_seat_takes_one_alternate_and_an_alternate_one_seat(tmp_path: Path) -> None:
    db = await roster(tmp_path, person("O1"), person("O2"), person("A1", "alternate"))
    try:
        by_code = {d.code: d for d in await delegates.all_delegates(db)}
        o1, o2, a1 = by_code["O1"], by_code["O2"], by_code["A1"]
        assert await attendance.replace(db, Replacement(o1.id, a1.id, NOW, "cli"), None)
        assert not await attendance.replace(db, Replacement(o1.id, o2.id, NOW, "cli"), None)
        assert not await attendance.replace(db, Replacement(o2.id, a1.id, NOW, "cli"), None)
        found = seats(by_code.values(), await attendance.replacements(db))
        assert holders(found) == {a1.id, o2.id}
    finally:
        await db.close()


def test_the_summoned_base_leaves_out_seats_absent_throughout_without_an_alternate() -> None:
    people = [delegates.Delegate(*astuple(person(f"O{i}")), id=i) for i in range(1, 300)]
    alternate = delegates.Delegate(*astuple(person("A1", "alternate")), id=1000)
    found = seats([*people, alternate], [Replacement(3, 1000, NOW, "cli")])
    present = {d.id for d in people} - {1, 2, 3}          # O1, O2, O3 never came
    assert summoned_base(found, present, attendance_taken=False) == 299
    assert [s.official.code for s in absent_throughout(found, present, True)] == ["O1", "O2"]
    assert summoned_base(found, present, attendance_taken=True) == 297   # O3's alternate sits
