"""Results: drafts, published results and their corrections."""

from __future__ import annotations

import json
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


def _result(row: Any) -> Result:
    values = list(row)
    values[4] = json.loads(values[4])
    return Result(*values)


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
    folded = title.casefold()
    return next((_result(r) for r in rows if r[1].casefold() == folded), None)


async def publish(db: Database, result_id: int, *, actor: str, now: str,
                  notice: NewBroadcast, corrects: int | None = None,
                  note: audit.Note | None = None) -> int | None:
    """Publish a draft, supersede what it corrects and queue its notice, in one transaction
    with `note`, its audit entry. `corrects`, when given, is the published result it
    corrects (another draft of its title may have been published since it was imported).

    Return the notice's broadcast id, or None when the result was no longer a draft.
    """
    async with db.write() as conn:
        cur = await conn.execute(
            "UPDATE results SET status = 'published', published_by = ?, published_at = ?,"
            " corrects = coalesce(?, corrects) WHERE id = ? AND status = 'draft'",
            (actor, now, corrects, result_id),
        )
        if cur.rowcount != 1:
            return None
        await conn.execute(
            "UPDATE results SET status = 'superseded' WHERE id = (SELECT corrects FROM results"
            " WHERE id = ?) AND status = 'published'", (result_id,),
        )
        queued = await queue_in(conn, notice, now)
        broadcast_id = None if queued is None else queued[0]
        await conn.execute("UPDATE results SET broadcast_id = ? WHERE id = ?",
                           (broadcast_id, result_id))
        await audit.insert(conn, note, broadcast=broadcast_id)
        return broadcast_id


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
