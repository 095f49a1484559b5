"""Parse and validate an agenda file (.toml, .csv or .xlsx) without writing anything.

The pure half of agenda import, built like the roster's: `read_agenda` turns file bytes into
an `AgendaFile` of validated sessions plus every problem found, so that an import is either
applied whole or refused whole with a list of what to fix and where. A spreadsheet has one
session per row under a header row (English or Vietnamese names, any case or accents); a
TOML file has one ``[[session]]`` table per session with the same names as keys. Times in
the file are wall-clock times of the event's zone; sessions carry aware UTC datetimes.
Problems and warnings are data (a locale key and its parameters, ``agenda.*``), never text;
the parameters hold file content, which must be HTML-escaped before it goes into a message.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from bot.localtime import parse_date, parse_time
from bot.tabular import Problem, Table, TableError, TableRow, fold, problem_from, read_table_bytes

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_DESCRIPTION_CHARS",
    "AgendaFile",
    "Kind",
    "Problem",
    "SessionRow",
    "parse_agenda_table",
    "parse_agenda_toml",
    "read_agenda",
]

Kind = Literal["ceremony", "plenary", "discussion", "election", "break"]

MAX_CELL_CHARS = 200
MAX_DESCRIPTION_CHARS = 1000
_HEADER_SEARCH_ROWS = 10  # title rows such as "CHƯƠNG TRÌNH ĐẠI HỘI" above the header

# Column names and TOML keys, compared after _fold (no accents, case, spaces or punctuation).
_ALIASES: dict[str, tuple[str, ...]] = {
    "day": ("day", "date", "ngay"),
    "start": ("start", "starttime", "from", "begin", "batdau", "giobatdau", "tu", "tugio"),
    "end": ("end", "endtime", "until", "finish", "ketthuc", "gioketthuc", "den", "dengio"),
    "title": ("title", "session", "sessiontitle", "tieude", "noidung", "tenphien", "phien"),
    "location": ("location", "place", "room", "venue", "diadiem", "phong", "phonghop"),
    "presenter": (
        "presenter",
        "speaker",
        "chair",
        "nguoitrinhbay",
        "chutri",
        "baocaovien",
        "nguoibaocao",
    ),
    "description": ("description", "details", "notes", "note", "mota", "ghichu"),
    "kind": ("kind", "type", "sessionkind", "loai", "loaiphien"),
    "audience": ("audience", "for", "attendees", "doituong", "danhcho", "thanhphan"),
    "id": ("id", "sessionid", "sessioncode", "maphien"),
}
_FIELD_BY_ALIAS = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}
_IGNORED_HEADERS = frozenset({"stt", "tt", "sott", "sothutu", "no"})  # row ordinals
_REQUIRED = {
    "day": "agenda.problem.missing_day_column",
    "start": "agenda.problem.missing_start_column",
    "end": "agenda.problem.missing_end_column",
    "title": "agenda.problem.missing_title_column",
}
_LIMITS = {"description": MAX_DESCRIPTION_CHARS}
_KINDS: dict[str, Kind] = {
    **dict.fromkeys(("ceremony", "nghile", "le", "nghithuc"), "ceremony"),
    **dict.fromkeys(("", "plenary", "plenarysession", "phientoanthe", "toanthe"), "plenary"),
    **dict.fromkeys(("discussion", "groupdiscussion", "thaoluan", "thaoluanto"), "discussion"),
    **dict.fromkeys(("election", "vote", "voting", "baucu", "bophieu"), "election"),
    **dict.fromkeys(
        ("break", "lunch", "lunchbreak", "giailao", "nghi", "nghigiailao", "nghitrua"), "break"
    ),
}
_AUDIENCES = {
    **dict.fromkeys(("", "all", "everyone", "alldelegates", "tatca", "toanthe"), "all"),
    **dict.fromkeys(("tatcadaibieu", "toanthedaibieu"), "all"),
    **dict.fromkeys(("official", "officialdelegates", "officialonly"), "official"),
    **dict.fromkeys(("chinhthuc", "daibieuchinhthuc"), "official"),
}
_HAS_YEAR = re.compile(r"\d{4}")
_DATE_DASHED = re.compile(r"\d{1,2}-\d{1,2}(?:-\d{4})?")  # "11-8-2026", as the press writes it
_CLOCK_SECONDS = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})")  # Excel and TOML times with seconds
_CLOCK_HOURS = re.compile(r"(\d{1,2})\s*(?:h|g|giờ)\s*(?:(\d{2})\s*(?:p|phút)?)?", re.IGNORECASE)
_DATETIME_CELL = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](.+)")  # an Excel date-and-time cell
_SESSION_HEADER = re.compile(r"""\s*\[\[\s*(?:session|"session"|'session')\s*\]\]""")
_TOML_ERROR_AT = re.compile(r"\s*\((?:at line (\d+), column \d+|at end of document)\)$")
_UNQUOTED_VALUE = re.compile(r"[^=\"'\[]+=\s*(\d{1,2}[:hH.]\d{2}|\d{1,2}/\d{1,2}(?:/\d{4})?)\b")
_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One valid session from the file, normalised, with its times in UTC."""

    line: int
    key: str
    starts_at: datetime
    ends_at: datetime
    title: str
    location: str
    presenter: str
    description: str
    kind: Kind
    audience: str


