"""Vietnamese order of names (bot/collation.py): the tricky cases, shuffles, and ICU's order."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.collation import ALPHABET, name_key, sort_names, sort_texts, text_key


def test_d_with_stroke_comes_after_d_and_before_e_not_after_v() -> None:
    assert sort_texts(["Vũ", "Đỗ", "Đinh", "Dương", "Đặng", "Em"]) == [
        "Dương", "Đặng", "Đinh", "Đỗ", "Em", "Vũ"]


def test_ngo_comes_before_nguyen() -> None:
    assert sort_texts(["Nguyễn", "Ngô"]) == ["Ngô", "Nguyễn"]


def test_letters_with_marks_are_letters_of_their_own() -> None:
    assert sort_texts(["Ân", "Ấn", "Anh", "Ăn", "An"]) == ["An", "Anh", "Ăn", "Ân", "Ấn"]
    assert sort_texts(["Ưng", "Uy", "Ư", "U"]) == ["U", "Uy", "Ư", "Ưng"]
    assert sort_texts(["Ơn", "On", "Ôn"]) == ["On", "Ôn", "Ơn"]


def test_tones_count_only_when_the_letters_are_equal_in_the_dictionaries_order() -> None:
    assert sort_texts(["Bạ", "Bá", "Bã", "Bả", "Bà", "Ba"]) == [
        "Ba", "Bà", "Bả", "Bã", "Bá", "Bạ"]
    assert sort_texts(["Bác", "Bà", "Bb"]) == ["Bà", "Bác", "Bb"]
    assert sort_texts(["Ánh", "Anh", "An"]) == ["An", "Anh", "Ánh"]


def test_composed_and_decomposed_spellings_sort_alike() -> None:
    composed = "Nguyễn Thị Ánh"
    decomposed = "Nguye\u0302\u0303n Thi\u0323 A\u0301nh"
    assert name_key(composed)[0][:3] == name_key(decomposed)[0][:3]
    assert name_key(composed)[1][:4] == name_key(decomposed)[1][:4]
    assert sort_names(["Lê Văn Bảo", decomposed]) == [decomposed, "Lê Văn Bảo"]


def test_people_sort_by_given_name_then_family_and_middle_names() -> None:
    people = ["Vũ Văn An", "Nguyễn Thị Ánh", "Đỗ Thị An", "Lê Văn Ân", "Trần Anh",
              "Phạm Thị Anh", "Vũ Bình", "Nguyễn Văn Bình", "Ngô Văn Bình", "Đinh Bình",
              "Đặng Bình"]
    assert sort_names(people) == [
        "Đỗ Thị An", "Vũ Văn An", "Phạm Thị Anh", "Trần Anh", "Nguyễn Thị Ánh", "Lê Văn Ân",
        "Đặng Bình", "Đinh Bình", "Ngô Văn Bình", "Nguyễn Văn Bình", "Vũ Bình"]


def test_thi_as_a_middle_name_orders_after_the_family_name_only() -> None:
    assert sort_names(["Trần Thị Hoa", "Lê Thị Hoa", "Lê Hoa", "Lê Văn Hoa"]) == [
        "Lê Hoa", "Lê Thị Hoa", "Lê Văn Hoa", "Trần Thị Hoa"]


def test_odd_names_still_get_a_key() -> None:
    for odd in ("", "   ", "An", "Nguyễn  Văn   An", "O'Neil 2", "José Müller", "李小龍"):
        name_key(odd)
    assert name_key("Nguyễn  Văn   An")[0] == name_key("Nguyễn Văn An")[0]
    assert sort_names(["Nguyễn  Văn   An", "Lê Ân", "Nguyễn Văn An"]) == [
        "Nguyễn  Văn   An", "Nguyễn Văn An", "Lê Ân"]
    assert sort_names(["Zoe", "Yến", "Willy", "Xuân"]) == ["Willy", "Xuân", "Yến", "Zoe"]


_TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]
_LETTERS = st.builds(lambda letter, tone, upper: (letter.upper() if upper else letter) + tone,
                     st.sampled_from(ALPHABET), st.sampled_from(_TONES), st.booleans())
_WORDS = st.lists(_LETTERS, min_size=1, max_size=6).map("".join)
_NAMES = st.lists(_WORDS, min_size=1, max_size=4).map(" ".join)


@given(st.lists(_NAMES, max_size=30), st.randoms())
def test_a_shuffled_list_sorts_to_the_same_order(names: list[str], rnd: random.Random) -> None:
    shuffled = list(names)
    rnd.shuffle(shuffled)
    assert sort_names(shuffled) == sort_names(names)


@given(_NAMES, _NAMES)
def test_the_order_is_total_and_consistent(a: str, b: str) -> None:
    ka, kb = name_key(a), name_key(b)
    assert (ka < kb) + (ka > kb) + (ka == kb) == 1
    if ka == kb:
        assert a == b


@settings(max_examples=300)
@given(_WORDS, _WORDS)
def test_words_sort_as_icu_sorts_vietnamese(a: str, b: str) -> None:
    icu = pytest.importorskip("icu")
    collator = icu.Collator.createInstance(icu.Locale("vi"))
    ours = (text_key(a) > text_key(b)) - (text_key(a) < text_key(b))
    assert ours == collator.compare(a, b)


@given(st.lists(st.text(max_size=12), max_size=20), st.randoms())
def test_any_texts_at_all_sort_the_same_whatever_their_first_order(
    texts: list[str], rnd: random.Random
) -> None:
    shuffled = list(texts)
    rnd.shuffle(shuffled)
    assert sort_names(shuffled) == sort_names(texts)
    assert sort_texts(shuffled) == sort_texts(texts)


def test_digits_of_two_scripts_and_punctuation_get_keys_of_their_own() -> None:
    assert text_key("Tổ 1") != text_key("Tổ \u0661")
    assert text_key("A-B") != text_key("A\u2010B")
    assert sort_texts(["Tổ 2", "Tổ 10", "Tổ-1", "Tổ 1"]) == ["Tổ 1", "Tổ 10", "Tổ 2", "Tổ-1"]
