"""Results: drafts, published results and their corrections."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage import audit
from storage.broadcasts import NewBroadcast, queue_in
from storage.db import Database

_COLUMNS = ("id, title, kind, status, data, file_name, corrects, imported_by, imported_at,"
            " published_by, published_at, broadcast_id")


@dataclass(frozen=True, slots=True)
class Result:
    """One imported result."""

    id: int
    title: str
    kind: str
    status: str
    data: dict[str, Any]
    file_name: str
    corrects: int | None
    imported_by: str
    imported_at: str
    published_by: str | None
    published_at: str | None
    broadcast_id: int | None


@dataclass(frozen=True, slots=True)
class Published:
    """A result just published: its notice's broadcast, and the result it corrects."""

    broadcast_id: int | None
    corrects: int | None


Notice = Callable[[Result, Result | None], NewBroadcast | None]
"""Builds a result's notice given the result it corrects (or None); None refuses to publish."""


def _result(row: Any) -> Result:
    values = list(row)
    values[4] = json.loads(values[4])
    return Result(*values)


def _all_titled(rows: list[Any], title: str) -> list[Result]:
    """Return those of `rows` whose title is `title`, case aside (any alphabet)."""
    folded = title.casefold()
    return [_result(r) for r in rows if r[1].casefold() == folded]


def _titled(rows: list[Any], title: str) -> Result | None:
    """Return the first of `rows` whose title is `title`, case aside (any alphabet)."""
    found = _all_titled(rows, title)
    return found[0] if found else None


async def create_draft(db: Database, *, title: str, kind: str, data: dict[str, Any],
                       file_name: str, corrects: int | None, actor: str, now: str,
                       note: audit.Note | None = None) -> int:
    """Store an imported result as a draft, with `note`, its audit entry; return its id."""
    async with db.write() as conn:
        cur = await conn.execute(
            "INSERT INTO results (title, kind, status, data, file_name, corrects, imported_by,"
            " imported_at) VALUES (?, ?, 'draft', ?, ?, ?, ?, ?)",
            (title, kind, json.dumps(data, ensure_ascii=False), file_name, corrects, actor, now),
        )
        result_id = int(cur.lastrowid or 0)
        await audit.insert(conn, note, result=result_id)
        return result_id


async def get(db: Database, result_id: int) -> Result | None:
    """Return a result by id."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM results WHERE id = ?", (result_id,))
    return None if row is None else _result(row)


async def with_status(db: Database, status: str) -> list[Result]:
    """Return the results in a status, oldest first."""
    rows = await db.fetchall(f"SELECT {_COLUMNS} FROM results WHERE status = ? ORDER BY id",
                             (status,))
    return [_result(r) for r in rows]


async def published_titled(db: Database, title: str) -> Result | None:
    """Return the published result with this title (case-insensitive), if any."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM results WHERE status = 'published' ORDER BY id DESC")
    return _titled(rows, title)


async def publish(db: Database, result_id: int, *, actor: str, now: str,
                  notice: Notice, note: audit.Note | None = None) -> Published | None:
    """Publish a draft, supersede what it corrects and queue its notice, in one transaction
    with `note`, its audit entry (completed with what it corrects and the broadcast).

    What it corrects is decided inside the transaction, where no other publication can come
    between: the result published under its title now (another draft of that title may
    have been published since this one was imported, or at the same moment), else the one
    recorded at import. `notice(draft, corrected)` builds the notice for that; when it
    returns None nothing is written. Return None when nothing was published (no longer a
    draft, or refused by `notice`).
    """
    async with db.write() as conn:
        async with conn.execute(f"SELECT {_COLUMNS} FROM results WHERE id = ?",
                                (result_id,)) as cur:
            row = await cur.fetchone()
        if row is None or row[3] != "draft":
            return None
        item = _result(row)
        async with conn.execute(f"SELECT {_COLUMNS} FROM results WHERE status = 'published'"
                                " AND id != ? ORDER BY id DESC", (result_id,)) as cur:
            current = _all_titled(list(await cur.fetchall()), item.title)
        old = current[0] if current else None
        if old is None and item.corrects is not None:
            async with conn.execute(f"SELECT {_COLUMNS} FROM results WHERE id = ?",
                                    (item.corrects,)) as cur:
                found = await cur.fetchone()
            old = None if found is None else _result(found)
        corrects = item.corrects if old is None else old.id
        item = dataclasses.replace(item, corrects=corrects)
        broadcast = notice(item, old)
        if broadcast is None:
            return None
        # First: one published result per title (a unique index). All of them: titles
        # published twice before the index, in letters SQLite's lower() leaves alone.
        await conn.executemany("UPDATE results SET status = 'superseded' WHERE id = ?"
                               " AND status = 'published'", [(r.id,) for r in current])
        await conn.execute(
            "UPDATE results SET status = 'published', published_by = ?, published_at = ?,"
            " corrects = ? WHERE id = ?", (actor, now, corrects, result_id))
        queued = await queue_in(conn, broadcast, now)
        broadcast_id = None if queued is None else queued[0]
        await conn.execute("UPDATE results SET broadcast_id = ? WHERE id = ?",
                           (broadcast_id, result_id))
        await audit.insert(conn, note, broadcast=broadcast_id, corrects=corrects)
        return Published(broadcast_id, corrects)


async def discard(db: Database, result_id: int, note: audit.Note | None = None) -> bool:
    """Discard a draft, with `note`, its audit entry; False if it was not a draft."""
    async with db.write() as conn:
        cur = await conn.execute(
            "UPDATE results SET status = 'discarded' WHERE id = ? AND status = 'draft'",
            (result_id,),
        )
        if cur.rowcount != 1:
            return False
        await audit.insert(conn, note)
    return True