@dataclass(frozen=True, slots=True)
class AgendaFile:
    """The valid sessions, the problems that forbid the import, and harmless warnings."""

    rows: list[SessionRow]
    problems: list[Problem]
    warnings: list[Problem]

    @property
    def ok(self) -> bool:
        """Return whether the agenda may be imported (no problems, warnings allowed)."""
        return not self.problems


@dataclass(frozen=True, slots=True)
class _Record:
    """One session as text: its line, its values and the column or key each came from."""

    line: int
    values: dict[str, str]
    labels: dict[str, str]
    missing: tuple[str, ...] = ()  # required TOML keys that are absent altogether


def is_programme(table: Table) -> bool:
    """Tell whether a table's header (in its first rows) names a day and a start time."""
    for row in table.rows[:_HEADER_SEARCH_ROWS]:
        fields = {_FIELD_BY_ALIAS.get(fold(cell)) for cell in row.cells}
        if {"day", "start"} <= fields:
            return True
    return False


def read_agenda(data: bytes, file_name: str, tz: ZoneInfo) -> AgendaFile:
    """Read and validate the bytes of a .toml, .csv or .xlsx agenda (e.g. a chat document)."""
    if Path(file_name).suffix.lower() == ".toml":
        return parse_agenda_toml(data, file_name, tz)
    try:
        table = read_table_bytes(data, file_name)
    except TableError as exc:
        return AgendaFile([], [problem_from(exc)], [])
    return parse_agenda_table(table, tz)


def parse_agenda_table(table: Table, tz: ZoneInfo) -> AgendaFile:
    """Parse and validate every row of an agenda table; write nothing."""
    file_name = table.file_name
    if not table.rows:
        return AgendaFile([], [Problem(file_name, 1, None, k) for k in _REQUIRED.values()], [])
    start = _header_index(table.rows)
    header, body = table.rows[start], table.rows[start + 1 :]
    checker = _Checker(file_name, tz)
    for above in table.rows[:start]:
        checker.warn(above.line, None, "agenda.warning.above_header")
    columns = checker.map_columns(header)
    if checker.problems:
        return checker.result()
    if not body:
        return AgendaFile(
            [],
            [Problem(file_name, header.line, None, "agenda.problem.no_sessions")],
            checker.warnings,
        )
    labels = {name: header.cells[index] for name, index in columns.items()}
    unnamed = [i for i, label in enumerate(header.cells) if not label]
    warned: set[int] = set()
    records = []
    for row in body:
        values = {n: row.cells[i] if i < len(row.cells) else "" for n, i in columns.items()}
        records.append(_Record(row.line, values, labels))
        for index in (*unnamed, *range(len(header.cells), len(row.cells))):
            if index < len(row.cells) and row.cells[index] and index not in warned:
                warned.add(index)
                checker.warn(row.line, None, "agenda.warning.unnamed_column", position=index + 1)
    return checker.run(records)


