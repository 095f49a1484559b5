"""`delegate-bot backup` and `delegate-bot check`: a copy that can be trusted, never written
onto the live database, and an integrity check in one line.

The command line runs in-process (`bot.cli.main` in a worker thread, since it calls
`asyncio.run`) next to an open App, as it runs next to the bot; the crash scenario of the
issue runs a real writer in a child process and kills it with SIGKILL. Damaged databases
are made by the tests: pages overwritten with garbage.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import App
from bot.cli import main
from bot.clock import to_iso
from bot.config import Config
from bot.i18n import Translator
from bot.text import html_to_plain
from storage import backup as backups
from storage import users
from storage.backup import BackupError
from storage.db import Database
from storage.users import ChatUser

TEXTS = Translator.load()
PAGE = 4096


@dataclass
class Run:
    """What one command-line run did."""

    code: int
    out: str
    err: str


def line(key: str, **params: object) -> str:
    """Return a Vietnamese text as the command line prints it: one plain line."""
    return " ".join(html_to_plain(TEXTS.t("vi", key, **params)).split())


def refused(key: str, **params: object) -> str:
    """Return the line of a refusal: a failure of the command, said as every command's
    failures are (bot.cli_failures)."""
    return f"delegate-bot: {line(key, **params)}"


def write_config(tmp_path: Path, database: Path) -> Path:
    """Write a config whose database is `database`."""
    path = tmp_path / "cli.toml"
    path.write_text(f"[storage]\npath = '{database}'\n", encoding="utf-8")
    return path


async def cli(capsys: pytest.CaptureFixture[str], config_path: Path, *args: str) -> Run:
    """Run `delegate-bot --config FILE ARGS...` in-process; return status and output."""
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["--config", str(config_path), *args])
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def one_line(text: str) -> str:
    """Return the only line of an output, failing if there are more."""
    lines = text.strip("\n").split("\n")
    assert len(lines) == 1, lines
    return lines[0]


async def add_accounts(app: App, count: int, first: int = 0) -> None:
    """Write `count` chat accounts (ids from 5000 + first), each in its own transaction."""
    now = to_iso(app.services.clock.now())
    for i in range(first, first + count):
        await users.touch(app.services.db, ChatUser("telegram", str(5000 + i), str(5000 + i)),
                          now)


def account_ids(path: Path) -> list[str]:
    """Return the chat accounts stored in a database file."""
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT user_id FROM chat_users ORDER BY user_id")]
    finally:
        conn.close()


def damaged_database(path: Path, *, whole_page: bool) -> None:
    """Write a database of 2,000 rows, then overwrite part of a page in its middle (the
    cells of page 50, or the whole page with its header) with garbage."""
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA page_size = {PAGE}")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.executemany("INSERT INTO t (v) VALUES (?)", [("đại biểu " * 20,)] * 2000)
    conn.commit()
    conn.close()
    start, size = (49 * PAGE, PAGE) if whole_page else (49 * PAGE + 8, 64)
    with open(path, "r+b") as fh:
        fh.seek(start)
        fh.write(bytes((i * 7 + 3) % 256 for i in range(size)))


# ---------------------------------------------------------------------------- good copies


async def test_backup_while_the_bot_writes_is_a_checked_private_copy(
    app: App, config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await add_accounts(app, 8)
    target = tmp_path / "copy.sqlite3"
    run = await cli(capsys, write_config(tmp_path, config.database_path), "backup", str(target))
    assert run.code == 0, run.err
    assert one_line(run.out) == line("data.backup.done", file=target)
    assert run.err == ""
    assert account_ids(target) == [str(5000 + i) for i in range(8)]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert backups.integrity(target).ok
    # Only the copy is left beside it: no temporary file, no -wal or -shm of the copy.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("copy", ".copy"))
                  ) == ["copy.sqlite3"]
    await add_accounts(app, 1, first=8)  # the bot goes on writing
    assert len(account_ids(config.database_path)) == 9


async def test_an_existing_file_is_kept_unless_force_is_given(
    app: App, config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await add_accounts(app, 3)
    cli_config = write_config(tmp_path, config.database_path)
    target = tmp_path / "copy.sqlite3"
    target.write_bytes(b"yesterday's backup")
    run = await cli(capsys, cli_config, "backup", str(target))
    assert run.code == 2
    assert one_line(run.err) == refused("data.refused.exists", file=target, detail="")
    assert target.read_bytes() == b"yesterday's backup"
    run = await cli(capsys, cli_config, "backup", str(target), "--force")
    assert run.code == 0, run.err
    assert account_ids(target) == ["5000", "5001", "5002"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


async def test_a_target_name_with_a_line_break_is_still_reported_in_one_line(
    app: App, config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "bản sao\nmới.sqlite3"
    run = await cli(capsys, write_config(tmp_path, config.database_path), "backup", str(target))
    assert run.code == 0, run.err
    assert one_line(run.out).startswith(str(tmp_path))
    assert backups.integrity(target).ok


# ---------------------------------------------------------------------------- refused targets


@pytest.mark.parametrize("name", ["bot.sqlite3", "bot.sqlite3-wal", "bot.sqlite3-shm",
                                  "bot.sqlite3-journal", "sub/../bot.sqlite3", "symlink",
                                  "hardlink"])
@pytest.mark.parametrize("force", [False, True])
async def test_the_live_database_and_its_files_are_never_a_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, force: bool
) -> None:
    """The database, its -wal, -shm or -journal, by any name (another spelling, a symbolic
    or a hard link), are refused even with --force, and the live files are untouched."""
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    try:
        await db.execute("PRAGMA wal_autocheckpoint = 0")
        await db.execute("INSERT INTO meta (key, value) VALUES ('x', 'giữ nguyên')")
        (tmp_path / "sub").mkdir()
        os.symlink(path, tmp_path / "symlink")
        os.link(path, tmp_path / "hardlink")
        wal = path.with_name("bot.sqlite3-wal")
        before = {p.name: p.read_bytes() for p in (path, wal)}
        target = tmp_path / name
        run = await cli(capsys, write_config(tmp_path, path), "backup", str(target),
                        *(["--force"] if force else []))
        assert run.code == 2
        assert one_line(run.err) == refused("data.refused.database", file=target)
        assert run.out == ""
        assert {p.name: p.read_bytes() for p in (path, wal)} == before
        assert await db.scalar("SELECT value FROM meta WHERE key = 'x'") == "giữ nguyên"
    finally:
        await db.close()


def test_backup_onto_the_wal_then_sigkill_loses_no_registration(tmp_path: Path) -> None:
    """The issue's scenario: a writer holds 8 registrations in the WAL only, `backup
    bot.sqlite3-wal` is refused, the writer is killed with SIGKILL, and all 8 are there."""
    path = tmp_path / "bot.sqlite3"
    writer = subprocess.Popen(
        [sys.executable, "-c", (
            "import sqlite3, sys\n"
            f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "c.execute('PRAGMA journal_mode = WAL'); c.execute('PRAGMA wal_autocheckpoint = 0')\n"
            "c.execute('CREATE TABLE registrations (user_id TEXT)')\n"
            "for i in range(8): c.execute('INSERT INTO registrations VALUES (?)', (str(i),))\n"
            "print('ready', flush=True); sys.stdin.read()\n")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
        wal = path.with_name("bot.sqlite3-wal")
        assert wal.stat().st_size > 0
        result = subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(write_config(tmp_path, path)),
             "backup", str(wal)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 2
        assert one_line(result.stderr) == refused("data.refused.database", file=wal)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM registrations").fetchone() == (8,)
    conn.close()


async def test_folders_missing_folders_and_a_missing_database_are_refused(
    app: App, config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_config = write_config(tmp_path, config.database_path)
    for target, reason in ((tmp_path, "is_folder"), (tmp_path / "nowhere" / "copy.sqlite3",
                                                     "no_folder")):
        run = await cli(capsys, cli_config, "backup", str(target), "--force")
        assert run.code == 2
        assert one_line(run.err) == refused(f"cli.output.{reason}", path=target,
                                            folder=target.parent)
    assert not (tmp_path / "nowhere").exists()
    absent = tmp_path / "absent.sqlite3"
    for args in (["backup", str(tmp_path / "copy.sqlite3")], ["check"]):
        config_file = write_config(tmp_path, absent)
        run = await cli(capsys, config_file, *args)
        assert run.code == 2
        assert one_line(run.err) == refused("cli.database.missing", path=absent,
                                            config=config_file)
    assert not absent.exists()  # neither command creates a database
    assert not (tmp_path / "copy.sqlite3").exists()


# ---------------------------------------------------------------------------- damaged pages


@pytest.mark.parametrize("whole_page", [False, True], ids=["cells", "whole-page"])
async def test_a_damaged_database_is_reported_and_its_copy_not_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], whole_page: bool
) -> None:
    path = tmp_path / "bot.sqlite3"
    damaged_database(path, whole_page=whole_page)
    cli_config = write_config(tmp_path, path)
    found = backups.integrity(path)
    assert not found.ok and found.problems
    run = await cli(capsys, cli_config, "check")
    assert run.code == 1
    assert one_line(run.err) == line("data.check.damaged", file=path, count=len(found.problems),
                                     problem=found.problems[0])
    target = tmp_path / "copy.sqlite3"
    run = await cli(capsys, cli_config, "backup", str(target))
    assert run.code == 1
    assert one_line(run.err) == line("data.backup.damaged", file=target,
                                     count=len(found.problems), problem=found.problems[0])
    assert run.out == ""
    # An older good backup is not replaced by a damaged copy, even with --force.
    target.write_bytes(b"last good backup")
    run = await cli(capsys, cli_config, "backup", str(target), "--force")
    assert run.code == 1
    assert target.read_bytes() == b"last good backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.sqlite3", "cli.toml",
                                                          "copy.sqlite3"]


async def test_check_says_ok_in_one_line(app: App, config: Config, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    await add_accounts(app, 2)
    run = await cli(capsys, write_config(tmp_path, config.database_path), "check")
    assert run.code == 0, run.err
    assert one_line(run.out) == line("data.check.ok", file=config.database_path)


async def test_check_of_a_file_that_is_not_a_database_says_damaged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bot.sqlite3"
    path.write_text("đây không phải cơ sở dữ liệu\n" * 50, encoding="utf-8")
    before = path.read_bytes()
    run = await cli(capsys, write_config(tmp_path, path), "check")
    assert run.code == 1
    assert one_line(run.err).startswith(f"{path}: HỎNG: 1 lỗi")
    assert path.read_bytes() == before


# ---------------------------------------------------------------------------- storage API


async def test_storage_backup_is_consistent_and_refuses_the_database(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    try:
        await db.execute(
            "INSERT INTO chat_users (platform, user_id, chat_id, created_at, updated_at)"
            " VALUES ('telegram', '1', '1', 'x', 'x')"
        )
        result = await backups.backup(path, tmp_path / "backup.sqlite3")
        assert result.ok and result.problems == ()
        with pytest.raises(BackupError) as refused:
            await backups.backup(path, path, force=True)
        assert refused.value.reason == "database"
        assert await db.scalar("SELECT count(*) FROM chat_users") == 1  # still there
    finally:
        await db.close()
    assert account_ids(tmp_path / "backup.sqlite3") == ["1"]
