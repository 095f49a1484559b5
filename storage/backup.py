"""Backups of the database that can be trusted, and its integrity check.

A backup is an online, consistent copy: SQLite's backup API copies every page in one step,
under one read transaction, while the bot keeps writing. The copy goes to a private (0600)
temporary file beside the target, is checked with `PRAGMA integrity_check`, and only a good
copy is renamed onto the target; a bad one is removed, so no file named as a backup is
ever a damaged one. The target is refused when it is the database itself or one of its
`-wal`, `-shm` or `-journal` (writing there destroys the live data), or an existing file
unless `force` is given (BackupError); a folder, a file in a folder that does not exist and
a failed write (no permission, a full disk) are the operating system's OSError, as for any
file written; a database that does not exist or cannot be read is a DatabaseError.

The document files (`storage.document_files`) the copy names are copied into the folder
beside the target by the same rule as beside the database (`FILE.documents/`), each checked
against its content hash; one missing or changed makes the backup a bad one.

Neither function migrates or otherwise changes the database: a backup taken before an
upgrade is the one that matters.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from storage import document_files, files
from storage.db import BUSY_TIMEOUT_MS, DatabaseError, classify

PROBLEMS_KEPT = 20
# Why a target may not receive a backup (the command line says each in words).
REASONS = ("database", "exists")


class BackupError(Exception):
    """The target may not receive a backup: `reason` is one of REASONS."""

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
    _exists(database)
    return await asyncio.to_thread(integrity, database)


async def backup(database: Path, target: Path, *, force: bool = False) -> Integrity:
    """Copy the database to `target` and check the copy; a bad copy is not kept.

    Raise BackupError when the target may not receive it, OSError when it cannot be
    written, DatabaseError when the database is missing, not SQLite or cannot be read.
    """
    refuse(database, target, force=force)
    return await asyncio.to_thread(_backup, database, target, force)


def refuse(database: Path, target: Path, *, force: bool) -> None:
    """Raise if `target` may not receive a backup of `database`: DatabaseError when there is
    no database, BackupError for the live database or an existing file, OSError (as writing
    there would) for a folder or a folder that does not exist."""
    _exists(database)
    live = [database, *files.sidecars(database)]
    resolved = target.resolve()
    if any(resolved == path.resolve() or _same_file(target, path) for path in live):
        raise BackupError("database", target)
    if target.is_dir():
        raise _os_error(errno.EISDIR, target)
    if not target.parent.exists():
        raise _os_error(errno.ENOENT, target)
    if not target.parent.is_dir():
        raise _os_error(errno.ENOTDIR, target)
    if target.exists() and not force:
        raise BackupError("exists", target)


def _os_error(code: int, path: Path) -> OSError:
    return OSError(code, os.strerror(code), str(path))


def _exists(database: Path) -> None:
    """Raise DatabaseError "missing" unless `database` is a file (nothing creates it here)."""
    if not database.is_file():
        raise DatabaseError(f"{database}: no database here", reason="missing", path=database)


def _same_file(a: Path, b: Path) -> bool:
    """Tell whether two existing paths are one file (a hard link, a symbolic link)."""
    with contextlib.suppress(OSError):
        return a.samefile(b)
    return False


def _connect(path: Path) -> sqlite3.Connection:
    """Open an existing database file for reading and writing, never creating it."""
    _exists(path)
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _backup(database: Path, target: Path, force: bool) -> Integrity:
    try:
        with files.private_temporary(target) as temporary:
            _copy(database, temporary)
            result = integrity(temporary)
            if result.ok:
                result = _copy_documents(database, temporary, target)
            if result.ok:
                files.install(temporary, target, replace=force)
            return result
    except FileExistsError:  # created by someone else while the copy was made
        raise BackupError("exists", target) from None
    except sqlite3.Error as exc:
        if classify(exc, target).reason == "full":  # writing the copy, not reading
            raise OSError(errno.ENOSPC, str(exc), str(target)) from None
        raise classify(exc, database) from None  # e.g. locked past the busy timeout


def _copy_documents(database: Path, copy: Path, target: Path) -> Integrity:
    """Copy the document files the database copy names into the folder beside `target`
    (`storage.document_files`); a file missing or changed makes the backup a bad one."""
    conn = sqlite3.connect(copy)
    try:
        hashes = [row[0] for row in conn.execute("SELECT DISTINCT file_hash FROM documents")]
    except sqlite3.OperationalError:  # a database from before documents: nothing to copy
        hashes = []
    finally:
        conn.close()
    bad = document_files.copy_for_backup(database, target, hashes)
    return Integrity(not bad, tuple(f"document file {name} is missing or damaged"
                                    for name in bad[:PROBLEMS_KEPT]))


def _copy(database: Path, temporary: Path) -> None:
    source = _connect(database)
    try:
        try:
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            found = classify(exc, database)
            if found.reason in ("not_sqlite", "other"):
                raise DatabaseError(f"{database}: not an SQLite database ({exc})",
                                    reason="not_sqlite", path=database, detail=str(exc)) from None
            raise found from None
        copy = sqlite3.connect(temporary)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
