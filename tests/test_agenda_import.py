"""Agenda import: `delegate-bot agenda import FILE [--dry-run] [--no-notify]` and files in chat.

The command line runs in-process (`bot.cli.main` in a worker thread, since it calls
`asyncio.run`) on the test App's database, with the injected clock in place of the system
clock; programme files sent as documents go through the real Telegram channel against the
fake Bot API server. A file is applied whole or refused whole (every problem listed as
`file:line: reason`, nothing written). A new import shows the organiser what changes (moved,
relocated, added, cancelled sessions); applying it tells the delegates attending the changed
sessions, each in their language, and moves their reminders to the new times.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot import agenda_cli
from bot.app import App
from bot.clock import FixedClock, to_iso
from bot.config import Config
from bot.i18n import Markup
from bot.text import html_to_plain
from handlers import reminders
from storage import agenda, broadcasts, outbox, staging, users
from testkit.fake_telegram import FakeTelegram
from testkit.people import Person, seed
from testkit.telegram_harness import TelegramChat, buttons
from testkit.worker import drain
from tests.cli_runner import Run, run_beside
from tests.conftest import ORGANISER_ID
from tests.test_agenda import (
    AUDIENCE,
    BEFORE,
    CLOSING,
    D1,
    D2,
    EDUCATION,
    ELECTION,
    HANOI,
    HEALTH_GROUP,
    PROGRAMME,
    REPORT,
    TEXTS,
    WELCOME,
    Slot,
    agenda_text,
    at,
    load,
    programme_toml,
    stored,
    vi,
)

KINDS = {"nghi lễ": "ceremony", "phiên toàn thể": "plenary", "thảo luận": "discussion",
         "bầu cử": "election"}
HEADER = ["Mã phiên", "Ngày", "Bắt đầu", "Kết thúc", "Tiêu đề", "Địa điểm", "Người trình bày",
          "Mô tả", "Loại phiên", "Đối tượng"]
CHANGE_DAY = datetime(2026, 8, 5, 9, 0, tzinfo=HANOI)  # a revised programme, before reminders


# ---------------------------------------------------------------------------- files
def row_of(slot: Slot, *, excel: bool = False) -> list[object]:
    """Return a session as a spreadsheet row (Excel: real date and time cells)."""
    day: object = slot.day if excel else slot.day.strftime("%d/%m/%Y")
    start: object = time.fromisoformat(slot.start) if excel else slot.start
    end: object = time.fromisoformat(slot.end) if excel else slot.end
    return [slot.key, day, start, end, slot.title, slot.location, slot.presenter,
            slot.description, slot.kind, slot.audience]


def csv_bytes(slots: tuple[Slot, ...] | list[Slot], header: list[str] = HEADER) -> bytes:
    """Return a programme as Excel's "CSV UTF-8": BOM, semicolons."""
    return table_csv([header, *(row_of(s) for s in slots)])


def table_csv(rows: list[list[object]]) -> bytes:
    """Return rows as Excel's "CSV UTF-8": BOM, semicolons."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def xlsx_bytes(slots: tuple[Slot, ...] | list[Slot]) -> bytes:
    """Return a programme as an .xlsx workbook with a title row above the header."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["CHƯƠNG TRÌNH ĐẠI HỘI"])
    sheet.append(HEADER)
    for slot in slots:
        sheet.append(row_of(slot, excel=True))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_bytes(kind: str, slots: tuple[Slot, ...] | list[Slot]) -> bytes:
    """Return a programme in one of the three formats."""
    if kind == "toml":
        return programme_toml(slots).encode()
    return csv_bytes(slots) if kind == "csv" else xlsx_bytes(slots)


def data_of(message: dict[str, object], action: str) -> str:
    """Return the callback data of a check report's button: agi:apply:<token> or agi:cancel:…"""
    (data,) = [d for _, d in buttons(message) if d.startswith(f"agi:{action}:")]
    return data


def session_lines(toml: str) -> list[int]:
    """Return the line of each [[session]] header in a TOML programme."""
    return [n for n, line in enumerate(toml.splitlines(), 1) if line == "[[session]]"]


# ---------------------------------------------------------------------------- texts
def plain(text: str) -> str:
    """Return a text as the command line prints it."""
    return html_to_plain(text)


def when(slot: Slot, language: str = "vi") -> str:
    """Return how a change line gives a session's time: '07:00–07:30, Thứ Ba 11/08'."""
    day = TEXTS.t(language, "date.day", weekday=TEXTS.t(language, f"weekday.{slot.day.weekday()}"),
                  date=f"{slot.day:%d/%m}")
    return TEXTS.t(language, "date.span", start=slot.start, end=slot.end, day=day)


