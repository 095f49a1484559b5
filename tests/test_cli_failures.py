"""Every way a command-line run fails is one line naming the file and the reason.

Runs the real entry point (`bot.cli.main` in-process, or `python -m bot` where the test
needs a process of its own: a closed pipe, file permissions) and checks the exact line on
stderr, the exit status, and that nothing half-written is left behind: no database created
where there was none, no output file, no temporary file, an older file of the same name as
it was.
"""

from __future__ import annotations

import asyncio
import errno
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import App
from bot.config import load_config
from storage import agenda
from storage.db import Database
from testkit.telegram_harness import TelegramChat, buttons
from tests.cli_runner import (
    ROOT,
    TEXTS,
    failure,
    listing,
    plain,
    run,
    run_process,
    unprivileged,
)
from tests.conftest import ORGANISER_ID

ROSTER = "Mã đại biểu;Họ và tên\nDB001;Nguyễn Văn An\nDB002;Trần Thị Bình\n"


@pytest.fixture
def event(tmp_path: Path) -> Path:
    """Return a config file whose database (not made yet) is bot.sqlite3 beside it."""
    path = tmp_path / "config.toml"
    path.write_text('[event]\nname = "Đại hội thử nghiệm"\n\n[storage]\npath = "bot.sqlite3"\n',
                    encoding="utf-8")
    return path


def roster_file(folder: Path, text: str = ROSTER) -> Path:
    """Write a roster CSV into `folder`."""
    path = folder / "ds.csv"
    path.write_text(text, encoding="utf-8")
    return path


def output_status(command: str) -> int:
    """Return the exit status for an output file that cannot be written: 1, but 2 for a
    backup, whose 1 means a damaged copy (bot.data_cli)."""
    return 2 if command == "backup" else 1


def imported(event: Path) -> Path:
    """Import the small roster, creating the database; return the database's path."""
    result = run("--config", str(event), "roster", "import", str(roster_file(event.parent)))
    assert result.code == 0, result.err
    return event.parent / "bot.sqlite3"


# ---------------------------------------------------------------------------- no database


@pytest.mark.parametrize("command", [
    ["roster", "export", "out.csv"], ["backup", "copy.sqlite3"],
    ["results", "import", "kq.csv"], ["results", "publish", "1"],
])
def test_commands_refuse_a_database_that_does_not_exist(event: Path,
                                                        command: list[str]) -> None:
    args = [str(event.parent / a) if "." in a else a for a in command]
    result = run("--config", str(event), *args)
    assert result.code == 2
    assert result.err == failure("cli.database.missing", path=event.parent / "bot.sqlite3",
                                 config=event)
    assert result.out == ""
    assert listing(event.parent) == ["config.toml"]


def test_roster_import_creates_the_database_but_a_dry_run_does_not(event: Path) -> None:
    source = roster_file(event.parent)
    dry = run("--config", str(event), "roster", "import", str(source), "--dry-run")
    assert dry.code == 0, dry.err
    assert "thêm mới: 2 đại biểu" in dry.out
    assert listing(event.parent) == ["config.toml", "ds.csv"]
    done = run("--config", str(event), "roster", "import", str(source))
    assert done.code == 0, done.err
    assert (event.parent / "bot.sqlite3").exists()
    exported = run("--config", str(event), "roster", "export", str(event.parent / "out.csv"))
    assert exported.code == 0, exported.err
    assert plain("roster.cli.exported", count=2, file=event.parent / "out.csv") in exported.out


def test_agenda_import_creates_the_database_but_a_dry_run_does_not(event: Path) -> None:
    programme = ROOT / "examples" / "agenda.toml"
    dry = run("--config", str(event), "agenda", "import", str(programme), "--dry-run")
    assert dry.code == 0, dry.err
    assert listing(event.parent) == ["config.toml"]
    done = run("--config", str(event), "agenda", "import", str(programme))
    assert done.code == 0, done.err
    assert (event.parent / "bot.sqlite3").exists()


def test_an_import_refuses_a_database_folder_that_does_not_exist(event: Path) -> None:
    event.write_text('[storage]\npath = "nowhere/bot.sqlite3"\n', encoding="utf-8")
    result = run("--config", str(event), "roster", "import", str(roster_file(event.parent)))
    assert result.code == 2
    assert result.err == failure("cli.database.no_folder", path=event.parent / "nowhere" /
                                 "bot.sqlite3", folder=event.parent / "nowhere", config=event)
    assert listing(event.parent) == ["config.toml", "ds.csv"]


