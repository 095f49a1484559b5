"""Read a tabular file (.csv or .xlsx) into rows that remember where they came from.

Shared by the roster, agenda and results formats (`bot.formats`). A `Table` is only text:
every cell is a stripped `str`, every row carries its true 1-based line (CSV:
the physical line where the record starts, counting CRLF, LF and CR as line
breaks, so a quoted field spanning lines does not shift the numbers after it;
XLSX: the spreadsheet row number). Fully blank rows are dropped but never
renumber the others. Failures raise `TableError` carrying a locale key
(``tabular.error.*``) and its parameters, never a user-facing sentence.

A file is read within `bot.filelimits.Limits` (size, rows, columns, cells, and for .xlsx
what it unpacks to; `bot.csvread` and `bot.xlsxread` check the rest while reading) and a
file over one is refused naming it. Every cell is checked once, here, for control
characters (a tab and line breaks are text), and stripped without ever being stripped into
a formula (`clean_cell`); a CSV cell quoted by `bot.formats.export` reads back unquoted.

Also what every format does with a table the same way: `Columns` (a format's column names and
the keys of what its header reports), `Header` (a header row mapped to fields, reading the rows
under it and warning about data under no name), the cell length limit, and `Findings`, the
collector of problems and warnings. Each format keeps its own rules and its own keys.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.csvread import MalformedCsv, csv_records
from bot.filelimits import LIMITS, LimitExceeded, Limits
from bot.formats.export import is_formula_like, restore
from bot.xlsxread import NotXlsx, column_letter, xlsx_values

__all__ = ["MAX_CELL_CHARS", "SUFFIXES", "Columns", "Findings", "Header", "Problem", "Table",
           "TableError", "TableRow", "Verdict", "check_characters", "clean_cell",
           "column_letter", "control_character", "fold", "problem_from", "read_file",
           "read_table",
           "read_table_bytes"]

SUFFIXES = (".csv", ".xlsx")
MAX_CELL_CHARS = 200
HEADER_SEARCH_ROWS = 10  # title rows such as "DANH SÁCH ĐẠI BIỂU" above the header
ORDINALS = frozenset({"stt", "tt", "sott", "sothutu", "no"})  # row numbers: nobody reads them
_BOM = b"\xef\xbb\xbf"
_LINE_BREAK = re.compile(rb"\r\n?|\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Unicode's Cc, but tab, LF, CR


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong (or, as a warning, odd) at one place in a file, as a locale key."""

    file: str
    line: int
    column: str | None
    key: str
    params: dict[str, str | int] = field(default_factory=dict)

    def format_location(self) -> str:
        """Return "file:line:column", or "file:line" when no column is to blame."""
        base = f"{self.file}:{self.line}"
        return base if self.column is None else f"{base}:{self.column}"


@dataclass(frozen=True, slots=True)
class TableRow:
    """One non-blank row: its 1-based line (CSV) or row number (XLSX) and its stripped cells."""

    line: int
    cells: list[str]


@dataclass(frozen=True, slots=True)
class Table:
    """The non-blank rows of one file, in file order."""

    file_name: str
    rows: list[TableRow]


@dataclass(eq=False)
class TableError(Exception):
    """A file that cannot be read as a table; `line` is None when no line is to blame."""

    file_name: str
    line: int | None
    reason_key: str
    params: dict[str, str | int] = field(default_factory=dict)
    column: str | None = None  # a spreadsheet column letter, when one cell is to blame

    def __post_init__(self) -> None:
        super().__init__(self.file_name, self.line, self.reason_key)

    def __str__(self) -> str:
        return f"{self.format_location()}: {self.reason_key}"

    def format_location(self) -> str:
        """Return "file:line[:column]", or just "file" when no line is to blame."""
        if self.line is None:
            return self.file_name
        where = f"{self.file_name}:{self.line}"
        return where if self.column is None else f"{where}:{self.column}"


def read_file(path: Path, limits: Limits = LIMITS) -> bytes:
    """Return the bytes of the file at `path`, refusing one over the size limit unread."""
    try:
        if path.stat().st_size > limits.file_bytes:
            raise _refusal(path.name, LimitExceeded("file_bytes", limits.file_bytes))
        return path.read_bytes()
    except OSError as exc:
        raise TableError(path.name, None, "tabular.error.cannot_open") from exc


def read_table(path: Path, limits: Limits = LIMITS) -> Table:
    """Read the .csv or .xlsx file at `path` into a `Table`."""
    _check_suffix(path.name)
    return read_table_bytes(read_file(path, limits), path.name, limits)