def change_line(kind: str, new: Slot | None, old: Slot | None = None,
                language: str = "vi") -> Markup:
    """Return one change as the locale words it."""
    slot = new or old
    assert slot is not None
    return TEXTS.t(language, f"agenda_import.change.{kind}", title=slot.title,
                   when=when(slot, language), before=when(old, language) if old else "",
                   location=slot.location or "—",
                   before_location=(old.location or "—") if old else "")


def period(slots: Sequence[Slot] = PROGRAMME) -> str:
    """Return the days a programme covers as the import summary says them, with the year."""
    days = sorted({slot.day for slot in slots})
    if days[0] == days[-1]:
        return vi("agenda_import.period_one", first=f"{days[0]:%d/%m/%Y}")
    return vi("agenda_import.period", first=f"{days[0]:%d/%m/%Y}", last=f"{days[-1]:%d/%m/%Y}")


def report(state: str, file: str, sessions: int, lines: list[Markup], unchanged: int = 0,
           warnings: tuple[str, ...] = (), slots: Sequence[Slot] = PROGRAMME) -> str:
    """Return the check, dry-run or done report of an import ("file:line: reason" warnings)."""
    head = vi(f"agenda_import.{state}", file=file, sessions=sessions, changes=len(lines),
              unchanged=unchanged, period=period(slots))
    if warnings:
        lines = [*lines, vi("roster.report.warnings", count=len(warnings)), *warnings]
    return "\n".join([head, *lines])


def title_row_warning(kind: str, name: str) -> tuple[str, ...]:
    """Return the warning about the title row above the header of the .xlsx files here."""
    return (f"{name}:1: " + vi("agenda.warning.above_header"),) if kind == "xlsx" else ()


def notice(lines: list[Markup], language: str = "vi") -> str:
    """Return a change notice as a delegate receives it."""
    return "\n".join([TEXTS.t(language, "agenda_import.notice"), *lines])


def notices_to(fake: FakeTelegram, user_id: int | None) -> list[str]:
    """Return the change notices a chat received."""
    assert user_id is not None
    return [t for t in fake.sent_texts(user_id)
            if t.startswith((vi("agenda_import.notice"), TEXTS.t("en", "agenda_import.notice")))]


# ---------------------------------------------------------------------------- command line
@pytest.fixture
def cli_config(tmp_path: Path, config: Config, clock: FixedClock,
               monkeypatch: pytest.MonkeyPatch) -> Path:
    """Write a TOML config for the command line on the test App's database; the command
    line's App reads the injected clock instead of the system clock."""
    monkeypatch.setattr("bot.app.SystemClock", lambda: clock)
    path = tmp_path / "cli.toml"
    path.write_text(
        f"[event]\nname = \"Đại hội thử nghiệm\"\n\n[storage]\npath = '{config.database_path}'\n"
        f"\n[organisers]\ntelegram = [{ORGANISER_ID}]\n", encoding="utf-8")
    return path


async def cli(capsys: pytest.CaptureFixture[str], config_path: Path, path: Path,
              *flags: str) -> Run:
    """Run `delegate-bot --config FILE agenda import PATH FLAGS...` in-process."""
    return await run_beside(capsys, config_path, "agenda", "import", str(path), *flags)


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    """Write a programme file into tmp_path."""
    path = tmp_path / name
    path.write_bytes(content)
    return path


async def assert_stored(app: App, slots: tuple[Slot, ...] | list[Slot]) -> None:
    """Check the database holds exactly these sessions, in UTC."""
    found = await stored(app)
    assert sorted(found) == sorted(s.key for s in slots)
    for slot in slots:
        session = found[slot.key]
        assert (session.starts_at, session.ends_at) == (to_iso(slot.starts), to_iso(slot.ends))
        assert (session.title, session.location, session.presenter, session.description) == (
            slot.title, slot.location, slot.presenter, slot.description)
        assert (session.kind, session.audience, session.cancelled) == (
            KINDS[slot.kind], AUDIENCE.get(slot.audience, slot.audience), False)


