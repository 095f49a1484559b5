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
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from bot.formats.invite import (
    INVITE_ALPHABET,
    INVITE_CODE_LENGTH,
    INVITE_MAX_LENGTH,
    INVITE_MIN_LENGTH,
    fold_invite_code,
    generate_invite_code,
    is_valid_invite_code,
    normalize_invite_code,
)
from bot.tabular import (
    MAX_CELL_CHARS,
    ORDINALS,
    Columns,
    Findings,
    Problem,
    Table,
    TableRow,
    Verdict,
    fold,
)

__all__ = [
    "COLUMNS",
    "INVITE_ALPHABET",
    "INVITE_CODE_LENGTH",
    "MAX_CELL_CHARS",
    "Kind",
    "Problem",
    "RosterFile",
    "RosterRow",
    "fill_invite_codes",
    "generate_invite_code",
    "is_valid_invite_code",
    "normalize_invite_code",
    "normalize_phone",
    "parse_roster",
]

Kind = Literal["official", "alternate", "guest"]


# Header aliases, compared folded (no accents, no case, no spaces or punctuation).
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
COLUMNS = Columns(
    _ALIASES,
    unknown="roster.warning.unknown_column",
    duplicate="roster.problem.duplicate_column",
    unnamed="roster.warning.unnamed_column",
    too_long="roster.problem.too_long",
    empty="roster.problem.empty_required",
    above="roster.warning.above_header",
    # The columns `roster export` adds, so that an export imports back cleanly.
    ignored=ORDINALS | {"dadangkytren", "lienkettelegram", "registeredon", "telegramlink",
                        "lienketdiemdanh", "checkinlink"},
)
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
class RosterFile(Verdict):
    """The valid rows, the problems that forbid the import, and harmless warnings."""

    rows: list[RosterRow]
    problems: list[Problem]
    warnings: list[Problem]


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


def fill_invite_codes(rows: Sequence[RosterRow], existing: Collection[str]) -> list[RosterRow]:
    """Return `rows` with a fresh invite code for each row that has none (`existing`: the
    codes in use, compared folded)."""
    taken = {fold_invite_code(code) for code in existing}
    taken.update(fold_invite_code(row.invite_code) for row in rows if row.invite_code)
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
    checker = _Checker(table)
    return RosterFile(checker.rows, checker.problems, checker.warnings)


class _Checker(Findings):
    """Validate rows one by one against the header, remembering what earlier rows used."""

    def __init__(self, table: Table) -> None:
        super().__init__(table.file_name)
        self.rows: list[RosterRow] = []
        self.seen: dict[str, dict[str, int]] = {"code": {}, "phone": {}, "invite_code": {}}
        self.header, body = COLUMNS.header(table, self, _REQUIRED)
        if not self.header.ok:
            return
        for row in body:
            self.check(row)
        if not body:
            self.problem(self.header.row.line, None, "roster.problem.no_rows")

    def _problem(self, line: int, name: str, key: str, **params: str | int) -> None:
        self.problem(line, self.header.labels[name], key, **params)

    def check(self, row: TableRow) -> None:
        """Validate one data row; keep it when it has no problem."""
        line, before = row.line, len(self.problems)
        values = COLUMNS.check_cells(self, line, self.header.values(row), self.header.labels,
                                     _REQUIRED)
        code, raw_kind, raw_phone = values["code"], values.get("kind", ""), values.get("phone", "")
        kind = _KINDS.get(fold(raw_kind))
        if kind is None:
            self._problem(line, "kind", "roster.problem.unknown_kind", value=raw_kind)
        phone = normalize_phone(raw_phone) if raw_phone else None
        if raw_phone and phone is None:
            self._problem(line, "phone", "roster.problem.bad_phone", value=raw_phone)
        invite = normalize_invite_code(values.get("invite_code", "")) or None
        if invite and not is_valid_invite_code(invite):
            params: dict[str, str | int] = {"min": INVITE_MIN_LENGTH, "max": INVITE_MAX_LENGTH}
            self._problem(line, "invite_code", "roster.problem.bad_invite_code", **params)
            invite = None
        self._once(line, "code", code.casefold(), "roster.problem.duplicate_code", code=code)
        self._once(line, "phone", phone, "roster.problem.duplicate_phone", phone=raw_phone)
        self._once(line, "invite_code", invite and fold_invite_code(invite),
                   "roster.problem.duplicate_invite_code")
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
