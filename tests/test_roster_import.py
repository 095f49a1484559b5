"""Roster import and export: `delegate-bot roster import|export` and roster files sent in chat.

The command line runs in-process (`bot.cli.main`, in a worker thread because it calls
`asyncio.run`) on the same database as the test's App; chat documents go through the real
Telegram channel against the fake Bot API server. Every bad file is refused whole: nothing
written, every problem listed as `file:line:column: reason`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bot.app import App
from bot.clock import FixedClock
from bot.collation import name_key
from bot.config import Config
from bot.formats.invite import group_invite_code
from bot.formats.roster import INVITE_ALPHABET, INVITE_CODE_LENGTH
from bot.text import html_to_plain
from handlers.roster import EXPORT_COLUMNS
from storage import delegates, registrations, staging
from storage.db import Database
from storage.delegates import Delegate
from testkit.telegram_harness import TelegramChat, actions, start_channel
from testkit.texts import vi
from tests.cli_runner import Run
from tests.cli_runner import run_beside as cli
from tests.conftest import DELEGATE_ID, ORGANISER_ID

BOT = "delegate_test_bot"

VI_HEADER = ["Mã đại biểu", "Họ và tên", "Đơn vị", "Đoàn", "Loại", "Số điện thoại", "Số ghế",
             "Mã mời"]
EN_HEADER = ["Code", "Full name", "Unit", "Delegation", "Kind", "Phone", "Seat", "Invite code"]
HA = ["DB001", "Trần Thị Hà", "Sở Y tế", "Đoàn Sở Y tế", "Chính thức", "0912 345 678", "A01", ""]
BINH = ["DB002", "Lê Văn Bình", "UBND huyện", "Đoàn huyện A", "Dự khuyết", "", "B02",
        "MNPQ-RTUV-WX"]
KHACH = ["DB003", "Phạm Khách", "", "", "Khách mời", "", "", ""]
ROWS = [HA, BINH, KHACH]
EN_KINDS = {"Chính thức": "official", "Dự khuyết": "alternate", "Khách mời": "guest"}


def plain(key: str, **params: object) -> str:
    """Return a Vietnamese text as the command line prints it (plain text)."""
    return html_to_plain(vi(key, **params))


def csv_bytes(rows: list[list[str]], *, header: list[str] = VI_HEADER, sep: str = ";",
              bom: bool = True) -> bytes:
    """Return a roster as CSV bytes: Excel's "CSV UTF-8" (BOM, semicolons) by default."""
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows([header, *rows])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def xlsx_bytes(rows: list[list[object]], *, header: list[str] = VI_HEADER) -> bytes:
    """Return a roster as an .xlsx workbook whose second sheet must be ignored."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Đại biểu"
    for row in [header, *rows]:
        sheet.append(row)
    other = book.create_sheet("Ghi chú")
    other.append(["Mã đại biểu", "Họ và tên"])
    other.append(["X999", "Không phải đại biểu"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def cli_config(tmp_path: Path, config: Config) -> Path:
    """Write a TOML config for the command line that uses the test App's database."""
    path = tmp_path / "cli.toml"
    path.write_text(
        f"[event]\nname = \"Đại hội thử nghiệm\"\n\n[storage]\npath = '{config.database_path}'\n"
        f"\n[organisers]\ntelegram = [{ORGANISER_ID}]\n\n[telegram]\nbot_username = \"{BOT}\"\n",
        encoding="utf-8",
    )
    return path


async def roster(app: App) -> dict[str, Delegate]:
    """Return the roster in the database, by delegate code."""
    return {d.code: d for d in await delegates.all_delegates(app.services.db)}


async def import_file(capsys: pytest.CaptureFixture[str], cli_config: Path, path: Path,
                      *flags: str) -> Run:
    """Run `roster import` on a file."""
    return await cli(capsys, cli_config, "roster", "import", str(path), *flags)


def report_counts(added: int, updated: int, unchanged: int, missing: int) -> list[str]:
    """Return the count lines of an import report (the same in every state)."""
    return [f"thêm mới: {added} đại biểu", f"cập nhật: {updated}", f"không đổi: {unchanged}",
            f"không có trong tệp: {missing}"]