@pytest.mark.parametrize("kind", ["toml", "csv", "xlsx"])
async def test_cli_imports_a_programme_in_each_format(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path, kind: str
) -> None:
    await seed(app, 3, registered=0)  # the roster names the delegations of the programme
    path = write(tmp_path, f"chuong-trinh.{kind}", file_bytes(kind, PROGRAMME))
    run = await cli(capsys, cli_config, path)
    assert run.code == 0, run.err
    added = [change_line("added", s) for s in PROGRAMME]
    warned = title_row_warning(kind, path.name)
    assert run.out == plain(report("done", path.name, 9, added, warnings=warned)) + "\n" + plain(
        vi("agenda_import.told", count=0)) + "\n"
    await assert_stored(app, PROGRAMME)
    # 00:15 local on 12/08 is stored as 17:15 UTC on 11/08.
    assert (await stored(app))["kiem-phieu"].starts_at == "2026-08-11T17:15:00.000+00:00"
    assert await agenda.version(app.services.db) == 1


async def test_cli_refuses_a_bad_file_whole_and_writes_nothing(
    app: App, clock: FixedClock, capsys: pytest.CaptureFixture[str], cli_config: Path,
    tmp_path: Path
) -> None:
    bad = [*PROGRAMME]
    bad[2] = dataclasses.replace(REPORT, start="8h75")
    bad[4] = dataclasses.replace(ELECTION, end="13:00")
    toml = programme_toml(bad)
    lines = session_lines(toml)
    path = write(tmp_path, "sai.toml", toml.encode())
    for previous in ([], [*PROGRAMME[:2]]):  # into an empty programme, then over one
        if previous:
            await load(app, clock, previous)
        version = await agenda.version(app.services.db)
        run = await cli(capsys, cli_config, path)
        assert run.code == 1
        assert run.out == ""
        assert run.err == "\n".join([
            plain(vi("agenda_import.cli.problems", file="sai.toml", count=2)),
            f"sai.toml:{lines[2]}: " + plain(vi("agenda.problem.bad_time", value="8h75")),
            f"sai.toml:{lines[4]}: " + plain(vi("agenda.problem.end_not_after_start",
                                                 start="14:00", end="13:00")),
        ]) + "\n"
        await assert_stored(app, previous)
        assert await agenda.version(app.services.db) == version


async def test_cli_reports_csv_problems_by_line(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path
) -> None:
    content = csv_bytes(PROGRAMME).decode("utf-8-sig").splitlines()
    content[6] = content[6].replace("12/08/2026", "30/02/2026")  # the 6th session, line 7
    path = write(tmp_path, "sai.csv", "\r\n".join(content).encode())
    run = await cli(capsys, cli_config, path)
    assert run.code == 1
    assert run.err.splitlines()[1:] == [
        "sai.csv:7: " + plain(vi("agenda.problem.bad_date", value="30/02/2026"))]
    assert await stored(app) == {}


async def test_cli_dry_run_shows_the_changes_and_writes_nothing(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path
) -> None:
    await seed(app, 3, registered=0)  # the roster names the delegations of the programme
    first = write(tmp_path, "v1.toml", programme_toml(PROGRAMME).encode())
    dry = await cli(capsys, cli_config, first, "--dry-run")
    assert dry.code == 0
    assert dry.out == plain(report("dry_run", "v1.toml", 9,
                                   [change_line("added", s) for s in PROGRAMME])) + "\n"
    assert await stored(app) == {} and await agenda.version(app.services.db) == 0
    assert (await cli(capsys, cli_config, first)).code == 0
    moved = dataclasses.replace(REPORT, start="09:00", end="10:30")
    second = write(tmp_path, "v2.toml", programme_toml(
        [moved if s is REPORT else s for s in PROGRAMME]).encode())
    dry = await cli(capsys, cli_config, second, "--dry-run")
    assert dry.out == plain(report("dry_run", "v2.toml", 9,
                                   [change_line("moved", moved, REPORT)], unchanged=8)) + "\n"
    await assert_stored(app, PROGRAMME)
    assert await agenda.version(app.services.db) == 1


async def test_cli_cannot_open_a_missing_file(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path
) -> None:
    path = tmp_path / "khong-co.toml"
    run = await cli(capsys, cli_config, path)
    assert (run.code, run.err) == (1, f"{path}: {plain(vi('tabular.error.cannot_open'))}\n")


