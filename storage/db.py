"""The SQLite database: connection, pragmas, numbered migrations and write transactions.

One aiosqlite connection serves the process (SQLite allows one writer at a time); writes go
through `Database.write()`, which holds a lock and a `BEGIN IMMEDIATE` transaction. Migrations
are the numbered files in `storage/migrations/`, applied in one transaction at start-up; the
schema version is `PRAGMA user_version`.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseError(Exception):
    """The database cannot be used: not SQLite, newer than the code, or unreadable."""


def migrations() -> list[tuple[int, str]]:
    """Return the packaged migrations as (version, sql), in order."""
    found = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise DatabaseError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


def _check_is_sqlite(path: Path) -> int:
    """Return the file's user_version; raise DatabaseError if it is not SQLite. Writes nothing."""
    if not path.exists():
        return 0
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path}: not an SQLite database ({exc})") from None


class Database:
    """The process's connection to SQLite."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.reader: aiosqlite.Connection | None = None  # opened after the migrations
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        """Open (or create) the database at `path`, set pragmas and apply migrations."""
        known = migrations()
        version = _check_is_sqlite(path)
        if version > len(known):
            raise DatabaseError(
                f"{path}: the database is at schema version {version}, newer than this "
                f"program knows ({len(known)}); upgrade delegate-bot or use a backup"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await db._migrate(known)
            # Reads go through a connection of their own: in WAL mode it sees only committed
            # data, never another coroutine's write half done, and never waits for it.
            db.reader = await aiosqlite.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                                isolation_level=None)
            db.reader.row_factory = aiosqlite.Row
            await db.reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await db.reader.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            await conn.close()
            if db.reader is not None:
                await db.reader.close()
            raise
        return db

    async def _migrate(self, known: list[tuple[int, str]]) -> None:
        version = await self.scalar("PRAGMA user_version")
        pending = [(v, sql) for v, sql in known if v > version]
        if not pending:
            return
        script = "".join(sql + ";\n" for _, sql in pending)
        script = f"BEGIN IMMEDIATE;\n{script}PRAGMA user_version = {pending[-1][0]};\nCOMMIT;"
        try:
            await self.conn.executescript(script)
        except sqlite3.Error:
            if self.conn.in_transaction:
                await self.conn.execute("ROLLBACK")
            raise

    async def close(self) -> None:
        """Close the connections (the writer last: it checkpoints the WAL)."""
        if self.reader is not None:
            await self.reader.close()
        await self.conn.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block in one BEGIN IMMEDIATE transaction: all of it, or none of it."""
        async with self._write_lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
            except BaseException:
                # Even when cancelled (a BEGIN may have run in aiosqlite's thread), never leave
                # the one connection inside a transaction.
                if self.conn.in_transaction:
                    await asyncio.shield(self.conn.execute("ROLLBACK"))
                raise
            await self.conn.execute("COMMIT")

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """Return the first row of a query, or None (committed data only)."""
        async with self._read_conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """Return every row of a query (committed data only)."""
        async with self._read_conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    @property
    def _read_conn(self) -> aiosqlite.Connection:
        return self.reader if self.reader is not None else self.conn

    async def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Return the first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement in its own transaction; return the rows changed."""
        async with self.write() as conn:
            cur = await conn.execute(sql, params)
            return cur.rowcount

    async def execute_alone(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement as its own transaction; return the rows changed.

        SQLite makes one statement atomic and takes the write lock as it starts (waiting up
        to busy_timeout, as BEGIN IMMEDIATE does); this costs one trip to the connection's
        thread instead of three, for hot paths that write often (the outbox's outcomes).
        """
        async with self._write_lock:
            cur = await self.conn.execute(sql, params)
            return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one write statement for many rows in one transaction."""
        async with self.write() as conn:
            await conn.executemany(sql, rows)

    async def backup(self, target: Path) -> None:
        """Write an online, consistent copy of the database to `target` (never itself)."""
        if target.exists() and target.resolve() == self.path.resolve():
            raise DatabaseError(f"{target}: that is the database itself; choose another file")
        if target.exists():
            target.unlink()
        dest = await aiosqlite.connect(target)
        try:
            await self.conn.backup(dest)
        finally:
            await dest.close()
