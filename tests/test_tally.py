"""Tests for bot.tally: percentages, ranking, who is elected, ties, whether a vote passed."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.formats.results import CandidateRow, Problem, ResultFile, read_results
from bot.tally import DEFAULT_RULE, Ranked, Rule, percent, tally

ROOT = Path(__file__).resolve().parent.parent
TWO_THIRDS = Rule(Fraction(2, 3))


def election(votes: list[int], valid: int = 100, seats: int = 3) -> ResultFile:
    """Return a checked election whose candidates are named A, B, C... in file order."""
    candidates = [CandidateRow(10 + i, chr(ord("A") + i), v) for i, v in enumerate(votes)]
    return ResultFile("kq.csv", "t", "election", seats, valid, valid, valid, 0, candidates)


def vote(agree: int, disagree: int, abstain: int, valid: int) -> ResultFile:
    return ResultFile(
        "nq.csv", "t", "vote", None, valid, valid, valid, 0, [], agree, disagree, abstain
    )


def standings(result: ResultFile, rule: Rule = DEFAULT_RULE) -> list[tuple[str, int, bool, bool]]:
    """Return (name, rank, elected, tied) in rank order."""
    return [(r.name, r.rank, r.elected, r.tied) for r in tally(result, rule).ranked]


# --- percentages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [
        (1, 3, "33.33"),
        (2, 3, "66.67"),
        (1, 8, "12.50"),  # exact: no rounding
        (1, 800, "0.13"),  # 0.125: exactly halfway, rounds up
        (3, 800, "0.38"),  # 0.375
        (1, 1600, "0.06"),  # 0.0625
        (1, 200, "0.50"),
        (7, 16, "43.75"),
        (149, 296, "50.34"),
        (148, 296, "50.00"),
        (0, 296, "0.00"),
        (296, 296, "100.00"),
        (0, 0, "0.00"),  # no valid ballots: 0, not a division error
        (1, 0, "0.00"),
        (2, 1_000_000_000 - 1, "0.00"),
        (999_999_999, 1_000_000_000, "100.00"),  # 99.9999999: rounds up to 100.00
    ],
)
def test_percent_has_two_decimals_and_rounds_half_up(part: int, whole: int, shown: str) -> None:
    value = percent(part, whole)
    assert str(value) == shown and value == Decimal(shown)
    assert value.as_tuple().exponent == -2


def test_percent_refuses_negative_counts() -> None:
    with pytest.raises(ValueError):
        percent(-1, 10)
    with pytest.raises(ValueError):
        percent(1, -10)


# --- elections ----------------------------------------------------------------------------------


def test_the_seed_shape_26_elected_among_30_from_299_ballots() -> None:
    name = "results-election.csv"
    result = read_results((ROOT / "examples" / name).read_bytes(), name)
    outcome = tally(result)
    assert (result.ballots_issued, result.seats, len(outcome.ranked)) == (299, 26, 30)
    assert outcome.elected == 26 and not outcome.tie_at_last_seat and outcome.tied_names == []
    elected = [r for r in outcome.ranked if r.elected]
    assert len(elected) == 26 and all(2 * r.votes > result.valid for r in elected)
    assert [r.elected for r in outcome.ranked] == [True] * 26 + [False] * 4
    assert outcome.needed == result.valid // 2 + 1
    assert outcome.passed is None and outcome.agree_percent is None
    assert [r.rank for r in outcome.ranked] == sorted(r.rank for r in outcome.ranked)
    first = outcome.ranked[0]
    assert first.rank == 1 and first.percent == percent(first.votes, result.valid)


def test_ranks_are_competition_ranks_and_ties_keep_file_order() -> None:
    result = election([70, 90, 80, 80, 10, 80], seats=6)
    assert [(r.name, r.rank, r.votes) for r in tally(result).ranked] == [
        ("B", 1, 90),
        ("C", 2, 80),
        ("D", 2, 80),
        ("F", 2, 80),
        ("A", 5, 70),
        ("E", 6, 10),
    ]


def test_a_full_ranked_entry() -> None:
    ranked = tally(election([51, 50], valid=101, seats=1)).ranked
    assert ranked == [
        Ranked(rank=1, name="A", votes=51, percent=Decimal("50.50"), elected=True, tied=False),
        Ranked(rank=2, name="B", votes=50, percent=Decimal("49.50"), elected=False, tied=False),
    ]


def test_a_tie_at_the_last_seat_is_flagged_and_not_decided() -> None:
    result = tally(election([90, 70, 80, 70, 20], seats=3))
    assert result.tie_at_last_seat and result.tied_names == ["B", "D"]
    assert result.elected == 2
    assert [(r.name, r.rank, r.elected, r.tied) for r in result.ranked] == [
        ("A", 1, True, False),
        ("C", 2, True, False),
        ("B", 3, False, True),
        ("D", 3, False, True),
        ("E", 5, False, False),
    ]


def test_a_tie_across_the_last_seat_can_leave_several_seats_open() -> None:
    result = tally(election([90, 70, 70, 70, 60], seats=3))
    assert (result.elected, result.tied_names) == (1, ["B", "C", "D"])
    assert [r.elected for r in result.ranked] == [True, False, False, False, False]


def test_a_tie_below_the_last_seat_elects_both() -> None:
    result = tally(election([90, 80, 80, 60, 55], seats=3))
    assert (result.elected, result.tie_at_last_seat, result.tied_names) == (3, False, [])
    assert [(r.name, r.rank, r.elected) for r in result.ranked] == [
        ("A", 1, True),
        ("B", 2, True),
        ("C", 2, True),
        ("D", 4, False),  # passes (60 of 100) but no seat is left
        ("E", 5, False),
    ]


def test_a_tie_exactly_filling_the_seats_is_no_tie() -> None:
    result = tally(election([90, 70, 70, 40], seats=3))
    assert (result.elected, result.tie_at_last_seat) == (3, False)


def test_a_tie_among_those_who_fail_the_threshold_is_not_flagged() -> None:
    result = tally(election([90, 80, 30, 30], seats=3))
    assert (result.elected, result.tie_at_last_seat, result.tied_names) == (2, False, [])
    assert standings(election([90, 80, 30, 30], seats=3))[2:] == [
        ("C", 3, False, False),
        ("D", 3, False, False),
    ]
    below_the_seats = tally(election([90, 80, 60, 60, 60], seats=2))  # passing, out of seats
    assert (below_the_seats.elected, below_the_seats.tie_at_last_seat) == (2, False)


def test_fewer_passing_candidates_than_seats_leaves_seats_empty() -> None:
    result = tally(election([90, 51, 50, 49, 10], seats=4))
    assert result.elected == 2 and not result.tie_at_last_seat
    assert [r.elected for r in result.ranked] == [True, True, False, False, False]


@pytest.mark.parametrize(
    ("votes", "valid", "elected"),
    [(50, 100, False), (51, 100, True), (50, 99, True), (49, 99, False), (0, 0, False)],
)
def test_exactly_half_is_not_more_than_half(votes: int, valid: int, elected: bool) -> None:
    assert tally(election([votes], valid=valid, seats=1)).ranked[0].elected is elected


def test_a_custom_two_thirds_rule() -> None:
    result = election([67, 66, 90], valid=99, seats=3)  # two thirds of 99 is 66
    assert standings(result, TWO_THIRDS) == [
        ("C", 1, True, False),
        ("A", 2, True, False),
        ("B", 3, False, False),
    ]
    assert tally(result, TWO_THIRDS).needed == 67
    assert [r.elected for r in tally(result).ranked] == [True, True, True]


def test_an_election_needs_seats_and_a_clean_result() -> None:
    with pytest.raises(ValueError):
        tally(election([1], seats=0))
    bad = ResultFile(
        "x.csv", "", "election", 1, 0, 0, 0, 0, problems=[Problem("x.csv", 1, None, "k")]
    )
    with pytest.raises(ValueError):
        tally(bad)


# --- votes on a resolution ----------------------------------------------------------------------


def test_the_example_resolution_passes() -> None:
    name = "results-resolution.csv"
    outcome = tally(read_results((ROOT / "examples" / name).read_bytes(), name))
    assert outcome.passed is True
    assert (outcome.agree_percent, outcome.disagree_percent, outcome.abstain_percent) == (
        Decimal("97.97"),
        Decimal("0.68"),
        Decimal("1.35"),
    )
    assert outcome.ranked == [] and outcome.elected == 0 and not outcome.tie_at_last_seat


@pytest.mark.parametrize(
    ("agree", "valid", "rule", "passed"),
    [
        (149, 296, DEFAULT_RULE, True),
        (148, 296, DEFAULT_RULE, False),  # exactly half
        (0, 0, DEFAULT_RULE, False),
        (198, 296, TWO_THIRDS, True),
        (197, 296, TWO_THIRDS, False),  # 197.33 needed
        (200, 300, TWO_THIRDS, False),  # exactly two thirds
        (201, 300, TWO_THIRDS, True),
    ],
)
def test_a_vote_passes_with_more_than_the_majority(
    agree: int, valid: int, rule: Rule, passed: bool
) -> None:
    outcome = tally(vote(agree, valid - agree, 0, valid), rule)
    assert outcome.passed is passed
    assert outcome.needed == rule.needed(valid)
    assert (agree >= outcome.needed) is passed


# --- the rule -----------------------------------------------------------------------------------


def test_rule_values() -> None:
    assert Rule().majority == Fraction(1, 2) and Rule() == DEFAULT_RULE
    assert Rule(Fraction("2/3")) == TWO_THIRDS
    assert Rule(0).majority == Fraction(0) and Rule(0).passes(1, 100)
    assert not Rule(0).passes(0, 100)
    assert [Rule().needed(n) for n in (0, 1, 2, 99, 100, 296)] == [1, 1, 2, 50, 51, 149]
    for wrong in (Fraction(1), Fraction(3, 2), Fraction(-1, 2), 1):
        with pytest.raises(ValueError):
            Rule(wrong)
    for not_exact in (0.5, "1/2", True):
        with pytest.raises(TypeError):
            Rule(not_exact)  # type: ignore[arg-type]


# --- properties --------------------------------------------------------------------------------

rules = st.sampled_from([Rule(), TWO_THIRDS, Rule(Fraction(0)), Rule(Fraction(3, 4))])


@settings(max_examples=300, deadline=None)
@given(
    votes=st.lists(st.integers(0, 30), min_size=1, max_size=12),
    extra=st.integers(0, 30),
    seats=st.integers(1, 6),
    rule=rules,
)
def test_election_properties(votes: list[int], extra: int, seats: int, rule: Rule) -> None:
    valid = max(votes) + extra
    result = tally(election(votes, valid=valid, seats=seats), rule)
    elected = [r for r in result.ranked if r.elected]
    others = [r for r in result.ranked if not r.elected]
    assert len(elected) == result.elected <= seats
    assert all(rule.passes(r.votes, valid) for r in elected)
    if elected and others:
        assert min(r.votes for r in elected) > max(r.votes for r in others)
    assert all(Decimal(0) <= r.percent <= Decimal(100) for r in result.ranked)
    assert sorted(r.name for r in result.ranked) == sorted(chr(65 + i) for i in range(len(votes)))
    assert [r.votes for r in result.ranked] == sorted(votes, reverse=True)
    for index, r in enumerate(result.ranked):
        assert r.rank == 1 + sum(v > r.votes for v in votes)
        assert r.rank <= index + 1
    tied = [r for r in result.ranked if r.tied]
    assert result.tie_at_last_seat == bool(tied) == bool(result.tied_names)
    assert [r.name for r in tied] == result.tied_names
    if tied:
        assert len({r.votes for r in tied}) == 1 and len(tied) >= 2
        assert all(rule.passes(r.votes, valid) and not r.elected for r in tied)
        assert result.elected < seats < result.elected + len(tied)
        assert {r.votes for r in tied} == {sorted(votes, reverse=True)[seats - 1]}
    else:  # without a tie, every seat is filled by whoever passes, best first
        passing = sum(rule.passes(v, valid) for v in votes)
        assert result.elected == min(seats, passing)


@settings(max_examples=200, deadline=None)
@given(counts=st.lists(st.integers(0, 500), min_size=3, max_size=3), extra=st.integers(0, 50))
def test_vote_properties(counts: list[int], extra: int) -> None:
    agree, disagree, abstain = counts
    valid = agree + disagree + abstain + extra
    outcome = tally(vote(agree, disagree, abstain, valid))
    assert outcome.passed == (2 * agree > valid)
    shown = (outcome.agree_percent, outcome.disagree_percent, outcome.abstain_percent)
    assert all(p is not None and Decimal(0) <= p <= Decimal(100) for p in shown)


@settings(max_examples=300, deadline=None)
@given(part=st.integers(0, 10**6), extra=st.integers(0, 10**6))
def test_percent_matches_exact_rounding(part: int, extra: int) -> None:
    whole = part + extra
    value = percent(part, whole)
    if whole:
        error = Fraction(value) - Fraction(100 * part, whole)
        assert -Fraction(1, 200) < error <= Fraction(1, 200)  # nearest hundredth, halves go up
    assert Decimal(0) <= value <= Decimal(100)