# ---------------------------------------------------------------------------- files in chat
@pytest.mark.parametrize("kind", ["toml", "csv", "xlsx"])
async def test_an_organiser_sends_a_programme_checks_it_and_applies_it(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock, kind: str
) -> None:
    people = await seed(app, 3)
    name = f"chuong-trinh.{kind}"
    (checked,) = await tg.send_document(ORGANISER_ID, name, file_bytes(kind, PROGRAMME))
    added = [change_line("added", s) for s in PROGRAMME]
    warned = title_row_warning(kind, name)
    assert checked["text"] == report("check", name, 9, added, warnings=warned)
    apply, cancel = data_of(checked, "apply"), data_of(checked, "cancel")
    assert buttons(checked) == [(vi("agenda_import.confirm"), apply),
                                (vi("roster.chat.cancel"), cancel)]
    assert await stored(app) == {}  # checking writes nothing
    (done,) = await tg.press(ORGANISER_ID, apply)
    assert done["text"] == report("done", name, 9, added, warnings=warned) + "\n\n" + vi(
        "agenda_import.told", count=0)
    await assert_stored(app, PROGRAMME)
    for data in (apply, cancel, "agi:apply"):  # a second press applies nothing
        (stale,) = await tg.press(ORGANISER_ID, data)
        assert stale["text"] == vi("error.stale_choice"), data
    assert stale["text"] == vi("error.stale_choice")
    assert await agenda.version(app.services.db) == 1
    await drain(app, clock)
    for person in people:  # the very first import tells nobody
        assert notices_to(fake, person.user_id) == []
    (today,) = await tg.texts(people[0].user_id or 0, "/agenda")
    assert today == agenda_text(D1, [s for s in PROGRAMME if s.day == D1
                                     and s.seen_by("official", people[0].delegate.delegation)],
                                clock.now())


async def test_cancel_discards_the_file(app: App, tg: TelegramChat) -> None:
    (checked,) = await tg.send_document(ORGANISER_ID, "ct.toml",
                                        programme_toml(PROGRAMME).encode())
    (answer,) = await tg.press(ORGANISER_ID, data_of(checked, "cancel"))
    assert answer["text"] == vi("agenda_import.cancelled")
    (stale,) = await tg.press(ORGANISER_ID, data_of(checked, "apply"))
    assert stale["text"] == vi("error.stale_choice")
    assert await stored(app) == {} and await agenda.version(app.services.db) == 0


async def test_a_bad_file_in_chat_lists_its_problems_and_offers_nothing(
    app: App, tg: TelegramChat
) -> None:
    toml = programme_toml([REPORT, dataclasses.replace(ELECTION, end="13:00")])
    (answer,) = await tg.send_document(ORGANISER_ID, "sai.toml", toml.encode())
    line = session_lines(toml)[1]
    assert answer["text"] == "\n".join([
        vi("agenda_import.problems", file="sai.toml", count=1),
        f"sai.toml:{line}: " + vi("agenda.problem.end_not_after_start", start="14:00",
                                  end="13:00")])
    assert buttons(answer) == []
    assert await staging.staged_file(app.services.db, "telegram", str(ORGANISER_ID),
                                     "agenda") is None
    (stale,) = await tg.press(ORGANISER_ID, "agi:apply")
    assert stale["text"] == vi("error.stale_choice")
    assert await stored(app) == {}


async def test_a_delegate_can_neither_send_nor_apply_a_programme(
    app: App, tg: TelegramChat
) -> None:
    person, *_ = await seed(app, 3)  # the roster names the delegations of the programme
    user_id = person.user_id or 0
    (refused,) = await tg.send_document(user_id, "ct.toml", programme_toml(PROGRAMME).encode())
    assert refused["text"] == vi("roster.chat.not_organiser")
    (checked,) = await tg.send_document(ORGANISER_ID, "ct.toml",
                                        programme_toml(PROGRAMME).encode())
    for data in (data_of(checked, "apply"), data_of(checked, "cancel"), "agi:apply"):
        (refused,) = await tg.press(user_id, data)
        assert refused["text"] == vi("error.organisers_only")
    assert await stored(app) == {}
    assert await staging.staged_file(app.services.db, "telegram", str(ORGANISER_ID),
                                     "agenda") is not None  # the organiser's file is intact


async def test_a_programme_with_other_valid_headers_is_recognised_in_chat(
    app: App, tg: TelegramChat, capsys: pytest.CaptureFixture[str], cli_config: Path,
    tmp_path: Path
) -> None:
    """A programme whose header uses other names the agenda reader accepts (here "Ngày; Từ;
    Đến; Nội dung") imports from the command line, and sent in chat it is checked as a
    programme too, not refused as a roster lacking its columns."""
    content = table_csv([["Ngày", "Từ", "Đến", "Nội dung"],
                         ["11/08/2026", "08:30", "10:00", REPORT.title],
                         ["11/08/2026", "14:00", "16:00", ELECTION.title]])
    path = write(tmp_path, "lich-hop.csv", content)
    dry = await cli(capsys, cli_config, path, "--dry-run")
    assert dry.code == 0, dry.err  # a valid programme
    (answer,) = await tg.send_document(ORGANISER_ID, "lich-hop.csv", content)
    assert answer["text"].startswith(vi("agenda_import.check", file="lich-hop.csv", sessions=2,
                                        changes=2, unchanged=0, period="ngày 11/08/2026"))