def assert_valid_invite(code: str) -> None:
    """Check an invite code's length and alphabet (no look-alike characters)."""
    assert len(code) == INVITE_CODE_LENGTH
    assert set(code) <= set(INVITE_ALPHABET)


async def register(tg: TelegramChat, user_id: int, invite_code: str) -> None:
    """Register a Telegram account through the deep link and the "yes" button."""
    await tg.send(user_id, f"/start {invite_code}")
    done = "\n".join(m["text"] for m in await tg.press(user_id, "reg:yes"))
    assert "Đăng ký thành công" in done


async def linked(app: App, user_id: int) -> str | None:
    """Return the code of the delegate a Telegram account is linked to, if any."""
    delegate_id = await registrations.delegate_id_of(app.services.db, "telegram", str(user_id))
    found = None if delegate_id is None else await delegates.get(app.services.db, delegate_id)
    return None if found is None else found.code


# ---------------------------------------------------------------------------- CLI: good files


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("ds.csv", csv_bytes(ROWS)),
        ("ds.csv", csv_bytes([[*r[:4], EN_KINDS[r[4]], *r[5:]] for r in ROWS],
                             header=EN_HEADER, sep=",", bom=False)),
        ("ds.xlsx", xlsx_bytes([[*HA[:5], 912345678, *HA[6:]], BINH, KHACH])),
    ],
    ids=["csv-bom-semicolon-vietnamese", "csv-comma-english", "xlsx-first-sheet"],
)
async def test_cli_imports_csv_and_xlsx_with_either_language_of_headers(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path,
    name: str, content: bytes,
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    run = await import_file(capsys, cli_config, path)
    assert run.code == 0, run.err
    assert run.out.startswith(f"✅ Đã nhập tệp {name}:")
    assert all(line in run.out for line in report_counts(3, 0, 0, 0))
    found = await roster(app)
    assert sorted(found) == ["DB001", "DB002", "DB003"]  # nothing from the second sheet
    ha, binh, khach = found["DB001"], found["DB002"], found["DB003"]
    assert (ha.full_name, ha.unit, ha.delegation, ha.kind, ha.phone, ha.seat) == (
        "Trần Thị Hà", "Sở Y tế", "Đoàn Sở Y tế", "official", "+84912345678", "A01")
    assert (binh.kind, binh.invite_code, binh.phone) == ("alternate", "MNPQRTUVWX", None)
    assert (khach.kind, khach.unit, khach.seat) == ("guest", "", "")
    assert_valid_invite(ha.invite_code)
    assert_valid_invite(khach.invite_code)


async def test_generated_invite_codes_are_unique_and_unguessable(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path,
    config: Config,
) -> None:
    rows = [[f"DB{i:04d}", f"Đại biểu {i}", "", "", "", "", "", ""] for i in range(400)]
    path = tmp_path / "ds.csv"
    path.write_bytes(csv_bytes(rows))
    assert (await import_file(capsys, cli_config, path)).code == 0
    first = [d.invite_code for d in (await roster(app)).values()]
    assert len(first) == len(set(first)) == 400
    for code in first:
        assert_valid_invite(code)
    assert set("".join(first)) == set(INVITE_ALPHABET)  # every symbol drawn
    # The same file into another database draws other codes: they do not follow the rows.
    other = tmp_path / "other.toml"
    other.write_text(cli_config.read_text(encoding="utf-8").replace(
        str(config.database_path), str(tmp_path / "other.sqlite3")), encoding="utf-8")
    assert (await import_file(capsys, other, path)).code == 0
    db = await Database.open(tmp_path / "other.sqlite3")
    try:
        second = [d.invite_code for d in await delegates.all_delegates(db)]
    finally:
        await db.close()
    assert len(second) == 400
    assert not set(first) & set(second)


async def test_dry_run_prints_what_would_change_and_writes_nothing(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path
) -> None:
    path = tmp_path / "ds.csv"
    path.write_bytes(csv_bytes(ROWS))
    run = await import_file(capsys, cli_config, path, "--dry-run")
    assert run.code == 0, run.err
    assert run.out.startswith("📋 Chạy thử tệp ds.csv (chưa ghi gì):")
    assert all(line in run.out for line in report_counts(3, 0, 0, 0))
    assert await roster(app) == {}
    assert (await import_file(capsys, cli_config, path)).code == 0
    before = await roster(app)
    changed = [[HA[0], "Trần Thị Thu Hà", *HA[2:]], BINH]
    path.write_bytes(csv_bytes(changed))
    run = await import_file(capsys, cli_config, path, "--dry-run", "--prune")
    assert run.code == 0, run.err
    assert all(line in run.out for line in report_counts(0, 1, 1, 1))
    assert "• DB003 — Phạm Khách" in run.out
    assert await roster(app) == before


# ---------------------------------------------------------------------------- CLI: re-import


async def test_second_import_updates_by_code_keeps_chat_links_and_lists_missing(
    app: App, tg: TelegramChat, capsys: pytest.CaptureFixture[str], cli_config: Path,
    tmp_path: Path,
) -> None:
    path = tmp_path / "ds.csv"
    path.write_bytes(csv_bytes(ROWS))
    assert (await import_file(capsys, cli_config, path)).code == 0
    first = await roster(app)
    await register(tg, DELEGATE_ID, first["DB001"].invite_code)
    # Hà's name and Bình's unit change, the guest is gone, a new delegate comes.
    new = ["DB004", "Võ Mới", "Sở Nội vụ", "Đoàn Sở Nội vụ", "", "0987 654 321", "C03", ""]
    path.write_bytes(csv_bytes([[HA[0], "Trần Thị Thu Hà", *HA[2:]],
                                [*BINH[:2], "UBND thị xã", *BINH[3:]], new]))
    run = await import_file(capsys, cli_config, path)
    assert run.code == 0, run.err
    assert all(line in run.out for line in report_counts(1, 2, 0, 1))
    assert "Có 1 đại biểu trong danh sách nhưng không có trong tệp (vẫn được giữ lại):" in run.out
    assert "• DB003 — Phạm Khách" in run.out
    second = await roster(app)
    assert sorted(second) == ["DB001", "DB002", "DB003", "DB004"]
    assert {c: d.invite_code for c, d in second.items() if c != "DB004"} == {
        c: d.invite_code for c, d in first.items()}  # invite codes kept
    assert second["DB001"].id == first["DB001"].id
    assert await linked(app, DELEGATE_ID) == "DB001"
    (me,) = await tg.texts(DELEGATE_ID, "/me")
    assert me.startswith("<b>Trần Thị Thu Hà</b>")
    # --prune removes who is missing (the guest, and now Hà) and unlinks their accounts.
    path.write_bytes(csv_bytes([BINH, new]))
    run = await import_file(capsys, cli_config, path, "--prune")
    assert run.code == 0, run.err
    assert "Đã xóa khỏi danh sách 2 đại biểu không có trong tệp:" in run.out
    assert "• DB001 — Trần Thị Thu Hà" in run.out and "• DB003 — Phạm Khách" in run.out
    assert sorted(await roster(app)) == ["DB002", "DB004"]
    assert await linked(app, DELEGATE_ID) is None
    assert await tg.texts(DELEGATE_ID, "/me") == [vi("registration.not_registered")]


async def test_reimport_moving_an_invite_code_to_another_delegate_never_crashes(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path
) -> None:
    """A file gives Hà the invite code Bình holds and leaves Bình's cell empty.

    Either the conflict is a listed problem (exit 1, nothing written) or Bình gets a fresh
    code (exit 0); the check must not pass and then fail while writing.
    """
    path = tmp_path / "ds.csv"
    path.write_bytes(csv_bytes([[*HA[:7], "AC3DE4F6GH"], BINH]))
    assert (await import_file(capsys, cli_config, path)).code == 0
    before = await roster(app)
    path.write_bytes(csv_bytes([[*HA[:7], "MNPQRTUVWX"], [*BINH[:7], ""]]))
    run = await import_file(capsys, cli_config, path)
    after = await roster(app)
    if run.code == 0:
        assert after["DB001"].invite_code == "MNPQRTUVWX"
        assert after["DB002"].invite_code not in ("MNPQRTUVWX", "")
    else:
        assert run.code == 1
        assert "ds.csv:" in run.err
        assert after == before


# ---------------------------------------------------------------------------- CLI: export


async def test_export_csv_and_xlsx_with_status_and_deep_links_then_reimport_cleanly(
    app: App, tg: TelegramChat, capsys: pytest.CaptureFixture[str], cli_config: Path,
    tmp_path: Path,
) -> None:
    source = tmp_path / "ds.csv"
    source.write_bytes(csv_bytes(ROWS))
    assert (await import_file(capsys, cli_config, source)).code == 0
    await register(tg, DELEGATE_ID, "MNPQRTUVWX")
    people = await roster(app)
    tokens = await delegates.checkin_tokens(app.services.db)
    header = [html_to_plain(vi(f"roster.export.{column}")) for column in EXPORT_COLUMNS]
    kind = {k: html_to_plain(vi(f"roster.export.kind.{k}")) for k in EN_KINDS.values()}
    expected = [header] + [
        [d.code, d.full_name, d.unit, d.delegation, kind[d.kind], d.phone or "", d.seat,
         group_invite_code(d.invite_code), "telegram" if d.code == "DB002" else "",
         f"https://t.me/{BOT}?start={d.invite_code}",
         f"https://t.me/{BOT}?start=ci_{tokens[d.id]}"]
        for d in sorted(people.values(), key=lambda d: name_key(d.full_name))  # Vietnamese order
    ]
    assert [row[1] for row in expected[1:]] == ["Lê Văn Bình", "Trần Thị Hà", "Phạm Khách"]
    csv_out, xlsx_out = tmp_path / "out.csv", tmp_path / "out.xlsx"
    for target in (csv_out, xlsx_out):
        run = await cli(capsys, cli_config, "roster", "export", str(target))
        assert run.code == 0, run.err
        assert run.out.strip() == plain("roster.cli.exported", count=3, file=str(target))
    assert csv_out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the UTF-8 BOM
    assert list(csv.reader(io.StringIO(csv_out.read_text(encoding="utf-8-sig")),
                           delimiter=";")) == expected
    sheet = load_workbook(xlsx_out, read_only=True).worksheets[0]
    assert [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)] == expected
    assert "Mã mời" in header and "Liên kết Telegram" in header
    assert header[-1] == "Liên kết điểm danh"  # the check-in link, for the badges
    # Both exported files import again with no problem and change nothing.
    for target in (csv_out, xlsx_out):
        run = await import_file(capsys, cli_config, target)
        assert run.code == 0, run.err
        assert all(line in run.out for line in report_counts(0, 0, 3, 0))
    assert await roster(app) == people
    assert await linked(app, DELEGATE_ID) == "DB002"


