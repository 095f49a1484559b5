"""The outbox: one row per (message, recipient), claimed and sent by the delivery worker.

States: pending -> sending -> sent | failed | blocked, and back to pending for a retry. A
unique `dedupe_key` keeps a message from being enqueued twice for the same recipient.

One chat's messages go in order: a row waits while an earlier one to the same chat is pending
or sending, except the rows the caller names as `done` (the worker sent them, or gave up on
them, and could not record it yet).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from storage.db import Database

STATES = ("pending", "sending", "sent", "failed", "blocked")
# One chat's messages go in order: a row waits while an earlier one to the same chat does.
_IN_ORDER = ("NOT EXISTS (SELECT 1 FROM outbox e WHERE e.platform = o.platform"
             " AND e.chat_id = o.chat_id AND e.id < o.id AND e.state IN ('pending', 'sending'){})")
_EXCEPT_DONE = " AND e.id NOT IN (SELECT value FROM json_each(?))"


def _in_order(done: Collection[int]) -> tuple[str, tuple[str, ...]]:
    """Return the in-order condition and its parameters, rows in `done` not waited for."""
    if not done:
        return _IN_ORDER.format(""), ()
    return _IN_ORDER.format(_EXCEPT_DONE), (json.dumps(sorted(done)),)


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to put in the outbox for one recipient."""

    dedupe_key: str
    platform: str
    chat_id: str
    text: str
    delegate_id: int | None = None
    broadcast_id: int | None = None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row the worker has claimed for sending."""

    id: int
    platform: str
    chat_id: str
    text: str
    attempts: int
    broadcast_id: int | None


async def enqueue(db: Database, messages: Iterable[NewMessage], now: str) -> int:
    """Add messages to the outbox, skipping keys already there; return how many were added."""
    async with db.write() as conn:
        return await insert(conn, messages, now)


async def insert(conn: Any, messages: Iterable[NewMessage], now: str) -> int:
    """Insert outbox rows inside the caller's transaction; return how many were new."""
    before = conn.total_changes
    await conn.executemany(
        "INSERT OR IGNORE INTO outbox (broadcast_id, dedupe_key, platform, chat_id, delegate_id,"
        " text, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(m.broadcast_id, m.dedupe_key, m.platform, m.chat_id, m.delegate_id, m.text, now, now)
         for m in messages],
    )
    return int(conn.total_changes - before)


async def claim_due(db: Database, now: str, limit: int, *,
                    done: Collection[int] = ()) -> list[Claimed]:
    """Mark up to `limit` due pending rows as sending, oldest first, and return them; rows
    in `done` (sent, not yet recorded) do not hold back their chat's next one."""
    in_order, params = _in_order(done)
    async with db.write() as conn, conn.execute(
        "UPDATE outbox SET state = 'sending' WHERE id IN (SELECT id FROM outbox o"
        f" WHERE state = 'pending' AND next_attempt_at <= ? AND {in_order}"
        " ORDER BY next_attempt_at, id LIMIT ?)"
        " RETURNING id, platform, chat_id, text, attempts, broadcast_id",
        (now, *params, limit),
    ) as cur:
        rows = await cur.fetchall()
    return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)


async def release_in_flight(db: Database) -> int:
    """Put rows left in 'sending' by a crash back to pending; return how many."""
    return await db.execute("UPDATE outbox SET state = 'pending' WHERE state = 'sending'")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one claimed row."""

    id: int
    state: str                  # sent, pending (retry later), failed or blocked
    now: str
    next_attempt_at: str | None = None
    error: str | None = None
    count_attempt: bool = True


async def record(db: Database, outcomes: Sequence[Outcome]) -> None:
    """Write the outcomes of sends, all or none (one statement: the worker writes often)."""
    if not outcomes:
        return
    await db.execute_alone(
        "UPDATE outbox SET state = o.state, attempts = attempts + o.counted,"
        " last_error = o.error, next_attempt_at = coalesce(o.next_at, next_attempt_at),"
        " sent_at = CASE WHEN o.state = 'sent' THEN o.now ELSE sent_at END"
        " FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS state,"
        " json_extract(value, '$[2]') AS counted, json_extract(value, '$[3]') AS error,"
        " json_extract(value, '$[4]') AS next_at, json_extract(value, '$[5]') AS now"
        " FROM json_each(?)) AS o WHERE outbox.id = o.id",
        (json.dumps([[o.id, o.state, int(o.count_attempt), o.error, o.next_attempt_at, o.now]
                     for o in outcomes]),),
    )


async def block_chat(db: Database, platform: str, chat_id: str, reason: str) -> set[int]:
    """Mark every message still waiting for a chat that blocked the bot as blocked; return
    the broadcasts they belonged to (their reports change)."""
    async with db.write() as conn, conn.execute(
        "UPDATE outbox SET state = 'blocked', last_error = ? WHERE platform = ?"
        " AND chat_id = ? AND state = 'pending' RETURNING broadcast_id",
        (reason, platform, chat_id),
    ) as cur:
        return {row[0] for row in await cur.fetchall() if row[0] is not None}


async def next_due(db: Database, *, done: Collection[int] = ()) -> str | None:
    """Return when the next row that may be claimed falls due, or None when none waits
    (rows in `done` do not hold back their chat's next one)."""
    in_order, params = _in_order(done)
    due = await db.scalar(
        f"SELECT min(next_attempt_at) FROM outbox o WHERE state = 'pending' AND {in_order}",
        params,
    )
    return None if due is None else str(due)


async def counts(db: Database, broadcast_id: int) -> dict[str, int]:
    """Return {state: rows} for one broadcast, every state present."""
    found: dict[str, int] = {state: n for state, n in await db.fetchall(
        "SELECT state, count(*) FROM outbox WHERE broadcast_id = ? GROUP BY state",
        (broadcast_id,),
    )}
    return {state: int(found.get(state, 0)) for state in STATES}


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A recipient a broadcast did not reach."""

    state: str
    platform: str
    chat_id: str
    delegate_id: int | None
    error: str | None


async def undelivered(db: Database, broadcast_id: int) -> list[Undelivered]:
    """Return the failed and blocked rows of a broadcast."""
    rows = await db.fetchall(
        "SELECT state, platform, chat_id, delegate_id, last_error FROM outbox"
        " WHERE broadcast_id = ? AND state IN ('failed', 'blocked') ORDER BY state, id",
        (broadcast_id,),
    )
    return [Undelivered(*row) for row in rows]


async def forget_chat(conn: Any, platform: str, chat_ids: Iterable[str]) -> set[int]:
    """Take a forgotten account's chats out of the outbox, inside the caller's transaction.

    Messages not sent yet are removed (one in flight still goes, as it would have: nothing
    of it stays); those sent, failed or blocked stay for their broadcast's counts, with no
    chat, delegate or text. Return the broadcasts whose rows changed.
    """
    touched: set[int] = set()
    for chat_id in set(chat_ids):
        async with conn.execute(
            "DELETE FROM outbox WHERE platform = ? AND chat_id = ?"
            " AND state IN ('pending', 'sending') RETURNING broadcast_id", (platform, chat_id),
        ) as cur:
            touched |= {row[0] for row in await cur.fetchall() if row[0] is not None}
        async with conn.execute(
            "UPDATE outbox SET chat_id = '', delegate_id = NULL, text = '',"
            " dedupe_key = 'forgotten:' || id WHERE platform = ? AND chat_id = ?"
            " RETURNING broadcast_id", (platform, chat_id),
        ) as cur:
            touched |= {row[0] for row in await cur.fetchall() if row[0] is not None}
    return touched