# ---------------------------------------------------------------------------- changes
GROUP_EDU = Slot("to-giao-duc", D2, "13:30", "15:00", "Thảo luận tổ Giáo dục", "Phòng họp số 3",
                 audience=EDUCATION, kind="thảo luận")
ELECTION_LATER = dataclasses.replace(ELECTION, start="14:30", end="16:30")
HEALTH_ROOM = dataclasses.replace(HEALTH_GROUP, location="Phòng họp số 5")
REVISED = [HEALTH_ROOM if s is HEALTH_GROUP else ELECTION_LATER if s is ELECTION else s
           for s in PROGRAMME if s is not CLOSING] + [GROUP_EDU]


@pytest.fixture
async def delegates(app: App, clock: FixedClock) -> list[Person]:
    """Seed ten delegates (delegate 2 reads English), import the programme before the
    congress, and set the clock to the day the organisers revise it."""
    people = await seed(app, 10)
    await users.set_language(app.services.db, "telegram", str(people[2].user_id), "en")
    await load(app, clock, PROGRAMME)
    clock.set(CHANGE_DAY)
    return people


def expected_notices() -> dict[int, str]:
    """Return the notice each delegate gets for REVISED (9, an alternate, gets none)."""
    def lines(language: str, *which: str) -> list[Markup]:
        all_lines = {
            "health": change_line("relocated", HEALTH_ROOM, HEALTH_GROUP, language),
            "election": change_line("moved", ELECTION_LATER, ELECTION, language),
            "edu": change_line("added", GROUP_EDU, None, language),
            "closing": change_line("cancelled", None, CLOSING, language),
        }
        return [all_lines[w] for w in which]

    out = {}
    for i in range(9):  # delegation: i % 3 == 0 Finance, 1 Health, 2 Education
        which = ["election", "closing"]
        if i % 3 == 1:
            which = ["health", *which]
        if i % 3 == 2:
            which = ["election", "edu", "closing"]
        language = "en" if i == 2 else "vi"
        out[i] = notice(lines(language, *which), language)
    return out


@asynccontextmanager
async def scheduler_started(app: App) -> AsyncIterator[None]:
    """Start the app's scheduler (APScheduler fires when the injected clock would reach a
    job's time: weeks ahead in real time here) and shut it down afterwards."""
    try:
        await app.scheduler.start()
        yield
    finally:
        app.scheduler.shutdown()


def half(job_id: str) -> bool:
    """Tell whether a reminder job is the 30-minute one (ids: remind:r<id>:<offset>:<start>)."""
    return job_id.split(":")[2] == "30"


async def reminder_ids(app: App, key: str) -> set[str]:
    """Return the ids of the scheduled reminder jobs of one session."""
    session = (await stored(app))[key]
    return {job for job, _ in app.scheduler.jobs() if job.startswith(f"remind:r{session.id}:")}


async def test_a_revised_programme_is_shown_then_told_to_those_it_concerns(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock, delegates: list[Person]
) -> None:
    (checked,) = await tg.send_document(ORGANISER_ID, "v2.toml",
                                        programme_toml(REVISED).encode())
    diff = [change_line("relocated", HEALTH_ROOM, HEALTH_GROUP),
            change_line("moved", ELECTION_LATER, ELECTION),
            change_line("added", GROUP_EDU), change_line("cancelled", None, CLOSING)]
    assert checked["text"] == report("check", "v2.toml", 9, diff, unchanged=6, slots=REVISED)
    assert await notices_queued(app) == []
    (done,) = await tg.press(ORGANISER_ID, data_of(checked, "apply"))
    assert done["text"] == report("done", "v2.toml", 9, diff, unchanged=6,
                                  slots=REVISED) + "\n\n" + vi(
        "agenda_import.told", count=9)
    found = await stored(app)
    assert found[CLOSING.key].cancelled
    assert found[ELECTION.key].starts_at == to_iso(ELECTION_LATER.starts)
    assert found[HEALTH_GROUP.key].location == "Phòng họp số 5"
    await drain(app, clock)
    expected = expected_notices()
    for i, person in enumerate(delegates):
        assert notices_to(fake, person.user_id) == ([expected[i]] if i in expected else []), i
    assert notices_to(fake, ORGANISER_ID) == []
    (item,) = await notices_queued(app)
    assert (await outbox.counts(app.services.db, item.id))["sent"] == 9


