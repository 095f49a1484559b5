"""Parse and validate a roster table (the delegates list) without writing anything.

The pure half of roster import: `parse_roster` turns a `bot.tabular.Table` into a
`RosterFile` of validated rows plus every problem found, so that an import is
either applied whole or refused whole with a list of what to fix and where.
Problems and warnings are data (a locale key and its parameters, ``roster.*``),
never text; the parameters hold file content, which must be HTML-escaped
before it goes into a message. Also home to the phone-number and invite-code
rules, which the registration conversation reuses for what delegates type.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from bot.tabular import Problem, Table, TableRow, fold

Kind = Literal["official", "alternate", "guest"]

MAX_CELL_CHARS = 200
INVITE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"  # no 0/O, 1/I/L, 5/S, 2/Z, 8/B
INVITE_CODE_LENGTH = 10
INVITE_MIN_LENGTH, INVITE_MAX_LENGTH = 6, 32
_MAX_DRAWS = 100
_HEADER_SEARCH_ROWS = 10  # title rows Excel lists often carry above the header

# Header aliases, compared after _fold (no accents, no case, no spaces or punctuation).
_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("madaibieu", "madb", "masodaibieu", "code", "delegatecode", "delegateid"),
    "full_name": ("hovaten", "hoten", "hovatendaibieu", "hotendaibieu", "fullname", "name"),
    "unit": ("donvi", "coquan", "donvicongtac", "coquancongtac", "unit", "agency"),
    "delegation": ("doan", "to", "doandaibieu", "todaibieu", "delegation", "group"),
    "kind": ("loai", "loaidaibieu", "thanhphan", "kind", "type", "category"),
    "phone": ("sodienthoai", "sdt", "dienthoai", "dtdd", "phone", "phonenumber", "mobile"),
    "seat": ("soghe", "ghe", "seat", "seatnumber"),
    "invite_code": ("mamoi", "invitecode", "invitationcode"),
}
_FIELD_BY_ALIAS = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}
# Row ordinals, and the columns `roster export` adds (so an export imports back cleanly).
_IGNORED_HEADERS = frozenset({"stt", "tt", "sott", "sothutu", "no", "dadangkytren",
                              "lienkettelegram", "registeredon", "telegramlink"})
_REQUIRED = {
    "code": "roster.problem.missing_code_column",
    "full_name": "roster.problem.missing_name_column",
}
_KINDS: dict[str, Kind] = {
    "": "official",
    "official": "official",
    "chinhthuc": "official",
    "daibieuchinhthuc": "official",
    "alternate": "alternate",
    "dukhuyet": "alternate",
    "daibieudukhuyet": "alternate",
    "guest": "guest",
    "invitedguest": "guest",
    "khachmoi": "guest",
}
_PHONE_SHAPE = re.compile(r"\+?[0-9\s.\-()]+")
_NOT_DIGIT = re.compile(r"[^0-9]")
_VN_NATIONAL = re.compile(r"[35789][0-9]{8}|2[0-9]{9}")  # mobile 9 digits, landline 10
_INVITE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One valid delegate from the file, normalised."""

    line: int
    code: str
    full_name: str
    unit: str | None
    delegation: str | None
    kind: Kind
    phone: str | None
    seat: str | None
    invite_code: str | None


@dataclass(frozen=True, slots=True)
class RosterFile:
    """The valid rows, the problems that forbid the import, and harmless warnings."""

    rows: list[RosterRow]
    problems: list[Problem]
    warnings: list[Problem]

    @property
    def ok(self) -> bool:
        """Return whether the roster may be imported (no problems, warnings allowed)."""
        return not self.problems


