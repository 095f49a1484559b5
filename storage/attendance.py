"""Attendance: check-ins per window, reported absences, and alternates in official seats.

The rules (which window is in progress, who counts towards the quorum and the election base)
live in bot/attendance_windows.py and bot/seats.py; this module only stores and reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage import audit
from storage.broadcasts import NewBroadcast, queue_in
from storage.db import Database, Row


@dataclass(frozen=True, slots=True)
class Checkin:
    """A delegate checked in for one attendance window, when, how and by whom."""

    delegate_id: int
    window_key: str
    checked_at: str
    method: str          # "staff", "hall" or "desk"
    by_platform: str
    by_user: str
    by_name: str


@dataclass(frozen=True, slots=True)
class Absence:
    """An absence a delegate reported over [starts_at, ends_at), with its reason."""

    id: int
    delegate_id: int
    starts_at: str
    ends_at: str
    scope: str           # "window", "day" or "rest"
    reason: str
    reported_at: str


@dataclass(frozen=True, slots=True)
class Replacement:
    """An alternate delegate who took an official delegate's seat."""

    official_id: int
    alternate_id: int
    replaced_at: str
    by_user: str


_CHECKIN = "delegate_id, window_key, checked_at, method, by_platform, by_user, by_name"
_ABSENCE = "id, delegate_id, starts_at, ends_at, scope, reason, reported_at"


def _checkin(row: Row) -> Checkin:
    return Checkin(*row)


async def check_in(db: Database, entry: Checkin) -> tuple[Checkin, bool]:
    """Record a check-in unless the delegate already has one for that window.

    Returns the check-in that holds (the earlier one on a second scan) and whether this call
    made it; two scans at the same moment make one check-in.
    """
    async with db.write() as conn:
        cur = await conn.execute(
            f"INSERT OR IGNORE INTO checkins ({_CHECKIN}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (entry.delegate_id, entry.window_key, entry.checked_at, entry.method,
             entry.by_platform, entry.by_user, entry.by_name))
        made = cur.rowcount == 1
        async with conn.execute(
                f"SELECT {_CHECKIN} FROM checkins WHERE delegate_id = ? AND window_key = ?",
                (entry.delegate_id, entry.window_key)) as found:
            row = await found.fetchone()
    assert row is not None
    return _checkin(row), made


async def checkins(db: Database, window_key: str) -> list[Checkin]:
    """Every check-in of one window, in the order they were made."""
    rows = await db.fetchall(
        f"SELECT {_CHECKIN} FROM checkins WHERE window_key = ? ORDER BY checked_at, id",
        (window_key,))
    return [_checkin(r) for r in rows]


async def checkins_by(db: Database, delegate_id: int) -> list[Checkin]:
    """Every check-in of one delegate, in the order they were made."""
    rows = await db.fetchall(
        f"SELECT {_CHECKIN} FROM checkins WHERE delegate_id = ? ORDER BY checked_at, id",
        (delegate_id,))
    return [_checkin(r) for r in rows]


async def checkin_of(db: Database, delegate_id: int, window_key: str) -> Checkin | None:
    """The delegate's check-in for a window, if any."""
    row = await db.fetchone(
        f"SELECT {_CHECKIN} FROM checkins WHERE delegate_id = ? AND window_key = ?",
        (delegate_id, window_key))
    return None if row is None else _checkin(row)


async def windows_taken(db: Database) -> set[str]:
    """The windows in which anyone was checked in."""
    return {r[0] for r in await db.fetchall("SELECT DISTINCT window_key FROM checkins")}


async def ever_present(db: Database) -> set[int]:
    """The delegates checked in for at least one window."""
    return {r[0] for r in await db.fetchall("SELECT DISTINCT delegate_id FROM checkins")}


async def report_absence(db: Database, delegate_id: int, *, starts_at: str, ends_at: str,
                         scope: str, reason: str, now: str,
                         note: audit.Note | None = None,
                         notice: NewBroadcast | None = None) -> int:
    """Store an absence the delegate reported; return its id. `notice` (telling the
    organisers) is queued in the same transaction."""
    async with db.write() as conn:
        cur = await conn.execute(
            "INSERT INTO absences (delegate_id, starts_at, ends_at, scope, reason, reported_at)"
            " VALUES (?, ?, ?, ?, ?, ?)", (delegate_id, starts_at, ends_at, scope, reason, now))
        absence_id = cur.lastrowid
        assert absence_id is not None
        await audit.insert(conn, note, absence_id=absence_id)
        if notice is not None:
            await queue_in(conn, notice, now)
    return absence_id


async def absences_overlapping(db: Database, start: str, end: str) -> list[Absence]:
    """The reported absences that overlap [start, end), oldest report first."""
    rows = await db.fetchall(
        f"SELECT {_ABSENCE} FROM absences WHERE starts_at < ? AND ends_at > ?"
        " ORDER BY reported_at, id", (end, start))
    return [Absence(*r) for r in rows]


async def absences_of(db: Database, delegate_id: int) -> list[Absence]:
    """A delegate's reported absences, in the order they start."""
    rows = await db.fetchall(
        f"SELECT {_ABSENCE} FROM absences WHERE delegate_id = ? ORDER BY starts_at, id",
        (delegate_id,))
    return [Absence(*r) for r in rows]


async def replace(db: Database, replacement: Replacement, note: audit.Note | None,
                  notice: NewBroadcast | None = None) -> bool:
    """Put an alternate in an official delegate's seat, with its audit entry and `notice`
    (telling the alternate) queued in the same transaction.

    False (and nothing written) when that seat already has an alternate or the alternate
    already holds a seat.
    """
    async with db.write() as conn:
        cur = await conn.execute(
            "INSERT OR IGNORE INTO replacements (official_id, alternate_id, replaced_at, by_user)"
            " VALUES (?, ?, ?, ?)", (replacement.official_id, replacement.alternate_id,
                                     replacement.replaced_at, replacement.by_user))
        if cur.rowcount != 1:
            return False
        await audit.insert(conn, note)
        if notice is not None:
            await queue_in(conn, notice, replacement.replaced_at)
    return True


async def replacements(db: Database) -> list[Replacement]:
    """Every alternate in an official seat, in the order they took it."""
    rows = await db.fetchall("SELECT official_id, alternate_id, replaced_at, by_user"
                             " FROM replacements ORDER BY replaced_at, official_id")
    return [Replacement(*r) for r in rows]