async def test_apply_under_an_older_file_does_not_apply_a_newer_one(
    app: App, tg: TelegramChat, fake: FakeTelegram, delegates: list[Person]
) -> None:
    """"Apply" under the check of v2.toml (which only moves the election) must not apply
    v3.toml, sent afterwards, whose cancellation of the closing that message never showed:
    the buttons carry the file's token, and the older one is refused as stale."""
    v2 = [ELECTION_LATER if s is ELECTION else s for s in PROGRAMME]
    (first,) = await tg.send_document(ORGANISER_ID, "v2.toml", programme_toml(v2).encode())
    assert first["text"] == report("check", "v2.toml", 9,
                                   [change_line("moved", ELECTION_LATER, ELECTION)], 8)
    first_id = fake._last_bot_message[ORGANISER_ID]  # the fake's id of that message
    v3 = [s for s in PROGRAMME if s is not CLOSING]
    (second,) = await tg.send_document(ORGANISER_ID, "v3.toml", programme_toml(v3).encode())
    assert change_line("cancelled", None, CLOSING) in second["text"]
    (answer,) = await tg.press(ORGANISER_ID, data_of(first, "apply"), message_id=first_id)
    assert answer["text"] == vi("error.stale_choice")
    assert not (await stored(app))[CLOSING.key].cancelled


async def notices_queued(app: App) -> list[broadcasts.Broadcast]:
    """Return the change-notice broadcasts."""
    return [b for b in await broadcasts.recent(app.services.db, 100)
            if b.kind == "agenda_change"]


async def test_the_command_line_tells_delegates_unless_no_notify(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock,
    capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path,
    delegates: list[Person]
) -> None:
    quiet = write(tmp_path, "v2.toml", programme_toml(REVISED).encode())
    run = await cli(capsys, cli_config, quiet, "--no-notify", "--yes")  # cancels CLOSING
    assert run.code == 0 and run.out.endswith(plain(vi("agenda_import.told", count=0)) + "\n")
    assert (await stored(app))[ELECTION.key].starts_at == to_iso(ELECTION_LATER.starts)
    assert await notices_queued(app) == []
    # Back to the first programme, told this time: the bot's worker delivers what the
    # command line queued.
    told = write(tmp_path, "v3.toml", programme_toml(PROGRAMME).encode())
    run = await cli(capsys, cli_config, told, "--yes")  # cancels the Education group
    assert run.code == 0 and run.out.endswith(plain(vi("agenda_import.told", count=9)) + "\n")
    await drain(app, clock)
    health = delegates[1].user_id
    assert notices_to(fake, health) == [notice([
        change_line("relocated", HEALTH_GROUP, HEALTH_ROOM),
        change_line("moved", ELECTION, ELECTION_LATER),
        change_line("added", CLOSING)])]  # not the Education group's cancellation
    assert notices_to(fake, delegates[9].user_id) == []  # none of it is for an alternate
    assert len(await notices_queued(app)) == 1


async def test_reminders_follow_the_new_times(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock, delegates: list[Person]
) -> None:
    async with scheduler_started(app):
        before = {key: await reminder_ids(app, key) for key in (ELECTION.key, CLOSING.key)}
        assert all(len(ids) == 2 for ids in before.values())
        old_jobs = {job.id: job for job in await reminders.jobs(app.services)}
        await load(app, clock, REVISED, at=None)  # rebuilds the jobs
        election = await reminder_ids(app, ELECTION.key)
        assert election.isdisjoint(before[ELECTION.key]) and len(election) == 2
        assert all(to_iso(ELECTION_LATER.starts) in job for job in election)
        assert await reminder_ids(app, CLOSING.key) == set()
        assert len(await reminder_ids(app, GROUP_EDU.key)) == 2
        new_jobs = {job.id: job for job in await reminders.jobs(app.services)}
    old = next(j for i, j in old_jobs.items() if i in before[ELECTION.key] and half(i))
    closing = next(j for i, j in old_jobs.items() if i in before[CLOSING.key] and half(i))
    new = next(j for i, j in new_jobs.items() if i in election and half(i))
    assert (old.at, new.at) == (at(D1, "13:30"), at(D1, "14:00"))
    await drain(app, clock)  # the change notices
    for job in (old, new, closing):  # an old job that still fires does nothing
        clock.set(job.at)
        await job.run()
    await drain(app, clock)
    wanted = TEXTS.t("vi", "reminder.text", title=ELECTION.title,
                     when="14:30–16:30, Thứ Ba 11/08", location=ELECTION.location,
                     wait=vi("time.minutes", n=30))
    english = TEXTS.t("en", "reminder.text", title=ELECTION.title,
                      when="14:30–16:30, Tuesday 11/08", location=ELECTION.location,
                      wait=TEXTS.t("en", "time.minutes", n=30))
    for i, person in enumerate(delegates):
        got = [t for t in fake.sent_texts(person.user_id) if t.startswith("⏰")]
        assert got == ({2: [english], 9: []}.get(i, [wanted])), i  # 9 is an alternate


