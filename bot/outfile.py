"""What the command line says when a file it was asked to write cannot be written.

The writing is `storage.files`' (a private 0600 temporary file beside the target, renamed
onto it: a failure such as no such folder, no permission, a full disk or a killed process
leaves no half-written file, and a file already there under that name stays as it was).
Here: the checks made before any work (the extension, the folder), and every failure as an
`OutputError` naming the file and the reason, for the command line's one line.
"""

from __future__ import annotations

import errno
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


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn an operating-system error met while writing `path` into OutputError.

    The writing itself goes through `storage.files` (a private temporary file renamed onto
    `path`), so a failure leaves no half-written file and an older `path` as it was.
    """
    try:
        yield
    except OSError as exc:
        raise classify(exc, path) from None
