"""Split the text of a .csv file into records, each with the line it starts on.

Excel's "sep=;" first line names the delimiter; without one, the delimiter is sniffed (";"
or ","). Line numbers are physical lines (CRLF, LF and CR each end one), so a quoted field
spanning lines does not shift the numbers after it. Within `bot.filelimits.Limits`: a line
longer than the limit, more records (blank ones too) than the rows allowed, or a record
with more fields than the columns allowed, is refused before the record is used (each line
is one call into the csv module, which holds the interpreter while it runs). `bot.tabular`
makes a table of the records.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter
from collections.abc import Iterator

from bot.filelimits import LimitExceeded, Limits
from bot.xlsxread import column_letter

__all__ = ["MalformedCsv", "csv_records", "sniff_delimiter"]

SNIFF_RECORDS = 20
SNIFF_CHARS = 64 * 1024
_SEP_DIRECTIVE = re.compile(r"sep=(.)(\r\n?|\n)")
_BLANK_CELL = ' \t\r\n,;"'
_QUOTED_FIELD = re.compile(r'"(?:[^"]|"")*"')
_LINE_END = re.compile(r"\r\n|\r|\n")
_BLANK_LINES = re.compile(r"(?:[ \t,;]*(?:\r\n?|\n))*")


class MalformedCsv(ValueError):
    """A record that is not valid CSV (unbalanced quotes, a field over the csv module's
    limit), at the line where it starts."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def csv_records(text: str, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """Yield each record of a CSV text (blank ones too) with the line it starts on."""
    first_line = 0
    directive = _SEP_DIRECTIVE.match(text)
    if directive:  # Excel's "sep=;" first line names the delimiter itself.
        delimiter = directive.group(1)
        text = text[directive.end() :]
        first_line = 1
    else:
        delimiter = sniff_delimiter(text)
        if delimiter is None:  # nothing but blank lines and separators
            return
    lines = _lines(text, first_line, limits.line_chars)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    consumed = 0
    for count in itertools.count(1):
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise MalformedCsv(first_line + consumed + 1) from exc
        start, consumed = first_line + consumed + 1, reader.line_num
        if count > limits.rows:  # blank ones too: each costs a turn
            raise LimitExceeded("rows", limits.rows, start)
        if len(record) > limits.columns:
            raise LimitExceeded("columns", limits.columns, start, column_letter(limits.columns + 1))
        yield start, record


def _lines(text: str, first_line: int, longest: int) -> Iterator[str]:
    """Yield the physical lines of a CSV text, with their ends; refuse one longer than
    `longest` characters, looking no further than that for its end."""
    start, size, number = 0, len(text), first_line
    while start < size:
        number += 1
        end = _LINE_END.search(text, start, min(size, start + longest + 2))
        stop = end.end() if end else size
        if stop - start > longest + (len(end.group()) if end else 0):
            raise LimitExceeded("line_chars", longest, number)
        yield text[start:stop]
        start = stop


def sniff_delimiter(text: str) -> str | None:
    """Return the delimiter the first non-blank records agree on, or None when all are blank.

    First, quoted fields say it: a spreadsheet quotes a field holding a separator, a quote or
    a line break, and the quotes sit between two delimiters (or a delimiter and the line's
    end). Without quoted fields, each candidate reads the first records as CSV and the one
    splitting the most of them into one same number of fields, two or more, wins: a header
    and the rows under it line up, a separator that only occurs inside text does not.
    Several records count, not only the first: a title row such as "BIÊN BẢN KIỂM PHIẾU" or
    "Tiêu đề;Bầu BCH, nhiệm kỳ 2025 - 2030" says little. Then more fields win; a tie goes to
    ";", which Excel writes in Vietnamese locales (a comma inside text is common, a
    semicolon rare).
    """
    start = _BLANK_LINES.match(text, 0, SNIFF_CHARS)
    first = start.end() if start else 0
    head = text[first : first + SNIFF_CHARS]
    if not head.strip(_BLANK_CELL):  # blank, or blank as far as the sniffer looks
        return None if first + len(head) >= len(text) else ";"
    scores = ((_quoted_between(head, sep), *_agreement(head, sep), sep == ";", sep) for sep in ";,")
    return max(scores)[-1]


def _quoted_between(head: str, delimiter: str) -> int:
    """Return how many quoted fields stand next to `delimiter` with a delimiter or a line's
    end on each side."""
    count = 0
    for quoted in _QUOTED_FIELD.finditer(head):
        before = head[quoted.start() - 1] if quoted.start() else "\n"
        after = head[quoted.end()] if quoted.end() < len(head) else "\n"
        if delimiter in (before, after) and {before, after} <= {delimiter, "\r", "\n"}:
            count += 1
    return count


def _agreement(head: str, delimiter: str) -> tuple[int, int]:
    """Return how many of the first non-blank records share one width of 2+ fields, and
    how many fields beyond the first they hold in all."""
    widths: list[int] = []
    try:
        for record in csv.reader(io.StringIO(head, newline=""), delimiter=delimiter):
            if any(cell.strip(_BLANK_CELL) for cell in record):
                widths.append(len(record))
                if len(widths) == SNIFF_RECORDS:
                    break
    except csv.Error:  # only a guess: the real read names the line
        pass
    agreeing = Counter(width for width in widths if width > 1)
    return max(agreeing.values(), default=0), sum(width - 1 for width in widths)