def parse_agenda_toml(data: bytes, file_name: str, tz: ZoneInfo) -> AgendaFile:
    """Parse and validate a TOML agenda of ``[[session]]`` tables; write nothing."""
    checker = _Checker(file_name, tz)
    body = data.removeprefix(_BOM.encode())
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        return AgendaFile([], [Problem(file_name, line, None, "tabular.error.not_utf8")], [])
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return AgendaFile([], [_toml_syntax_problem(exc, text, file_name)], [])
    lines = text.splitlines()
    for key in document:
        if key != "session":
            checker.warn(_key_line(lines, key), key, "agenda.warning.unknown_key")
    sessions = document.get("session", [])
    if not isinstance(sessions, list) or not all(isinstance(s, dict) for s in sessions):
        checker.problem(_key_line(lines, "session"), "session", "agenda.problem.not_sessions")
        return checker.result()
    if not sessions:
        checker.problem(1, None, "agenda.problem.no_sessions")
        return checker.result()
    headers = [number for number, raw in enumerate(lines, 1) if _SESSION_HEADER.match(raw)]
    fallback = _key_line(lines, "session")
    records = []
    for index, session in enumerate(sessions):
        line = headers[index] if len(headers) == len(sessions) else fallback
        records.append(checker.toml_record(line, session))
    return checker.run(records)


def _toml_syntax_problem(exc: tomllib.TOMLDecodeError, text: str, file_name: str) -> Problem:
    """Return a TOML syntax error as one problem at the line tomllib names."""
    message = str(exc)
    lines = text.splitlines()
    where = _TOML_ERROR_AT.search(message)
    line = int(where[1]) if where and where[1] else max(len(lines), 1)
    unquoted = _UNQUOTED_VALUE.match(lines[line - 1]) if line <= len(lines) else None
    if unquoted:  # start = 07:30 (TOML needs seconds) or day = 11/08/2026
        return Problem(
            file_name, line, None, "agenda.problem.unquoted_value", {"value": unquoted[1]}
        )
    detail = message[: where.start()] if where else message
    return Problem(file_name, line, None, "agenda.problem.bad_toml", {"detail": detail})


def _key_line(lines: Sequence[str], key: str) -> int:
    """Return the first line that defines top-level `key` (as a table or a value), else 1."""
    pattern = re.compile(rf"""\s*\[*\s*["']?{re.escape(key)}["']?\s*[\].=]""")
    return next((n for n, raw in enumerate(lines, 1) if pattern.match(raw)), 1)


def _header_index(rows: Sequence[TableRow]) -> int:
    """Return the index of the first of the top rows naming every required column, else 0."""
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        if {_FIELD_BY_ALIAS.get(fold(cell)) for cell in row.cells}.issuperset(_REQUIRED):
            return index
    return 0


