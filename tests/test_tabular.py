"""Tests for bot.tabular: CSV and XLSX files read into rows with their true line numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from bot.formats.export import restore
from bot.tabular import Table, TableError, TableRow, clean_cell, read_table, read_table_bytes

BOM = b"\xef\xbb\xbf"


def lines_and_cells(table: Table) -> list[tuple[int, list[str]]]:
    return [(row.line, row.cells) for row in table.rows]


@pytest.mark.parametrize("bom", [b"", BOM])
@pytest.mark.parametrize("sep", [";", ","])
def test_csv_with_or_without_bom_and_either_separator(bom: bytes, sep: str) -> None:
    text = f"Mã đại biểu{sep}Họ và tên\r\nDB001{sep}Trần Thị Hà\r\n"
    table = read_table_bytes(bom + text.encode(), "roster.csv")
    assert table.file_name == "roster.csv"
    assert lines_and_cells(table) == [
        (1, ["Mã đại biểu", "Họ và tên"]),
        (2, ["DB001", "Trần Thị Hà"]),
    ]


def test_separator_is_sniffed_from_the_header_not_the_data() -> None:
    text = 'a;b\n"x, y, z";1,5\n'
    assert lines_and_cells(read_table_bytes(text.encode(), "t.csv")) == [
        (1, ["a", "b"]),
        (2, ["x, y, z", "1,5"]),
    ]


def test_separator_is_sniffed_outside_quotes() -> None:
    text = '"Mã, đại biểu";"Họ và tên"\r\n"DB1";"A, B"\r\n'
    assert lines_and_cells(read_table_bytes(text.encode(), "t.csv")) == [
        (1, ["Mã, đại biểu", "Họ và tên"]),
        (2, ["DB1", "A, B"]),
    ]


def test_excel_sep_directive_names_the_separator_and_keeps_line_numbers() -> None:
    text = "sep=,\r\na;b,c\r\n1;2,3\r\n"
    assert lines_and_cells(read_table_bytes(text.encode(), "t.csv")) == [
        (2, ["a;b", "c"]),
        (3, ["1;2", "3"]),
    ]


def test_quoted_newlines_and_blank_rows_keep_true_line_numbers() -> None:
    text = 'code;note\r\nA;"two\r\nlines"\r\n\r\n ; \r\nB;"three\nlines\nhere"\r\nC;x\r\n'
    table = read_table_bytes(text.encode(), "t.csv")
    assert lines_and_cells(table) == [
        (1, ["code", "note"]),
        (2, ["A", "two\r\nlines"]),
        (6, ["B", "three\nlines\nhere"]),
        (9, ["C", "x"]),
    ]


def test_cells_are_stripped_and_old_mac_line_ends_count() -> None:
    text = "  a ;\tb\r  1 ; 2  \r"
    assert lines_and_cells(read_table_bytes(text.encode(), "t.csv")) == [
        (1, ["a", "b"]),
        (2, ["1", "2"]),
    ]


def test_not_utf8_names_the_line_of_the_first_bad_byte() -> None:
    data = "code,name\r\nDB1,Tran\r\nDB2,Lê Văn Hà\r\n".encode("cp1258")
    with pytest.raises(TableError) as info:
        read_table_bytes(data, "roster.csv")
    err = info.value
    assert (err.file_name, err.line, err.reason_key) == ("roster.csv", 3, "tabular.error.not_utf8")
    assert err.format_location() == "roster.csv:3"
    assert str(err) == "roster.csv:3: tabular.error.not_utf8"


def test_not_utf8_after_a_bom_counts_lines_from_the_start() -> None:
    data = BOM + b"a;b\n" + "ă;à".encode("cp1258")
    with pytest.raises(TableError) as info:
        read_table_bytes(data, "r.csv")
    assert info.value.line == 2


@pytest.mark.parametrize(
    ("data", "line"),
    [(b'a,b\r\n"open,x\r\nmore\r\n', 2), (b'a,b\r\nc,d\r\n"q"x,y\r\n', 3)],
)
def test_broken_quoting_is_an_error_at_the_row_where_it_starts(data: bytes, line: int) -> None:
    with pytest.raises(TableError) as info:
        read_table_bytes(data, "t.csv")
    assert (info.value.line, info.value.reason_key) == (line, "tabular.error.malformed_csv")


@pytest.mark.parametrize("data", [b"", BOM, b"\r\n\r\n", BOM + b";;\r\n , \r\n"])
def test_an_empty_file_is_an_error(data: bytes) -> None:
    with pytest.raises(TableError) as info:
        read_table_bytes(data, "t.csv")
    assert (info.value.line, info.value.reason_key) == (None, "tabular.error.empty")
    assert info.value.format_location() == "t.csv"


@pytest.mark.parametrize(("name", "suffix"), [("r.xls", ".xls"), ("r.txt", ".txt"), ("r", "")])
def test_unsupported_extension(name: str, suffix: str) -> None:
    with pytest.raises(TableError) as info:
        read_table_bytes(b"a,b\n", name)
    assert info.value.reason_key == "tabular.error.unsupported_extension"
    assert info.value.params == {"extension": suffix}


def test_extension_is_case_insensitive() -> None:
    assert read_table_bytes(b"a,b\n", "ROSTER.CSV").rows == [TableRow(1, ["a", "b"])]


def test_read_table_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "ds.csv"
    path.write_bytes(BOM + "Mã mời\nABC\n".encode())
    assert read_table(path) == Table("ds.csv", [TableRow(1, ["Mã mời"]), TableRow(2, ["ABC"])])
    with pytest.raises(TableError) as info:
        read_table(tmp_path / "missing.csv")
    assert info.value.reason_key == "tabular.error.cannot_open"


def write_xlsx(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã đại biểu", "Họ và tên", "Số điện thoại", "Ngày", "Giờ", "Tỷ lệ"])
    sheet.append(["DB001", "  Trần Thị Hà ", 912345678, dt.datetime(2020, 8, 11), None, 3.0])
    sheet.append([None, None, None])  # blank row 3
    sheet.append([7, "Lê Văn Bình", None, dt.date(2020, 8, 12), dt.datetime(2020, 8, 11, 7, 30)])
    sheet.cell(row=4, column=6, value=0.1 + 0.2)
    other = book.create_sheet("Sheet2")
    other.append(["not", "this", "sheet"])
    book.active = 1  # the first sheet is read even when another one is active
    book.save(path)


def test_xlsx_first_sheet_values_as_text(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    write_xlsx(path)
    table = read_table(path)
    assert table.file_name == "roster.xlsx"
    assert lines_and_cells(table) == [
        (1, ["Mã đại biểu", "Họ và tên", "Số điện thoại", "Ngày", "Giờ", "Tỷ lệ"]),
        (2, ["DB001", "Trần Thị Hà", "912345678", "2020-08-11", "", "3"]),
        (4, ["7", "Lê Văn Bình", "", "2020-08-12", "2020-08-11 07:30", "0.3"]),
    ]
    assert read_table_bytes(path.read_bytes(), "roster.xlsx") == table


def test_xlsx_with_leading_empty_rows_keeps_row_numbers(tmp_path: Path) -> None:
    book = Workbook()
    book.active["B3"] = "title"
    book.active["A5"] = True
    path = tmp_path / "t.xlsx"
    book.save(path)
    assert lines_and_cells(read_table(path)) == [(3, ["", "title"]), (5, ["TRUE"])]


def junk_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize("data", [b"\x00\x01junk bytes" * 10, b"", junk_zip(), b"a;b\r\n1;2\r\n"])
def test_junk_named_xlsx_is_an_error(data: bytes) -> None:
    with pytest.raises(TableError) as info:
        read_table_bytes(data, "roster.xlsx")
    assert (info.value.line, info.value.reason_key) == (None, "tabular.error.not_xlsx")


def test_an_empty_xlsx_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    Workbook().save(path)
    with pytest.raises(TableError) as info:
        read_table(path)
    assert info.value.reason_key == "tabular.error.empty"


_BREAKS = re.compile(r"\r\n|\r|\n")
cell_text = st.text(  # control characters are refused (tests/test_control_characters.py)
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cc",)),
        st.sampled_from(["<", "&", "*", "_", "`", '"', ";", ",", "\r", "\n", "\t", " ", "😀",
                         "\u202e", "=", "+", "-", "@", "'"]),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@example(rows=[["\n0,", "\n0,", ",\n"]], sep=";", bom=False)  # quoted line breaks hid the ";"
@example(rows=[["x,y,z", "x,y", "x,y"]], sep=";", bom=False)  # more commas than separators
@example(rows=[["x;y;z", "x;y", "x;y"]], sep=",", bom=False)
@given(
    rows=st.lists(st.lists(cell_text, min_size=3, max_size=3), max_size=8),
    sep=st.sampled_from([";", ","]),
    bom=st.booleans(),
)
def test_any_text_round_trips_through_csv_with_true_lines(
    rows: list[list[str]], sep: str, bom: bool
) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=sep)
    writer.writerow(["a", "b", "c"])
    expected, line = [(1, ["a", "b", "c"])], 2
    for row in rows:
        start = len(out.getvalue())
        writer.writerow(row)
        cells = [restore(clean_cell(cell)) for cell in row]  # (tests/test_export_safety.py)
        if any(cells):
            expected.append((line, cells))
        line += len(_BREAKS.findall(out.getvalue()[start:]))
    data = (BOM if bom else b"") + out.getvalue().encode()
    assert lines_and_cells(read_table_bytes(data, "t.csv")) == expected
