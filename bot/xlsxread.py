"""Read the first sheet of an .xlsx file, checked against `bot.filelimits.Limits` first.

`xlsx_values` yields the values of each row (openpyxl's read-only reader, cached formula
results, every row, not what the file's <dimension> claims); `check_xlsx` runs before
openpyxl builds anything from the file.

An .xlsx file is a zip of XML parts. The zip directory is checked first, unpacking nothing:
how many parts, and how large they say they are once unpacked. Then every part is unpacked
— never past the size it declared (Python's zipfile stops there, and a deflate bomb that
lies about its size then fails its checksum) nor past the unpacked limit — and run through
expat, counting what openpyxl would build from it:

- in a worksheet, the rows (by number and in all), the column of every cell (openpyxl makes
  each row as wide as its last cell: a cell at column XFD costs 16,384 cells a row), the
  cells holding a value, and the elements of one row (kept until the row is read);
- in the shared strings, how many there are (openpyxl keeps them all) and the elements of
  each one;
- everywhere else (the styles, the workbook, a sheet around its cells), the elements, which
  openpyxl keeps in memory at once; and the size of an XML part other than the sheets and
  the shared strings, which openpyxl parses in one call that holds the interpreter;
- the text of one cell or shared string, or of any other node, and an element's attributes.

Names are compared with their namespace, as openpyxl compares them. A document type
declaration (where entity bombs live) is refused: no spreadsheet has one. The first limit
passed stops the check with `LimitExceeded`; a file that is no zip, or that openpyxl cannot
read, raises `NotXlsx`. A part that is not XML at all (a picture) is not read further:
openpyxl does not read it either, and if it needed it as XML it would fail on it. openpyxl
then reads the parts already unpacked (see `_workbook`).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any, cast
from xml.parsers import expat

from bot.filelimits import LIMITS, LimitExceeded, Limits

__all__ = ["NotXlsx", "check_xlsx", "column_index", "column_letter", "xlsx_values"]

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORKSHEET, SHEET_DATA, ROW = f"{MAIN}}}worksheet", f"{MAIN}}}sheetData", f"{MAIN}}}row"
SST, SI = f"{MAIN}}}sst", f"{MAIN}}}si"
VALUES = frozenset({f"{MAIN}}}v", f"{MAIN}}}is"})
CHUNK = 64 * 1024  # fed to expat at a time
_END_OF_DIRECTORY = b"PK\x05\x06"
_DIRECTORY_ENTRY_BYTES = 512  # a generous size for one entry of the zip directory
_COLUMN = re.compile(r"\$?([A-Za-z]{1,3})")
# The parts openpyxl streams (as spreadsheet programs name them); it parses any other XML part
# whole, in one call that holds the interpreter, so those are kept small.
_STREAMED = re.compile(r"xl/worksheets/[^/]+\.xml|xl/sharedStrings\.xml")


class NotXlsx(ValueError):
    """A file that is no .xlsx workbook openpyxl can read."""


class DoctypeRefused(ValueError):
    """An XML part declares a document type (and so, perhaps, entities)."""


def xlsx_values(data: bytes, limits: Limits = LIMITS) -> Iterator[tuple[int, tuple[object, ...]]]:
    """Yield each row of the first sheet (1-based number, values), after `check_xlsx`."""
    try:
        book = _workbook(data, check_xlsx(data, limits))
    except LimitExceeded:
        raise
    except Exception as exc:  # openpyxl raises many exception types on junk bytes
        raise NotXlsx(str(exc)) from exc
    try:
        if not book.worksheets:
            return
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong <dimension>; read every row
        rows = sheet.iter_rows(min_row=1, values_only=True)
        number = 0
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # a corrupt sheet fails lazily, while rows are parsed
                raise NotXlsx(str(exc)) from exc
            number += 1
            yield number, values
    finally:
        book.close()


def check_xlsx(data: bytes, limits: Limits = LIMITS) -> dict[str, bytes]:
    """Return the parts of an .xlsx file unpacked, or raise `LimitExceeded` when it holds
    more than `limits` allow."""
    _check_directory_end(data, limits)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > limits.parts:
            raise LimitExceeded("parts", limits.parts)
        if sum(info.file_size for info in infos) > limits.unpacked_bytes:
            raise LimitExceeded("unpacked_bytes", limits.unpacked_bytes)
        totals, parts, left = _Totals(), {}, limits.unpacked_bytes
        for info in infos:
            part = parts[info.filename] = _unpack(archive, info, left, limits)
            left -= len(part)
            _scan_part(info.filename, part, _PartScan(totals, limits), limits)
    return parts


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, left: int, limits: Limits) -> bytes:
    """Unpack one part in one call (zlib lets the other threads run meanwhile), never past
    the size it declares: a part lying about its size fails its checksum instead."""
    if info.file_size > left:
        raise LimitExceeded("unpacked_bytes", limits.unpacked_bytes)
    with archive.open(info) as stream:
        return stream.read(info.file_size)


def _workbook(data: bytes, parts: dict[str, bytes]) -> Any:
    """Open a checked workbook with openpyxl's read-only reader, on its unpacked parts.

    openpyxl reads a part from the zip 16 KiB at a time, and each read unpacks and checksums
    in calls that let go of the interpreter: a thread doing that every few microseconds keeps
    the event loop's thread from ever taking it back (the loop stalled for 400 ms). Served
    from memory, the parts are read without letting go.
    """
    from openpyxl.reader.excel import ExcelReader  # imported here: CSV callers skip it

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    reader.archive.close()
    reader.archive = cast(zipfile.ZipFile, _Unpacked(parts))  # what openpyxl calls of it
    reader.valid_files = list(parts)
    reader.read()
    return reader.wb


class _Unpacked:
    """The unpacked parts of an .xlsx file, as openpyxl reads its zip archive."""

    filename = "workbook.xlsx"

    def __init__(self, parts: dict[str, bytes]) -> None:
        self.parts = parts

    def namelist(self) -> list[str]:
        """Return the parts' names."""
        return list(self.parts)

    def read(self, name: str) -> bytes:
        """Return a part's bytes (KeyError for none, as a zip file does)."""
        return self.parts[name]

    def open(self, name: str, mode: str = "r") -> io.BytesIO:
        """Return a part as a binary stream."""
        return io.BytesIO(self.parts[name])

    def close(self) -> None:
        """Drop the parts."""
        self.parts = {}


