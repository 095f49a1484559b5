"""Files an organiser sent in chat, kept until they confirm or cancel the import."""

from __future__ import annotations

from storage.db import Database


async def stage_file(db: Database, platform: str, user_id: str, purpose: str, file_name: str,
                     content: bytes, now: str) -> None:
    """Keep a file an organiser sent until they confirm or cancel (one per purpose)."""
    await db.execute(
        "INSERT OR REPLACE INTO staged_files"
        " (platform, user_id, purpose, file_name, content, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (platform, user_id, purpose, file_name, content, now),
    )


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
