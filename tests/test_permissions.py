"""Who may read what the bot writes: the database and its -wal and -shm, backups and exports
are the owner's only (0600), a data folder the bot creates is 0700, whatever the umask.

Each test sets the umask it is about (0, the common 022, and a stricter 077) and puts the
process's own back afterwards; the command line runs in a child process under that umask.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from handlers.roster import write_export
from storage import files
from storage.db import Database

UMASKS = (0o000, 0o022, 0o077)


def mode(path: Path) -> int:
    """Return a file's permission bits."""
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=UMASKS, ids=lambda m: f"umask{m:03o}")
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """Run the test under a umask, then restore the process's."""
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def run_cli(tmp_path: Path, umask: int, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `delegate-bot` in a child process under `umask`, with tmp_path's config."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(tmp_path / "config.toml"), *args],
        capture_output=True, text=True, timeout=60, preexec_fn=lambda: os.umask(umask),
    )


async def test_new_database_its_wal_and_shm_and_its_new_folders_are_private(
    tmp_path: Path, umask: int
) -> None:
    path = tmp_path / "data" / "event" / "bot.sqlite3"
    db = await Database.open(path)
    try:
        await db.execute("INSERT INTO meta (key, value) VALUES ('x', '1')")  # the WAL grows
        wal, shm = path.with_name("bot.sqlite3-wal"), path.with_name("bot.sqlite3-shm")
        assert wal.exists() and shm.exists()
        assert [mode(p) for p in (path, wal, shm)] == [0o600, 0o600, 0o600]
        assert mode(tmp_path / "data") == 0o700
        assert mode(tmp_path / "data" / "event") == 0o700
    finally:
        await db.close()
    assert mode(path) == 0o600


async def test_a_database_left_readable_by_an_older_version_is_made_private(
    tmp_path: Path
) -> None:
    """A database and its -wal and -shm created world-readable (-rw-r--r--) are closed to
    others when the bot opens them; a folder that existed before is not touched."""
    old = os.umask(0o022)
    try:
        path = tmp_path / "bot.sqlite3"
        other = sqlite3.connect(path)  # stays open: its -wal and -shm stay on disk
        other.execute("PRAGMA journal_mode = WAL")
        other.execute("CREATE TABLE t (x)")
        other.execute("INSERT INTO t VALUES (1)")
        other.commit()
        wal, shm = path.with_name("bot.sqlite3-wal"), path.with_name("bot.sqlite3-shm")
        assert [mode(p) for p in (path, wal, shm)] == [0o644, 0o644, 0o644]
        folder_mode = mode(tmp_path)
        db = await Database.open(path)
        try:
            assert [mode(p) for p in (path, wal, shm)] == [0o600, 0o600, 0o600]
        finally:
            await db.close()
            other.close()
        assert mode(tmp_path) == folder_mode
    finally:
        os.umask(old)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exports_are_private_and_replace_an_older_export_whole(
    tmp_path: Path, umask: int, suffix: str
) -> None:
    target = tmp_path / f"thu-moi{suffix}"
    target.write_bytes(b"old export")
    os.chmod(target, 0o644)
    with open(target, "rb") as reader:  # a reader of the old file keeps reading the old file
        write_export(target, [["Mã đại biểu", "Mã mời"], ["DB001", "ABCD-EFGH-JK"]])
        assert reader.read() == b"old export"
    assert mode(target) == 0o600
    if suffix == ".xlsx":
        rows = list(load_workbook(target, read_only=True).active.iter_rows(values_only=True))
        assert rows[1] == ("DB001", "ABCD-EFGH-JK")
    else:
        assert '"DB001";"ABCD-EFGH-JK"' in target.read_text(encoding="utf-8-sig")  # all quoted
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temporary left


def test_a_write_that_fails_leaves_no_temporary(tmp_path: Path) -> None:
    """Writing onto a folder's name fails at the rename: the folder is as it was, and no
    temporary file is left behind."""
    target = tmp_path / "thu-moi.xlsx"
    target.mkdir()
    (target / "inside").write_bytes(b"untouched")
    with pytest.raises(IsADirectoryError):
        files.write_private(target, b"new export")
    assert (target / "inside").read_bytes() == b"untouched"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_write_private_without_replace_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "copy.bin"
    target.write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        files.write_private(target, b"new", replace=False)
    assert target.read_bytes() == b"keep me"
    files.write_private(tmp_path / "new.bin", b"new", replace=False)
    assert (tmp_path / "new.bin").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.bin", "new.bin"]


def test_database_backups_and_exports_from_the_command_line_are_private(
    tmp_path: Path, umask: int
) -> None:
    (tmp_path / "config.toml").write_text('[storage]\npath = "bot.sqlite3"\n',
                                          encoding="utf-8")
    roster = tmp_path / "ds.csv"
    roster.write_text("Mã đại biểu,Họ và tên,Loại,Mã mời\nDB001,Trần Thị Hà,Chính thức,"
                      "MNPQ-RTUV-WX\n", encoding="utf-8")
    imported = run_cli(tmp_path, umask, "roster", "import", str(roster))
    assert imported.returncode == 0, imported.stderr
    assert mode(tmp_path / "bot.sqlite3") == 0o600
    backup = run_cli(tmp_path, umask, "backup", str(tmp_path / "copy.sqlite3"))
    assert backup.returncode == 0, backup.stderr
    assert mode(tmp_path / "copy.sqlite3") == 0o600
    for suffix in (".csv", ".xlsx"):
        exported = run_cli(tmp_path, umask, "roster", "export", str(tmp_path / f"out{suffix}"))
        assert exported.returncode == 0, exported.stderr
        assert mode(tmp_path / f"out{suffix}") == 0o600
