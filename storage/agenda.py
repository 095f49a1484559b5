"""The programme: sessions by time, imports applied in one transaction, the agenda version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage import audit
from storage.broadcasts import NewBroadcast, queue_in
from storage.db import Database, Row


@dataclass(frozen=True, slots=True)
class SessionData:
    """A session as an import writes it (times in UTC ISO 8601)."""

    key: str
    starts_at: str
    ends_at: str
    title: str
    location: str
    presenter: str
    description: str
    kind: str
    audience: str


@dataclass(frozen=True, slots=True)
class Session(SessionData):
    """One stored session of the programme: what an import wrote, its id, and whether a later
    import cancelled it."""

    id: int
    cancelled: bool


# In Session's field order: SessionData's, then id and cancelled.
_COLUMNS = ("key, starts_at, ends_at, title, location, presenter, description, kind, audience,"
            " id, cancelled")


def _session(row: Row) -> Session:
    values = list(row)
    values[-1] = bool(values[-1])
    return Session(*values)


async def all_sessions(db: Database, *, include_cancelled: bool = False) -> list[Session]:
    """Return the programme in time order."""
    where = "" if include_cancelled else " WHERE cancelled = 0"
    rows = await db.fetchall(f"SELECT {_COLUMNS} FROM sessions{where} ORDER BY starts_at, id")
    return [_session(r) for r in rows]


async def between(db: Database, start: str, end: str) -> list[Session]:
    """Return the sessions that start in [start, end), in time order."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM sessions WHERE cancelled = 0 AND starts_at >= ?"
        " AND starts_at < ? ORDER BY starts_at, id", (start, end),
    )
    return [_session(r) for r in rows]


async def not_ended(db: Database, now: str) -> list[Session]:
    """Return the sessions still running or to come, in time order."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM sessions WHERE cancelled = 0 AND ends_at > ?"
        " ORDER BY starts_at, id", (now,),
    )
    return [_session(r) for r in rows]


async def get(db: Database, session_id: int) -> Session | None:
    """Return a session by id."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM sessions WHERE id = ?", (session_id,))
    return None if row is None else _session(row)


async def version(db: Database) -> int:
    """Return the agenda's version: it changes with every import."""
    value = await db.scalar("SELECT value FROM meta WHERE key = 'agenda_version'")
    return int(value or 0)


async def apply_import(db: Database, *, upserts: Sequence[SessionData],
                       cancel_keys: Sequence[str], notice: NewBroadcast | None,
                       now: str, note: audit.Note | None = None) -> int | None:
    """Write an import, queue its change notice and write `note`, its audit entry (given the
    notice's id), in one transaction.

    Return the notice's broadcast id (None without a notice).
    """
    async with db.write() as conn:
        await conn.executemany(
            "INSERT INTO sessions (key, starts_at, ends_at, title, location, presenter,"
            " description, kind, audience, cancelled, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT (key) DO UPDATE SET"
            " starts_at = excluded.starts_at, ends_at = excluded.ends_at,"
            " title = excluded.title, location = excluded.location,"
            " presenter = excluded.presenter, description = excluded.description,"
            " kind = excluded.kind, audience = excluded.audience, cancelled = 0,"
            " updated_at = excluded.updated_at",
            [(s.key, s.starts_at, s.ends_at, s.title, s.location, s.presenter, s.description,
              s.kind, s.audience, now) for s in upserts],
        )
        await conn.executemany(
            "UPDATE sessions SET cancelled = 1, updated_at = ? WHERE key = ?",
            [(now, key) for key in cancel_keys],
        )
        await conn.execute(
            "INSERT INTO meta (key, value) VALUES ('agenda_version', '1') ON CONFLICT (key)"
            " DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )
        queued = None if notice is None else await queue_in(conn, notice, now)
        broadcast_id = None if queued is None else queued[0]
        await audit.insert(conn, note, notice=broadcast_id)
        return broadcast_id
