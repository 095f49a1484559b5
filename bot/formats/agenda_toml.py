"""Read a programme written in TOML: one ``[[session]]`` table per session.

The keys are the agenda's column names (English or Vietnamese, any case or accents; see
`bot.formats.agenda_rules`), the values strings, or TOML's own dates and times where they
fit (``day = 2026-08-11``, ``start = 07:30:00``). A syntax error is one problem at the line
tomllib names, said plainly for the common slip of an unquoted time or day. Each session is
reported at the line of its ``[[session]]`` header.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.filelimits import LIMITS, LimitExceeded
from bot.formats.agenda_rules import COLUMNS, REQUIRED, AgendaFile, Record, SessionChecker
from bot.tabular import Problem, clean_cell, control_character

__all__ = ["parse_agenda_toml"]

_SESSION_HEADER = re.compile(r"""\s*\[\[\s*(?:session|"session"|'session')\s*\]\]""")
_TOML_ERROR_AT = re.compile(r"\s*\((?:at line (\d+), column \d+|at end of document)\)$")
_UNQUOTED_VALUE = re.compile(r"[^=\"'\[]+=\s*(\d{1,2}[:hH.]\d{2}|\d{1,2}/\d{1,2}(?:/\d{4})?)\b")
_BOM = "\ufeff"


def parse_agenda_toml(data: bytes, file_name: str, tz: ZoneInfo) -> AgendaFile:
    """Parse and validate a TOML agenda of ``[[session]]`` tables; write nothing."""
    checker = SessionChecker(file_name, tz)
    if len(data) > LIMITS.toml_bytes:
        too_big = LimitExceeded("toml_bytes", LIMITS.toml_bytes)
        return AgendaFile([], [Problem(file_name, 1, None, too_big.key, too_big.params)], [])
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
    except RecursionError:  # arrays or tables nested a thousand deep: no programme is
        return AgendaFile([], [Problem(file_name, _deepest_line(text), None,
                                       "agenda.problem.too_deep")], [])
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
        records.append(_record(checker, line, session))
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


def _deepest_line(text: str) -> int:
    """Return the line that opens the most arrays and inline tables (where nesting runs
    away), counting from 1."""
    lines = text.splitlines() or [""]
    opened = [raw.count("[") + raw.count("{") for raw in lines]
    return opened.index(max(opened)) + 1


def _key_line(lines: Sequence[str], key: str) -> int:
    """Return the first line that defines top-level `key` (as a table or a value), else 1."""
    pattern = re.compile(rf"""\s*\[*\s*["']?{re.escape(key)}["']?\s*[\].=]""")
    return next((n for n, raw in enumerate(lines, 1) if pattern.match(raw)), 1)


def _toml_text(name: str, value: object) -> str | None:
    """Return a TOML value as the text a spreadsheet cell would hold, or None for a wrong type."""
    if isinstance(value, str):
        return clean_cell(value)
    if isinstance(value, datetime):  # checked before date: a datetime is a date
        return None
    if isinstance(value, date) and name == "day":
        return value.isoformat()
    if isinstance(value, time) and value.tzinfo is None and name in ("start", "end"):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    if isinstance(value, int) and not isinstance(value, bool) and name == "id":
        return str(value)
    return None


def _record(checker: SessionChecker, line: int, session: dict[str, object]) -> Record:
    """Turn one ``[[session]]`` table into a record, reporting odd keys and values."""
    values: dict[str, str] = {}
    labels: dict[str, str] = {}
    for key, value in session.items():
        name = COLUMNS.field_of(key)
        if name is None:
            checker.warn(line, key, "agenda.warning.unknown_key")
            continue
        if name in labels:
            checker.problem(
                line, key, "agenda.problem.duplicate_column", other_column=labels[name]
            )
            continue
        labels[name] = key
        code = control_character(value) if isinstance(value, str) else None
        if code:
            checker.problem(line, key, "tabular.error.control_character", code=code)
            continue
        text = _toml_text(name, value)
        if text is None:  # reported once, and not again as an empty required value
            shown = str(value).lower() if isinstance(value, bool) else str(value)
            checker.problem(line, key, "agenda.problem.wrong_type", value=shown[:60])
        else:
            values[name] = text
    missing = tuple(name for name in REQUIRED if name not in labels)
    return Record(line, values, labels, missing)
