"""Private files: what the bot writes holds invite codes and phone numbers, so only its owner
may read it.

Files are created with mode 0600 and folders with 0700 whatever the umask (the mode is set
explicitly after creation, since the umask can only take bits away). A file is written whole
or not at all: into a temporary file in the same folder, flushed to disk, then renamed over
the target. The database, its `-wal` and `-shm`, backups and exports all go through here.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700
SIDECARS = ("-wal", "-shm", "-journal")


def private_folder(path: Path) -> None:
    """Create `path` and any missing parents with mode 0700; existing folders are left as
    they are (they may be shared on purpose: a home or a service folder)."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by someone else
            folder.mkdir(mode=FOLDER_MODE)
            os.chmod(folder, FOLDER_MODE)


def private_file(path: Path) -> None:
    """Make sure `path` exists (empty when new) and only its owner can read or write it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        restrict(path)
        return
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def restrict(path: Path) -> None:
    """Set an existing file's mode to 0600 (nothing when it is absent or not ours)."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if path.stat().st_mode & 0o777 != FILE_MODE:
            os.chmod(path, FILE_MODE)


def restrict_database(path: Path) -> None:
    """Set the database and whichever of its -wal, -shm and -journal exist to 0600."""
    for file in (path, *sidecars(path)):
        restrict(file)


def sidecars(path: Path) -> list[Path]:
    """Return the paths SQLite keeps beside a database: its -wal, -shm and -journal."""
    return [path.with_name(path.name + suffix) for suffix in SIDECARS]


@contextlib.contextmanager
def private_temporary(target: Path) -> Iterator[Path]:
    """Yield an empty 0600 temporary file beside `target`; removed afterwards unless it was
    renamed (by `install`) meanwhile."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    temporary = Path(name)
    try:
        os.fchmod(fd, FILE_MODE)
        os.close(fd)
        yield temporary
    finally:
        for leftover in (temporary, *sidecars(temporary)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def install(temporary: Path, target: Path, *, replace: bool = True) -> None:
    """Move a finished temporary file onto `target`, atomically.

    Without `replace`, an existing target is never overwritten (FileExistsError), even one
    created after the caller looked.
    """
    _sync(temporary)
    if replace:
        os.replace(temporary, target)
    else:
        try:
            os.link(temporary, target)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links
            if target.exists():
                raise FileExistsError(target) from None
            os.replace(temporary, target)
        else:
            temporary.unlink()
    _sync_folder(target.parent)


def write_private(path: Path, data: bytes, *, replace: bool = True) -> None:
    """Write `data` to `path` whole or not at all, readable by the owner only (0600)."""
    with private_temporary(path) as temporary:
        with open(temporary, "wb") as fh:
            fh.write(data)
        install(temporary, path, replace=replace)


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every system lets a folder be synced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