# ---------------------------------------------------------------------------- output files


@pytest.mark.parametrize("command", ["backup", "export"])
def test_output_into_a_folder_that_does_not_exist(event: Path, command: str) -> None:
    imported(event)
    target = event.parent / "nowhere" / "out.csv"
    args = ["backup", str(target)] if command == "backup" else ["roster", "export", str(target)]
    result = run("--config", str(event), *args)
    assert result.code == output_status(command)
    assert result.err == failure("cli.output.no_folder", path=target, folder=target.parent)
    assert result.out == ""
    assert not target.parent.exists()


@pytest.mark.parametrize("command", ["backup", "export"])
def test_output_onto_a_folder(event: Path, command: str) -> None:
    imported(event)
    target = event.parent / "out.csv"
    target.mkdir()
    args = ["backup", str(target)] if command == "backup" else ["roster", "export", str(target)]
    result = run("--config", str(event), *args)
    assert result.code == output_status(command)
    assert result.err == failure("cli.output.is_folder", path=target)
    assert listing(target) == []


@pytest.mark.parametrize("command", ["backup", "export"])
def test_output_into_an_unwritable_folder(event: Path, command: str) -> None:
    preexec = unprivileged()
    imported(event)
    folder = event.parent / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    target = folder / "out.csv"
    args = ["backup", str(target)] if command == "backup" else ["roster", "export", str(target)]
    try:
        result = run_process("--config", str(event), *args, preexec=preexec)
    finally:
        folder.chmod(0o755)
    assert result.code == output_status(command)
    assert result.err == failure("cli.output.denied", path=target, folder=folder)
    assert listing(folder) == []


@pytest.mark.parametrize("name", ["thu-moi.pdf", "thu-moi", "thu-moi.CSV.txt"])
def test_export_refuses_an_extension_it_does_not_write(event: Path, name: str) -> None:
    imported(event)
    target = event.parent / name
    result = run("--config", str(event), "roster", "export", str(target))
    assert result.code == 1
    assert result.err == failure("cli.output.extension", path=target,
                                 extension=target.suffix or name, supported=".csv, .xlsx")
    assert not target.exists()


def test_export_extension_is_read_in_any_case(event: Path) -> None:
    imported(event)
    target = event.parent / "THU-MOI.XLSX"
    result = run("--config", str(event), "roster", "export", str(target))
    assert result.code == 0, result.err
    assert target.read_bytes().startswith(b"PK")  # a workbook, not CSV


def _disk_full(*args: object, **kwargs: object) -> None:
    """Stand for storage.files.install when the disk fills: half of the temporary file is
    written, then the operating system says there is no space left."""
    path = Path(str(args[0]))
    path.write_bytes(b"half a file")
    raise OSError(errno.ENOSPC, "No space left on device", str(path))


