"""Parse and validate a counting committee's result file (.csv or .xlsx) without writing anything.

The pure half of results import, built like the roster's: `read_results` turns file bytes into
a `ResultFile` (one election or one vote on a resolution) plus every problem found, so that a
result is either stored whole or refused whole with a list of what to fix and where.

The layout follows the committee's minutes (biên bản kiểm phiếu), on the first sheet of an
.xlsx or in a .csv (UTF-8, BOM or not, comma or semicolon)::

    Tiêu đề,Bầu cử Ban Chấp hành           <- a block of key,value rows:
    Loại,bầu cử                                title, kind, seats (election only),
    Số lượng bầu,26                            ballots issued / received, valid, invalid
    Số phiếu phát ra,299
    ...
                                            <- an empty row
    Họ và tên,Số phiếu                      <- election: one row per candidate
    Lê Kim Nga,281                             (vote: header agree,disagree,abstain
    ...                                         and exactly one row of counts)

Keys, column names and the kind are matched in English or Vietnamese, ignoring case, accents,
spaces and punctuation. The key block ends at the first row that is a complete table header
(name and votes, or agree, disagree and abstain). Only when no row is such a header does a
blank-row gap (seen as a jump in line numbers; `bot.tabular` drops blank rows) mark where the
table starts, so that a misspelt header is reported as missing columns on its own line. Counts
are whole numbers of zero or more, with optional thousands separators ("1.234", "1 234").

Problems and warnings are data (a locale key and its parameters, ``results.*``), never text;
the parameters hold file content, which must be HTML-escaped before it goes into a message.
Key-block and cross-check problems carry no column ("file:line"); table cells carry their
column name ("file:line:column"), as in the roster.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.tabular import Problem, Table, TableError, TableRow, fold, problem_from, read_table_bytes

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_COUNT",
    "CandidateRow",
    "Kind",
    "Problem",
    "ResultFile",
    "parse_results",
    "read_results",
]

Kind = Literal["election", "vote"]

MAX_CELL_CHARS = 200
MAX_COUNT = 1_000_000_000  # far above any congress; also keeps int() away from huge digit runs
_MAX_SHOWN = 60  # file content quoted back in a problem is cut to this many characters

# Keys of the block at the top, compared after _fold (no accents, case, spaces or punctuation).
_KEY_ALIASES: dict[str, str] = {
    "title": "title tieude tenketqua noidung noidungbaucu",
    "kind": "kind type loai hinhthuc loaiketqua",
    "seats": "seats soluongbau souyvien soluong soluongcanbau songuoibau",
    "ballots_issued": "ballotsissued issued sophieuphatra phieuphatra tongsophieuphatra",
    "ballots_received": "ballotsreceived received sophieuthuve phieuthuve tongsophieuthuve",
    "valid": "valid validballots hople phieuhople sophieuhople",
    "invalid": "invalid invalidballots khonghople phieukhonghople sophieukhonghople",
}
_KEY_BY_ALIAS = {alias: name for name, aliases in _KEY_ALIASES.items() for alias in aliases.split()}
_MISSING_KEY = {  # required keys (seats: for an election only), in the order they are reported
    "title": "results.problem.missing_title",
    "kind": "results.problem.missing_kind",
    "seats": "results.problem.missing_seats",
    "ballots_issued": "results.problem.missing_issued",
    "ballots_received": "results.problem.missing_received",
    "valid": "results.problem.missing_valid",
    "invalid": "results.problem.missing_invalid",
}
_KINDS: dict[str, Kind] = {
    **dict.fromkeys(("election", "baucu", "bau", "baucubanchaphanh"), "election"),
    **dict.fromkeys(("vote", "resolution", "bieuquyet", "bieuquyetnghiquyet"), "vote"),
}

# Column names of the table under the key block, compared the same way.
_COLUMN_ALIASES: dict[str, str] = {
    "name": "name fullname candidate hovaten hoten ten ungcuvien hotenungcuvien hovatenungcuvien",
    "votes": "votes vote sophieu phieu sophieubau phieubau sophieudatduoc",
    "agree": "agree for yes tanthanh dongy sophieutanthanh sophieudongy",
    "disagree": "disagree against khongtanthanh khongdongy sophieukhongtanthanh sophieukhongdongy",
    "abstain": "abstain abstention abstentions khongbieuquyet phieutrang sophieukhongbieuquyet",
}
_COLUMN_BY_ALIAS = {
    alias: name for name, aliases in _COLUMN_ALIASES.items() for alias in aliases.split()
}
_TABLE_COLUMNS: dict[Kind, dict[str, str]] = {  # the columns each kind needs
    "election": {
        "name": "results.problem.missing_name_column",
        "votes": "results.problem.missing_votes_column",
    },
    "vote": {
        "agree": "results.problem.missing_agree_column",
        "disagree": "results.problem.missing_disagree_column",
        "abstain": "results.problem.missing_abstain_column",
    },
}
# Row ordinals, and the percentages the minutes print next to the votes (the bot computes its own).
_IGNORED_COLUMNS = frozenset(
    {"stt", "tt", "sott", "sothutu", "no", "tyle", "tile", "phantram", "percent", "percentage"}
)
_COUNT = re.compile(r"[0-9]+|[0-9]{1,3}([.,\u00a0\u202f ])[0-9]{3}(?:\1[0-9]{3})*")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class CandidateRow:
    """One candidate of an election, as written, with the votes they received."""

    line: int
    name: str
    votes: int


@dataclass(frozen=True, slots=True)
class ResultFile:
    """One result as read from a file; its values mean something only when `ok`."""

    file_name: str
    title: str
    kind: Kind
    seats: int | None
    ballots_issued: int
    ballots_received: int
    valid: int
    invalid: int
    candidates: list[CandidateRow] = field(default_factory=list)  # an election's
    agree: int | None = None  # a vote's three counts
    disagree: int | None = None
    abstain: int | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether the result may be stored (no problems, warnings allowed)."""
        return not self.problems