async def test_a_moved_and_relocated_session_tells_the_new_room(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock, delegates: list[Person]
) -> None:
    """A session given both a new time and a new room: the delegates' notice says both (a
    notice of the new time alone would send them to the old room)."""
    moved = dataclasses.replace(REPORT, start="09:00", end="10:30", location="Hội trường B")
    await load(app, clock, [moved if s is REPORT else s for s in PROGRAMME], at=None)
    await drain(app, clock)
    (text,) = notices_to(fake, delegates[0].user_id)
    assert "09:00–10:30" in text
    assert "Hội trường B" in text


async def test_an_unchanged_or_past_change_tells_nobody(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock, delegates: list[Person]
) -> None:
    assert await load(app, clock, PROGRAMME, at=None) == (None, 0)
    clock.set(at(D1, "12:00"))  # the health group (10:00-11:30) is over: no one cares
    assert await load(app, clock, [HEALTH_ROOM if s is HEALTH_GROUP else s
                                   for s in PROGRAMME], at=None) == (None, 0)
    await drain(app, clock)
    assert all(notices_to(fake, p.user_id) == [] for p in delegates)
    assert (await stored(app))[HEALTH_GROUP.key].location == "Phòng họp số 5"


# ---------------------------------------------------------------------------- another process
async def test_the_running_bot_notices_an_import_made_by_another_process(
    app: App, clock: FixedClock, config: Config, tmp_path: Path, cli_config: Path,
    capsys: pytest.CaptureFixture[str]
) -> None:
    clock.set(BEFORE)
    await load(app, clock, [REPORT])
    async with scheduler_started(app):
        app._agenda_version = await agenda.version(app.services.db)  # as App.run does
        assert len(app.scheduler.jobs()) == 2
        await app._watch_imports()  # nothing new: nothing changes
        assert len(app.scheduler.jobs()) == 2
        path = write(tmp_path, "v2.toml", programme_toml([REPORT, ELECTION]).encode())
        assert await agenda_cli.import_agenda(config, path, dry_run=False, notify=True) == 0
        assert len(app.scheduler.jobs()) == 2  # the command line does not touch our jobs
        await app._watch_imports()
        assert len(await reminder_ids(app, ELECTION.key)) == 2
        assert len(app.scheduler.jobs()) == 4
        assert app._agenda_version == await agenda.version(app.services.db) == 2
        # From the command line proper, in another thread and event loop, too.
        run = await cli(capsys, cli_config, write(tmp_path, "v3.toml",
                                                  programme_toml([ELECTION]).encode()), "--yes")
        assert run.code == 0, run.err
        await app._watch_imports()
        assert await reminder_ids(app, REPORT.key) == set()
        assert len(app.scheduler.jobs()) == 2


