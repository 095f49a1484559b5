"""Parse and validate a counting committee's result file (.csv or .xlsx) without writing anything.

The pure half of results import, built like the roster's: `read_results` turns file bytes into
a `ResultFile` (one election or one vote on a resolution) plus every problem found, so that a
result is either stored whole or refused whole with a list of what to fix and where.

The layout follows the committee's minutes (biên bản kiểm phiếu), on the first sheet of an
.xlsx or in a .csv (UTF-8, BOM or not, comma or semicolon)::

    Tiêu đề,Bầu cử Ban Chấp hành           <- a block of key,value rows:
    Loại,bầu cử                                title, kind, seats (election only),
    Số lượng bầu,26                            ballots issued / received, valid, invalid;
    Số đại biểu được triệu tập,297             optionally the delegates summoned, the base
    Số phiếu phát ra,299                       of the Party's election rule (bot.tally)
    ...
                                            <- an empty row
    Họ và tên,Số phiếu                      <- election: one row per candidate
    Lê Kim Nga,281                             (vote: header agree,disagree,abstain
    ...                                         and exactly one row of counts)

Keys, column names and the kind are matched in English or Vietnamese, ignoring case, accents,
spaces and punctuation. The key block ends at the first row that is a complete table header
(name and votes, or agree, disagree and abstain). Only when no row is such a header does a
blank-row gap (seen as a jump in line numbers; `bot.tabular` drops blank rows) mark where the
table starts, so that a misspelt header is reported as missing columns on its own line. The
table itself, and what a count is, are `bot.formats.results_table`'s.

Problems and warnings are data (a locale key and its parameters, ``results.*``), never text;
the parameters hold file content, which must be HTML-escaped before it goes into a message.
Key-block and cross-check problems carry no column ("file:line"); table cells carry their
column name ("file:line:column"), as in the roster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.formats.results_table import (
    COLUMNS,
    MAX_COUNT,
    TABLE_COLUMNS,
    CandidateRow,
    Kind,
    check_table,
    count,
    shown,
)
from bot.tabular import (
    MAX_CELL_CHARS,
    Findings,
    Problem,
    Table,
    TableError,
    TableRow,
    Verdict,
    fold,
    problem_from,
    read_table_bytes,
)

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_COUNT",
    "CandidateRow",
    "Kind",
    "Problem",
    "ResultFile",
    "is_result",
    "parse_results",
    "read_results",
]

# Keys of the block at the top, compared folded (no accents, case, spaces or punctuation).
_KEY_ALIASES: dict[str, str] = {
    "title": "title tieude tenketqua noidung noidungbaucu",
    "kind": "kind type loai hinhthuc loaiketqua",
    "seats": "seats soluongbau souyvien soluong soluongcanbau songuoibau",
    "ballots_issued": "ballotsissued issued sophieuphatra phieuphatra tongsophieuphatra",
    "ballots_received": "ballotsreceived received sophieuthuve phieuthuve tongsophieuthuve",
    "valid": "valid validballots hople phieuhople sophieuhople",
    "invalid": "invalid invalidballots khonghople phieukhonghople sophieukhonghople",
    "summoned": "delegatessummoned summoned sodaibieuduoctrieutap daibieuduoctrieutap"
                " sodaibieutrieutap sodaibieuchinhthucduoctrieutap",
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
_OPENING_KEYS = {"title", "tieude", "kind", "loai"}  # what tells a result file from others
_OPENING_ROWS = 10  # minutes may open with a heading such as "BIÊN BẢN KIỂM PHIẾU"


@dataclass(frozen=True, slots=True)
class ResultFile(Verdict):
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
    summoned: int | None = None  # the delegates summoned, when the file states them


@dataclass(frozen=True, slots=True)
class _Entry:
    """One row of the key block: its line, the key as written and its value."""

    line: int
    label: str
    text: str


def is_result(table: Table) -> bool:
    """Tell whether a table opens (in its first rows) with a result's title or kind key."""
    return any(row.cells and fold(row.cells[0]) in _OPENING_KEYS
               for row in table.rows[:_OPENING_ROWS])


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
        checker.candidates, checker.vote = check_table(
            checker, kind, rows[start], rows[start + 1 :], checker.counts)
    return checker.result(kind)


def _table_start(rows: Sequence[TableRow]) -> tuple[int | None, Kind | None]:
    """Return the index of the table's header row and the kind its columns suggest.

    The header is the first row naming every column of a kind. Failing that, it is the first
    row after a gap in line numbers (a blank row) that does not start with a known key, and
    the kind is left to the key block; failing that too, there is no table: (None, None).
    """
    for index, row in enumerate(rows):
        names = {COLUMNS.field_of(cell) for cell in row.cells}
        for kind, needed in TABLE_COLUMNS.items():
            if names.issuperset(needed):
                return index, kind
    for index in range(1, len(rows)):
        row = rows[index]
        if row.line > rows[index - 1].line + 1 and fold(row.cells[0]) not in _KEY_BY_ALIAS:
            return index, None
    return None, None


class _Checker(Findings):
    """Collect the values of one result and every problem and warning on the way."""

    def __init__(self, file_name: str) -> None:
        super().__init__(file_name)
        self.entries: dict[str, _Entry] = {}
        self.first_line = 1
        self.kind: Kind | None = None
        self.title = ""
        self.counts: dict[str, int | None] = {}
        self.candidates: list[CandidateRow] = []
        self.vote: dict[str, int] = {}

    def result(self, kind: Kind | None = None, problems: list[Problem] | None = None) -> ResultFile:
        """Return what was found, problems and warnings in line order."""
        if problems is not None:
            self.problems = problems
        counts = self.counts
        problems, warnings = self.in_line_order()
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
            problems=problems,
            warnings=warnings,
            summoned=counts.get("summoned"),
        )

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
                self.warn(row.line, None, "results.warning.unknown_key", key=shown(label))
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
            self.problem(entry.line, None, "results.problem.unknown_kind", value=shown(entry.text))
        return kind

    def check_counts(self, kind: Kind | None) -> None:
        """Read the seats and ballot counts, then check them against each other."""
        if kind == "election":
            entry = self._value("seats")
            seats = count(self, entry.line, None, entry.text) if entry else None
            if entry and seats == 0:
                self.problem(entry.line, None, "results.problem.seats_not_positive")
                seats = None
            self.counts["seats"] = seats
        elif kind == "vote" and "seats" in self.entries:
            self.warn(self.entries["seats"].line, None, "results.warning.seats_ignored")
        for name in ("ballots_issued", "ballots_received", "valid", "invalid"):
            entry = self._value(name)
            self.counts[name] = count(self, entry.line, None, entry.text) if entry else None
        issued, received = self.counts["ballots_issued"], self.counts["ballots_received"]
        valid, invalid = self.counts["valid"], self.counts["invalid"]
        if issued is not None and received is not None and received > issued:
            line = self.entries["ballots_received"].line
            self.problem(
                line, None, "results.problem.received_over_issued", received=received, issued=issued
            )
        self._summoned(received)
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

    def _summoned(self, received: int | None) -> None:
        """Read the delegates summoned, if the file states them: one or more, and no fewer
        than the ballots received."""
        entry = self._value("summoned", required=False)
        if entry is None:
            return
        summoned = count(self, entry.line, None, entry.text)
        if summoned == 0:
            self.problem(entry.line, None, "results.problem.summoned_not_positive")
            return
        if summoned is not None and received is not None and received > summoned:
            self.problem(entry.line, None, "results.problem.received_over_summoned",
                         received=received, summoned=summoned)
            return
        self.counts["summoned"] = summoned