def normalize_phone(text: str) -> str | None:
    """Return a phone number in E.164 ("+84912345678"), or None when it cannot be read."""
    text = text.strip()
    if text.startswith("(+"):  # "(+84) 912 345 678"
        text = text[1:]
    if not _PHONE_SHAPE.fullmatch(text):
        return None
    digits = _NOT_DIGIT.sub("", text)
    international = text.startswith("+")
    if not international and digits.startswith("00"):  # "0084 ...": the international prefix
        international, digits = True, digits[2:]
    if international and not digits.startswith("84"):
        return f"+{digits}" if 8 <= len(digits) <= 15 else None
    if international:
        national = digits[2:].removeprefix("0")  # "+84 0912..." is a common slip
    elif digits.startswith("0"):
        national = digits[1:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        national = digits[2:]
    else:  # Excel ate the trunk zero: 912345678
        national = digits
    return f"+84{national}" if _VN_NATIONAL.fullmatch(national) else None


def normalize_invite_code(text: str) -> str:
    """Return an invite code as stored: upper case, without spaces or hyphens."""
    return _INVITE_SEPARATORS.sub("", text).upper()


def is_valid_invite_code(code: str) -> bool:
    """Return whether a normalised invite code has an allowed length and alphabet."""
    return INVITE_MIN_LENGTH <= len(code) <= INVITE_MAX_LENGTH and all(
        ch in INVITE_ALPHABET for ch in code
    )


def generate_invite_code(existing: Collection[str]) -> str:
    """Return a fresh random invite code that is not in `existing`.

    Entropy: 10 characters drawn uniformly by `secrets` from 25 symbols give
    25**10 ≈ 9.5e13 codes, log2(25**10) = 10 * log2(25) ≈ 10 * 4.64 ≈ 46.4 bits (≥ 40).
    """
    for _ in range(_MAX_DRAWS):  # a collision is ~1e-13 likely per draw; the bound is a guard
        code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))
        if code not in existing:
            return code
    raise RuntimeError("invite code space exhausted")


def fill_invite_codes(rows: Sequence[RosterRow], existing: Collection[str]) -> list[RosterRow]:
    """Return `rows` with a fresh invite code for each row that has none."""
    taken = set(existing)
    taken.update(row.invite_code for row in rows if row.invite_code)
    filled: list[RosterRow] = []
    for row in rows:
        if row.invite_code is None:
            code = generate_invite_code(taken)
            taken.add(code)
            row = replace(row, invite_code=code)
        filled.append(row)
    return filled


def parse_roster(table: Table) -> RosterFile:
    """Parse and validate every row of a roster table; write nothing."""
    if not table.rows:
        problems = [Problem(table.file_name, 1, None, key) for key in _REQUIRED.values()]
        return RosterFile([], problems, [])
    start = _header_index(table.rows)
    header, body = table.rows[start], table.rows[start + 1 :]
    checker = _Checker(table.file_name, header)
    for above in table.rows[:start]:  # a title such as "DANH SÁCH ĐẠI BIỂU" above the header
        checker.warnings.append(
            Problem(table.file_name, above.line, None, "roster.warning.above_header")
        )
    if not checker.problems:
        for row in body:
            checker.check(row)
        if not body:
            checker.problems.append(
                Problem(table.file_name, header.line, None, "roster.problem.no_rows")
            )
    return RosterFile(checker.rows, checker.problems, checker.warnings)


def _header_index(rows: Sequence[TableRow]) -> int:
    """Return the index of the first of the top rows naming every required column, else 0."""
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        names = {_FIELD_BY_ALIAS.get(fold(cell)) for cell in row.cells}
        if names.issuperset(_REQUIRED):
            return index
    return 0


