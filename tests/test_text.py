"""Splitting long HTML messages: limits kept, boundaries clean, tags balanced, nothing lost."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text import html_to_plain, split_html, visible_length

WORDS = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<>&"),
                min_size=0, max_size=30)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_short_text_is_one_part() -> None:
    assert split_html("<b>xin chào</b>", 4096) == ["<b>xin chào</b>"]


def test_paragraphs_are_preferred_over_words() -> None:
    paragraphs = [f"Đoạn {i}. " + "chữ " * 60 for i in range(30)]
    parts = split_html("\n\n".join(paragraphs), 1000)
    assert all(visible_length(p) <= 1000 for p in parts)
    assert all(p.startswith("Đoạn") for p in parts)


def test_open_tags_are_closed_and_reopened() -> None:
    text = "<b>" + "một câu dài. " * 600 + "</b>"
    parts = split_html(text, 4096)
    assert len(parts) == 2
    assert parts[0].startswith("<b>") and parts[0].endswith("</b>")
    assert parts[1].startswith("<b>") and parts[1].endswith("</b>")


def test_entities_are_never_cut() -> None:
    text = "&amp;" * 5000
    parts = split_html(text, 4096)
    assert all(re.fullmatch(r"(&amp;)+", p) for p in parts)
    assert sum(visible_length(p) for p in parts) == 5000


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(WORDS, st.sampled_from([" ", "\n", "\n\n", ". "]),
                          st.booleans()), max_size=400),
       st.integers(min_value=20, max_value=500))
def test_split_keeps_every_character_within_the_limit(
    pieces: list[tuple[str, str, bool]], limit: int
) -> None:
    text = "".join((f"<b>{html.escape(w)}</b>" if bold else html.escape(w)) + sep
                   for w, sep, bold in pieces)
    parts = split_html(text, limit)
    assert all(visible_length(p) <= limit for p in parts)
    assert _squash("".join(html_to_plain(p) for p in parts)) == _squash(html_to_plain(text))
    for part in parts:
        assert part.count("<b>") == part.count("</b>")


def test_a_break_right_at_the_limit_ends_the_part() -> None:
    """Regression: the break just past a full part was never a cut point, and tiny limits
    stopped with 'no break point'."""
    assert split_html("\n\n\n\n\nxyz😀éé\n\n\n", 13) == ["\n\n\n\n\nxyz😀éé"]
    assert split_html(" 😀\n\n    b.😀. longlonglong", 6) == [
        " 😀", "   b.", "😀.", "longlo", "nglong"]


def test_emoji_count_two_units_when_a_word_is_cut() -> None:
    parts = split_html("😀" * 7, 4)
    assert parts == ["😀😀", "😀😀", "😀😀", "😀"]
    assert all(visible_length(p) <= 4 for p in parts)


def test_words_joined_only_by_tags_are_cut_between_tags() -> None:
    assert split_html("ab<b>cd</b>ef<i>gh</i>", 4) == ["ab<b>cd</b>", "ef<i>gh</i>"]
    assert split_html("<b>abc<i>def</i>gh</b>", 4) == [
        "<b>ab</b>", "<b>c<i>de</i></b>", "<b><i>f</i>gh</b>"]


def test_a_limit_below_one_emoji_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        split_html("😀 a b", 1)


TAGGED = st.sampled_from(["<b>", "</b>", "<i>x</i>", "😀", "é", "&amp;", "\n", "\n\n", " ",
                          ". ", "chữ", "a" * 9])


@settings(max_examples=200, deadline=None)
@given(st.lists(TAGGED, max_size=80), st.integers(min_value=2, max_value=16))
def test_tiny_limits_keep_every_character_and_valid_tags(tokens: list[str], limit: int) -> None:
    opened, body = 0, []
    for token in tokens:  # keep <b> balanced: drop a stray close, close what is open
        if token == "</b>" and not opened:
            continue
        opened += {"<b>": 1, "</b>": -1}.get(token, 0)
        body.append(token)
    text = "".join(body) + "</b>" * opened
    parts = split_html(text, limit)
    assert all(visible_length(p) <= limit for p in parts)
    assert _squash("".join(html_to_plain(p) for p in parts)) == _squash(html_to_plain(text))
    for part in parts:
        assert part.count("<b>") == part.count("</b>")