def column_index(reference: str) -> int:
    """Return the column of a cell reference ("B7" -> 2, "XFD1" -> 16384)."""
    letters = _COLUMN.match(reference)
    if letters is None:
        raise ValueError(f"not a cell reference: {reference[:20]!r}")
    index = 0
    for letter in letters.group(1).upper():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index


def column_letter(position: int) -> str:
    """Return a 1-based column position as a spreadsheet names it (1 -> A, 28 -> AB)."""
    letters = ""
    while position > 0:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _check_directory_end(data: bytes, limits: Limits) -> None:
    """Refuse a zip whose directory (as its end record says) lists too many parts."""
    at = data.rfind(_END_OF_DIRECTORY, max(0, len(data) - 22 - 0xFFFF))
    if at < 0 or at + 22 > len(data):
        return  # no zip: zipfile says so
    entries = int.from_bytes(data[at + 10 : at + 12], "little")
    size = int.from_bytes(data[at + 12 : at + 16], "little")
    if entries > limits.parts or size > limits.parts * _DIRECTORY_ENTRY_BYTES:
        raise LimitExceeded("parts", limits.parts)


class _Totals:
    """What the parts of one file hold together."""

    def __init__(self) -> None:
        self.markup = self.cells = self.strings = 0


def _scan_part(name: str, part: bytes, scan: _PartScan, limits: Limits) -> None:
    """Run one part through its scan, a chunk at a time."""
    streamed = _STREAMED.fullmatch(name) is not None
    for start in range(0, len(part), CHUNK):
        if not scan.feed(part[start : start + CHUNK]):
            return  # not XML: openpyxl does not read it as XML either
        if not streamed and len(part) > limits.markup_bytes:
            raise LimitExceeded("markup_bytes", limits.markup_bytes)
    scan.feed(b"", final=True)