async def test_a_first_import_on_the_day_itself_sends_no_notice(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    people = await seed(app, 3)
    assert clock.now() == at(D1, "07:30")
    assert await load(app, clock, PROGRAMME, at=None) == (None, 0)
    await drain(app, clock)
    assert all(notices_to(fake, p.user_id) == [] for p in people)
    assert await notices_queued(app) == []


# ---------------------------------------------------------------------- hidden sessions
ROSTER_NAMES = "Đoàn Sở Giáo dục và Đào tạo, Đoàn Sở Tài chính, Đoàn Sở Y tế"  # seed()'s, sorted
TYPO = dataclasses.replace(HEALTH_GROUP, audience="Đoàn Sở Y tê")  # a missing tone mark


@pytest.mark.parametrize("kind", ["toml", "csv"])
async def test_an_audience_naming_no_delegation_is_refused_in_chat_and_on_the_command_line(
    app: App, tg: TelegramChat, capsys: pytest.CaptureFixture[str], cli_config: Path,
    tmp_path: Path, kind: str
) -> None:
    await seed(app, 3)
    slots = [TYPO if s is HEALTH_GROUP else s for s in PROGRAMME]
    name = f"ct.{kind}"
    line = 2 + PROGRAMME.index(HEALTH_GROUP) if kind == "csv" else programme_toml(
        slots).splitlines().index('audience = "Đoàn Sở Y tê"') - 6  # its [[session]] line
    reason = vi("agenda.problem.unknown_audience", value="Đoàn Sở Y tê", delegations=ROSTER_NAMES)
    (answer,) = await tg.send_document(ORGANISER_ID, name, file_bytes(kind, slots))
    assert answer["text"] == "\n".join([
        vi("agenda_import.problems", file=name, count=1), f"{name}:{line}: {reason}"])
    assert buttons(answer) == []  # nothing to apply
    run = await cli(capsys, cli_config, write(tmp_path, name, file_bytes(kind, slots)))
    assert run.code != 0
    assert f"{name}:{line}: {plain(reason)}" in run.err + run.out
    assert await stored(app) == {}


async def test_an_audience_is_matched_as_people_read_names(
    app: App, tg: TelegramChat
) -> None:
    await seed(app, 3)
    spaced = dataclasses.replace(HEALTH_GROUP, audience="  đoàn sở  y tế ")
    slots = [spaced if s is HEALTH_GROUP else s for s in PROGRAMME]
    (answer,) = await tg.send_document(ORGANISER_ID, "ct.toml", programme_toml(slots).encode())
    assert answer["text"].startswith(vi("agenda_import.check", file="ct.toml", sessions=9,
                                        changes=9, unchanged=0, period=period()))


async def test_without_a_roster_an_audience_is_only_warned_about(
    app: App, tg: TelegramChat
) -> None:
    (answer,) = await tg.send_document(ORGANISER_ID, "ct.toml",
                                       programme_toml(PROGRAMME).encode())
    assert vi("agenda.warning.audience_unchecked", value="Đoàn Sở Y tế") in answer["text"]
    assert [label for label, _ in buttons(answer)] == [vi("agenda_import.confirm"),
                                                      vi("roster.chat.cancel")]


async def test_a_session_on_a_past_day_or_a_year_away_is_warned_about_not_refused(
    app: App, tg: TelegramChat
) -> None:
    await seed(app, 3)
    last_year = dataclasses.replace(WELCOME, day=date(2025, 8, 10))  # today is 11/08/2026
    next_year = dataclasses.replace(CLOSING, day=date(2027, 8, 13))
    slots = [last_year if s is WELCOME else next_year if s is CLOSING else s for s in PROGRAMME]
    (answer,) = await tg.send_document(ORGANISER_ID, "ct.csv", csv_bytes(slots))
    lines = answer["text"].split("\n")
    head = vi("agenda_import.check", file="ct.csv", sessions=9, changes=9, unchanged=0,
              period=vi("agenda_import.period", first="10/08/2025", last="13/08/2027"))
    assert lines[0] == head  # the summary shows the years
    past = 2 + PROGRAMME.index(WELCOME)
    far = 2 + PROGRAMME.index(CLOSING)
    assert lines[-3:] == [
        vi("roster.report.warnings", count=2),
        f"ct.csv:{past}: " + vi("agenda.warning.past", day="10/08/2025"),
        f"ct.csv:{far}: " + vi("agenda.warning.far", day="13/08/2027")]
    (done,) = await tg.press(ORGANISER_ID, data_of(answer, "apply"))  # warnings do not block
    assert done["text"].startswith(vi("agenda_import.done", file="ct.csv", sessions=9, changes=9,
                                      unchanged=0, period=vi("agenda_import.period",
                                                             first="10/08/2025",
                                                             last="13/08/2027")))
    assert sorted(await stored(app)) == sorted(s.key for s in slots)


async def test_a_session_held_earlier_and_left_as_it_was_is_not_warned_about(
    app: App, tg: TelegramChat, clock: FixedClock
) -> None:
    await seed(app, 3)
    (first,) = await tg.send_document(ORGANISER_ID, "v1.toml", programme_toml(PROGRAMME).encode())
    await tg.press(ORGANISER_ID, data_of(first, "apply"))
    clock.advance(timedelta(days=2))  # the third day: the first day's sessions are past
    moved = dataclasses.replace(CLOSING, start="11:00", end="11:30")
    slots = [moved if s is CLOSING else s for s in PROGRAMME]
    (answer,) = await tg.send_document(ORGANISER_ID, "v2.toml", programme_toml(slots).encode())
    assert "⚠️" not in answer["text"]
    assert answer["text"].split("\n")[0] == vi(
        "agenda_import.check", file="v2.toml", sessions=9, changes=1, unchanged=8,
        period=period())
