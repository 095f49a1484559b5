"""`delegate-bot demo`: it stops cleanly, keeps its choices and its clock across restarts,
shows each console person only their own messages, and `--reset` starts afresh.

The stops run the real command in a subprocess (piped input, real signals); the rest runs the
same entry point in the test's loop, with its own streams and a clock under the demo's offset.
"""

from __future__ import annotations

import asyncio
import io
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import pypdf
import pytest

from bot.app import App
from bot.channels.console import ConsoleChannel, _RawLines
from bot.clock import FixedClock, to_iso
from bot.demo import CLOCK_KEY, default_database
from bot.demo_cli import chat
from bot.i18n import Translator
from bot.model import Reply
from bot.text import html_to_plain
from storage import delegates, document_files, meta, registrations, users
from storage.db import Database

TIMEOUT = 60.0
CODE = "CMTQG77RNK"  # DB001 in examples/roster.csv
T = Translator.load("vi")
EN = Translator.load("en")


def vi(key: str, **params: object) -> str:
    """Return a Vietnamese text as the console prints it."""
    return html_to_plain(T.t("vi", key, **params))


def stopped(database: Path, language: str = "vi") -> str:
    """Return the line the demo ends with."""
    return html_to_plain(T.t(language, "demo.stopped", database=database.resolve()))


DONE = vi("registration.done", name="Trần Đức Tiến")
CONFIRM_YES = "  1. ✅ Đúng, là tôi"
LOCKED = vi("registration.locked", minutes=15)
WRONG = vi("registration.wrong_code")
HELP_LAST = "/language — đổi ngôn ngữ"


class Terminal:
    """Someone typing at the demo by hand (a tty): `isatty` says so, lines come as typed."""

    def __init__(self, *lines: str) -> None:
        self.stream = io.StringIO("".join(f"{line}\n" for line in lines))

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        return self.stream.readline()


async def demo(database: Path, *lines: str, organiser: bool = False, fresh: bool = False,
               at: datetime | None = None) -> tuple[int, str]:
    """Run the demo entry point on piped lines; return its exit status and what it printed."""
    out = io.StringIO()
    status = await chat(organiser, database, fresh=fresh,
                        stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=out,
                        base_clock=FixedClock(at or START), handle_signals=False)
    return status, out.getvalue()


