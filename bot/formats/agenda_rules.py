"""The rules every session of a programme follows, whatever file it comes from.

Shared by the table reader (`bot.formats.agenda`) and the TOML reader (`bot.formats.agenda_toml`):
both turn their file into `Record`s (a session as text, with the column or key each value came
from), and `SessionChecker` validates them into `SessionRow`s. Times in the file are
wall-clock times of the event's zone; sessions carry aware UTC datetimes. A day without its
year takes the year of the file's first dated session. Sessions get a stable key: their
explicit id, else "<folded title>#<n>". Two sessions in one room at once are a warning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from bot.localtime import parse_date
from bot.tabular import Columns, Findings, Problem, Verdict, fold
from bot.when import parse_clock

Kind = Literal["ceremony", "plenary", "discussion", "election", "break"]

MAX_DESCRIPTION_CHARS = 1000

# Column names and TOML keys, compared folded (no accents, case, spaces or punctuation).
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
COLUMNS = Columns(
    _ALIASES,
    unknown="agenda.warning.unknown_column",
    duplicate="agenda.problem.duplicate_column",
    unnamed="agenda.warning.unnamed_column",
    too_long="agenda.problem.too_long",
    empty="agenda.problem.empty_required",
    above="agenda.warning.above_header",
    limits={"description": MAX_DESCRIPTION_CHARS},
)
REQUIRED = {
    "day": "agenda.problem.missing_day_column",
    "start": "agenda.problem.missing_start_column",
    "end": "agenda.problem.missing_end_column",
    "title": "agenda.problem.missing_title_column",
}
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
_DATETIME_CELL = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](.+)")  # an Excel date-and-time cell


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
class AgendaFile(Verdict):
    """The valid sessions, the problems that forbid the import, and harmless warnings."""

    rows: list[SessionRow]
    problems: list[Problem]
    warnings: list[Problem]


@dataclass(frozen=True, slots=True)
class Record:
    """One session as text: its line, its values and the column or key each came from."""

    line: int
    values: dict[str, str]
    labels: dict[str, str]
    missing: tuple[str, ...] = ()  # required TOML keys that are absent altogether


def _read_date(text: str, default_year: int | None) -> date | None:
    """Read a day; a day without a year takes `default_year`, or is unreadable without one."""
    if _DATE_DASHED.fullmatch(text):
        text = text.replace("-", "/")
    if _HAS_YEAR.search(text):
        return parse_date(text, default_year=2000)  # the year is written: the default is unused
    return None if default_year is None else parse_date(text, default_year=default_year)


def _read_time(text: str, day: date | None) -> time | None:
    """Read `07:30`, `7h30`, `7h`, `07:30:00`, or `2026-08-11 07:30` when that is `day`."""
    if (clock := parse_clock(text)) is not None:
        return clock
    try:
        if match := _CLOCK_SECONDS.fullmatch(text):
            return time(int(match[1]), int(match[2]), int(match[3]))
        if (match := _DATETIME_CELL.fullmatch(text)) and date.fromisoformat(match[1]) == day:
            return _read_time(match[2], None)
    except ValueError:
        return None
    return None


class SessionChecker(Findings):
    """Validate session records one by one, remembering what earlier records used."""

    def __init__(self, file_name: str, tz: ZoneInfo) -> None:
        super().__init__(file_name)
        self.tz = tz
        self.rows: list[SessionRow] = []
        self.ids: dict[str, int] = {}  # explicit id (case-folded) -> line
        self.explicit: list[tuple[int, str, str]] = []  # (line, id as written, its column)
        self.generated: dict[str, int] = {}  # generated key -> line
        self.titles: dict[str, int] = {}  # folded title -> sessions so far
        self.default_year: int | None = None

    def result(self) -> AgendaFile:
        """Return what was found, problems and warnings in line order."""
        blamed = {p.line for p in self.problems}
        rows = [row for row in self.rows if row.line not in blamed]
        return AgendaFile(rows, *self.in_line_order())

    def run(self, records: Sequence[Record]) -> AgendaFile:
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

    def check(self, record: Record) -> None:
        """Validate one session; keep it when it has no problem."""
        line, labels, before = record.line, record.labels, len(self.problems)
        for name in record.missing:
            self.problem(line, None, "agenda.problem.missing_key", key=name)
        values = COLUMNS.check_cells(self, line, record.values, labels, REQUIRED)
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
