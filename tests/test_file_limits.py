"""Spreadsheet bombs: every file is read within `bot.filelimits.Limits`, off the event loop.

The hostile files are built here (`testkit.hostile_xlsx`): a cell at column XFD on every row,
a deflate bomb, a part that lies about its size, a million-row jump, shared strings by the
hundred thousand, a styles part of a hundred thousand formats, a DOCTYPE with an entity, a
zip of too many parts, and CSV files too long, too wide or with a line of megabytes. Each is
refused with the limit it passes (``tabular.error.limit_*``, at the line and column to
blame), quickly and with memory bounded (measured with tracemalloc); a file just within
the limits is read. Through the command line and the chat, the refusal names the limit, and
the file is parsed in the file reader thread, not on the event loop.
"""

from __future__ import annotations

import asyncio
import io
import threading
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import handlers.roster
import handlers.uploads
from bot.app import App
from bot.cli import main
from bot.filelimits import LIMITS, MIB, Limits
from bot.formats.agenda_toml import parse_agenda_toml
from bot.i18n import Translator
from bot.tabular import TableError, read_file, read_table, read_table_bytes
from bot.text import html_to_plain
from bot.xlsxread import column_index
from storage import delegates, staging
from testkit.hostile_xlsx import (
    cell,
    lie_about_sizes,
    row,
    shared,
    styles_with,
    table_rows,
    xlsx,
)
from testkit.telegram_harness import TelegramChat
from tests.conftest import ORGANISER_ID

TEXTS = Translator.load()
HEADER = ["Mã đại biểu", "Họ và tên"]
BOUNDED = 64 * MIB  # what refusing any of these files may cost, at most


def refusal(read: Callable[[], object]) -> tuple[TableError, int]:
    """Run a read that must be refused; return the error and the peak memory it took."""
    tracemalloc.start()
    try:
        with pytest.raises(TableError) as info:
            read()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return info.value, peak


def refused(data: bytes, name: str = "ds.xlsx", limits: Limits = LIMITS) -> TableError:
    """Read a file that must be refused with bounded memory; return the error."""
    error, peak = refusal(lambda: read_table_bytes(data, name, limits))
    assert peak < BOUNDED, f"{error}: {peak / MIB:.0f} MiB"
    return error


def where(error: TableError) -> tuple[str, dict[str, str | int]]:
    """Return an error's location and key with its parameters, as a report shows them."""
    return error.format_location(), {"key": error.reason_key, **error.params}


def spaces(megabytes: int) -> Iterator[str]:
    """Yield `megabytes` MiB of blanks, a few fragments at a time (a deflate bomb's body)."""
    for _ in range(megabytes * 16):
        yield " " * (64 * 1024)


# ---------------------------------------------------------------------------- .xlsx


def test_a_cell_at_column_xfd_on_every_row_is_refused_at_the_first() -> None:
    data = xlsx(row(n, cell(f"A{n}", "DB"), cell(f"XFD{n}", "x")) for n in range(1, 5_001))
    assert len(data) < 300 * 1024
    assert where(refused(data)) == ("ds.xlsx:1:XFD", {"key": "tabular.error.limit_columns",
                                                      "max": 100})


def test_the_last_column_allowed_is_read_and_the_next_is_not() -> None:
    last = xlsx([row(1, cell("A1", "a"), cell("CV1", "z"))])
    assert read_table_bytes(last, "ds.xlsx").rows[0].cells[99] == "z"
    beyond = xlsx([row(1, cell("A1", "a"), cell("CW1", "z"))])
    assert where(refused(beyond))[0] == "ds.xlsx:1:CW"
    unnamed = xlsx([row(1, *(f"<c><v>{i}</v></c>" for i in range(101)))])  # no references
    assert where(refused(unnamed))[0] == "ds.xlsx:1:CW"


