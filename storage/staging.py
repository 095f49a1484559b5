"""Files an organiser sent in chat, kept until they confirm or cancel the import.

One file per person and purpose: a newer file replaces an older one. The buttons under a
file's report carry the file's token, so a button under an older report cannot act on a
newer file.
"""

from __future__ import annotations

import hashlib

from storage.db import Database


def token_of(content: bytes) -> str:
    """Return the short token that names a file's content in its buttons."""
    return hashlib.sha256(content).hexdigest()[:10]


async def take(db: Database, platform: str, user_id: str, purpose: str,
               token: str) -> tuple[str, bytes] | None:
    """Return and discard the staged file if `token` names it; None otherwise (kept)."""
    staged = await staged_file(db, platform, user_id, purpose)
    if staged is None or token_of(staged[1]) != token:
        return None
    await drop_staged_file(db, platform, user_id, purpose)
    return staged


async def stage_file(db: Database, platform: str, user_id: str, purpose: str, file_name: str,
                     content: bytes, now: str) -> str:
    """Keep a file an organiser sent until they confirm or cancel; return its token."""
    await db.execute(
        "INSERT OR REPLACE INTO staged_files"
        " (platform, user_id, purpose, file_name, content, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (platform, user_id, purpose, file_name, content, now),
    )
    return token_of(content)


async def staged_file(db: Database, platform: str, user_id: str,
                      purpose: str) -> tuple[str, bytes] | None:
    """Return (file name, bytes) of the staged file, if any."""
    row = await db.fetchone(
        "SELECT file_name, content FROM staged_files WHERE platform = ? AND user_id = ?"
        " AND purpose = ?", (platform, user_id, purpose),
    )
    return None if row is None else (row[0], bytes(row[1]))


async def drop_staged_file(db: Database, platform: str, user_id: str, purpose: str) -> None:
    """Discard a staged file."""
    await db.execute(
        "DELETE FROM staged_files WHERE platform = ? AND user_id = ? AND purpose = ?",
        (platform, user_id, purpose),
    )
