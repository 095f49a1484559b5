"""Backups of the database that can be trusted, and its integrity check.

A backup is an online, consistent copy: SQLite's backup API copies every page in one step,
under one read transaction, while the bot keeps writing. The copy goes to a private (0600)
temporary file beside the target, is checked with `PRAGMA integrity_check`, and only a good
copy is renamed onto the target; a bad one is removed, so no file named as a backup is
ever a damaged one. The target is refused when it is the database itself or one of its
`-wal`, `-shm` or `-journal` (writing there destroys the live data), a folder, a file in a
folder that does not exist, or an existing file unless `force` is given.

Neither function migrates or otherwise changes the database: a backup taken before an
upgrade is the one that matters.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from storage import files
from storage.db import BUSY_TIMEOUT_MS, DatabaseError

PROBLEMS_KEPT = 20
# Why a backup or a check cannot be made (the command line says each in words).
REASONS = ("missing", "database", "exists", "folder", "no_folder", "copy_failed",
           "write_failed")


class BackupError(Exception):
    """The database or the target cannot be used: `reason` is one of REASONS."""

    def __init__(self, reason: str, path: Path, detail: str = "") -> None:
        super().__init__(f"{path}: {reason}{f' ({detail})' if detail else ''}")
        self.reason = reason
        self.path = path
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Integrity:
    """What `PRAGMA integrity_check` said of a database file: ok, or its first problems."""

    ok: bool
    problems: tuple[str, ...] = ()


def integrity(path: Path) -> Integrity:
    """Run `PRAGMA integrity_check` on a database file (reads only; blocking)."""
    conn = _connect(path)
    try:
        rows = conn.execute(f"PRAGMA integrity_check({PROBLEMS_KEPT})").fetchall()
    except sqlite3.Error as exc:  # pages too damaged to walk at all
        return Integrity(False, (str(exc),))
    finally:
        conn.close()
    # One row may hold several problems, one a line, under a "*** in database main ***" head.
    lines = tuple(line for row in rows for line in str(row[0]).splitlines()
                  if line.strip() and not line.startswith("*** "))
    return Integrity(lines == ("ok",), () if lines == ("ok",) else lines)


async def check(database: Path) -> Integrity:
    """Check the database file's integrity, off the event loop."""
    if not database.is_file():
        raise BackupError("missing", database)
    return await asyncio.to_thread(integrity, database)


async def backup(database: Path, target: Path, *, force: bool = False) -> Integrity:
    """Copy the database to `target` and check the copy; a bad copy is not kept.

    Raise BackupError when the database or the target cannot be used, DatabaseError when
    the database is not SQLite.
    """
    refuse(database, target, force=force)
    return await asyncio.to_thread(_backup, database, target, force)


def refuse(database: Path, target: Path, *, force: bool) -> None:
    """Raise BackupError if `target` may not receive a backup of `database`."""
    if not database.is_file():
        raise BackupError("missing", database)
    live = [database, *files.sidecars(database)]
    resolved = target.resolve()
    if any(resolved == path.resolve() or _same_file(target, path) for path in live):
        raise BackupError("database", target)
    if target.is_dir():
        raise BackupError("folder", target)
    if not target.parent.is_dir():
        raise BackupError("no_folder", target)
    if target.exists() and not force:
        raise BackupError("exists", target)


def _same_file(a: Path, b: Path) -> bool:
    """Tell whether two existing paths are one file (a hard link, a symbolic link)."""
    with contextlib.suppress(OSError):
        return a.samefile(b)
    return False


def _connect(path: Path) -> sqlite3.Connection:
    """Open an existing database file for reading and writing, never creating it."""
    if not path.is_file():
        raise BackupError("missing", path)
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _backup(database: Path, target: Path, force: bool) -> Integrity:
    try:
        with files.private_temporary(target) as temporary:
            _copy(database, temporary)
            result = integrity(temporary)
            if result.ok:
                files.install(temporary, target, replace=force)
            return result
    except FileExistsError:  # created by someone else while the copy was made
        raise BackupError("exists", target) from None
    except OSError as exc:
        raise BackupError("write_failed", target, exc.strerror or str(exc)) from None
    except sqlite3.Error as exc:  # e.g. the database stayed locked past the busy timeout
        raise BackupError("copy_failed", database, str(exc)) from None


def _copy(database: Path, temporary: Path) -> None:
    source = _connect(database)
    try:
        try:
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"{database}: not an SQLite database ({exc})") from None
        copy = sqlite3.connect(temporary)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