class _PartScan:
    """Count, while expat reads one XML part, what openpyxl would build from it."""

    def __init__(self, totals: _Totals, limits: Limits) -> None:
        self.totals, self.limits = totals, limits
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        parser.StartDoctypeDeclHandler = self._doctype
        self.parser = parser
        self.kind = ""  # the root element: WORKSHEET, SST or another
        self.depth = self.data = self.row_at = self.cell_at = self.si_at = 0
        self.row = self.rows = self.column = self.inside = self.text = 0
        self.has_value = False

    def feed(self, chunk: bytes, *, final: bool = False) -> bool:
        """Read a chunk; return False when the part turns out not to be XML."""
        try:
            self.parser.Parse(chunk, final)
        except expat.ExpatError:
            return False
        return True

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        depth = self.depth = self.depth + 1
        limits = self.limits
        if attrs and sum(map(len, attrs.values())) > limits.text_chars:
            raise LimitExceeded("text_chars", limits.text_chars, self.row or None)
        if not (self.cell_at or self.si_at):
            self.text = 0
        if depth == 1:
            self.kind = name
        if self.row_at or self.si_at:  # inside a row or a shared string: read, then dropped
            self.inside += 1
            if self.inside > limits.markup:
                raise LimitExceeded("markup", limits.markup, self.row or None)
            if depth == self.row_at + 1:
                self._cell(attrs)
            elif depth == self.cell_at + 1 and name in VALUES and not self.has_value:
                self.has_value = True
                self.totals.cells += 1
                if self.totals.cells > limits.cells:
                    raise LimitExceeded("cells", limits.cells, self.row)
        elif self.data and depth == self.data + 1 and name == ROW:
            self._row(depth, attrs)
        elif self.kind == WORKSHEET and depth == 2 and name == SHEET_DATA:
            self.data = depth
        elif self.kind == SST and depth == 2 and name == SI:
            self.si_at, self.inside = depth, 0
            self.totals.strings += 1
            if self.totals.strings > limits.shared_strings:
                raise LimitExceeded("shared_strings", limits.shared_strings)
        else:  # kept whole by openpyxl
            self.totals.markup += 1
            if self.totals.markup > limits.markup:
                raise LimitExceeded("markup", limits.markup)

    def _row(self, depth: int, attrs: dict[str, str]) -> None:
        self.row_at, self.inside, self.column = depth, 0, 0
        self.row = int(attrs["r"]) if "r" in attrs else self.row + 1
        self.rows += 1
        if max(self.row, self.rows) > self.limits.rows:
            raise LimitExceeded("rows", self.limits.rows, self.row)

    def _cell(self, attrs: dict[str, str]) -> None:
        """Place a cell (any element in a row: openpyxl reads each one as a cell)."""
        self.cell_at, self.has_value, self.text = self.depth, False, 0
        reference = attrs.get("r")
        self.column = column_index(reference) if reference else self.column + 1
        if self.column > self.limits.columns:
            raise LimitExceeded("columns", self.limits.columns, self.row,
                                column_letter(self.column))

    def _end(self, name: str) -> None:
        depth = self.depth
        if depth == self.cell_at:
            self.cell_at = 0
        elif depth == self.row_at:
            self.row_at = 0
        elif depth == self.si_at:
            self.si_at = 0
        elif depth == self.data:
            self.data = 0
        if not (self.cell_at or self.si_at):
            self.text = 0
        self.depth = depth - 1

    def _text(self, data: str) -> None:
        self.text += len(data)
        if self.text > self.limits.text_chars:
            raise LimitExceeded("text_chars", self.limits.text_chars, self.row or None)

    def _doctype(self, *_: object) -> None:
        raise DoctypeRefused("an XML part declares a document type")
