"""Storage: migrations, refusal of newer or foreign files, transactions (backups: test_backup)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from storage.db import Database, DatabaseError, migrations


async def test_new_database_gets_every_migration_and_pragmas(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        assert await db.scalar("PRAGMA user_version") == len(migrations())
        assert await db.scalar("PRAGMA journal_mode") == "wal"
        assert await db.scalar("PRAGMA foreign_keys") == 1
        assert await db.scalar("PRAGMA busy_timeout") == 5000
    finally:
        await db.close()


async def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await (await Database.open(path)).close()
    db = await Database.open(path)
    try:
        assert await db.scalar("PRAGMA user_version") == len(migrations())
    finally:
        await db.close()


async def test_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(DatabaseError, match="newer than this program"):
        await Database.open(path)


async def test_file_that_is_not_sqlite_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    content = b"Danh sach dai bieu\n" * 100
    path.write_bytes(content)
    with pytest.raises(DatabaseError, match="not an SQLite database"):
        await Database.open(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite3"]


async def test_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        with pytest.raises(RuntimeError):
            async with db.write() as conn:
                await conn.execute(
                    "INSERT INTO chat_users (platform, user_id, chat_id, created_at, updated_at)"
                    " VALUES ('t', '1', '1', 'x', 'x')"
                )
                raise RuntimeError("half-way")
        assert await db.scalar("SELECT count(*) FROM chat_users") == 0
    finally:
        await db.close()


INSERT_USER = ("INSERT INTO chat_users (platform, user_id, chat_id, created_at, updated_at)"
               " VALUES ('t', ?, ?, 'x', 'x')")


async def test_a_single_write_waits_for_a_transaction_and_is_not_undone_with_it(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        single: asyncio.Task[int] | None = None
        with pytest.raises(RuntimeError):
            async with db.write() as conn:
                await conn.execute(INSERT_USER, ("1", "1"))
                single = asyncio.create_task(db.execute(INSERT_USER, ("2", "2")))
                await asyncio.sleep(0)  # the single write starts, and must wait
                raise RuntimeError("half-way")
        assert single is not None and await single == 1
        rows = await db.fetchall("SELECT user_id FROM chat_users ORDER BY user_id")
        assert [r[0] for r in rows] == ["2"]  # the transaction's row is gone, not the other
    finally:
        await db.close()


async def test_a_single_write_that_fails_changes_nothing(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        await db.execute(INSERT_USER, ("1", "1"))
        with pytest.raises(sqlite3.IntegrityError):  # the second row breaks the key
            await db.execute("INSERT INTO chat_users (platform, user_id, chat_id, created_at,"
                             " updated_at) VALUES ('t', '3', '3', 'x', 'x'),"
                             " ('t', '1', '1', 'x', 'x')")
        assert await db.scalar("SELECT count(*) FROM chat_users") == 1  # not even the first
    finally:
        await db.close()


async def test_reads_give_the_first_row_all_rows_or_none(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        for user in ("2", "1", "3"):
            await db.execute(INSERT_USER, (user, user))
        ordered = "SELECT user_id FROM chat_users ORDER BY user_id"
        first = await db.fetchone(ordered)
        assert first is not None and first["user_id"] == "1"
        assert [r[0] for r in await db.fetchall(ordered)] == ["1", "2", "3"]
        assert await db.fetchone("SELECT * FROM chat_users WHERE user_id = ?", ("9",)) is None
        assert await db.fetchall("SELECT * FROM chat_users WHERE user_id = ?", ("9",)) == []
        assert await db.scalar("SELECT count(*) FROM chat_users WHERE user_id > ?", ("1",)) == 2
    finally:
        await db.close()