def read_table_bytes(data: bytes, file_name: str, limits: Limits = LIMITS) -> Table:
    """Read the bytes of a .csv or .xlsx file (e.g. a chat document) into a `Table`, within
    `limits` (checked before and while reading; see `bot.filelimits`)."""
    suffix = _check_suffix(file_name)
    try:
        if len(data) > limits.file_bytes:
            raise LimitExceeded("file_bytes", limits.file_bytes)
        if suffix == ".xlsx":
            rows = _xlsx_rows(data, file_name, limits)
        else:
            rows = _csv_rows(_decode_utf8(data, file_name), file_name, limits)
    except LimitExceeded as exc:
        raise _refusal(file_name, exc) from exc
    if not rows:
        raise TableError(file_name, None, "tabular.error.empty")
    return Table(file_name=file_name, rows=rows)


def _refusal(file_name: str, exc: LimitExceeded) -> TableError:
    """Return a file over a limit as the TableError that names the limit."""
    return TableError(file_name, exc.line, exc.key, exc.params, column=exc.column)


def _check_suffix(file_name: str) -> str:
    suffix = Path(file_name).suffix.lower()
    if suffix not in SUFFIXES:
        raise TableError(
            file_name, None, "tabular.error.unsupported_extension", {"extension": suffix}
        )
    return suffix


def _decode_utf8(data: bytes, file_name: str) -> str:
    body = data.removeprefix(_BOM)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = len(_LINE_BREAK.findall(body, 0, exc.start)) + 1
        raise TableError(file_name, line, "tabular.error.not_utf8") from exc


def _csv_rows(text: str, file_name: str, limits: Limits) -> list[TableRow]:
    rows = _Rows(limits)
    try:
        for line, record in csv_records(text, limits):
            check_characters(file_name, line, record)
            rows.add(line, [restore(clean_cell(cell)) for cell in record])
    except MalformedCsv as exc:
        raise TableError(file_name, exc.line, "tabular.error.malformed_csv") from exc
    return rows.rows


class _Rows:
    """The non-blank rows of a table, counted against the limits as they come."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.rows: list[TableRow] = []
        self.cells = self.chars = 0

    def add(self, line: int, cells: list[str]) -> None:
        """Keep a row unless it is blank; refuse it when the table grows over a limit."""
        if not any(cells):
            return
        self.rows.append(TableRow(line=line, cells=cells))
        self.cells += sum(1 for cell in cells if cell)
        self.chars += sum(map(len, cells))
        limits = self.limits
        for name, count in (("rows", len(self.rows)), ("cells", self.cells),
                            ("table_chars", self.chars)):
            if count > getattr(limits, name):
                raise LimitExceeded(name, getattr(limits, name), line)


def clean_cell(value: str) -> str:
    """Return a cell's text without the spaces around it, but never stripped into a formula:
    the tab or line break before a leading "=", "+", "-" or "@" stays, as a spreadsheet
    keeps it (so "\t=SUM(A1)" is not read back as "=SUM(A1)")."""
    text = value.strip()
    if is_formula_like(text) and any(ch in "\t\r\n" for ch in value[: value.find(text[0])]):
        return value.rstrip()
    return text


def control_character(text: str) -> str | None:
    """Return the first control character in `text` as "U+0000", or None; a tab and line
    breaks are text."""
    found = _CONTROL.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def check_characters(file_name: str, line: int, cells: Sequence[str]) -> None:
    """Refuse a row whose cells (as read, before stripping) hold a control character."""
    if _CONTROL.search("\t".join(cells)) is None:
        return
    for position, cell in enumerate(cells, start=1):
        code = control_character(cell)
        if code:
            raise TableError(file_name, line, "tabular.error.control_character", {"code": code},
                             column=column_letter(position))


def _xlsx_rows(data: bytes, file_name: str, limits: Limits) -> list[TableRow]:
    rows = _Rows(limits)
    try:
        for number, values in xlsx_values(data, limits):
            check_characters(file_name, number, [v if isinstance(v, str) else "" for v in values])
            rows.add(number, [_cell_text(value) for value in values])
    except NotXlsx as exc:
        raise TableError(file_name, None, "tabular.error.not_xlsx") from exc
    return rows.rows


def _cell_text(value: object) -> str:
    """Return a cell value as the text a person would type for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):  # as Excel shows it: 15 significant digits, no ".0"
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.15g}"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if value.second else "minutes")
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return clean_cell(str(value))


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Return a header as importers compare it: no accents, case, spaces or punctuation
    ("Mã ĐB" -> "madb", "Hợp lệ:" -> "hople")."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())


def problem_from(error: TableError) -> Problem:
    """Return a file that could not be read as one Problem (at line 1 when no line is known)."""
    return Problem(error.file_name, error.line or 1, error.column, error.reason_key,
                   dict(error.params))


class Verdict:
    """What checking a file gives (a mixin): its problems forbid going on, warnings do not."""

    __slots__ = ()
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        """Return whether it may go on: no problems (warnings allowed)."""
        return not self.problems


