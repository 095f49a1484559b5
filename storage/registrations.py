"""Links between chat accounts and delegates, and failed registration attempts."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage import audit, broadcasts, outbox
from storage.db import Database


@dataclass(frozen=True, slots=True)
class Account:
    """A chat account linked to a delegate."""

    platform: str
    user_id: str
    chat_id: str
    display_name: str
    delegate_id: int


async def delegate_id_of(db: Database, platform: str, user_id: str) -> int | None:
    """Return the id of the delegate this account is linked to, if any."""
    delegate_id = await db.scalar(
        "SELECT delegate_id FROM registrations WHERE platform = ? AND user_id = ?",
        (platform, user_id),
    )
    return None if delegate_id is None else int(delegate_id)


async def account_of(db: Database, platform: str, delegate_id: int) -> Account | None:
    """Return the account linked to a delegate on a platform, if any."""
    row = await db.fetchone(
        "SELECT r.platform, r.user_id, u.chat_id, u.display_name, r.delegate_id"
        " FROM registrations r JOIN chat_users u USING (platform, user_id)"
        " WHERE r.platform = ? AND r.delegate_id = ?",
        (platform, delegate_id),
    )
    return None if row is None else Account(*row)


async def accounts_of(db: Database, delegate_id: int) -> list[Account]:
    """Return every account linked to a delegate, by platform."""
    rows = await db.fetchall(
        "SELECT r.platform, r.user_id, u.chat_id, u.display_name, r.delegate_id"
        " FROM registrations r JOIN chat_users u USING (platform, user_id)"
        " WHERE r.delegate_id = ? ORDER BY r.platform", (delegate_id,))
    return [Account(*row) for row in rows]


async def link(db: Database, platform: str, user_id: str, delegate_id: int, method: str,
               now: str) -> bool:
    """Link the account to the delegate; False if either is already linked elsewhere."""
    try:
        await db.execute(
            "INSERT INTO registrations (platform, user_id, delegate_id, method, linked_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (platform, user_id, delegate_id, method, now),
        )
    except sqlite3.IntegrityError:
        return False
    return True


async def confirm(db: Database, platform: str, user_id: str, delegate_id: int, method: str,
                  now: str) -> bool:
    """In one transaction: end the account's conversation step and link it to the delegate,
    forgetting its failed attempts; False (the step still ended) if either is already
    linked elsewhere. One write instead of three: 300 people confirm at the same moment."""
    async with db.write() as conn:
        await conn.execute("UPDATE chat_users SET step = NULL, step_data = '{}'"
                           " WHERE platform = ? AND user_id = ?", (platform, user_id))
        try:
            await conn.execute(
                "INSERT INTO registrations (platform, user_id, delegate_id, method, linked_at)"
                " VALUES (?, ?, ?, ?, ?)", (platform, user_id, delegate_id, method, now))
        except sqlite3.IntegrityError:  # the statement is undone, the transaction goes on
            return False
        await conn.execute("DELETE FROM login_failures WHERE platform = ? AND user_id = ?",
                           (platform, user_id))
    return True


async def unlink_delegate(db: Database, delegate_id: int,
                          note: audit.Note | None = None) -> list[Account]:
    """Remove every account link of a delegate; return the accounts that were linked.

    `note`, the audit entry, is written in the same transaction when a link was removed.
    """
    async with db.write() as conn:
        async with conn.execute(
            "SELECT r.platform, r.user_id, u.chat_id, u.display_name, r.delegate_id"
            " FROM registrations r JOIN chat_users u USING (platform, user_id)"
            " WHERE r.delegate_id = ?", (delegate_id,),
        ) as cur:
            accounts = [Account(*row) for row in await cur.fetchall()]
        await conn.execute("DELETE FROM registrations WHERE delegate_id = ?", (delegate_id,))
        if accounts:
            await audit.insert(conn, note, platforms=sorted(a.platform for a in accounts))
    return accounts


async def forget_account(db: Database, platform: str, user_id: str, now: str,
                         failures_since: str) -> None:
    """Delete what is held about a chat account, in one transaction: its link, files, the
    account, and its messages in the outbox (those not sent are cancelled, the others keep
    no chat, delegate or text). Its failed registration attempts since `failures_since`
    stay, or /forget would lift a lock-out; older ones go."""
    async with db.write() as conn:
        async with conn.execute(
            "SELECT chat_id FROM chat_users WHERE platform = ? AND user_id = ?",
            (platform, user_id),
        ) as cur:
            chats = {str(row[0]) for row in await cur.fetchall()} | {user_id}
        touched = await outbox.forget_chat(conn, platform, chats)
        await broadcasts.finish_emptied(conn, touched, now)
        await conn.execute("DELETE FROM login_failures WHERE platform = ? AND user_id = ?"
                           " AND at < ?", (platform, user_id, failures_since))
        for table in ("registrations", "staged_files", "document_drafts", "chat_users"):
            await conn.execute(
                f"DELETE FROM {table} WHERE platform = ? AND user_id = ?", (platform, user_id)
            )


async def record_failure(db: Database, platform: str, user_id: str, now: str) -> None:
    """Remember one wrong invite code or phone number from this account."""
    await db.execute(
        "INSERT INTO login_failures (platform, user_id, at) VALUES (?, ?, ?)",
        (platform, user_id, now),
    )


async def failures_since(db: Database, platform: str, user_id: str, since: str) -> list[str]:
    """Return the times of this account's failures since `since`, oldest first."""
    rows = await db.fetchall(
        "SELECT at FROM login_failures WHERE platform = ? AND user_id = ? AND at >= ?"
        " ORDER BY at", (platform, user_id, since),
    )
    return [r[0] for r in rows]


