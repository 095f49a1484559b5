"""Download links of congress documents for platforms that cannot carry files, by hash.

A link names one person (their platform account, and their delegate row unless they are
an organiser) and one document; it is kept by the hash of its token only. `use` takes a
valid link once, records the download (audit entry: who, which document, which version)
in the same transaction, and returns what it named.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage import audit
from storage.db import Database

DOWNLOAD = "document.download"


@dataclass(frozen=True, slots=True)
class Link:
    """What a download link names: the person and the document, and its times."""

    actor: str
    delegate_id: int | None
    document_id: int
    expires_at: str
    used_at: str | None


async def create(db: Database, *, token_hash: str, actor: str, delegate_id: int | None,
                 document_id: int, now: str, expires_at: str) -> None:
    """Store a new link (and drop the links that have expired)."""
    async with db.write() as conn:
        await conn.execute("DELETE FROM document_links WHERE expires_at <= ?", (now,))
        await conn.execute(
            "INSERT INTO document_links (token_hash, actor, delegate_id, document_id,"
            " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (token_hash, actor, delegate_id, document_id, now, expires_at))


async def find(db: Database, token_hash: str) -> Link | None:
    """Return the link stored under `token_hash`, used or not, expired or not."""
    row = await db.fetchone(
        "SELECT actor, delegate_id, document_id, expires_at, used_at FROM document_links"
        " WHERE token_hash = ?", (token_hash,))
    return None if row is None else Link(row[0], row[1], row[2], row[3], row[4])


async def use(db: Database, token_hash: str, *, version: int, now: str) -> Link | None:
    """Mark a valid link used and record the download; None when it is unknown, used or
    expired (nothing changes then)."""
    async with db.write() as conn:
        async with conn.execute(
            "UPDATE document_links SET used_at = ?1 WHERE token_hash = ?2 AND used_at IS NULL"
            " AND expires_at > ?1 RETURNING actor, delegate_id, document_id, expires_at",
            (now, token_hash),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        link = Link(row[0], row[1], row[2], row[3], now)
        await audit.insert(conn, audit.Note(link.actor, DOWNLOAD, {
            "document": link.document_id, "version": version,
            "delegate": link.delegate_id}, now))
    return link
