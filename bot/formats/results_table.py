"""The table under a result file's key block: an election's candidates or a vote's counts.

An election has one row per candidate (name and votes); a vote has exactly one row of agree,
disagree and abstain counts. Column names are matched in English or Vietnamese, ignoring case,
accents, spaces and punctuation; the percentages the minutes print beside the votes are
ignored (the bot computes its own). A count is a whole number of zero or more, with optional
thousands separators ("1.234", "1 234"). Problems in a cell carry its column name
("file:line:column"); the rest of the file is `bot.formats.results`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.tabular import ORDINALS, Columns, Findings, Header, TableRow
from bot.text import shorten

__all__ = ["COLUMNS", "MAX_COUNT", "TABLE_COLUMNS", "CandidateRow", "Kind", "check_table",
           "count", "shown"]

Kind = Literal["election", "vote"]

MAX_COUNT = 1_000_000_000  # far above any congress; also keeps int() away from huge digit runs
_MAX_SHOWN = 60  # file content quoted back in a problem is cut to this many characters

_ALIASES: dict[str, str] = {
    "name": "name fullname candidate hovaten hoten ten ungcuvien hotenungcuvien hovatenungcuvien",
    "votes": "votes vote sophieu phieu sophieubau phieubau sophieudatduoc",
    "agree": "agree for yes tanthanh dongy sophieutanthanh sophieudongy",
    "disagree": "disagree against khongtanthanh khongdongy sophieukhongtanthanh sophieukhongdongy",
    "abstain": "abstain abstention abstentions khongbieuquyet phieutrang sophieukhongbieuquyet",
}
COLUMNS = Columns(
    {name: aliases.split() for name, aliases in _ALIASES.items()},
    unknown="results.warning.unknown_column",
    duplicate="results.problem.duplicate_column",
    unnamed="results.warning.unnamed_column",
    too_long="results.problem.too_long",
    empty="results.problem.empty_cell",
    # The percentages the minutes print next to the votes (the bot computes its own).
    ignored=ORDINALS | {"tyle", "tile", "phantram", "percent", "percentage"},
)
TABLE_COLUMNS: dict[Kind, dict[str, str]] = {  # the columns each kind needs
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
_COUNT = re.compile(r"[0-9]+|[0-9]{1,3}([.,\u00a0\u202f ])[0-9]{3}(?:\1[0-9]{3})*")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class CandidateRow:
    """One candidate of an election, as written, with the votes they received."""

    line: int
    name: str
    votes: int


def shown(text: str) -> str:
    """Return file content cut short enough to quote back in a problem."""
    return shorten(text, _MAX_SHOWN)


def _name_key(name: str) -> str:
    """Return a name for comparison: case and spacing do not tell names apart, accents do."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", name)).casefold()


def count(found: Findings, line: int, column: str | None, text: str) -> int | None:
    """Return a cell as a count (a whole number of zero or more), or report it."""
    if not text:
        found.problem(line, column, "results.problem.empty_cell")
        return None
    if not _COUNT.fullmatch(text):
        found.problem(line, column, "results.problem.not_a_count", value=shown(text))
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) > len(str(MAX_COUNT)) or int(digits) > MAX_COUNT:
        found.problem(line, column, "results.problem.count_too_large", max=MAX_COUNT)
        return None
    return int(digits)


def check_table(found: Findings, kind: Kind, header_row: TableRow, body: Sequence[TableRow],
                counts: dict[str, int | None]) -> tuple[list[CandidateRow], dict[str, int]]:
    """Check the candidates or the vote's counts under a header; return them when clean."""
    needed = TABLE_COLUMNS[kind]
    header = Header(COLUMNS, header_row, found, needed, only=needed)
    if not header.ok:
        return [], {}
    rows = [(row.line, header.values(row)) for row in body]
    if kind == "election":
        return _candidates(found, header, rows, counts), {}
    return [], _vote(found, header, rows, counts.get("valid"))


def _candidates(found: Findings, header: Header, rows: list[tuple[int, dict[str, str]]],
                counts: dict[str, int | None]) -> list[CandidateRow]:
    """Check one row per candidate: a unique name and votes within the valid ballots."""
    header_line, labels = header.row.line, header.labels
    if not rows:
        found.problem(header_line, None, "results.problem.no_candidates")
        return []
    valid, seats = counts.get("valid"), counts.get("seats")
    candidates: list[CandidateRow] = []
    seen: dict[str, int] = {}
    clean = True
    for line, values in rows:
        before = len(found.problems)
        name = COLUMNS.check_cells(found, line, {"name": values["name"]}, labels, ("name",))["name"]
        if name and (other := seen.get(_name_key(name))) is not None:
            found.problem(line, labels["name"], "results.problem.duplicate_name",
                          name=shown(name), other_line=other)
        elif name:
            seen[_name_key(name)] = line
        votes = count(found, line, labels["votes"], values["votes"])
        if votes is not None and valid is not None and votes > valid:
            found.problem(line, labels["votes"], "results.problem.votes_over_valid",
                          votes=votes, valid=valid)
        if len(found.problems) > before or votes is None:
            clean = False
            continue
        candidates.append(CandidateRow(line, name, votes))
    total = sum(c.votes for c in candidates)
    if clean and valid is not None and seats is not None and total > seats * valid:
        found.problem(header_line, labels["votes"], "results.problem.votes_over_ballots",
                      total=total, seats=seats, valid=valid, most=seats * valid)
    return candidates


def _vote(found: Findings, header: Header, rows: list[tuple[int, dict[str, str]]],
          valid: int | None) -> dict[str, int]:
    """Check the single row of agree, disagree and abstain counts against the valid ballots."""
    if not rows:
        found.problem(header.row.line, None, "results.problem.no_vote_row")
        return {}
    (first_line, values), extra = rows[0], rows[1:]
    for line, _ in extra:
        found.problem(line, None, "results.problem.extra_vote_row", first_line=first_line)
    labels = header.labels
    counts = {name: count(found, first_line, labels[name], values[name]) for name in labels}
    vote = {name: value for name, value in counts.items() if value is not None}
    if len(vote) < len(counts):
        return {}
    total = sum(vote.values())
    if valid is not None and total > valid:
        found.problem(first_line, None, "results.problem.vote_sum_over_valid",
                      sum=total, valid=valid)
    elif valid is not None and total < valid:
        found.warn(first_line, None, "results.warning.vote_sum_under_valid",
                   sum=total, valid=valid)
    return vote