# ---------------------------------------------------------------------------- bad files

ROW_PROBLEMS = [
    ["DB010", "Người Tốt", "", "", "", "0987 654 321", "", ""],
    ["DB010", "Trùng Mã", "", "", "", "", "", ""],
    ["DB011", "Trùng Số", "", "", "", "0987654321", "", ""],
    ["DB012", "Có Mã Mời", "", "", "", "", "", "AC3D-E4F6-GH"],
    ["DB013", "Trùng Mã Mời", "", "", "", "", "", "ac3de4f6gh"],
    ["DB014", "Loại Lạ", "", "", "VIP", "", "", ""],
    ["DB015", "Số Hỏng", "", "", "", "12abc", "", ""],
    ["DB016", "", "Sở Tài chính", "", "", "", "", ""],
    ["", "Không Có Mã", "", "", "", "", "", ""],
]
ROW_PROBLEM_LINES = [
    ("ds.csv:3:Mã đại biểu", "roster.problem.duplicate_code", {"code": "DB010", "other_line": 2}),
    ("ds.csv:4:Số điện thoại", "roster.problem.duplicate_phone",
     {"phone": "0987654321", "other_line": 2}),
    ("ds.csv:6:Mã mời", "roster.problem.duplicate_invite_code", {"other_line": 5}),
    ("ds.csv:7:Loại", "roster.problem.unknown_kind", {"value": "VIP"}),
    ("ds.csv:8:Số điện thoại", "roster.problem.bad_phone", {"value": "12abc"}),
    ("ds.csv:9:Họ và tên", "roster.problem.empty_required", {}),
    ("ds.csv:10:Mã đại biểu", "roster.problem.empty_required", {}),
]