@dataclass(frozen=True, slots=True)
class _Entry:
    """One row of the key block: its line, the key as written and its value."""

    line: int
    label: str
    text: str


def _name_key(name: str) -> str:
    """Return a name for comparison: case and spacing do not tell names apart, accents do."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", name)).casefold()


def _shown(text: str) -> str:
    """Return file content cut short enough to quote back in a problem."""
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def read_results(data: bytes, file_name: str) -> ResultFile:
    """Read and validate the bytes of a .csv or .xlsx result file (e.g. a chat document)."""
    try:
        table = read_table_bytes(data, file_name)
    except TableError as exc:
        return _Checker(file_name).result(problems=[problem_from(exc)])
    return parse_results(table)


def parse_results(table: Table) -> ResultFile:
    """Parse and validate the key block and the table of one result; write nothing."""
    checker = _Checker(table.file_name)
    rows = table.rows
    start, shape = _table_start(rows)
    block = rows if start is None else rows[:start]
    checker.read_keys(block, first_line=rows[0].line if rows else 1)
    kind = checker.kind or shape
    checker.check_counts(kind)
    if start is None:
        checker.problem(rows[-1].line if rows else 1, None, "results.problem.no_table")
    elif kind is not None:
        checker.check_table(kind, rows[start], rows[start + 1 :])
    return checker.result(kind)


def _table_start(rows: Sequence[TableRow]) -> tuple[int | None, Kind | None]:
    """Return the index of the table's header row and the kind its columns suggest.

    The header is the first row naming every column of a kind. Failing that, it is the first
    row after a gap in line numbers (a blank row) that does not start with a known key, and
    the kind is left to the key block; failing that too, there is no table: (None, None).
    """
    for index, row in enumerate(rows):
        names = {_COLUMN_BY_ALIAS.get(fold(cell)) for cell in row.cells}
        for kind, needed in _TABLE_COLUMNS.items():
            if names.issuperset(needed):
                return index, kind
    for index in range(1, len(rows)):
        row = rows[index]
        if row.line > rows[index - 1].line + 1 and fold(row.cells[0]) not in _KEY_BY_ALIAS:
            return index, None
    return None, None


class _Checker:
    """Collect the values of one result and every problem and warning on the way."""

    def __init__(self, file_name: str) -> None:
        self.file = file_name
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.entries: dict[str, _Entry] = {}
        self.first_line = 1
        self.kind: Kind | None = None
        self.title = ""
        self.counts: dict[str, int | None] = {}
        self.candidates: list[CandidateRow] = []
        self.vote: dict[str, int] = {}

    def problem(self, line: int, column: str | None, key: str, /, **params: str | int) -> None:
        """Record a problem that forbids storing the result."""
        self.problems.append(Problem(self.file, line, column, key, params))

    def warn(self, line: int, column: str | None, key: str, /, **params: str | int) -> None:
        """Record a harmless warning."""
        self.warnings.append(Problem(self.file, line, column, key, params))

    def result(self, kind: Kind | None = None, problems: list[Problem] | None = None) -> ResultFile:
        """Return what was found, problems and warnings in line order."""
        if problems is not None:
            self.problems = problems
        counts = self.counts
        return ResultFile(
            file_name=self.file,
            title=self.title,
            kind=kind or "election",
            seats=counts.get("seats") if kind == "election" else None,
            ballots_issued=counts.get("ballots_issued") or 0,
            ballots_received=counts.get("ballots_received") or 0,
            valid=counts.get("valid") or 0,
            invalid=counts.get("invalid") or 0,
            candidates=self.candidates,
            agree=self.vote.get("agree"),
            disagree=self.vote.get("disagree"),
            abstain=self.vote.get("abstain"),
            problems=sorted(self.problems, key=lambda p: p.line),
            warnings=sorted(self.warnings, key=lambda p: p.line),
        )

    # --- the key block ----------------------------------------------------------------------

    def read_keys(self, block: Sequence[TableRow], first_line: int) -> None:
        """Remember every known key's row; report repeated keys, warn about odd rows."""
        self.first_line = first_line
        for row in block:
            label = row.cells[0]
            if not label:
                self.warn(row.line, None, "results.warning.no_key")
                continue
            name = _KEY_BY_ALIAS.get(fold(label))
            if name is None:
                self.warn(row.line, None, "results.warning.unknown_key", key=_shown(label))
                continue
            if name in self.entries:
                other = self.entries[name].line
                self.problem(
                    row.line, None, "results.problem.duplicate_key", key=label, other_line=other
                )
                continue
            self.entries[name] = _Entry(row.line, label, row.cells[1] if len(row.cells) > 1 else "")
            if any(row.cells[2:]):
                self.warn(row.line, None, "results.warning.extra_cells", key=label)
        self.title = self._title()
        self.kind = self._kind()

    def _value(self, name: str, required: bool = True) -> _Entry | None:
        """Return the entry for key `name` with a value, reporting it missing or empty."""
        entry = self.entries.get(name)
        if entry is None:
            if required:
                self.problem(self.first_line, None, _MISSING_KEY[name])
            return None
        if not entry.text:
            self.problem(entry.line, None, "results.problem.empty_value", key=entry.label)
            return None
        return entry

    def _title(self) -> str:
        entry = self._value("title")
        if entry is None:
            return ""
        if len(entry.text) > MAX_CELL_CHARS:
            params = {"max": MAX_CELL_CHARS, "length": len(entry.text)}
            self.problem(entry.line, None, "results.problem.too_long", **params)
            return ""
        return entry.text

    def _kind(self) -> Kind | None:
        entry = self._value("kind")
        if entry is None:
            return None
        kind = _KINDS.get(fold(entry.text))
        if kind is None:
            self.problem(entry.line, None, "results.problem.unknown_kind", value=_shown(entry.text))
        return kind

    def check_counts(self, kind: Kind | None) -> None:
        """Read the seats and ballot counts, then check them against each other."""
        if kind == "election":
            entry = self._value("seats")
            seats = self.count(entry.line, None, entry.text) if entry else None
            if entry and seats == 0:
                self.problem(entry.line, None, "results.problem.seats_not_positive")
                seats = None
            self.counts["seats"] = seats
        elif kind == "vote" and "seats" in self.entries:
            self.warn(self.entries["seats"].line, None, "results.warning.seats_ignored")
        for name in ("ballots_issued", "ballots_received", "valid", "invalid"):
            entry = self._value(name)
            self.counts[name] = self.count(entry.line, None, entry.text) if entry else None
        issued, received = self.counts["ballots_issued"], self.counts["ballots_received"]
        valid, invalid = self.counts["valid"], self.counts["invalid"]
        if issued is not None and received is not None and received > issued:
            line = self.entries["ballots_received"].line
            self.problem(
                line, None, "results.problem.received_over_issued", received=received, issued=issued
            )
        if valid is None or invalid is None or received is None:
            return
        if valid + invalid != received:
            self.problem(
                self.entries["valid"].line,
                None,
                "results.problem.valid_invalid_mismatch",
                valid=valid,
                invalid=invalid,
                sum=valid + invalid,
                received=received,
            )

    def count(self, line: int, column: str | None, text: str) -> int | None:
        """Return a cell as a count (a whole number of zero or more), or report it."""
        if not text:
            self.problem(line, column, "results.problem.empty_cell")
            return None
        if not _COUNT.fullmatch(text):
            self.problem(line, column, "results.problem.not_a_count", value=_shown(text))
            return None
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) > len(str(MAX_COUNT)) or int(digits) > MAX_COUNT:
            self.problem(line, column, "results.problem.count_too_large", max=MAX_COUNT)
            return None
        return int(digits)

    # --- the table --------------------------------------------------------------------------

    def check_table(self, kind: Kind, header: TableRow, body: Sequence[TableRow]) -> None:
        """Map the header's columns, then check the candidates or the vote's row of counts."""
        columns = self._map_columns(kind, header)
        if columns is None:
            return
        labels = {name: header.cells[index] for name, index in columns.items()}
        unnamed = [i for i, label in enumerate(header.cells) if not label]
        warned: set[int] = set()
        values: list[tuple[int, dict[str, str]]] = []
        for row in body:
            cells = row.cells
            found = {n: cells[i] if i < len(cells) else "" for n, i in columns.items()}
            values.append((row.line, found))
            for index in (*unnamed, *range(len(header.cells), len(cells))):
                if index < len(cells) and cells[index] and index not in warned:
                    warned.add(index)
                    self.warn(row.line, None, "results.warning.unnamed_column", position=index + 1)
        if kind == "election":
            self._check_candidates(header.line, labels, values)
        else:
            self._check_vote(header.line, labels, values)

    def _map_columns(self, kind: Kind, header: TableRow) -> dict[str, int] | None:
        """Return {column: index} for the columns `kind` needs, or None when one is missing."""
        needed = _TABLE_COLUMNS[kind]
        columns: dict[str, int] = {}
        before = len(self.problems)
        for index, label in enumerate(header.cells):
            folded = fold(label)
            name = _COLUMN_BY_ALIAS.get(folded)
            if name is None:
                if label and folded not in _IGNORED_COLUMNS:
                    self.warn(header.line, label, "results.warning.unknown_column")
            elif name not in needed:
                continue  # a column of the other kind: the missing ones below say what is wrong
            elif name in columns:
                other = header.cells[columns[name]]
                self.problem(
                    header.line, label, "results.problem.duplicate_column", other_column=other
                )
            else:
                columns[name] = index
        for name, key in needed.items():
            if name not in columns:
                self.problem(header.line, None, key)
        return None if len(self.problems) > before else columns

    def _check_candidates(
        self, header_line: int, labels: dict[str, str], rows: list[tuple[int, dict[str, str]]]
    ) -> None:
        """Check one row per candidate: a unique name and votes within the valid ballots."""
        if not rows:
            self.problem(header_line, None, "results.problem.no_candidates")
            return
        valid, seats = self.counts.get("valid"), self.counts.get("seats")
        seen: dict[str, int] = {}
        clean = True
        for line, values in rows:
            before = len(self.problems)
            name = values["name"]
            if not name:
                self.problem(line, labels["name"], "results.problem.empty_cell")
            elif len(name) > MAX_CELL_CHARS:
                params = {"max": MAX_CELL_CHARS, "length": len(name)}
                self.problem(line, labels["name"], "results.problem.too_long", **params)
            elif (other := seen.get(_name_key(name))) is not None:
                self.problem(
                    line,
                    labels["name"],
                    "results.problem.duplicate_name",
                    name=_shown(name),
                    other_line=other,
                )
            else:
                seen[_name_key(name)] = line
            votes = self.count(line, labels["votes"], values["votes"])
            if votes is not None and valid is not None and votes > valid:
                self.problem(
                    line,
                    labels["votes"],
                    "results.problem.votes_over_valid",
                    votes=votes,
                    valid=valid,
                )
            if len(self.problems) > before or votes is None:
                clean = False
                continue
            self.candidates.append(CandidateRow(line, name, votes))
        total = sum(c.votes for c in self.candidates)
        if clean and valid is not None and seats is not None and total > seats * valid:
            self.problem(
                header_line,
                labels["votes"],
                "results.problem.votes_over_ballots",
                total=total,
                seats=seats,
                valid=valid,
                most=seats * valid,
            )

    def _check_vote(
        self, header_line: int, labels: dict[str, str], rows: list[tuple[int, dict[str, str]]]
    ) -> None:
        """Check the single row of agree, disagree and abstain counts against the valid ballots."""
        if not rows:
            self.problem(header_line, None, "results.problem.no_vote_row")
            return
        (first_line, values), extra = rows[0], rows[1:]
        for line, _ in extra:
            self.problem(line, None, "results.problem.extra_vote_row", first_line=first_line)
        counts = {name: self.count(first_line, labels[name], values[name]) for name in labels}
        if any(value is None for value in counts.values()):
            return
        self.vote = {name: value for name, value in counts.items() if value is not None}
        total, valid = sum(self.vote.values()), self.counts.get("valid")
        if valid is not None and total > valid:
            self.problem(
                first_line, None, "results.problem.vote_sum_over_valid", sum=total, valid=valid
            )
        elif valid is not None and total < valid:
            self.warn(
                first_line, None, "results.warning.vote_sum_under_valid", sum=total, valid=valid
            )