class Findings:
    """Collect what is wrong with one file: problems forbid its import, warnings do not."""

    def __init__(self, file_name: str) -> None:
        self.file = file_name
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def problem(self, line: int, column: str | None, key: str, /, **params: str | int) -> None:
        """Record a problem that forbids the import."""
        self.problems.append(Problem(self.file, line, column, key, params))

    def warn(self, line: int, column: str | None, key: str, /, **params: str | int) -> None:
        """Record a harmless warning."""
        self.warnings.append(Problem(self.file, line, column, key, params))

    def in_line_order(self) -> tuple[list[Problem], list[Problem]]:
        """Return the problems and the warnings, each in line order (found order within a line)."""
        return (sorted(self.problems, key=lambda p: p.line),
                sorted(self.warnings, key=lambda p: p.line))


@dataclass(frozen=True)
class Columns:
    """A format's columns: each field's names (folded) and the keys of what is reported about
    an unknown, repeated or unnamed column, a cell too long or empty, a row above the header."""

    aliases: Mapping[str, Iterable[str]]
    unknown: str
    duplicate: str
    unnamed: str
    too_long: str = ""
    empty: str = ""
    above: str = ""
    ignored: frozenset[str] = ORDINALS
    limits: Mapping[str, int] = field(default_factory=dict)  # fields allowed more than the max
    by_alias: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_alias = {alias: name for name, names in self.aliases.items() for alias in names}
        object.__setattr__(self, "by_alias", by_alias)

    def field_of(self, label: str) -> str | None:
        """Return the field a column name (or key) stands for, or None."""
        return self.by_alias.get(fold(label))

    def header_index(self, rows: Sequence[TableRow], needed: Collection[str],
                     search: int = HEADER_SEARCH_ROWS) -> int | None:
        """Return the index of the first of the top rows naming every field in `needed`."""
        for index, row in enumerate(rows[:search]):
            if {self.field_of(cell) for cell in row.cells}.issuperset(needed):
                return index
        return None

    def header(self, table: Table, findings: Findings,
               required: Mapping[str, str]) -> tuple[Header, list[TableRow]]:
        """Return the header (the first top row naming every required field) and the rows below."""
        start = self.header_index(table.rows, required) or 0  # else the first row
        header = Header(self, table.rows[start], findings, required)
        for row in table.rows[:start]:  # a title such as "DANH SÁCH ĐẠI BIỂU"
            findings.warn(row.line, None, self.above)
        return header, table.rows[start + 1 :]

    def check_cells(self, findings: Findings, line: int, values: Mapping[str, str],
                    labels: Mapping[str, str], required: Collection[str]) -> dict[str, str]:
        """Report cells over their length limit (returned blank) and empty required cells."""
        checked = dict(values)
        for name, value in values.items():
            limit = self.limits.get(name, MAX_CELL_CHARS)
            if len(value) > limit:
                findings.problem(line, labels[name], self.too_long, max=limit, length=len(value))
                checked[name] = ""  # checked no further
            elif not value and name in required:
                findings.problem(line, labels[name], self.empty)
        return checked


class Header:
    """A header row mapped to a format's fields; reads the cells of the rows under it."""

    def __init__(self, columns: Columns, row: TableRow, findings: Findings,
                 required: Mapping[str, str], *, only: Collection[str] | None = None) -> None:
        """Map each column to its field (but those not in `only`); report odd and missing ones."""
        self.columns, self.row, self.findings = columns, row, findings
        self.index: dict[str, int] = {}
        before = len(findings.problems)
        for position, label in enumerate(row.cells):
            folded = fold(label)
            name = columns.by_alias.get(folded)
            if name is None:
                if label and folded not in columns.ignored:
                    findings.warn(row.line, label, columns.unknown)
            elif only is not None and name not in only:
                continue  # another layout's column: the missing ones say what is wrong
            elif name in self.index:
                other = row.cells[self.index[name]]
                findings.problem(row.line, label, columns.duplicate, other_column=other)
            else:
                self.index[name] = position
        for name, key in required.items():
            if name not in self.index:
                findings.problem(row.line, None, key)
        self.ok = len(findings.problems) == before
        self.labels = {name: row.cells[position] for name, position in self.index.items()}
        self._unnamed = [position for position, label in enumerate(row.cells) if not label]
        self._warned: set[int] = set()

    def values(self, row: TableRow) -> dict[str, str]:
        """Return a row's cells by field; warn once per column holding data under no name."""
        cells = row.cells
        for position in (*self._unnamed, *range(len(self.row.cells), len(cells))):
            if position < len(cells) and cells[position] and position not in self._warned:
                self._warned.add(position)
                self.findings.warn(row.line, None, self.columns.unnamed, position=position + 1)
        return {name: cells[i] if i < len(cells) else "" for name, i in self.index.items()}
