"""Control characters: a cell holding one is refused at import with `file:line:column`.

A NUL byte in a roster cell used to import, and then `roster export out.xlsx` failed with
openpyxl's IllegalCharacterError. The shared table reader (`bot.tabular`) now refuses every
control character but the tab and line breaks, in CSV and XLSX alike, for every kind of
file; and the export writes a roster that already holds one (from an older version) anyway.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from bot.cli import main
from bot.config import Config
from bot.formats.agenda import read_agenda
from bot.formats.results import read_results
from bot.i18n import Translator
from bot.tabular import TableError, column_letter, read_table_bytes
from bot.text import html_to_plain
from storage import delegates
from storage.db import Database
from storage.delegates import DelegateData

TEXTS = Translator.load()
CONTROLS = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85,
                             0x9F)]


def csv_with(cell: str) -> bytes:
    """Return a roster CSV whose third line holds `cell` in its second column."""
    return f"Mã đại biểu;Họ và tên\r\nDB001;Trần Thị Hà\r\nDB002;{cell}\r\n".encode()


@pytest.mark.parametrize("char", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_character_is_refused_at_its_line_and_column(char: str) -> None:
    with pytest.raises(TableError) as info:
        read_table_bytes(csv_with(f"Lê{char}Bình"), "ds.csv")
    error = info.value
    assert error.format_location() == "ds.csv:3:B"
    assert (error.reason_key, error.params) == ("tabular.error.control_character",
                                                {"code": f"U+{ord(char):04X}"})


def test_tab_and_line_breaks_are_text() -> None:
    data = 'a;b\r\nx;"một\tô\r\nhai dòng\nba"\r\n'.encode()
    assert read_table_bytes(data, "t.csv").rows[1].cells == ["x", "một\tô\r\nhai dòng\nba"]


@settings(max_examples=40, deadline=None)
@given(before=st.text(st.characters(codec="utf-8", exclude_categories=("Cc",)), max_size=10),
       char=st.sampled_from(CONTROLS), column=st.integers(1, 30), line=st.integers(2, 6))
def test_any_control_character_anywhere_is_found(before: str, char: str, column: int,
                                                 line: int) -> None:
    rows = [["x"] * 30 for _ in range(6)]
    rows[line - 1][column - 1] = before.replace(";", "").replace('"', "") + char
    data = "\r\n".join(";".join(row) for row in rows).encode()
    with pytest.raises(TableError) as info:
        read_table_bytes(data, "t.csv")
    assert (info.value.line, info.value.column) == (line, column_letter(column))


def test_an_xlsx_cell_with_a_control_character_is_refused() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Mã đại biểu", "Họ và tên"])
    sheet.append(["DB001", "Trần\x7fThị Hà"])  # openpyxl refuses to write C0 controls
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(TableError) as info:
        read_table_bytes(buffer.getvalue(), "ds.xlsx")
    assert info.value.format_location() == "ds.xlsx:2:B"


def test_programme_and_result_files_refuse_them_too() -> None:
    from zoneinfo import ZoneInfo

    agenda = read_agenda("Ngày;Từ;Nội dung\r\n11/08/2026;07:30;Khai\x00mạc\r\n".encode(),
                         "ct.csv", ZoneInfo("Asia/Ho_Chi_Minh"))
    results = read_results("BIÊN BẢN KIỂM PHIẾU\r\nTiêu đề;Bầu\x1bcử\r\n".encode(), "kq.csv")
    for parsed, where in ((agenda, ("ct.csv", 2, "C")), (results, ("kq.csv", 2, "B"))):
        (problem,) = parsed.problems
        assert (problem.file, problem.line, problem.column, problem.key) == (
            *where, "tabular.error.control_character")


def test_column_letters() -> None:
    assert [column_letter(n) for n in (1, 26, 27, 52, 100, 16384)] == [
        "A", "Z", "AA", "AZ", "CV", "XFD"]


async def cli(config_path: Path, *args: str) -> int:
    """Run `delegate-bot --config FILE ARGS...` in-process; return its exit status."""
    return await asyncio.to_thread(main, ["--config", str(config_path), *args])



async def test_roster_with_a_nul_byte_is_refused_whole_by_the_command_line(
    config: Config, cli_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ds.csv"
    path.write_bytes(csv_with("Lê\x00Bình"))
    capsys.readouterr()
    assert await cli(cli_config, "roster", "import", str(path)) == 1
    expected = html_to_plain(TEXTS.t("vi", "tabular.error.control_character", code="U+0000"))
    assert f"ds.csv:3:B: {expected}" in capsys.readouterr().err
    db = await Database.open(config.database_path)
    try:
        assert await delegates.all_delegates(db) == []
    finally:
        await db.close()


async def test_export_of_a_roster_already_holding_one_writes_the_file(
    config: Config, cli_config: Path, tmp_path: Path
) -> None:
    db = await Database.open(config.database_path)
    try:  # as an older version imported it
        await delegates.apply_import(db, upserts=[DelegateData(
            "DB001", "Lê\x00Bình", "", "", "official", None, "", "AC3DE4F6GH")],
            remove_codes=[], now="2026-08-01T00:00:00+00:00")
    finally:
        await db.close()
    out = tmp_path / "out.xlsx"
    assert await cli(cli_config, "roster", "export", str(out)) == 0
    rows = list(load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[1][:2] == ("DB001", "Lê\ufffdBình")