def test_a_deflate_bomb_is_refused_from_its_zip_directory() -> None:
    data = xlsx(spaces(40), level=9)  # 40 MiB of blanks between rows
    assert len(data) < 100 * 1024
    assert where(refused(data)) == ("ds.xlsx", {"key": "tabular.error.limit_unpacked_bytes",
                                                "max_mb": 32})


def test_a_bomb_that_lies_about_its_size_is_refused_without_unpacking_it() -> None:
    honest = xlsx([row(1, cell("A1", "x")), *spaces(200)], level=9)
    liar = lie_about_sizes(honest, "xl/worksheets/sheet1.xml", 4096)
    with zipfile.ZipFile(io.BytesIO(liar)) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size == 4096
    assert where(refused(liar))[1]["key"] == "tabular.error.not_xlsx"  # its checksum fails


def test_too_many_rows_and_a_jump_to_the_last_row_are_refused() -> None:
    rows = xlsx(table_rows([HEADER, *([f"DB{i}", "Tên"] for i in range(10_000))]))
    assert where(refused(rows)) == ("ds.xlsx:10001", {"key": "tabular.error.limit_rows",
                                                      "max": 10_000})
    jump = xlsx([row(1, cell("A1", "a")), row(1_048_576, cell("A1048576", "z"))])
    assert where(refused(jump))[0] == "ds.xlsx:1048576"
    repeated = xlsx(row(1, cell("A1", "a")) for _ in range(10_001))
    assert where(refused(repeated))[1]["key"] == "tabular.error.limit_rows"


def test_the_last_row_allowed_is_read() -> None:
    limits = Limits(rows=50)
    data = xlsx(table_rows([HEADER, *([f"DB{i}", "Tên"] for i in range(49))]))
    assert len(read_table_bytes(data, "ds.xlsx", limits).rows) == 50
    more = xlsx(table_rows([HEADER, *([f"DB{i}", "Tên"] for i in range(50))]))
    assert where(refused(more, limits=limits))[0] == "ds.xlsx:51"


def test_cells_shared_strings_and_text_are_counted() -> None:
    limits = Limits(cells=20, shared_strings=5)
    cells = xlsx(table_rows([["a", "b", "c"]] * 7))
    assert where(refused(cells, limits=limits)) == ("ds.xlsx:7", {
        "key": "tabular.error.limit_cells", "max": 20})
    strings = xlsx([row(1, shared("A1", 0))], strings=(f"<si><t>{i}</t></si>" for i in range(6)))
    assert where(refused(strings, limits=limits))[1] == {
        "key": "tabular.error.limit_shared_strings", "max": 5}
    many = xlsx([row(1, shared("A1", 0))],
                strings=(f"<si><t>{i}</t></si>" for i in range(LIMITS.shared_strings + 1)))
    assert where(refused(many))[1]["key"] == "tabular.error.limit_shared_strings"
    long_cell = xlsx([row(1, cell("A1", "x" * 40_000))])
    assert where(refused(long_cell)) == ("ds.xlsx:1", {"key": "tabular.error.limit_text_chars",
                                                       "max": 32_767})
    runs = "".join(f"<r><t>{'y' * 20_000}</t></r>" for _ in range(2))  # one string, two runs
    rich = xlsx([row(1, shared("A1", 0))], strings=[f"<si>{runs}</si>"])
    assert where(refused(rich))[1]["key"] == "tabular.error.limit_text_chars"


def test_one_long_shared_string_in_every_cell_is_a_text_bomb_refused() -> None:
    data = xlsx((row(n, *(shared(f"{letter}{n}", 0) for letter in "ABCDEFGHIJ"))
                 for n in range(1, 10_001)), strings=[f"<si><t>{'x' * 32_000}</t></si>"])
    assert len(data) < 1 * MIB
    assert where(refused(data))[1] == {"key": "tabular.error.limit_table_chars",
                                       "max": 20_000_000}


