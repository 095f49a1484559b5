"""Vietnamese sort order for lists of people, delegations and other names.

Vietnamese lists are sorted by the given name (the last word), then by the family and
middle names; letters in the Vietnamese alphabet's order (a ă â b c d đ e ê g h i k l m n
o ô ơ p q r s t u ư v x y; f j w z, absent from it, where Latin puts them), the tone only
when the letters are equal (unmarked, huyền, hỏi, ngã, sắc, nặng — the dictionaries' order,
the same as CLDR's Vietnamese collation), and the case last (lower case first).

Why a table of our own and not a library: ICU (PyICU) has this order, but it needs the ICU C
library, and the wheels that bundle it exist for Linux and Windows on x86-64 only (the bot
installs with pip on macOS and ARM too); `pyuca` is pure Python but has only the root order
(DUCET), where đ sorts as d, ư as u and the tones in another order, and it takes no
tailoring. The table below is small; the tests hold it to ICU's Vietnamese order wherever
PyICU is installed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
"""The Vietnamese letters, with the Latin ones Vietnamese lacks where Latin puts them."""

# Primary weights: spaces, then punctuation and symbols, digits, Vietnamese letters, others.
_SPACE, _DIGITS, _LETTERS, _OTHER_LETTERS = 0, 0x200000, 0x300000, 0x400000
_LETTER_RANK = {letter: _LETTERS + i for i, letter in enumerate(ALPHABET)}
# A base letter with its modifying mark (NFD) is one letter of the alphabet.
_MODIFIED = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê",
             ("o", "\u0302"): "ô", ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}
_MODIFIERS = {"\u0306", "\u0302", "\u031b"}
# Tones, in the dictionaries' order: huyền, hỏi, ngã, sắc, nặng (unmarked is 0).
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

Key = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], str, str]


def _graphemes(text: str) -> Iterable[tuple[str, list[str]]]:
    """Yield each base character of `text` (NFD) with the combining marks that follow it."""
    base: str | None = None
    marks: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        if base is not None and unicodedata.combining(char):
            marks.append(char)
            continue
        if base is not None:
            yield base, marks
        base, marks = char, []
    if base is not None:
        yield base, marks


def _primary(base: str, marks: list[str]) -> tuple[int, list[str]]:
    """Return the primary weight of a character and the marks it leaves for the tone."""
    lower = base.lower()
    for mark in marks:
        letter = _MODIFIED.get((lower, mark))
        if letter is not None:
            return _LETTER_RANK[letter], [m for m in marks if m != mark]
    if lower in _LETTER_RANK:
        return _LETTER_RANK[lower], marks
    if base.isspace():
        return _SPACE, marks
    if base.isdigit():
        return _DIGITS + unicodedata.digit(base, 0), marks
    if base.isalpha():  # another script or letter: after the Latin letters, by code point
        return _OTHER_LETTERS + ord(lower if len(lower) == 1 else base), marks
    return 1 + ord(base), marks  # punctuation and symbols: before digits


# Keys are kept: the same roster is sorted again at every page of /registrations.
@lru_cache(maxsize=20_000)
def text_key(text: str) -> Key:
    """Return a key that sorts texts (names of delegations, of units) in Vietnamese order.

    Letters first, then tones, then case (runs of spaces count as one space); texts equal
    in all three (digits of two scripts, spaces of two kinds, say) by their code points, so
    that only one text has a given key and any shuffle of a list sorts to the same order.
    """
    collapsed = unicodedata.normalize("NFD", " ".join(text.split()))
    primary: list[int] = []
    secondary: list[int] = []
    tertiary: list[int] = []
    for base, marks in _graphemes(collapsed):
        weight, rest = _primary(base, marks)
        primary.append(weight)
        tone = 0
        for mark in rest:  # a tone, or marks Vietnamese does not have, after the tones
            tone = tone * 0x200000 + _TONES.get(mark, 10 + ord(mark))
        secondary.append(tone)
        tertiary.append(0 if base == base.lower() else 1)
    return (tuple(primary), tuple(secondary), tuple(tertiary),
            unicodedata.normalize("NFD", text), text)


@lru_cache(maxsize=20_000)
def name_key(full_name: str) -> tuple[Key, Key, str]:
    """Return a key that sorts people's full names: given name first, then the others (and
    names alike but for their spaces by code point)."""
    words = full_name.split()
    return text_key(" ".join(words[-1:])), text_key(" ".join(words[:-1])), full_name


def sort_names(names: Iterable[str]) -> list[str]:
    """Return full names sorted in Vietnamese order."""
    return sorted(names, key=name_key)


def sort_texts(texts: Iterable[str]) -> list[str]:
    """Return texts sorted in Vietnamese order, word by word as written."""
    return sorted(texts, key=text_key)
