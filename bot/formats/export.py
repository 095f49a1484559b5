"""Make the tables the bot hands out (the roster export, and any file it writes later) so
that opening one in a spreadsheet runs nothing; `table_bytes` gives a file's bytes, which
the caller writes (privately: `storage.files.write_private`).

Every value is text and stays text. In an .xlsx file each cell is written as a string cell
(never a formula, whatever it starts with), and one that starts with a formula sign also
gets Excel's quote prefix, so that editing it keeps it text. A .csv file has no cell types,
so a value a spreadsheet would read as a formula or a command — starting with ``=``, ``+``,
``-``, ``@``, a tab, a carriage return or a line break (OWASP's list, plus the line break) —
gets a leading single quote, and every field is quoted. Fields are separated by semicolons,
as Excel expects them where the decimal sign is a comma (Vietnamese and most European
settings), after a UTF-8 BOM, so that a double click opens the file in columns with its
diacritics; a comma on request (`SEPARATORS`). Two kinds of value are left as they
are because nothing can hide in them: a phone number in E.164 (``+84912345678``, as the
roster stores phones, readable as it is) and a value of one character. Characters a
spreadsheet cannot hold (control characters) become U+FFFD. `restore` undoes the quote when
such a CSV is read back (`bot.tabular`), so an export imports as it was exported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

__all__ = ["FORMULA_SIGNS", "SEPARATORS", "csv_bytes", "is_formula_like", "neutralise", "restore",
           "table_bytes", "xlsx_book_bytes", "xlsx_bytes"]

FORMULA_SIGNS = ("=", "+", "-", "@", "\t", "\r", "\n")
QUOTE = "'"
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0
_BOM = "\ufeff"
SEPARATORS = (";", ",")
"""The CSV separators an export may use; the first is the default."""


def is_formula_like(value: str) -> bool:
    """Tell whether a spreadsheet could read a value as a formula (phone numbers aside)."""
    return len(value) > 1 and value.startswith(FORMULA_SIGNS) and not _PHONE.fullmatch(value)


def neutralise(value: str) -> str:
    """Return a value as a CSV cell that no spreadsheet reads as a formula."""
    value = _UNWRITABLE.sub("\ufffd", value)
    return QUOTE + value if is_formula_like(value) else value


def restore(value: str) -> str:
    """Return a CSV cell as it was before `neutralise` quoted it."""
    return value[1:] if value.startswith(QUOTE) and is_formula_like(value[1:]) else value


def csv_bytes(rows: Sequence[Sequence[str]], separator: str = SEPARATORS[0]) -> bytes:
    """Return rows as CSV for Excel: UTF-8 with a BOM, `separator` between fields (one of
    `SEPARATORS`), every field quoted and neutralised."""
    if separator not in SEPARATORS:
        raise ValueError(f"CSV separator must be one of {SEPARATORS}, got {separator!r}")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=separator, quoting=csv.QUOTE_ALL)
    writer.writerows([neutralise(value) for value in row] for row in rows)
    return (_BOM + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows: Sequence[Sequence[str]], sheet_title: str | None = None) -> bytes:
    """Return rows as an .xlsx workbook of one sheet whose every cell is a string cell."""
    return xlsx_book_bytes([(sheet_title, rows)])


def xlsx_book_bytes(sheets: Sequence[tuple[str | None, Sequence[Sequence[str]]]]) -> bytes:
    """Return an .xlsx workbook of several sheets (title, rows), every cell a string cell."""
    from openpyxl import Workbook  # imported here: CSV callers skip its start-up cost

    book = Workbook(write_only=True)
    for title, rows in sheets:
        _sheet(book, title, rows)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet(book: Any, sheet_title: str | None, rows: Sequence[Sequence[str]]) -> None:
    from openpyxl.cell import WriteOnlyCell

    sheet = book.create_sheet(sheet_title[:31] if sheet_title else None)  # Excel: 31 at most
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=_UNWRITABLE.sub("\ufffd", value))
            cell.data_type = "s"  # openpyxl would make "=..." a formula
            if is_formula_like(value):
                cell.quotePrefix = True
            cells.append(cell)
        sheet.append(cells)


def table_bytes(rows: Sequence[Sequence[str]], kind: str, sheet_title: str | None = None,
                separator: str = SEPARATORS[0]) -> bytes:
    """Return rows as a file of `kind` (".xlsx", else CSV with `separator`), safe to open in
    a spreadsheet."""
    if kind.lower() == ".xlsx":
        return xlsx_bytes(rows, sheet_title)
    return csv_bytes(rows, separator)
