"""The SQLite database: connection, pragmas, numbered migrations and write transactions.

One aiosqlite connection serves the process (SQLite allows one writer at a time); writes go
through `Database.write()`, which holds a lock and a `BEGIN IMMEDIATE` transaction. Migrations
are the numbered files in `storage/migrations/`, applied in one transaction at start-up; the
schema version is `PRAGMA user_version`.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from storage import files

BUSY_TIMEOUT_MS = 5000
# A row of a query: its columns by position or by name, untyped (SQLite's values).
Row = aiosqlite.Row
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseError(Exception):
    """The database cannot be used: missing, not SQLite, newer than the code, read-only,
    damaged, locked or unreadable.

    `reason` says which, as a word the command line looks its message up by; `path` is the
    file and `params` what else the message names (the schema versions, SQLite's words).
    """

    def __init__(self, message: str, *, reason: str = "other", path: Path | None = None,
                 **params: object) -> None:
        super().__init__(message)
        self.reason, self.path, self.params = reason, path, params


# SQLite's primary result codes (the low byte of an extended code) and what they mean here.
_REASONS = {5: "locked", 6: "locked", 8: "read_only", 10: "io", 11: "corrupt", 13: "full",
            14: "cannot_open", 26: "not_sqlite"}


def classify(exc: sqlite3.Error, path: Path) -> DatabaseError:
    """Return what an error of SQLite on the database at `path` means, as a DatabaseError."""
    code = getattr(exc, "sqlite_errorcode", None)
    reason = _REASONS.get(code & 0xFF, "other") if isinstance(code, int) else "other"
    if reason == "other" and "readonly" in str(exc):
        reason = "read_only"
    if reason == "other" and "disk is full" in str(exc):  # an error made without its code
        reason = "full"
    return DatabaseError(f"{path}: {str(exc) or type(exc).__name__}", reason=reason, path=path,
                         detail=str(exc))


def writable(path: Path) -> bool:
    """Tell whether SQLite could write the database at `path`: the file, and its folder
    (where the write-ahead log and the shared-memory file live)."""
    if path.exists() and not os.access(path, os.W_OK):
        return False
    return os.access(path.parent, os.W_OK | os.X_OK)


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
        found = classify(exc, path)
        if found.reason in ("not_sqlite", "other"):
            raise DatabaseError(f"{path}: not an SQLite database ({exc})", reason="not_sqlite",
                                path=path, detail=str(exc)) from None
        raise found from None


class Database:
    """The process's connection to SQLite."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.reader: aiosqlite.Connection | None = None  # opened after the migrations
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, create: bool = True, make_folder: bool = True) -> Database:
        """Open the database at `path`, set pragmas and apply migrations.

        A missing file is created when `create` (else DatabaseError "missing"), its missing
        folder too when `make_folder` (else "no_folder"). A file or folder SQLite could not
        write is refused as "read_only" before anything is tried.
        """
        known = migrations()
        if not path.exists():
            if not create:
                raise DatabaseError(f"{path}: no database here", reason="missing", path=path)
            if not path.parent.is_dir() and not make_folder:
                raise DatabaseError(f"{path}: the folder {path.parent} does not exist",
                                    reason="no_folder", path=path, folder=path.parent)
        version = _check_is_sqlite(path)
        if version > len(known):
            raise DatabaseError(
                f"{path}: the database is at schema version {version}, newer than this "
                f"program knows ({len(known)}); upgrade delegate-bot or use a backup",
                reason="newer", path=path, version=version, known=len(known),
            )
        # Invite codes and phone numbers: the file and its -wal and -shm are the owner's only
        # (SQLite gives the -wal and -shm the database file's mode when it creates them).
        try:
            files.private_folder(path.parent)
        except OSError as exc:
            raise DatabaseError(f"{path}: {exc.strerror}", reason="cannot_open", path=path,
                                detail=exc.strerror or str(exc)) from None
        if not writable(path):  # before private_file, which would make it writable again
            raise DatabaseError(f"{path}: read-only", reason="read_only", path=path, detail="")
        try:
            files.private_file(path)
            return await cls._connect(path, known)
        except sqlite3.Error as exc:
            raise classify(exc, path) from None
        except OSError as exc:
            raise DatabaseError(f"{path}: {exc.strerror}", reason="cannot_open", path=path,
                                detail=exc.strerror or str(exc)) from None

    @classmethod
    async def _connect(cls, path: Path, known: list[tuple[int, str]]) -> Database:
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            files.restrict_database(path)  # -wal and -shm left by an older version
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

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Return the first row of a query, or None (committed data only).

        One trip to the connection's thread (execute, fetch and close there at once), for
        queries of one row (by a key, an aggregate): every row of the answer is read."""
        rows = await self._read_conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Return every row of a query (committed data only), in one trip to the thread."""
        return list(await self._read_conn.execute_fetchall(sql, params))

    @property
    def _read_conn(self) -> aiosqlite.Connection:
        return self.reader if self.reader is not None else self.conn

    async def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Return the first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement as its own transaction; return the rows changed.

        SQLite makes one statement atomic (all of it, or none of it) and takes the write lock
        as the statement starts, waiting up to busy_timeout as BEGIN IMMEDIATE does; so one
        statement needs no BEGIN/COMMIT around it, and costs one trip to the connection's
        thread instead of three. The write lock keeps it out of another coroutine's
        transaction on the same connection.
        """
        async with self._write_lock:
            cur = await self.conn.execute(sql, params)
            return cur.rowcount

    async def execute_alone(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement as its own transaction (the same as `execute`)."""
        return await self.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one write statement for many rows in one transaction."""
        async with self.write() as conn:
            await conn.executemany(sql, rows)
