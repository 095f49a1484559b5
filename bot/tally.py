"""Compute what a checked result means: percentages, ranking, who is elected, whether a vote passed.

Pure arithmetic on a `bot.formats.results.ResultFile` without problems; no I/O, no texts.
Thresholds are compared exactly with integers and `Fraction` (never floats): a candidate or a
resolution needs strictly more than ``rule.majority × the rule's base`` (so exactly half is
not enough). The base is the valid ballots (the state-election rule, and always for a vote),
the ballots received, or the official delegates summoned (`ResultFile.summoned`: the Party's
rule, "more than half of 297 delegates summoned" is at least 149 votes, whatever the valid
ballots). Percentages are of `rule.percent_base` (the valid ballots unless configured
otherwise), shown as `Decimal` with two decimals, rounded half up (0.125 -> 0.13).

Election: candidates are ranked by votes (equal votes share a rank, 1, 2, 2, 4; the file's
order is kept between them). Those who pass the threshold are elected in rank order up to the
number of seats. When more candidates pass than there are seats and the last seat falls inside
a group with equal votes (the candidate at the last seat and the next one both pass and tie),
nobody in that group is marked elected: the tie is flagged for the organisers (a run-off or
the congress's rules decide), never settled here. Fewer passing candidates than seats is
normal: the remaining seats stay empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from bot.formats.results import ResultFile

__all__ = ["BASES", "DEFAULT_RULE", "Base", "Ranked", "Rule", "Tally", "base_count", "percent",
           "tally"]

Base = Literal["summoned", "received", "valid"]
BASES: tuple[Base, ...] = ("summoned", "received", "valid")


@dataclass(frozen=True)
class Rule:
    """How many votes a candidate or a resolution needs: more than `majority` of `base` (the
    valid ballots by default); and what the percentages are of (`percent_base`)."""

    majority: Fraction = Fraction(1, 2)
    base: Base = "valid"
    percent_base: Base = "valid"

    def __post_init__(self) -> None:
        majority: object = self.majority  # callers may pass anything: check it at run time
        if isinstance(majority, bool) or not isinstance(majority, Fraction | int):
            raise TypeError("Rule.majority must be a Fraction, e.g. Fraction(2, 3), not a float")
        if not 0 <= majority < 1:
            raise ValueError("Rule.majority must be at least 0 and less than 1")
        object.__setattr__(self, "majority", Fraction(majority))
        if self.base not in BASES or self.percent_base not in BASES:
            raise ValueError(f"Rule bases must be among {BASES}")

    def passes(self, votes: int, of: int) -> bool:
        """Return whether `votes` is more than `majority` of `of` (exactly)."""
        return votes > self.majority * of

    def needed(self, of: int) -> int:
        """Return the fewest votes that pass: the least whole number above majority × of."""
        return int(self.majority * of) + 1  # int() of a non-negative Fraction is its floor


DEFAULT_RULE = Rule()


@dataclass(frozen=True, slots=True)
class Ranked:
    """One candidate in rank order; `tied` marks the undecided tie at the last seat."""

    rank: int
    name: str
    votes: int
    percent: Decimal
    elected: bool
    tied: bool


@dataclass(frozen=True)
class Tally:
    """The meaning of one result: an election's ranking or a vote's outcome.

    For an election `passed` and the three vote percentages are None; for a vote `ranked`
    and `tied_names` are empty and `elected` is 0. `needed` is the fewest votes (agree
    votes, for a vote) that pass the rule: more than its share of `base_count` (the number
    `base` names); the percentages are of `percent_count` (`percent_base`).
    """

    ranked: list[Ranked]
    elected: int
    tie_at_last_seat: bool
    tied_names: list[str]
    passed: bool | None
    agree_percent: Decimal | None
    disagree_percent: Decimal | None
    abstain_percent: Decimal | None
    needed: int
    base: Base = "valid"
    base_count: int = 0
    percent_base: Base = "valid"
    percent_count: int = 0


def percent(part: int, whole: int) -> Decimal:
    """Return `part` as a percentage of `whole`, two decimals, rounded half up; 0.00 if no whole.

    Exact integer arithmetic, so a value exactly halfway always rounds up:
    1 of 8 -> 12.50, 1 of 800 (0.125 %) -> 0.13, 1 of 3 -> 33.33, 2 of 3 -> 66.67.
    """
    if part < 0 or whole < 0:
        raise ValueError("percent() takes counts of zero or more")
    if whole == 0:
        return Decimal("0.00")
    hundredths, remainder = divmod(part * 10_000, whole)
    if 2 * remainder >= whole:
        hundredths += 1
    return Decimal(hundredths).scaleb(-2)


def base_count(result: ResultFile, base: Base) -> int:
    """Return the number a base names in a result; ValueError when the result lacks it (the
    delegates summoned, neither stated in the file nor counted from the roster)."""
    if base == "valid":
        return result.valid
    if base == "received":
        return result.ballots_received
    if result.summoned is None or result.summoned < 1:
        raise ValueError("the base 'summoned' needs the number of delegates summoned")
    return result.summoned


def tally(result: ResultFile, rule: Rule = DEFAULT_RULE) -> Tally:
    """Rank an election's candidates and mark who is elected, or decide whether a vote passed."""
    if not result.ok:
        raise ValueError("tally() needs a result without problems")
    if result.kind == "vote":
        return _vote(result, rule)
    return _election(result, rule)