class _Checker:
    """Validate rows one by one against a header, remembering what earlier rows used."""

    def __init__(self, file_name: str, header: TableRow) -> None:
        self.file = file_name
        self.rows: list[RosterRow] = []
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.columns: dict[str, int] = {}
        self.labels = header.cells
        self.unnamed = [i for i, label in enumerate(header.cells) if not label]
        self.warned: set[int] = set()
        self.seen: dict[str, dict[str, int]] = {"code": {}, "phone": {}, "invite_code": {}}
        for index, label in enumerate(header.cells):
            self._map_column(header.line, index, label)
        for name, key in _REQUIRED.items():
            if name not in self.columns:
                self.problems.append(Problem(file_name, header.line, None, key))

    def _map_column(self, line: int, index: int, label: str) -> None:
        folded = fold(label)
        name = _FIELD_BY_ALIAS.get(folded)
        if name is None:
            if label and folded not in _IGNORED_HEADERS:
                self.warnings.append(
                    Problem(self.file, line, label, "roster.warning.unknown_column")
                )
        elif name in self.columns:
            other = self.labels[self.columns[name]]
            params: dict[str, str | int] = {"other_column": other}
            self.problems.append(
                Problem(self.file, line, label, "roster.problem.duplicate_column", params)
            )
        else:
            self.columns[name] = index

    def _problem(self, line: int, name: str, key: str, **params: str | int) -> None:
        column = self.labels[self.columns[name]]
        self.problems.append(Problem(self.file, line, column, key, params))

    def check(self, row: TableRow) -> None:
        """Validate one data row; keep it when it has no problem."""
        cells, line, before = row.cells, row.line, len(self.problems)
        values = {name: cells[i] if i < len(cells) else "" for name, i in self.columns.items()}
        for name, value in values.items():
            if len(value) > MAX_CELL_CHARS:
                params = {"max": MAX_CELL_CHARS, "length": len(value)}
                self._problem(line, name, "roster.problem.too_long", **params)
                values[name] = ""  # checked no further
            elif not value and name in _REQUIRED:
                self._problem(line, name, "roster.problem.empty_required")
        code, raw_kind, raw_phone = values["code"], values.get("kind", ""), values.get("phone", "")
        kind = _KINDS.get(fold(raw_kind))
        if kind is None:
            self._problem(line, "kind", "roster.problem.unknown_kind", value=raw_kind)
        phone = normalize_phone(raw_phone) if raw_phone else None
        if raw_phone and phone is None:
            self._problem(line, "phone", "roster.problem.bad_phone", value=raw_phone)
        invite = normalize_invite_code(values.get("invite_code", "")) or None
        if invite and not is_valid_invite_code(invite):
            params = {
                "min": INVITE_MIN_LENGTH,
                "max": INVITE_MAX_LENGTH,
                "alphabet": INVITE_ALPHABET,
            }
            self._problem(line, "invite_code", "roster.problem.bad_invite_code", **params)
            invite = None
        self._once(line, "code", code.casefold(), "roster.problem.duplicate_code", code=code)
        self._once(line, "phone", phone, "roster.problem.duplicate_phone", phone=raw_phone)
        self._once(line, "invite_code", invite, "roster.problem.duplicate_invite_code")
        self._warn_unnamed(cells, line)
        if len(self.problems) > before or kind is None:
            return
        self.rows.append(
            RosterRow(
                line=line,
                code=code,
                full_name=values["full_name"],
                unit=values.get("unit") or None,
                delegation=values.get("delegation") or None,
                kind=kind,
                phone=phone,
                seat=values.get("seat") or None,
                invite_code=invite,
            )
        )

    def _once(self, line: int, name: str, value: str | None, key: str, **params: str | int) -> None:
        """Record `value` of column `name`, or report it as a repeat of an earlier line."""
        if not value:
            return
        seen = self.seen[name]
        if value in seen:
            self._problem(line, name, key, other_line=seen[value], **params)
        else:
            seen[value] = line

    def _warn_unnamed(self, cells: list[str], line: int) -> None:
        """Warn once per column that holds data under an empty or missing header."""
        width = len(self.labels)
        for index in (*self.unnamed, *range(width, len(cells))):
            if index < len(cells) and cells[index] and index not in self.warned:
                self.warned.add(index)
                params: dict[str, str | int] = {"position": index + 1}
                self.warnings.append(
                    Problem(self.file, line, None, "roster.warning.unnamed_column", params)
                )
