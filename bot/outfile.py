"""Write a file the command line was asked for, whole or not at all.

The bytes go to a temporary file beside the target, which then takes the target's name in
one rename: a failure (no such folder, no permission, a full disk, a killed process) leaves
no half-written file, and a file already there under that name stays as it was. Every
failure is an `OutputError` naming the file and the reason, for the command line's one line.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_REASONS = {
    errno.ENOENT: "no_folder", errno.ENOTDIR: "not_folder", errno.EACCES: "denied",
    errno.EPERM: "denied", errno.ENOSPC: "full", errno.EDQUOT: "full",
    errno.EROFS: "read_only_fs", errno.EISDIR: "is_folder",
}


class OutputError(Exception):
    """An output file that cannot be written: `path`, a `reason` word, and `params` for the
    message (the folder, the operating system's words, the extensions supported)."""

    def __init__(self, path: Path, reason: str, **params: object) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason, self.params = path, reason, params


def classify(exc: OSError, path: Path) -> OutputError:
    """Return what an operating-system error met while writing `path` means."""
    reason = _REASONS.get(exc.errno or 0, "other")
    return OutputError(path, reason, folder=_folder(path), detail=exc.strerror or str(exc))


def _folder(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def check_extension(path: Path, supported: tuple[str, ...]) -> str:
    """Return the file's extension (lower case) if it is one of `supported`, else raise."""
    suffix = path.suffix.lower()
    if suffix not in supported:
        raise OutputError(path, "extension", extension=path.suffix or path.name,
                          supported=", ".join(supported))
    return suffix


def check_target(path: Path) -> Path:
    """Raise OutputError when `path` cannot be a file written in an existing folder (to
    refuse before any work is done); return its folder."""
    folder = _folder(path)
    if not folder.exists():
        raise OutputError(path, "no_folder", folder=folder, detail="")
    if not folder.is_dir():
        raise OutputError(path, "not_folder", folder=folder, detail="")
    if path.is_dir():
        raise OutputError(path, "is_folder", folder=folder, detail="")
    return folder


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path` to write; on success it becomes `path`.

    On any failure the temporary file is removed and `path` is untouched; errors of the
    operating system come out as OutputError.
    """
    folder = check_target(path)
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
        os.close(handle)
    except OSError as exc:
        raise classify(exc, path) from None
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())  # as a plain new file would be
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise classify(exc, path) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
