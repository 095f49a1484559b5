"""Small facts about the data, kept by key in the `meta` table (e.g. the demo's clock)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.db import Database


async def get(db: Database, key: str) -> str | None:
    """Return the value stored under `key`, or None."""
    value = await db.scalar("SELECT value FROM meta WHERE key = ?", (key,))
    return None if value is None else str(value)


async def keep_first(db: Database, key: str, value: str) -> str:
    """Store `value` under `key` unless a value is there already; return the stored one."""
    await db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                     (key, value))
    stored = await get(db, key)
    return value if stored is None else stored


def peek(path: Path, key: str) -> str | None:
    """Return the value under `key` in the database file at `path` without opening it for
    writing (no migration, no change); None when the file, the table or the key is missing
    or the file is not SQLite."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return None if row is None else str(row[0])
