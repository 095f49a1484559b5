"""Document files on disk: beside the database, in a private folder, named by content hash.

The folder of a database `x.sqlite3` is `x.sqlite3.documents/` (mode 0700), each file in it
`<sha256 hex>` (mode 0600), written whole or not at all (`storage.files`). A name says what
the file holds, so a file is never changed once written; a new version is a new file. A
backup copies the files its database copy names into the folder beside the backup, by the
same rule, and checks each copy against its name.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from storage import files

SUFFIX = ".documents"
_HASH = re.compile(r"[0-9a-f]{64}")


def content_hash(data: bytes) -> str:
    """Return the name a content is stored under: its SHA-256, in hex."""
    return hashlib.sha256(data).hexdigest()


def folder_of(database: Path) -> Path:
    """Return the folder that holds the document files of the database at `database`."""
    return database.with_name(database.name + SUFFIX)


def delete_all(database: Path) -> None:
    """Delete the document files kept for the database at `database`, and their folder when
    nothing else is left in it (`demo --reset`)."""
    folder = folder_of(database)
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if _HASH.fullmatch(entry.name) and entry.is_file():
            entry.unlink()
    with contextlib.suppress(OSError):  # something else is in it: left as it is
        folder.rmdir()


def path_of(database: Path, file_hash: str) -> Path:
    """Return where the file of content `file_hash` is kept; ValueError for a bad name."""
    if not _HASH.fullmatch(file_hash):
        raise ValueError(f"not a content hash: {file_hash!r}")
    return folder_of(database) / file_hash


def store(database: Path, data: bytes) -> str:
    """Keep `data` beside the database (once: the same content is the same file); return
    its hash. Blocking: call it off the event loop for large files."""
    file_hash = content_hash(data)
    folder = folder_of(database)
    files.private_folder(folder)
    target = folder / file_hash
    if not (target.is_file() and target.stat().st_size == len(data)):
        files.write_private(target, data)
    return file_hash


def read(database: Path, file_hash: str) -> bytes:
    """Return the content stored under `file_hash` (OSError when it is missing)."""
    return path_of(database, file_hash).read_bytes()


def copy_for_backup(database: Path, target: Path, hashes: Iterable[str]) -> list[str]:
    """Copy the files named by `hashes` into the folder beside the backup `target`; return
    the hashes that could not be copied whole (missing, or their content changed)."""
    wanted = sorted(set(hashes))
    if not wanted:
        return []
    into = folder_of(target)
    files.private_folder(into)
    bad = []
    for file_hash in wanted:
        source, copy = path_of(database, file_hash), into / file_hash
        if copy.is_file() and _hash_of(copy) == file_hash:
            continue
        try:
            with files.private_temporary(copy) as temporary:
                shutil.copyfile(source, temporary)
                if _hash_of(temporary) != file_hash:
                    bad.append(file_hash)
                    continue
                files.install(temporary, copy)
        except FileNotFoundError:
            bad.append(file_hash)
    return bad


def _hash_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