async def clear_failures(db: Database, platform: str, user_id: str) -> None:
    """Forget the account's failures (after it registered)."""
    await db.execute(
        "DELETE FROM login_failures WHERE platform = ? AND user_id = ?", (platform, user_id)
    )


@dataclass(frozen=True, slots=True)
class Recipient:
    """A registered delegate's reachable chat account, with the language they chose (with
    /language) and the one their app reports, each None when unknown."""

    delegate_id: int
    platform: str
    chat_id: str
    language: str | None
    kind: str = "official"
    delegation: str = ""
    reminders_off: bool = False
    platform_language: str | None = None


async def recipients(db: Database, audience: dict[str, str]) -> list[Recipient]:
    """Return the reachable accounts of the registered delegates in an audience.

    Audience: {"type": "all"}, {"type": "delegation", "value": name} or
    {"type": "kind", "value": "official" | "alternate" | "guest"}.
    """
    kind = audience.get("type", "all")
    where, params = {
        "all": ("1", ()),
        "delegation": ("d.delegation = ?", (audience.get("value", ""),)),
        "kind": ("d.kind = ?", (audience.get("value", ""),)),
    }[kind]
    rows = await db.fetchall(
        "SELECT d.id, r.platform, u.chat_id, u.language, d.kind, d.delegation,"
        " u.reminders_off = 1, u.platform_language FROM registrations r"
        " JOIN delegates d ON d.id = r.delegate_id"
        " JOIN chat_users u ON u.platform = r.platform AND u.user_id = r.user_id"
        f" WHERE u.blocked_at IS NULL AND {where} ORDER BY d.id, r.platform",
        params,
    )
    return [Recipient(*row) for row in rows]


async def linked_per_hour(db: Database) -> list[tuple[str, int]]:
    """Return (UTC hour as "YYYY-MM-DDTHH", accounts linked in it) in time order: the
    registrations over time the dashboard draws."""
    rows = await db.fetchall(
        "SELECT substr(linked_at, 1, 13), count(*) FROM registrations GROUP BY 1 ORDER BY 1")
    return [(str(r[0]), int(r[1])) for r in rows]


async def version(db: Database) -> tuple[int, int, str]:
    """Return what changes whenever an account is linked or unlinked (how many links, the
    sum of their delegates' ids, the latest link), to keep a copy of the links fresh."""
    row = await db.fetchone("SELECT count(*), coalesce(sum(delegate_id), 0),"
                            " coalesce(max(linked_at), '') FROM registrations")
    assert row is not None
    return int(row[0]), int(row[1]), str(row[2])