def test_a_styles_bomb_and_a_doctype_are_refused() -> None:
    styles = xlsx(table_rows([HEADER]), styles=styles_with(LIMITS.markup + 1))
    assert where(refused(styles))[1] == {"key": "tabular.error.limit_markup", "max": 20_000}
    laughs = ('<!DOCTYPE w [<!ENTITY a "hahahahaha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>')
    entities = xlsx(table_rows([HEADER]), workbook_head=laughs)
    assert where(refused(entities))[1]["key"] == "tabular.error.not_xlsx"


def test_an_xml_part_read_whole_is_kept_small_but_a_sheet_may_be_large() -> None:
    big = xlsx(table_rows([HEADER]), styles=styles_with(3, padding=3 * MIB))
    assert where(refused(big))[1] == {"key": "tabular.error.limit_markup_bytes", "max_mb": 2}
    padded_sheet = [f"<!--{'p' * 29_993}-->" for _ in range(100)]  # 3 MiB, streamed
    sheet = xlsx([*padded_sheet, *table_rows([HEADER, ["DB1", "Hà"]])], styles=styles_with(3))
    assert len(read_table_bytes(sheet, "ds.xlsx").rows) == 2


def test_a_zip_of_too_many_parts_is_refused_from_its_end_record() -> None:
    extra = {f"xl/media/p{i}.bin": b"" for i in range(LIMITS.parts)}
    data = xlsx(table_rows([HEADER]), extra=extra)
    assert where(refused(data))[1] == {"key": "tabular.error.limit_parts", "max": 1_000}


def test_junk_around_and_inside_the_cells_is_markup_and_counted() -> None:
    limits = Limits(markup=20)  # a bare workbook's parts hold about a dozen elements
    assert read_table_bytes(xlsx([row(1, cell("A1", "a"))]), "ds.xlsx", limits).rows
    junk = xlsx(["<junk/>" * 10, row(1, cell("A1", "a"))])
    assert where(refused(junk, limits=limits))[1]["key"] == "tabular.error.limit_markup"
    in_a_row = xlsx([row(1, '<c r="A1"><is><t>a</t></is>' + "<x/>" * 30 + "</c>")])
    assert where(refused(in_a_row, limits=limits))[0] == "ds.xlsx:1"


def test_a_workbook_within_every_limit_reads_as_before() -> None:
    data = xlsx(table_rows([HEADER, ["DB1", "Trần Thị Hà"], ["DB2", "Lê Văn Bình"]]),
                styles=styles_with(3))
    assert [row.cells for row in read_table_bytes(data, "ds.xlsx").rows] == [
        HEADER, ["DB1", "Trần Thị Hà"], ["DB2", "Lê Văn Bình"]]
    assert [column_index(ref) for ref in ("A1", "$B$2", "cv7", "XFD1")] == [1, 2, 100, 16384]


# ---------------------------------------------------------------------------- .csv and size


def csv_of(rows: list[list[str]]) -> bytes:
    """Return rows as semicolon CSV."""
    return "".join(";".join(r) + "\r\n" for r in rows).encode()


def test_csv_rows_columns_cells_and_lines_are_limited() -> None:
    rows = csv_of([HEADER, *([f"DB{i}", "Tên"] for i in range(10_000))])
    assert where(refused(rows, "ds.csv")) == ("ds.csv:10001", {
        "key": "tabular.error.limit_rows", "max": 10_000})
    wide = csv_of([HEADER, ["x"] * 101])
    assert where(refused(wide, "ds.csv")) == ("ds.csv:2:CW", {
        "key": "tabular.error.limit_columns", "max": 100})
    cells = csv_of([["a", "b", "c"]] * 7)
    assert where(refused(cells, "ds.csv", Limits(cells=20)))[0] == "ds.csv:7"
    commas = b"a;b\r\n" + b";" * (9 * MIB)  # a line of millions of empty fields
    assert where(refused(commas, "ds.csv")) == ("ds.csv:2", {
        "key": "tabular.error.limit_line_chars", "max": 64 * 1024})
    blank_lines = b"a;b\r\n" + b"\r\n" * 9_000 + b"x;y\r\n"  # blank lines are no rows ...
    assert read_table_bytes(blank_lines, "ds.csv").rows[-1].line == 9_002
    lead = b"\r\n" * 70_000 + b"a;b\r\n"  # blank beyond what the sniffer reads: not empty
    assert where(refused(lead, "ds.csv"))[1]["key"] == "tabular.error.limit_rows"
    too_many = b"a;b\r\n" + b"\r\n" * 10_000 + b"x;y\r\n"  # ... but each is read: limited
    assert where(refused(too_many, "ds.csv")) == ("ds.csv:10001", {
        "key": "tabular.error.limit_rows", "max": 10_000})