def _toml_text(name: str, value: object) -> str | None:
    """Return a TOML value as the text a spreadsheet cell would hold, or None for a wrong type."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime):  # checked before date: a datetime is a date
        return None
    if isinstance(value, date) and name == "day":
        return value.isoformat()
    if isinstance(value, time) and value.tzinfo is None and name in ("start", "end"):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    if isinstance(value, int) and not isinstance(value, bool) and name == "id":
        return str(value)
    return None


def _read_date(text: str, default_year: int | None) -> date | None:
    """Read a day; a day without a year takes `default_year`, or is unreadable without one."""
    if _DATE_DASHED.fullmatch(text):
        text = text.replace("-", "/")
    if _HAS_YEAR.search(text):
        return parse_date(text, default_year=2000)  # the year is written: the default is unused
    return None if default_year is None else parse_date(text, default_year=default_year)


def _read_time(text: str, day: date | None) -> time | None:
    """Read `07:30`, `7h30`, `7h`, `07:30:00`, or `2026-08-11 07:30` when that is `day`."""
    if (clock := parse_time(text)) is not None:
        return clock
    try:
        if match := _CLOCK_SECONDS.fullmatch(text):
            return time(int(match[1]), int(match[2]), int(match[3]))
        if match := _CLOCK_HOURS.fullmatch(text):
            return time(int(match[1]), int(match[2] or 0))
        if (match := _DATETIME_CELL.fullmatch(text)) and date.fromisoformat(match[1]) == day:
            return _read_time(match[2], None)
    except ValueError:
        return None
    return None


class _Checker:
    """Validate session records one by one, remembering what earlier records used."""

    def __init__(self, file_name: str, tz: ZoneInfo) -> None:
        self.file = file_name
        self.tz = tz
        self.rows: list[SessionRow] = []
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.ids: dict[str, int] = {}  # explicit id (case-folded) -> line
        self.explicit: list[tuple[int, str, str]] = []  # (line, id as written, its column)
        self.generated: dict[str, int] = {}  # generated key -> line
        self.titles: dict[str, int] = {}  # folded title -> sessions so far
        self.default_year: int | None = None

    def problem(self, line: int, column: str | None, key: str, /, **params: str | int) -> None:
        """Record a problem that forbids the import."""
        self.problems.append(Problem(self.file, line, column, key, params))

    def warn(self, line: int, column: str | None, key: str, /, **params: str | int) -> None:
        """Record a harmless warning."""
        self.warnings.append(Problem(self.file, line, column, key, params))

    def result(self) -> AgendaFile:
        """Return what was found, problems and warnings in line order."""
        blamed = {p.line for p in self.problems}
        rows = [row for row in self.rows if row.line not in blamed]
        return AgendaFile(
            rows,
            sorted(self.problems, key=lambda p: p.line),
            sorted(self.warnings, key=lambda p: p.line),
        )

    def map_columns(self, header: TableRow) -> dict[str, int]:
        """Return {field: column index} for a header row, reporting odd and missing columns."""
        columns: dict[str, int] = {}
        for index, label in enumerate(header.cells):
            folded = fold(label)
            name = _FIELD_BY_ALIAS.get(folded)
            if name is None:
                if label and folded not in _IGNORED_HEADERS:
                    self.warn(header.line, label, "agenda.warning.unknown_column")
            elif name in columns:
                other = header.cells[columns[name]]
                self.problem(
                    header.line, label, "agenda.problem.duplicate_column", other_column=other
                )
            else:
                columns[name] = index
        for name, key in _REQUIRED.items():
            if name not in columns:
                self.problem(header.line, None, key)
        return columns

    def toml_record(self, line: int, session: dict[str, object]) -> _Record:
        """Turn one ``[[session]]`` table into a record, reporting odd keys and values."""
        values: dict[str, str] = {}
        labels: dict[str, str] = {}
        for key, value in session.items():
            name = _FIELD_BY_ALIAS.get(fold(key))
            if name is None:
                self.warn(line, key, "agenda.warning.unknown_key")
                continue
            if name in labels:
                self.problem(
                    line, key, "agenda.problem.duplicate_column", other_column=labels[name]
                )
                continue
            labels[name] = key
            text = _toml_text(name, value)
            if text is None:  # reported once, and not again as an empty required value
                shown = str(value).lower() if isinstance(value, bool) else str(value)
                self.problem(line, key, "agenda.problem.wrong_type", value=shown[:60])
            else:
                values[name] = text
        missing = tuple(name for name in _REQUIRED if name not in labels)
        return _Record(line, values, labels, missing)

    def run(self, records: Sequence[_Record]) -> AgendaFile:
        """Check every record, then the file as a whole (ids, overlapping sessions)."""
        for record in records:  # a day without its year ("12/08") borrows the file's first year
            day = _read_date(record.values.get("day", ""), None)
            if day is not None:
                self.default_year = day.year
                break
        for record in records:
            self.check(record)
        for line, explicit, column in self.explicit:  # an id spelled like another row's key
            if (other := self.generated.get(explicit.casefold())) is not None:
                key = "agenda.problem.duplicate_id"
                self.problem(line, column, key, id=explicit, other_line=other)
        self._warn_overlaps()
        return self.result()

    def check(self, record: _Record) -> None:
        """Validate one session; keep it when it has no problem."""
        line, labels, before = record.line, record.labels, len(self.problems)
        values = dict(record.values)
        for name in record.missing:
            self.problem(line, None, "agenda.problem.missing_key", key=name)
        for name, value in values.items():
            limit = _LIMITS.get(name, MAX_CELL_CHARS)
            if len(value) > limit:
                self.problem(
                    line, labels[name], "agenda.problem.too_long", max=limit, length=len(value)
                )
                values[name] = ""  # checked no further
            elif not value and name in _REQUIRED:
                self.problem(line, labels[name], "agenda.problem.empty_required")
        raw_day, raw_start, raw_end = (values.get(name, "") for name in ("day", "start", "end"))
        day = _read_date(raw_day, self.default_year) if raw_day else None
        if raw_day and day is None:
            self.problem(line, labels["day"], "agenda.problem.bad_date", value=raw_day)
        start = _read_time(raw_start, day) if raw_start else None
        if raw_start and start is None:
            self.problem(line, labels["start"], "agenda.problem.bad_time", value=raw_start)
        end = _read_time(raw_end, day) if raw_end else None
        if raw_end and end is None:
            self.problem(line, labels["end"], "agenda.problem.bad_time", value=raw_end)
        raw_kind = values.get("kind", "")
        kind = _KINDS.get(fold(raw_kind))
        if kind is None:
            self.problem(line, labels["kind"], "agenda.problem.unknown_kind", value=raw_kind)
        key = self._key(line, values, labels)
        if len(self.problems) > before or day is None or start is None or end is None:
            return
        starts_at = datetime.combine(day, start, tzinfo=self.tz).astimezone(UTC)
        ends_at = datetime.combine(day, end, tzinfo=self.tz).astimezone(UTC)
        if ends_at <= starts_at:
            self.problem(
                line,
                labels["end"],
                "agenda.problem.end_not_after_start",
                start=raw_start,
                end=raw_end,
            )
            return
        audience_text = values.get("audience", "")
        self.rows.append(
            SessionRow(
                line=line,
                key=key,
                starts_at=starts_at,
                ends_at=ends_at,
                title=values.get("title", ""),
                location=values.get("location", ""),
                presenter=values.get("presenter", ""),
                description=values.get("description", ""),
                kind=kind or "plenary",
                audience=_AUDIENCES.get(fold(audience_text), audience_text),
            )
        )

    def _key(self, line: int, values: dict[str, str], labels: dict[str, str]) -> str:
        """Return the session's stable key: its explicit id, else "<folded title>#<n>"."""
        title = fold(values.get("title", ""))
        count = self.titles.get(title, 0) + 1
        self.titles[title] = count
        generated = f"{title}#{count}"
        explicit = values.get("id", "")
        if not explicit:
            self.generated[generated] = line
            return generated
        folded = explicit.casefold()
        if folded in self.ids:
            self.problem(
                line,
                labels["id"],
                "agenda.problem.duplicate_id",
                id=explicit,
                other_line=self.ids[folded],
            )
        else:
            self.ids[folded] = line
            self.explicit.append((line, explicit, labels["id"]))
        return explicit

    def _warn_overlaps(self) -> None:
        """Warn at the later line when two sessions in the same room overlap in time."""
        by_room: dict[str, list[SessionRow]] = {}
        for row in self.rows:
            room = fold(row.location)
            if not room:
                continue
            earlier = by_room.setdefault(room, [])
            for other in earlier:
                if other.starts_at < row.ends_at and row.starts_at < other.ends_at:
                    self.warn(
                        row.line,
                        None,
                        "agenda.warning.overlap",
                        other_line=other.line,
                        other_title=other.title,
                        location=row.location,
                    )
            earlier.append(row)
