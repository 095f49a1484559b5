"""Broadcasts: messages to many (announcements, reminders, notices) and their live report."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from storage import audit
from storage.db import Database, Row
from storage.outbox import NewMessage, insert


@dataclass(frozen=True, slots=True)
class Broadcast:
    """One message to an audience."""

    id: int
    kind: str
    audience: dict[str, Any]
    body: str
    status: str
    send_at: str | None
    created_by: str
    report_platform: str | None
    report_chat_id: str | None
    report_message_id: str | None
    report_language: str | None
    created_at: str
    queued_at: str | None
    finished_at: str | None


_COLUMNS = ("id, kind, audience, body, status, send_at, created_by, report_platform,"
            " report_chat_id, report_message_id, report_language, created_at, queued_at,"
            " finished_at")


def _broadcast(row: Row) -> Broadcast:
    values = list(row)
    values[2] = json.loads(values[2])
    return Broadcast(*values)


async def create(db: Database, *, kind: str, audience: dict[str, Any], body: str, status: str,
                 send_at: str | None, created_by: str, report: tuple[str, str, str] | None,
                 now: str, note: audit.Note | None = None) -> int:
    """Store a new broadcast; `report` is (platform, chat id, language) for the live report,
    `note` the audit entry, written in the same transaction with the broadcast's id."""
    platform, chat_id, language = report or (None, None, None)
    async with db.write() as conn:
        cur = await conn.execute(
            "INSERT INTO broadcasts (kind, audience, body, status, send_at, created_by,"
            " report_platform, report_chat_id, report_language, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, json.dumps(audience, ensure_ascii=False), body, status, send_at, created_by,
             platform, chat_id, language, now),
        )
        broadcast_id = int(cur.lastrowid or 0)
        await audit.insert(conn, note, broadcast=broadcast_id)
        return broadcast_id


async def get(db: Database, broadcast_id: int) -> Broadcast | None:
    """Return a broadcast by id."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,))
    return None if row is None else _broadcast(row)


async def with_status(db: Database, status: str) -> list[Broadcast]:
    """Return the broadcasts in a status, by send time then id."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM broadcasts WHERE status = ? ORDER BY send_at, id", (status,)
    )
    return [_broadcast(r) for r in rows]


async def set_status(db: Database, broadcast_id: int, status: str, *, expect: str,
                     column: str | None = None, now: str | None = None,
                     note: audit.Note | None = None) -> bool:
    """Move a broadcast from `expect` to `status` (stamping `column`); False if it was not.

    `note`, the audit entry, is written in the same transaction when it moved.
    """
    stamp = f", {column} = ?" if column else ""
    params: tuple[Any, ...] = (status, now, broadcast_id, expect) if column else (
        status, broadcast_id, expect)
    async with db.write() as conn:
        cur = await conn.execute(
            f"UPDATE broadcasts SET status = ?{stamp} WHERE id = ? AND status = ?", params
        )
        if cur.rowcount != 1:
            return False
        await audit.insert(conn, note)
    return True


async def set_report_message(db: Database, broadcast_id: int, message_id: str) -> None:
    """Remember the message that shows the broadcast's live report."""
    await db.execute("UPDATE broadcasts SET report_message_id = ? WHERE id = ?",
                     (message_id, broadcast_id))


@dataclass(frozen=True)
class NewBroadcast:
    """A broadcast to queue at once, with a builder of its outbox rows (given its id)."""

    kind: str
    audience: dict[str, Any]
    body: str
    created_by: str
    build: Callable[[int], Iterable[NewMessage]]
    report: tuple[str, str, str] | None = None   # (platform, chat id, language)
    dedupe_key: str | None = None                # made at most once


async def queue_in(conn: Any, item: NewBroadcast, now: str) -> tuple[int, int] | None:
    """Insert a queued broadcast and its rows in the caller's transaction.

    Return (id, rows added), or None when a broadcast with the same dedupe key exists.
    """
    platform, chat_id, language = item.report or (None, None, None)
    cur = await conn.execute(
        "INSERT OR IGNORE INTO broadcasts (kind, audience, body, status, created_by,"
        " report_platform, report_chat_id, report_language, created_at, queued_at, dedupe_key)"
        " VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)",
        (item.kind, json.dumps(item.audience, ensure_ascii=False), item.body, item.created_by,
         platform, chat_id, language, now, now, item.dedupe_key),
    )
    if cur.rowcount != 1:
        return None
    broadcast_id = int(cur.lastrowid or 0)
    added = await insert(conn, item.build(broadcast_id), now)
    if added == 0:  # nobody to send to: nothing will ever finish it
        await conn.execute("UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ?",
                           (now, broadcast_id))
    return broadcast_id, added


async def create_queued(db: Database, item: NewBroadcast, now: str,
                        note: audit.Note | None = None) -> tuple[int, int] | None:
    """Store a broadcast and its outbox rows in one transaction, with `note`, its audit
    entry (given the broadcast's id); see `queue_in`."""
    async with db.write() as conn:
        queued = await queue_in(conn, item, now)
        if queued is not None:
            await audit.insert(conn, note, broadcast=queued[0])
        return queued


async def release(db: Database, broadcast_id: int, now: str,
                  build: Callable[[int], Iterable[NewMessage]],
                  note: audit.Note | None = None) -> int | None:
    """Queue a scheduled broadcast's rows in one transaction, with `note`, its audit entry;
    None if it was not scheduled."""
    async with db.write() as conn:
        cur = await conn.execute(
            "UPDATE broadcasts SET status = 'queued', queued_at = ? WHERE id = ?"
            " AND status = 'scheduled'", (now, broadcast_id),
        )
        if cur.rowcount != 1:
            return None
        added = await insert(conn, build(broadcast_id), now)
        if added == 0:  # nobody to send to any more: nothing will ever finish it
            await conn.execute("UPDATE broadcasts SET status = 'done', finished_at = ?"
                               " WHERE id = ?", (now, broadcast_id))
        await audit.insert(conn, note)
        return added


async def recent(db: Database, limit: int = 10, *,
                 unless_empty: tuple[str, ...] = ()) -> list[Broadcast]:
    """Return the newest broadcasts first, leaving out those of the kinds `unless_empty`
    that have no message at all (a reminder for a session nobody registered is to attend)."""
    marks = ", ".join("?" * len(unless_empty))
    where = (f" WHERE NOT (b.kind IN ({marks}) AND NOT EXISTS"
             " (SELECT 1 FROM outbox o WHERE o.broadcast_id = b.id))") if unless_empty else ""
    columns = ", ".join(f"b.{c.strip()}" for c in _COLUMNS.split(","))
    rows = await db.fetchall(f"SELECT {columns} FROM broadcasts b{where} ORDER BY b.id DESC"
                             " LIMIT ?", (*unless_empty, limit))
    return [_broadcast(r) for r in rows]


async def finish_emptied(conn: Any, broadcast_ids: Iterable[int], now: str) -> None:
    """Mark queued broadcasts with nothing left to send as done, inside the caller's
    transaction (after /forget took their last waiting messages away)."""
    await conn.executemany(
        "UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ?"
        " AND status = 'queued' AND NOT EXISTS (SELECT 1 FROM outbox WHERE broadcast_id = ?"
        " AND state IN ('pending', 'sending'))",
        [(now, broadcast_id, broadcast_id) for broadcast_id in sorted(set(broadcast_ids))],
    )