def test_export_on_a_full_disk_leaves_the_older_file_as_it_was(
    event: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    imported(event)
    target = event.parent / "out.csv"
    target.write_text("the export of yesterday\n", encoding="utf-8")
    monkeypatch.setattr("storage.files.install", _disk_full)
    result = run("--config", str(event), "roster", "export", str(target))
    assert result.code == 1
    assert result.err == failure("cli.output.full", path=target)
    assert target.read_text(encoding="utf-8") == "the export of yesterday\n"
    assert listing(event.parent) == ["bot.sqlite3", "config.toml", "ds.csv", "out.csv"]


def test_backup_on_a_full_disk_leaves_the_older_copy_as_it_was(
    event: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    imported(event)
    target = event.parent / "copy.sqlite3"
    target.write_bytes(b"yesterday's copy")

    def full(database: Path, into: Path) -> None:
        into.write_bytes(b"SQLite format 3\x00 and then nothing")
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr("storage.backup._copy", full)
    result = run("--config", str(event), "backup", str(target), "--force")
    assert result.code == 2
    assert result.err == failure("cli.output.full", path=target, folder=event.parent,
                                 detail="database or disk is full")
    assert target.read_bytes() == b"yesterday's copy"
    assert listing(event.parent) == ["bot.sqlite3", "config.toml", "copy.sqlite3", "ds.csv"]


# ---------------------------------------------------------------------------- damaged database


def test_export_of_a_damaged_database(event: Path) -> None:
    database = imported(event)
    rows = "".join(f"DB{i:04d};Đại biểu {i}\n" for i in range(3000))
    assert run("--config", str(event), "roster", "import",
               str(roster_file(event.parent, "Mã đại biểu;Họ và tên\n" + rows))).code == 0
    data = bytearray(database.read_bytes())
    half = len(data) // 2
    data[half:] = b"\xa5" * (len(data) - half)  # the delegates' pages, not the schema's
    database.write_bytes(bytes(data))
    target = event.parent / "out.csv"
    result = run("--config", str(event), "roster", "export", str(target))
    assert result.code == 2
    assert result.err == failure("cli.database.corrupt", path=database,
                                 detail="database disk image is malformed", config=event)
    assert not target.exists()


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_database_is_reported_as_read_only(event: Path, what: str) -> None:
    preexec = unprivileged()
    database = imported(event)
    locked = database if what == "file" else database.parent
    locked.chmod(0o444 if what == "file" else 0o555)
    try:
        result = run_process("--config", str(event), "roster", "import",
                             str(event.parent / "ds.csv"), preexec=preexec)
    finally:
        locked.chmod(0o644 if what == "file" else 0o755)
    assert result.code == 2
    assert result.err == failure("cli.database.read_only", path=database, config=event)


# ---------------------------------------------------------------------------- pipes, TOML


def test_output_into_a_closed_pipe_ends_quietly(event: Path) -> None:
    """`delegate-bot roster import ... --dry-run --prune | head -1`: the report (some
    100 KB, more than a pipe holds) meets a reader that has gone."""
    rows = "".join(f"DB{i:04d};Đại biểu {i}\n" for i in range(3000))
    assert run("--config", str(event), "roster", "import",
               str(roster_file(event.parent, "Mã đại biểu;Họ và tên\n" + rows))).code == 0
    one = event.parent / "one.csv"
    one.write_text("Mã đại biểu;Họ và tên\nDB0000;Đại biểu 0\n", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(event), "roster", "import", str(one),
         "--dry-run", "--prune"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    code = proc.wait(timeout=60)
    assert first.decode().startswith(plain("roster.report.dry_run", file="one.csv", added=0,
                                           updated=0, unchanged=1,
                                           missing=2999).splitlines()[0])
    assert err == b""
    assert code == 1


def test_a_config_nested_too_deeply_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[event]\nname = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    result = run("--config", str(path), "run")
    assert result.code == 2
    assert result.err == f"delegate-bot: {path}: -: not valid TOML: nested too deeply\n"


def test_a_programme_nested_too_deeply_is_a_problem_at_its_line(event: Path) -> None:
    imported(event)
    deep = event.parent / "chuong-trinh.toml"
    deep.write_text('[[session]]\ntitle = "Khai mạc"\nnotes = ' + "{a = " * 3000 + "1"
                    + "}" * 3000 + "\n", encoding="utf-8")
    result = run("--config", str(event), "agenda", "import", str(deep))
    assert result.code == 1
    assert result.err.splitlines()[1:] == [
        f"chuong-trinh.toml:3: {plain('agenda.problem.too_deep')}"]
    assert "Traceback" not in result.err
    config = load_config(event)
    assert asyncio.run(_sessions(config.database_path)) == 0


async def _sessions(path: Path) -> int:
    db = await Database.open(path, create=False)
    try:
        return len(await agenda.all_sessions(db, include_cancelled=True))
    finally:
        await db.close()


async def test_a_programme_nested_too_deeply_sent_in_chat_gets_the_problem(
    app: App, tg: TelegramChat
) -> None:
    deep = ('[[session]]\ntitle = "Khai mạc"\nnotes = ' + "[" * 3000 + "]" * 3000 + "\n")
    answer = await tg.send_document(ORGANISER_ID, "chuong-trinh.toml", deep.encode())
    text = "\n".join(m["text"] for m in answer)
    assert f"chuong-trinh.toml:3: {TEXTS.t('vi', 'agenda.problem.too_deep')}" in text
    assert all(not buttons(m) for m in answer)  # nothing to confirm
    assert await agenda.all_sessions(app.services.db, include_cancelled=True) == []
