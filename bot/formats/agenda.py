"""Parse and validate an agenda file (.toml, .csv or .xlsx) without writing anything.

The pure half of agenda import, built like the roster's: `read_agenda` turns file bytes into
an `AgendaFile` of validated sessions plus every problem found, so that an import is either
applied whole or refused whole with a list of what to fix and where. A spreadsheet has one
session per row under a header row (English or Vietnamese names, any case or accents); a
TOML file (`bot.formats.agenda_toml`) has one ``[[session]]`` table per session with the same
names as keys. Both follow the same session rules (`bot.formats.agenda_rules`): times in
the file are wall-clock times of the event's zone; sessions carry aware UTC datetimes.
Problems and warnings are data (a locale key and its parameters, ``agenda.*``), never text;
the parameters hold file content, which must be HTML-escaped before it goes into a message.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from bot.formats.agenda_rules import (
    COLUMNS,
    MAX_DESCRIPTION_CHARS,
    REQUIRED,
    AgendaFile,
    Kind,
    Record,
    SessionChecker,
    SessionRow,
)
from bot.formats.agenda_toml import parse_agenda_toml
from bot.tabular import MAX_CELL_CHARS, Problem, Table, TableError, problem_from, read_table_bytes

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_DESCRIPTION_CHARS",
    "AgendaFile",
    "Kind",
    "Problem",
    "SessionRow",
    "is_programme",
    "parse_agenda_table",
    "parse_agenda_toml",
    "read_agenda",
]


def is_programme(table: Table) -> bool:
    """Tell whether a table's header (in its first rows) names a day and a start time."""
    return COLUMNS.header_index(table.rows, ("day", "start")) is not None


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
        return AgendaFile([], [Problem(file_name, 1, None, k) for k in REQUIRED.values()], [])
    checker = SessionChecker(file_name, tz)
    header, body = COLUMNS.header(table, checker, REQUIRED)
    if not header.ok:
        return checker.result()
    if not body:
        return AgendaFile(
            [],
            [Problem(file_name, header.row.line, None, "agenda.problem.no_sessions")],
            checker.warnings,
        )
    records = [Record(row.line, header.values(row), header.labels) for row in body]
    return checker.run(records)