def _vote(result: ResultFile, rule: Rule) -> Tally:
    agree, disagree, abstain = result.agree, result.disagree, result.abstain
    if agree is None or disagree is None or abstain is None:
        raise ValueError("a vote needs its agree, disagree and abstain counts")
    of, whole = base_count(result, rule.base), base_count(result, rule.percent_base)
    return Tally(
        ranked=[],
        elected=0,
        tie_at_last_seat=False,
        tied_names=[],
        passed=rule.passes(agree, of),
        agree_percent=percent(agree, whole),
        disagree_percent=percent(disagree, whole),
        abstain_percent=percent(abstain, whole),
        needed=rule.needed(of),
        base=rule.base,
        base_count=of,
        percent_base=rule.percent_base,
        percent_count=whole,
    )


def _election(result: ResultFile, rule: Rule) -> Tally:
    seats = result.seats
    if seats is None or seats < 1:
        raise ValueError("an election needs one seat or more")
    of, whole = base_count(result, rule.base), base_count(result, rule.percent_base)
    order = sorted(result.candidates, key=lambda c: -c.votes)  # stable: file order among ties
    passing = sum(1 for c in order if rule.passes(c.votes, of))  # a prefix of `order`
    elected, tied = passing, 0
    if passing > seats:
        last_votes = order[seats - 1].votes
        if order[seats].votes == last_votes:  # both pass: a tie across the last seat
            elected = sum(1 for c in order if c.votes > last_votes)
            tied = sum(1 for c in order if c.votes == last_votes)
        else:
            elected = seats
    ranked: list[Ranked] = []
    for index, candidate in enumerate(order):
        same = index > 0 and candidate.votes == order[index - 1].votes
        ranked.append(
            Ranked(
                rank=ranked[-1].rank if same else index + 1,
                name=candidate.name,
                votes=candidate.votes,
                percent=percent(candidate.votes, whole),
                elected=index < elected,
                tied=elected <= index < elected + tied,
            )
        )
    return Tally(
        ranked=ranked,
        elected=elected,
        tie_at_last_seat=tied > 0,
        tied_names=[r.name for r in ranked if r.tied],
        passed=None,
        agree_percent=None,
        disagree_percent=None,
        abstain_percent=None,
        needed=rule.needed(of),
        base=rule.base,
        base_count=of,
        percent_base=rule.percent_base,
        percent_count=whole,
    )