@pytest.mark.parametrize("name", ["ds.csv", "ds.xlsx"])
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    name: str, tmp_path: Path
) -> None:
    data = b"a;b\r\n" + b"x" * (10 * MIB)
    assert where(refused(data, name)) == (name, {"key": "tabular.error.limit_file_bytes",
                                                 "max_mb": 10})
    path = tmp_path / name
    with path.open("wb") as sparse:  # 2 GiB on paper, nothing on disk
        sparse.truncate(2 * 1024 * MIB)
    for read in (lambda: read_file(path), lambda: read_table(path)):
        error, peak = refusal(read)
        assert (error.reason_key, peak < MIB) == ("tabular.error.limit_file_bytes", True)


def test_a_toml_programme_over_its_limit_is_one_problem() -> None:
    from zoneinfo import ZoneInfo

    data = b"# " + b"x" * LIMITS.toml_bytes + b"\n"
    parsed = parse_agenda_toml(data, "ct.toml", ZoneInfo("Asia/Ho_Chi_Minh"))
    assert [(p.line, p.key, p.params) for p in parsed.problems] == [
        (1, "tabular.error.limit_toml_bytes", {"max_mb": 1})]


# ---------------------------------------------------------------------------- CLI and chat



def xfd_roster() -> bytes:
    """Return a roster whose every row also has a cell at column XFD."""
    return xlsx([row(1, cell("A1", HEADER[0]), cell("B1", HEADER[1])),
                 *(row(n, cell(f"A{n}", f"DB{n}"), cell(f"B{n}", "Tên"), cell(f"XFD{n}", "x"))
                   for n in range(2, 3_000))])


async def test_the_command_line_names_the_limit_and_imports_nothing(
    app: App, cli_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ds.xlsx"
    path.write_bytes(xfd_roster())
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["--config", str(cli_config), "roster", "import",
                                          str(path)])
    assert code == 1
    limit = html_to_plain(TEXTS.t("vi", "tabular.error.limit_columns", max=100))
    assert f"ds.xlsx:2:XFD: {limit}" in capsys.readouterr().err
    assert await delegates.all_delegates(app.services.db) == []


async def test_a_bomb_sent_in_chat_is_refused_naming_the_limit_and_parsed_off_the_loop(
    app: App, tg: TelegramChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: set[str] = set()

    def spy(read: Callable[..., object]) -> Callable[..., object]:
        def reading(*args: object, **kwargs: object) -> object:
            threads.add(threading.current_thread().name)
            return read(*args, **kwargs)
        return reading

    for module in (handlers.uploads, handlers.roster):
        monkeypatch.setattr(module, "read_table_bytes", spy(module.read_table_bytes))
    (report,) = await tg.send_document(ORGANISER_ID, "ds.xlsx", xfd_roster())
    limit = TEXTS.t("vi", "tabular.error.limit_columns", max=100)
    assert f"ds.xlsx:2:XFD: {limit}" in report["text"]
    assert "reply_markup" not in report
    assert await staging.staged_file(app.services.db, "telegram", str(ORGANISER_ID),
                                     "roster") is None
    assert threads and all(name.startswith("file-reader") for name in threads)
    assert threading.main_thread().name not in threads