START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------- stopping
def _demo_process(*args: str, code: str | None = None) -> subprocess.Popen[str]:
    command = ["-c", code, *args] if code else ["-m", "bot", "demo", *args]
    return subprocess.Popen([sys.executable, *command], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8")


class Output:
    """Lines a process prints, read by a thread so that the test can wait for one."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stdout is not None
        threading.Thread(target=self._read, args=(proc.stdout,), daemon=True).start()

    def _read(self, stdout: TextIO) -> None:
        for line in stdout:
            self.lines.put(line)

    def wait_for(self, text: str) -> None:
        """Return once a printed line holds `text` (fail after TIMEOUT)."""
        while True:
            line = self.lines.get(timeout=TIMEOUT)
            self.seen.append(line)
            if text in line:
                return

    def rest(self) -> str:
        """Return everything printed so far and not yet waited for."""
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())
        return "".join(self.seen)


def assert_closed_cleanly(database: Path, stderr: str) -> None:
    """No traceback, no crash at exit, and the database was closed (its WAL checkpointed
    and removed by the last connection) and is whole."""
    assert "Traceback" not in stderr and "Fatal" not in stderr, stderr
    assert not Path(f"{database}-wal").exists()
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()


def test_the_end_of_input_stops_it_with_one_line_and_exit_0(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    result = subprocess.run([sys.executable, "-m", "bot", "demo", "--database", str(database)],
                            input="/help\n", capture_output=True, text=True, encoding="utf-8",
                            timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert HELP_LAST in result.stdout
    assert result.stdout.endswith(stopped(database) + "\n")
    assert result.stdout.count(stopped(database)) == 1
    assert_closed_cleanly(database, result.stderr)


@pytest.mark.parametrize("signals", [[signal.SIGINT], [signal.SIGTERM],
                                     [signal.SIGINT, signal.SIGINT]],
                         ids=["ctrl-c", "sigterm", "ctrl-c-twice"])
def test_a_signal_stops_it_with_one_line_and_exit_0(tmp_path: Path,
                                                     signals: list[signal.Signals]) -> None:
    database = tmp_path / "demo.sqlite3"
    proc = _demo_process("--database", str(database))
    output = Output(proc)
    try:
        assert proc.stdin is not None
        proc.stdin.write("/help\n")
        proc.stdin.flush()
        output.wait_for(HELP_LAST)  # answered: the demo is up and waits for the next line
        for sig in signals:
            proc.send_signal(sig)
        status = proc.wait(timeout=TIMEOUT)  # the input is still open: the signal stops it
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    assert status == 0, stderr
    assert stopped(database) in output.rest()
    assert_closed_cleanly(database, stderr)
    assert proc.stdin is not None
    proc.stdin.close()


RUN_WITHOUT_SIGNAL_HANDLERS = """\
import asyncio, sys
from pathlib import Path
from bot.demo_cli import chat
sys.exit(asyncio.run(chat(False, Path(sys.argv[1]), handle_signals=False)))
"""


def test_ctrl_c_where_signals_cannot_be_caught_stops_it_too(tmp_path: Path) -> None:
    """Where the loop takes no signal handlers (Windows), Ctrl+C is asyncio's: it cancels the
    demo or raises KeyboardInterrupt. The demo still stops with its line and exit 0."""
    database = tmp_path / "demo.sqlite3"
    proc = _demo_process(str(database), code=RUN_WITHOUT_SIGNAL_HANDLERS)
    output = Output(proc)
    try:
        assert proc.stdin is not None
        proc.stdin.write("/help\n")
        proc.stdin.flush()
        output.wait_for(HELP_LAST)
        proc.send_signal(signal.SIGINT)
        status = proc.wait(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    assert status == 0, stderr
    assert stopped(database) in output.rest()
    assert_closed_cleanly(database, stderr)


def test_output_into_a_closed_pipe_stops_it_quietly(tmp_path: Path) -> None:
    """`delegate-bot demo < lines | head -1`: once nobody reads, it stops without a trace."""
    database = tmp_path / "demo.sqlite3"
    proc = _demo_process("--database", str(database))
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write("/help\n" * 2000)
    proc.stdin.flush()
    proc.stdout.readline()
    proc.stdout.close()
    status = proc.wait(timeout=TIMEOUT)
    stderr = proc.stderr.read()
    proc.stdin.close()
    assert status == 0, stderr
    assert stderr == ""
    assert_closed_cleanly(database, stderr)


async def test_a_stop_lets_the_line_in_hand_finish_and_reads_no_more(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    stop = asyncio.Event()

    class StopWhileAnswering(io.StringIO):
        def write(self, text: str) -> int:
            if HELP_LAST in text:  # Ctrl+C while the answer to /help is being printed
                stop.set()
            return super().write(text)

    out = StopWhileAnswering()
    status = await chat(False, database, stdin=io.StringIO("/help\n/language en\n"),
                        stdout=out, base_clock=FixedClock(START), handle_signals=False,
                        stop=stop)
    assert status == 0
    printed = out.getvalue()
    assert printed.endswith(HELP_LAST + " (Tiếng Việt / English)\n\n" + stopped(database) + "\n")
    _, again = await demo(database, "/help")
    assert HELP_LAST in again  # still in Vietnamese: "/language en" was never taken


# ---------------------------------------------------------------------------- choices
async def test_a_choice_offered_before_a_restart_is_answered_by_its_number(
    tmp_path: Path,
) -> None:
    database = tmp_path / "demo.sqlite3"
    _, first = await demo(database, "/start", CODE)
    assert CONFIRM_YES in first
    status, second = await demo(database, "1", "/me")  # a new process would start here
    assert status == 0
    assert DONE in second
    assert "Mã đại biểu: DB001" in second
    assert WRONG not in second


async def test_a_choice_answered_is_not_taken_again_after_a_restart(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    await demo(database, "/language", "2")
    _, again = await demo(database, "1")  # the list was answered: "1" is just text now
    assert "To register, send the invite code" in again  # text from someone not registered


async def test_the_choice_hint_follows_the_persons_language(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    _, out = await demo(database, "/language en", "/language")
    assert html_to_plain(EN.t("en", "console.choose")) in out


# ---------------------------------------------------------------------------- own messages
async def test_the_organisers_console_does_not_print_the_notice_meant_for_the_delegate(
    tmp_path: Path,
) -> None:
    database = tmp_path / "demo.sqlite3"
    await demo(database, "/start", CODE, "1")
    _, organiser = await demo(database, "/unlink DB001", "1", organiser=True)  # 1: yes
    assert vi("unlink.done", name="Trần Đức Tiến", code="DB001", count=1) in organiser
    assert vi("unlink.notice") not in organiser
    _, delegate = await demo(database, "/me")
    assert vi("registration.not_registered") in delegate


async def test_the_delegates_console_does_not_print_the_alert_meant_for_the_organisers(
    tmp_path: Path,
) -> None:
    database = tmp_path / "demo.sqlite3"
    await demo(database, "/start", organiser=True)  # the organiser has a console account
    db = await Database.open(database)
    try:  # DB001's seat is already taken, by another console account
        delegate = await delegates.find_by_code(db, "DB001")
        assert delegate is not None
        await users.touch(db, users.ChatUser("console", "someone", "someone"), to_iso(START))
        assert await registrations.link(db, "console", "someone", delegate.id, "invite_code",
                                        to_iso(START))
    finally:
        await db.close()
    _, out = await demo(database, "/start", CODE)
    assert vi("registration.taken") in out
    assert "⚠️" not in out and "/unlink DB001" not in out  # the organisers' alert


async def test_each_console_prints_what_is_sent_to_its_person_only(app: App) -> None:
    out = io.StringIO()
    channel = ConsoleChannel(app, user_id="delegate", display_name="Đại biểu thử",
                             stdin=io.StringIO(), stdout=out)
    app.add_channel(channel)
    assert await app.services.send("console", "organiser", Reply("cho Ban Tổ chức"))
    await channel.deliver("organiser", "<b>cho Ban Tổ chức</b>")
    assert out.getvalue() == ""
    await app.services.send("console", "delegate", Reply("cho đại biểu"))
    await channel.deliver("delegate", "<b>thông báo</b> &amp; lịch")
    assert out.getvalue() == "cho đại biểu\n\nthông báo & lịch\n\n"


async def test_a_broadcast_prints_for_the_organiser_only_its_preview_and_its_report(
    tmp_path: Path,
) -> None:
    database = tmp_path / "demo.sqlite3"
    await demo(database, "/start", CODE, "1")
    _, organiser = await demo(database, "/announce Hội trường đổi sang phòng B", "1", "1",
                              organiser=True)
    assert organiser.count("Hội trường đổi sang phòng B") == 1  # the preview; not the copy
    assert "1/1" in organiser  # the report: one delegate reached
    _, delegate = await demo(database, "/help")
    assert "Hội trường đổi sang phòng B" not in delegate


async def test_organiser_commands_are_refused_in_the_delegates_console(
    tmp_path: Path,
) -> None:
    _, out = await demo(tmp_path / "demo.sqlite3", "/unlink DB001", "/announce x")
    assert out.count(vi("error.organisers_only")) == 2


# ---------------------------------------------------------------------------- the clock
async def test_the_clock_keeps_running_between_runs_so_a_lock_out_ends(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    _, first = await demo(database, "/start", *["SAI-MA-MOI"] * 5, "SAI-MA-MOI")
    assert LOCKED in first
    _, soon = await demo(database, CODE, at=START + timedelta(minutes=5))
    assert vi("registration.locked", minutes=10) in soon  # real time passed: 10 minutes left
    _, later = await demo(database, CODE, "1", at=START + timedelta(minutes=16))
    assert LOCKED not in later and DONE in later


async def test_the_demo_day_starts_20_minutes_before_the_first_session(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    out = io.StringIO()
    await chat(False, database, stdin=Terminal("/help"), stdout=out,  # type: ignore[arg-type]
               base_clock=FixedClock(START), handle_signals=False)
    assert "Giờ trong bản demo: 06:40 11/08/2026." in out.getvalue()
    assert out.getvalue().startswith("Bản demo của delegate-bot")
    out = io.StringIO()
    await chat(False, database, stdin=Terminal(), stdout=out,  # type: ignore[arg-type]
               base_clock=FixedClock(START + timedelta(days=1, minutes=5)),
               handle_signals=False)
    assert "Giờ trong bản demo: 06:45 12/08/2026." in out.getvalue()
    assert out.getvalue().endswith("\n" + stopped(database) + "\n")


# ---------------------------------------------------------------------------- documents
def _documents(database: Path) -> dict[str, str]:
    """Return the text of each stored document of a demo database, by title."""
    db = sqlite3.connect(database)
    try:
        rows = db.execute("SELECT title, file_hash FROM documents ORDER BY id").fetchall()
    finally:
        db.close()
    texts = {}
    for title, file_hash in rows:
        reader = pypdf.PdfReader(document_files.path_of(database, file_hash))
        texts[title] = "\n".join(page.extract_text() for page in reader.pages)
    return texts


async def test_a_registered_delegate_finds_the_sample_documents(tmp_path: Path) -> None:
    _, out = await demo(tmp_path / "demo.sqlite3", CODE, "1", "/documents", "1")
    listed = out.split(vi("documents.list.head"))[1]
    assert listed.index("• Chương trình Đại hội (") < listed.index(
        "• Quy chế làm việc của Đại hội (trích) (")
    assert "  1. Chương trình Đại hội\n  2. Quy chế làm việc của Đại hội (trích)\n" in listed
    # the console carries no files: the delegate is told where to get it
    assert "Ứng dụng này không gửi được tệp." in listed
    assert "nhận tài liệu “Chương trình Đại hội” qua Telegram" in listed


async def test_the_sample_documents_are_the_programme_and_the_rules(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    await demo(database, "/help")
    texts = _documents(database)
    assert list(texts) == ["Quy chế làm việc của Đại hội (trích)", "Chương trình Đại hội"]
    programme = " ".join(texts["Chương trình Đại hội"].split())
    assert "Thứ Ba 11/08" in programme
    assert "07:45–08:15 Phiên khai mạc — Hội trường A" in programme
    rules = " ".join(texts["Quy chế làm việc của Đại hội (trích)"].split())
    assert "hai phần ba (2/3) tổng số đại biểu được triệu tập" in rules
    await demo(database, "/help")  # a second start publishes nothing again
    assert list(_documents(database)) == list(texts)


# ---------------------------------------------------------------------------- --reset
async def test_reset_deletes_the_demo_data_and_starts_fresh(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    await demo(database, "/start", CODE, "1", "/language en")
    _, kept = await demo(database, "/me")
    assert "Delegate code: DB001" in kept
    status, fresh = await demo(database, "/me", fresh=True, at=START + timedelta(days=3))
    assert status == 0
    assert vi("registration.not_registered") in fresh  # in Vietnamese again, not registered
    assert "/language" not in fresh
    db = sqlite3.connect(database)
    try:
        (offset,) = db.execute("SELECT value FROM meta WHERE key = ?", (CLOCK_KEY,)).fetchone()
        (people,) = db.execute("SELECT count(*) FROM delegates").fetchone()
    finally:
        db.close()
    first_session = datetime(2026, 8, 10, 23, 40, tzinfo=UTC)  # 06:40 in Hanoi
    assert START + timedelta(days=3) + timedelta(seconds=float(offset)) == first_session
    assert people == 317
    assert len(_documents(database)) == 2  # the sample documents again, the old files gone
    assert len(list(document_files.folder_of(database).iterdir())) == 2


def test_reset_from_the_command_line_on_a_missing_database_just_starts(tmp_path: Path) -> None:
    database = tmp_path / "new" / "demo.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--reset", "--database", str(database)],
        input="/start\n", capture_output=True, text=True, encoding="utf-8", timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert "Xin chào" in result.stdout
    assert meta.peek(database, CLOCK_KEY) is not None


async def test_reset_refuses_a_database_that_is_not_the_demos(tmp_path: Path) -> None:
    congress = tmp_path / "bot.sqlite3"
    conn = sqlite3.connect(congress)
    conn.execute("CREATE TABLE delegates (id INTEGER)")
    conn.commit()
    conn.close()
    before = congress.read_bytes()
    junk = tmp_path / "notes.sqlite3"
    junk.write_text("không phải cơ sở dữ liệu", encoding="utf-8")
    for path in (congress, junk):
        status, out = await demo(path, "/start", fresh=True)
        assert status == 2
        assert out == ""
    assert congress.read_bytes() == before
    assert junk.read_text(encoding="utf-8") == "không phải cơ sở dữ liệu"


async def test_reset_says_when_the_file_cannot_be_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "demo.sqlite3"
    database.mkdir()  # the demo's own path, but nothing that can be unlinked
    monkeypatch.setattr("bot.demo.default_database", lambda: database)
    status, out = await demo(database, "/start", fresh=True)
    assert status == 2 and out == ""
    reason = capsys.readouterr().err
    assert reason.startswith(f"delegate-bot: Không xóa được {database}: ")
    assert reason.endswith("Bản demo không chạy.\n") and len(reason.splitlines()) == 1
    assert database.is_dir()


def test_reset_on_the_command_line_names_the_refused_file(tmp_path: Path) -> None:
    congress = tmp_path / "bot.sqlite3"
    conn = sqlite3.connect(congress)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")  # a bot's, unmarked
    conn.commit()
    conn.close()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--reset", "--database", str(congress)],
        input="", capture_output=True, text=True, encoding="utf-8", timeout=TIMEOUT)
    assert result.returncode == 2
    line = html_to_plain(T.t("vi", "demo.not_demo", database=congress.resolve()))
    assert result.stderr == f"delegate-bot: {line}\n"
    assert result.stdout == ""
    assert meta.peek(congress, CLOCK_KEY) is None and congress.stat().st_size > 0


def test_the_default_database_is_in_the_users_data_folder(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    if sys.platform.startswith("linux"):
        assert default_database() == tmp_path / "delegate-bot" / "demo.sqlite3"
    assert default_database().name == "demo.sqlite3"


# ---------------------------------------------------------------------------- reading input
class Chunks:
    """A raw stream that hands out bytes in the pieces given."""

    def __init__(self, *pieces: bytes) -> None:
        self.pieces = list(pieces)

    def read(self, size: int = -1) -> bytes:
        return self.pieces.pop(0) if self.pieces else b""


def test_raw_input_is_decoded_across_reads_and_keeps_a_last_line_without_newline() -> None:
    text = "Nguyễn Thị Thử\nđổi sang phòng B".encode()
    cut = text.index("ễ".encode()) + 1  # in the middle of a character
    lines = list(_RawLines(Chunks(text[:cut], text[cut:]), "utf-8"))  # type: ignore[arg-type]
    assert lines == ["Nguyễn Thị Thử\n", "đổi sang phòng B"]
    assert list(_RawLines(Chunks(b"\xff\n"), "utf-8")) == ["\ufffd\n"]  # type: ignore[arg-type]
    assert list(_RawLines(Chunks(), "utf-8")) == []  # type: ignore[arg-type]


def test_reading_from_a_real_pipe(tmp_path: Path) -> None:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, "/help\ntiếng việt\n".encode())
    os.close(write_fd)
    with open(read_fd, "rb", buffering=0) as raw:
        assert list(_RawLines(raw, "utf-8")) == ["/help\n", "tiếng việt\n"]
