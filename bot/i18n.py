"""Texts by key in per-language TOML files under `bot/locales/<lang>/*.toml`.

Every user-facing text lives there, in Vietnamese (the default) and English. Templates are
HTML in Telegram's subset with `{name}` placeholders; values are HTML-escaped when they are
filled in, unless they are `Markup` (a fragment the bot itself built from escaped parts).
"""

from __future__ import annotations

import html
import logging
import string
import tomllib
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


class Markup(str):
    """An HTML fragment that is already safe: the translator does not escape it again."""

    __slots__ = ()


# A text lookup in one language: t("key", name=value) -> Markup.
Translate = Callable[..., Markup]


def escape(value: object) -> Markup:
    """Escape a value for an HTML message (Markup passes through unchanged)."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=False))


def join(parts: Iterable[str], separator: str = "\n") -> Markup:
    """Join fragments into one Markup, escaping those that are plain text."""
    return Markup(separator.join(escape(p) for p in parts))


def placeholders(template: str) -> set[str]:
    """Return the names of the `{placeholders}` in a template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _flatten(table: Mapping[str, Any], prefix: str, out: dict[str, str], source: str) -> None:
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, f"{full}.", out, source)
        elif isinstance(value, str):
            if full in out:
                raise ValueError(f"{source}: key {full} is defined twice")
            out[full] = value
        else:
            raise ValueError(f"{source}: key {full} must be a string")


def load_texts(root: Path | None = None) -> dict[str, dict[str, str]]:
    """Read every language folder's TOML files into {language: {key: template}}."""
    base = root if root is not None else Path(str(resources.files("bot") / "locales"))
    texts: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        merged: dict[str, str] = {}
        for path in sorted((base / lang).glob("*.toml")):
            with path.open("rb") as fh:
                _flatten(tomllib.load(fh), "", merged, f"{lang}/{path.name}")
        texts[lang] = merged
    return texts


class Translator:
    """Look texts up by language and key and fill in escaped values."""

    def __init__(self, texts: dict[str, dict[str, str]], default: str = DEFAULT_LANGUAGE) -> None:
        self.texts = texts
        self.default = default

    @classmethod
    def load(cls, default: str = DEFAULT_LANGUAGE) -> Translator:
        """Load the packaged locale files."""
        return cls(load_texts(), default)

    def supported(self, wanted: str | None) -> str | None:
        """Return the supported language a language code names ("en-GB": "en"), or None."""
        if wanted:
            short = wanted.split("-")[0].lower()
            if short in self.texts:
                return short
        return None

    def language(self, wanted: str | None) -> str:
        """Return the supported language closest to a platform language code."""
        return self.supported(wanted) or self.default

    def t(self, lang: str | None, key: str, /, **params: object) -> Markup:
        """Return the text for `key` in `lang` with the values escaped and filled in."""
        lang = self.language(lang)
        template = self.texts[lang].get(key) or self.texts[self.default].get(key)
        if template is None:
            log.error("missing text %s", key)
            return Markup(html.escape(key))
        safe = {name: escape(value) for name, value in params.items()}
        return Markup(template.format_map(safe))

    def in_language(self, lang: str | None) -> Translate:
        """Return `t` with the language fixed: in_language("en")("help.title")."""
        return partial(self.t, lang)