# (file name, content, where the problem is reported, its text key and values)
BAD_FILES = [
    ("ds.csv", "Họ và tên;Đoàn\r\nTrần Thị Hà;Đoàn 1\r\n".encode(),
     "ds.csv:1", "roster.problem.missing_code_column", {}),
    ("ds.csv", "\ufeffMã đại biểu;Loại\r\nDB001;official\r\n".encode(),
     "ds.csv:1", "roster.problem.missing_name_column", {}),
    ("ds.csv", "code;full_name\r\nDB001;Ann\r\nDB002;José Müller\r\n".encode("latin-1"),
     "ds.csv:3", "tabular.error.not_utf8", {}),
    ("ds.csv", "code;full_name;Đoàn\r\nDB001;Hà;Tây\r\n".encode("cp1258"), "ds.csv:1",
     "tabular.error.not_utf8", {}),
    ("ds.xlsx", b"PK\x03\x04 this is not a workbook", "ds.xlsx:1", "tabular.error.not_xlsx", {}),
    ("ds.xlsx", csv_bytes(ROWS), "ds.xlsx:1", "tabular.error.not_xlsx", {}),
    ("ds.txt", csv_bytes(ROWS), "ds.txt:1", "tabular.error.unsupported_extension",
     {"extension": ".txt"}),
    ("ds.xls", csv_bytes(ROWS), "ds.xls:1", "tabular.error.unsupported_extension",
     {"extension": ".xls"}),
    ("ds.csv", b"", "ds.csv:1", "tabular.error.empty", {}),
    ("ds.csv", csv_bytes([]), "ds.csv:1", "roster.problem.no_rows", {}),
]
BAD_IDS = ["missing-code-column", "missing-name-column", "latin-1", "cp1258", "junk-xlsx",
           "csv-named-xlsx", "txt", "xls", "empty", "header-only"]
