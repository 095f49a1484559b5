"""The dashboard's one-time login links and its sessions, kept by their hashes only.

A link is made for a person (`actor`) with a role; `redeem` uses it once, before it expires,
and opens a session in the same transaction (with its audit entry). A session is found by
the hash of its cookie while it has not expired; `end_for` ends all of a person's sessions.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage import audit
from storage.db import Database

ORGANISER = "organiser"
CHECKER = "checker"


@dataclass(frozen=True, slots=True)
class Session:
    """An open dashboard session: who, which role, in which language, its CSRF token."""

    actor: str
    role: str
    language: str | None
    csrf: str
    expires_at: str


async def create_link(db: Database, *, token_hash: str, actor: str, role: str,
                      language: str | None, now: str, expires_at: str) -> None:
    """Store a new login link (and drop the links and sessions that have expired)."""
    async with db.write() as conn:
        await conn.execute("DELETE FROM web_logins WHERE expires_at <= ?", (now,))
        await conn.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (now,))
        await conn.execute(
            "INSERT INTO web_logins (token_hash, actor, role, language, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)", (token_hash, actor, role, language, now, expires_at))


async def link_state(db: Database, token_hash: str, now: str) -> str:
    """Return what a link is now: "unknown", "used", "expired" or "valid"."""
    row = await db.fetchone("SELECT used_at, expires_at FROM web_logins WHERE token_hash = ?",
                            (token_hash,))
    if row is None:
        return "unknown"
    if row["used_at"] is not None:
        return "used"
    return "expired" if row["expires_at"] <= now else "valid"


async def redeem(db: Database, *, token_hash: str, id_hash: str, csrf: str, now: str,
                 expires_at: str) -> Session | None:
    """Use a valid link once and open its session; None when the link is unknown, used or
    expired (nothing changes then)."""
    async with db.write() as conn:
        async with conn.execute(
            "UPDATE web_logins SET used_at = ?1 WHERE token_hash = ?2 AND used_at IS NULL"
            " AND expires_at > ?1 RETURNING actor, role, language", (now, token_hash),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        actor, role, language = row[0], row[1], row[2]
        await conn.execute(
            "INSERT INTO web_sessions (id_hash, actor, role, language, csrf, created_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (id_hash, actor, role, language, csrf, now, expires_at))
        await audit.insert(conn, audit.Note(actor, "web.login", {"role": role}, now))
    return Session(actor, role, language, csrf, expires_at)


async def find(db: Database, id_hash: str, now: str) -> Session | None:
    """Return the session whose cookie hashes to `id_hash`, if it has not expired."""
    row = await db.fetchone(
        "SELECT actor, role, language, csrf, expires_at FROM web_sessions"
        " WHERE id_hash = ? AND expires_at > ?", (id_hash, now))
    if row is None:
        return None
    return Session(row[0], row[1], row[2], row[3], row[4])


async def end(db: Database, id_hash: str) -> None:
    """End one session (logging out in the browser)."""
    await db.execute("DELETE FROM web_sessions WHERE id_hash = ?", (id_hash,))


async def end_for(db: Database, actor: str, now: str) -> int:
    """End every session and unused link of a person; return how many sessions ended."""
    async with db.write() as conn:
        cur = await conn.execute("DELETE FROM web_sessions WHERE actor = ?", (actor,))
        ended = cur.rowcount
        await conn.execute("DELETE FROM web_logins WHERE actor = ? AND used_at IS NULL",
                           (actor,))
        await audit.insert(conn, audit.Note(actor, "web.logout", {"sessions": ended}, now))
    return int(ended)


async def count_open(db: Database, now: str) -> int:
    """Return how many sessions are open now."""
    return int(await db.scalar("SELECT count(*) FROM web_sessions WHERE expires_at > ?",
                               (now,)))
