"""The audit log: who did what, to which audience, when, and the outcome.

An organiser's change and its entry are one: the storage function that makes the change
takes the entry as a `Note` and writes it with `insert` in the same transaction, so there
is never a change without its entry, nor an entry for a change that did not happen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storage.db import Database


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the audit log."""

    id: int
    at: str
    actor: str
    action: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Note:
    """An entry to write inside the transaction of the change it records."""

    actor: str                  # "platform:user_id", "cli" or "bot"
    action: str
    details: dict[str, Any]
    now: str


async def insert(conn: Any, note: Note | None, **more: Any) -> None:
    """Write an entry inside the caller's transaction (nothing for None); `more` adds the
    details only known there, such as the id of a row just made."""
    if note is None:
        return
    await conn.execute(
        "INSERT INTO audit_log (at, actor, action, details) VALUES (?, ?, ?, ?)",
        (note.now, note.actor, note.action,
         json.dumps({**note.details, **more}, ensure_ascii=False)),
    )


async def record(db: Database, *, actor: str, action: str, details: dict[str, Any],
                 now: str) -> None:
    """Append one entry in a transaction of its own (for what the bot itself notes)."""
    async with db.write() as conn:
        await insert(conn, Note(actor, action, details, now))


async def entries(db: Database, *, action: str | None = None, limit: int = 100) -> list[Entry]:
    """Return the newest entries first, optionally of one action."""
    rows = await db.fetchall(
        "SELECT id, at, actor, action, details FROM audit_log WHERE ?1 IS NULL OR action = ?1"
        " ORDER BY id DESC LIMIT ?2", (action, limit),
    )
    return [Entry(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]


async def search(db: Database, *, action: str | None = None, actor: str | None = None,
                 delegate: str | None = None, before: int | None = None,
                 limit: int = 100) -> list[Entry]:
    """Return the newest entries first (older than entry `before`), of one action, by one
    actor, or about one delegate (by roster code), as asked."""
    rows = await db.fetchall(
        "SELECT id, at, actor, action, details FROM audit_log"
        " WHERE (?1 IS NULL OR action = ?1) AND (?2 IS NULL OR actor = ?2)"
        " AND (?3 IS NULL OR json_extract(details, '$.delegate') = ?3)"
        " AND (?4 IS NULL OR id < ?4) ORDER BY id DESC LIMIT ?5",
        (action, actor, delegate, before, limit),
    )
    return [Entry(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]


async def actions(db: Database) -> list[str]:
    """Return the actions the log holds, in alphabetical order (for the filter)."""
    return [str(r[0]) for r in await db.fetchall(
        "SELECT DISTINCT action FROM audit_log ORDER BY action")]
