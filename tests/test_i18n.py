"""Texts: every key in every language, the same placeholders, valid markup, escaping."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from bot.i18n import LANGUAGES, Markup, Translator, join, load_texts, placeholders
from handlers import build_router

TEXTS = load_texts()
ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "blockquote"}
VIETNAMESE_MARKS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def test_every_language_has_every_key() -> None:
    keys = {lang: set(TEXTS[lang]) for lang in LANGUAGES}
    every = set().union(*keys.values())
    for lang in LANGUAGES:
        assert every - keys[lang] == set(), f"missing in {lang}"


@pytest.mark.parametrize("key", sorted(TEXTS["vi"]))
def test_placeholders_match_across_languages(key: str) -> None:
    expected = placeholders(TEXTS["vi"][key])
    for lang in LANGUAGES:
        assert placeholders(TEXTS[lang][key]) == expected, f"{lang}: {key}"


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED_TAGS, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag


@pytest.mark.parametrize("lang", LANGUAGES)
def test_templates_are_valid_telegram_html(lang: str) -> None:
    for key, template in TEXTS[lang].items():
        checker = _TagChecker()
        checker.feed(template)
        assert checker.stack == [], f"{lang}: {key} leaves tags open"
        assert "&" not in template.replace("&amp;", "").replace("&lt;", "").replace("&gt;", ""), key


def test_vietnamese_texts_have_diacritics() -> None:
    prose = [t for k, t in TEXTS["vi"].items() if len(t) > 40]
    without = [t for t in prose if not VIETNAMESE_MARKS.search(t)]
    assert without == []


def test_every_command_has_a_description() -> None:
    for name in build_router().commands:
        for lang in LANGUAGES:
            assert f"command.{name}" in TEXTS[lang], f"{lang}: command.{name}"


def test_values_are_escaped_but_markup_is_kept() -> None:
    texts = Translator({"vi": {"k": "<b>{a}</b> {b}"}, "en": {"k": "{a} {b}"}})
    out = texts.t("vi", "k", a="<script>&", b=Markup("<i>x</i>"))
    assert out == "<b>&lt;script&gt;&amp;</b> <i>x</i>"
    assert join(["<a>", Markup("<b>b</b>")], " ") == "&lt;a&gt; <b>b</b>"


def test_language_falls_back_to_the_default() -> None:
    texts = Translator.load("vi")
    assert texts.language("en-GB") == "en"
    assert texts.language("fr") == "vi"
    assert texts.language(None) == "vi"
    assert texts.t("en", "no.such.key") == "no.such.key"