BAD_PARAMS = ("name", "content", "location", "key", "params")
Render = Callable[..., str]


def problem(render: Render, location: str, key: str, params: dict[str, object]) -> str:
    """Return one report line: "file:line[:column]: reason"."""
    return f"{location}: {render(key, **params)}"


async def test_cli_lists_every_row_problem_and_writes_nothing(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path
) -> None:
    path = tmp_path / "ds.csv"
    path.write_bytes(csv_bytes(ROWS))
    assert (await import_file(capsys, cli_config, path)).code == 0
    before = await roster(app)
    path.write_bytes(csv_bytes(ROW_PROBLEMS))
    for flags in ((), ("--prune",), ("--dry-run",)):
        run = await import_file(capsys, cli_config, path, *flags)
        assert run.code == 1
        assert run.out == ""
        lines = run.err.strip().splitlines()
        assert lines[0] == plain("roster.cli.problems", file="ds.csv", count=7)
        assert lines[1:] == [problem(plain, *p) for p in ROW_PROBLEM_LINES]
    assert await roster(app) == before  # not even the good row DB010


@pytest.mark.parametrize(BAD_PARAMS, BAD_FILES, ids=BAD_IDS)
async def test_cli_refuses_a_bad_file_with_its_location_and_exit_1(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path,
    name: str, content: bytes, location: str, key: str, params: dict[str, object],
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    run = await import_file(capsys, cli_config, path)
    assert run.code == 1
    assert run.out == ""
    head, *lines = run.err.strip().splitlines()
    assert head.startswith(f"❌ Không nhập tệp {name}: có ")
    assert problem(plain, location, key, params) in lines
    assert await roster(app) == {}


async def test_cli_missing_file_is_a_problem_not_a_traceback(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path
) -> None:
    run = await import_file(capsys, cli_config, tmp_path / "khong-co.csv")
    assert run.code == 1
    assert f"khong-co.csv:1: {plain('tabular.error.cannot_open')}" in run.err
    assert "Traceback" not in run.err


async def test_cli_report_shows_file_values_as_written(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path
) -> None:
    """A value from the file with HTML characters is printed as it is in the file."""
    path = tmp_path / "ds.csv"
    path.write_bytes(csv_bytes([["DB001", "Hà", "", "", "<b>VIP</b> & co", "", "", ""]]))
    run = await import_file(capsys, cli_config, path)
    assert run.code == 1
    assert "ds.csv:2:Loại: Loại đại biểu “<b>VIP</b> & co” không hợp lệ." in run.err


# ---------------------------------------------------------------------------- chat documents


@pytest.mark.parametrize(
    ("name", "content"),
    [("ds.csv", csv_bytes(ROWS)),
     ("ds.csv", csv_bytes(ROWS, header=EN_HEADER, sep=",", bom=False)),
     ("ds.xlsx", xlsx_bytes(ROWS))],
    ids=["csv-vietnamese", "csv-english", "xlsx"],
)
async def test_organiser_sends_a_roster_sees_the_report_and_imports_on_confirm(
    app: App, tg: TelegramChat, name: str, content: bytes
) -> None:
    (report,) = await tg.send_document(ORGANISER_ID, name, content)
    assert report["text"].startswith(f"📋 Tệp {name} hợp lệ. Khi nhập:")
    assert all(line in report["text"] for line in report_counts(3, 0, 0, 0))
    assert actions(report) == [("Nhập danh sách", "roster:import"), ("Hủy", "roster:cancel")]
    assert await roster(app) == {}  # nothing before the confirmation
    (done,) = await tg.press(ORGANISER_ID, "roster:import")
    assert done["text"].startswith(f"✅ Đã nhập tệp {name}:")
    assert all(line in done["text"] for line in report_counts(3, 0, 0, 0))
    assert sorted(await roster(app)) == ["DB001", "DB002", "DB003"]
    # The staged file is gone: pressing again is stale.
    (again,) = await tg.press(ORGANISER_ID, "roster:import")
    assert again["text"] == vi("error.stale_choice")


async def test_cancel_writes_nothing(app: App, tg: TelegramChat) -> None:
    await tg.send_document(ORGANISER_ID, "ds.csv", csv_bytes(ROWS))
    (cancelled,) = await tg.press(ORGANISER_ID, "roster:cancel")
    assert cancelled["text"] == vi("roster.chat.cancelled")
    assert await roster(app) == {}
    assert await staging.staged_file(app.services.db, "telegram", str(ORGANISER_ID),
                                     "roster") is None
    (stale,) = await tg.press(ORGANISER_ID, "roster:import")
    assert stale["text"] == vi("error.stale_choice")
    assert await roster(app) == {}


async def test_missing_delegates_are_kept_on_import_and_removed_and_unlinked_on_prune(
    app: App, tg: TelegramChat
) -> None:
    await tg.send_document(ORGANISER_ID, "ds.csv", csv_bytes(ROWS))
    await tg.press(ORGANISER_ID, "roster:import")
    khach = (await roster(app))["DB003"]
    await register(tg, DELEGATE_ID, khach.invite_code)
    (report,) = await tg.send_document(ORGANISER_ID, "ds2.csv", csv_bytes([HA, BINH]))
    assert all(line in report["text"] for line in report_counts(0, 0, 2, 1))
    assert "• DB003 — Phạm Khách" in report["text"]
    assert actions(report) == [("Nhập danh sách", "roster:import"),
                               ("Nhập và xóa 1 đại biểu thiếu", "roster:prune"),
                               ("Hủy", "roster:cancel")]
    (kept,) = await tg.press(ORGANISER_ID, "roster:import")
    assert "vẫn được giữ lại" in kept["text"]
    assert "DB003" in await roster(app)
    assert await linked(app, DELEGATE_ID) == "DB003"
    await tg.send_document(ORGANISER_ID, "ds2.csv", csv_bytes([HA, BINH]))
    (pruned,) = await tg.press(ORGANISER_ID, "roster:prune")
    assert "Đã xóa khỏi danh sách 1 đại biểu không có trong tệp:" in pruned["text"]
    assert sorted(await roster(app)) == ["DB001", "DB002"]
    assert await linked(app, DELEGATE_ID) is None
    assert await tg.texts(DELEGATE_ID, "/me") == [vi("registration.not_registered")]


async def test_document_with_row_problems_gets_the_report_and_no_buttons(
    app: App, tg: TelegramChat
) -> None:
    (report,) = await tg.send_document(ORGANISER_ID, "ds.csv", csv_bytes(ROW_PROBLEMS))
    lines = report["text"].split("\n")
    assert lines[0] == vi("roster.report.problems", file="ds.csv", count=7)
    assert lines[1:] == [problem(vi, *p) for p in ROW_PROBLEM_LINES]
    assert "reply_markup" not in report
    assert await roster(app) == {}
    assert await staging.staged_file(app.services.db, "telegram", str(ORGANISER_ID),
                                     "roster") is None
    (stale,) = await tg.press(ORGANISER_ID, "roster:import")
    assert stale["text"] == vi("error.stale_choice")
    assert await roster(app) == {}


@pytest.mark.parametrize(BAD_PARAMS, BAD_FILES, ids=BAD_IDS)
async def test_bad_document_gets_the_report_and_no_buttons(
    app: App, tg: TelegramChat, name: str, content: bytes, location: str, key: str,
    params: dict[str, object],
) -> None:
    (report,) = await tg.send_document(ORGANISER_ID, name, content)
    head, *lines = report["text"].split("\n")
    assert head.startswith(f"❌ Không nhập tệp {name}: có ")
    assert problem(vi, location, key, params) in lines
    assert "reply_markup" not in report
    assert await roster(app) == {}


async def test_long_problem_list_in_chat_is_cut_with_a_count(
    app: App, tg: TelegramChat
) -> None:
    rows = [[f"DB{i:03d}", f"Người {i}", "", "", "VIP", "", "", ""] for i in range(40)]
    (report,) = await tg.send_document(ORGANISER_ID, "ds.csv", csv_bytes(rows))
    lines = report["text"].split("\n")
    assert lines[0] == vi("roster.report.problems", file="ds.csv", count=40)
    assert len(lines) == 1 + 25 + 1
    assert lines[-1] == vi("roster.report.more", count=15)
    assert await roster(app) == {}


async def test_chat_report_shows_file_values_escaped_once(app: App, tg: TelegramChat) -> None:
    """HTML characters from the file reach the organiser as the same visible characters."""
    content = csv_bytes([["DB001", "Hà", "", "", "<b>VIP</b> & co", "", "", ""]])
    (report,) = await tg.send_document(ORGANISER_ID, "ds.csv", content)
    # Visible on Telegram as: Loại đại biểu “<b>VIP</b> & co” không hợp lệ.
    assert "Loại đại biểu “&lt;b&gt;VIP&lt;/b&gt; &amp; co” không hợp lệ." in report["text"]


async def test_too_big_document_is_refused_before_download(
    app: App, tg: TelegramChat
) -> None:
    (answer,) = await tg.send_document(ORGANISER_ID, "ds.csv", b"x" * (10 * 1024 * 1024 + 1))
    assert answer["text"] == vi("roster.chat.too_big", max_mb=10)
    assert tg.fake.calls_to("getFile") == []
    assert await roster(app) == {}


async def test_delegate_sending_a_document_is_refused(app: App, tg: TelegramChat) -> None:
    (answer,) = await tg.send_document(DELEGATE_ID, "ds.csv", csv_bytes(ROWS))
    assert answer["text"] == vi("roster.chat.not_organiser")
    assert "reply_markup" not in answer
    assert await roster(app) == {}
    assert await staging.staged_file(app.services.db, "telegram", str(DELEGATE_ID),
                                     "roster") is None


async def test_staged_roster_survives_a_restart(
    app: App, tg: TelegramChat, config: Config, clock: FixedClock
) -> None:
    await tg.send_document(ORGANISER_ID, "ds.csv", csv_bytes(ROWS))
    await tg.channel.stop()
    await app.close()
    again = await App.open(config, clock=clock)
    try:
        channel = await start_channel(again, tg.fake)
        try:
            (done,) = await TelegramChat(tg.fake, channel).press(ORGANISER_ID, "roster:import")
            assert done["text"].startswith("✅ Đã nhập tệp ds.csv:")
            assert sorted(await roster(again)) == ["DB001", "DB002", "DB003"]
        finally:
            await channel.stop()
    finally:
        await again.close()
