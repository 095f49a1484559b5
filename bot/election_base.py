"""The election base of a result: the official delegates summoned, and the rule in words.

At a Party congress of delegates a candidate is elected with more than half of the official
delegates summoned, less those absent for the whole congress whom no alternate replaces
(Party charter, Art. 12; Regulation 24-QĐ/TW, §9.3.1): `[results] elected_base = "summoned"`,
the default. "received" (ballots received) and "valid" (valid ballots, the state-election
rule) are the other bases; percentages are of `[results] percent_base` (valid by default).

The number summoned comes from the result file when it states it (`Số đại biểu được triệu
tập`), else from the roster, the alternates in official seats and the attendance
(`bot.seats.summoned_base`); it is stored with the draft when the file is imported, so the
draft is published as it was previewed. The preview warns when the file's number, or the
stored one, differs from what the roster and attendance give now. A result stored without
the number (before it was kept) is counted on the valid ballots, and its notice says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bot.config import ResultsConfig
from bot.formats.results import ResultFile
from bot.i18n import Markup, Translate
from bot.seats import absent_throughout, seats
from bot.tabular import Problem
from bot.tally import BASES, Base, Rule, Tally
from storage import attendance, delegates
from storage.db import Database

_BASE: dict[str, Base] = {base: base for base in BASES}


@dataclass(frozen=True, slots=True)
class Summoned:
    """The official seats of the roster, those absent throughout with no alternate, and
    whether any attendance was taken; `count` is the election base they give."""

    seats: int
    absent: int
    attendance_taken: bool

    @property
    def count(self) -> int:
        """Return the official delegates summoned, as the election rule counts them."""
        return self.seats - self.absent


async def counted(db: Database) -> Summoned:
    """Count the delegates summoned from the roster, replacements and attendance."""
    found = seats(await delegates.all_delegates(db), await attendance.replacements(db))
    taken = bool(await attendance.windows_taken(db))
    absent = absent_throughout(found, await attendance.ever_present(db), taken)
    return Summoned(len(found), len(absent), taken)


def needs_summoned(settings: ResultsConfig, kind: str) -> bool:
    """Tell whether a result of this kind is counted on the delegates summoned."""
    return (kind == "election" and settings.elected_base == "summoned") or (
        settings.percent_base == "summoned")


def stored_summoned(parsed: ResultFile, now: Summoned) -> int | None:
    """Return the number summoned to store with a draft: the file's, else the count now
    (None when the roster gives none)."""
    if parsed.summoned is not None:
        return parsed.summoned
    return now.count if now.count > 0 else None


def problems(settings: ResultsConfig, parsed: ResultFile, now: Summoned) -> list[Problem]:
    """Refuse a result that needs the delegates summoned when nothing gives that number."""
    if needs_summoned(settings, parsed.kind) and stored_summoned(parsed, now) is None:
        return [Problem(parsed.file_name, 1, None, "results.base_problem.no_summoned")]
    return []


def rule_for(settings: ResultsConfig, data: Mapping[str, Any]) -> Rule:
    """Return the configured rule for a stored result; without a stored number summoned,
    the valid ballots stand in for it (and the notice names them)."""
    known = bool(data.get("summoned"))

    def usable(base: str) -> Base:
        return _BASE[base] if base != "summoned" or known else "valid"

    if data["kind"] == "election":
        return Rule(settings.elected_share, usable(settings.elected_base),
                    usable(settings.percent_base))
    return Rule(settings.passed_share, "valid", usable(settings.percent_base))


def share_words(t: Translate, share: Fraction) -> Markup:
    """Say a share: "một nửa", "hai phần ba", "66,67%" or "3/7"."""
    if share == Fraction(1, 2):
        return t("results.share.half")
    if share == Fraction(2, 3):
        return t("results.share.two_thirds")
    hundredths = share * 10_000
    if hundredths.denominator == 1:
        whole, rest = divmod(int(hundredths), 100)
        text = str(whole) if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")
        return t("results.share.percent",
                 percent=text.replace(".", str(t("number.decimal_point"))))
    return t("results.share.fraction", numerator=share.numerator, denominator=share.denominator)


def rule_line(t: Translate, rule: Rule, counted_: Tally) -> Markup:
    """Say the election rule: "Trúng cử: trên một nửa của 297 đại biểu được triệu tập — ít
    nhất 149 phiếu"."""
    return t("results.rule.election", share=share_words(t, rule.majority),
             count=counted_.base_count, base=t(f"results.base.{counted_.base}"),
             needed=counted_.needed)


def percent_line(t: Translate, counted_: Tally) -> Markup:
    """Say what the percentages are of: "Tỷ lệ phần trăm tính trên 296 phiếu hợp lệ."."""
    return t("results.percent_of", count=counted_.percent_count,
             base=t(f"results.base.{counted_.percent_base}"))


def warnings(t: Translate, settings: ResultsConfig, data: Mapping[str, Any],
             now: Summoned) -> list[Markup]:
    """Check a draft's number summoned against the roster and attendance now: the lines to
    show above its preview (none when all agree, or when the number is not used)."""
    stored = data.get("summoned")
    if not stored or not needs_summoned(settings, data["kind"]):
        return []
    lines: list[Markup] = []
    if data.get("summoned_stated"):
        if now.seats == 0:
            lines.append(t("results.base_warning.unchecked", stated=stored))
        elif stored != now.count:
            lines.append(t("results.base_warning.mismatch", stated=stored, counted=now.count,
                           seats=now.seats, absent=now.absent))
            if not now.attendance_taken:
                lines.append(t("results.base_warning.no_attendance"))
    elif stored != now.count:
        lines.append(t("results.base_warning.changed", stored=stored, counted=now.count))
    received = data.get("ballots_received") or 0
    if received > stored:
        lines.append(t("results.base_warning.received_over", received=received,
                       summoned=stored))
    return [t("results.base_warning.head"), *lines] if lines else []
