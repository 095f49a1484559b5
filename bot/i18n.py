"""Texts by key in per-language TOML files under `bot/locales/<lang>/*.toml`.

Every user-facing text lives there, in Vietnamese (the default) and English. Templates are
HTML in Telegram's subset with `{name}` placeholders; values are HTML-escaped when they are
filled in, unless they are `Markup` (a fragment the bot itself built from escaped parts).

The translator fills three placeholders by itself, from the event's configuration:
`{address}` (the form of address for a delegate in Vietnamese, "đồng chí" at a Party
congress; "you" in English), `{Address}` (the same at the start of a sentence) and
`{timezone}` (the event's time zone by its local name: "giờ Việt Nam"). A count takes its
English plural form with `{count:account|accounts}` ("1 account", "2 accounts").
"""

from __future__ import annotations

import html
import logging
import re
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
DEFAULT_ADDRESS = "đồng chí"
# The forms of address a Vietnamese text can use for a delegate ([event] address).
ADDRESSES = ("đồng chí", "đại biểu", "anh/chị", "bạn")
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
# Placeholders the translator fills by itself (see the module's docstring).
IMPLICIT = frozenset({"address", "Address", "timezone"})
# `{count:account|accounts}`: the number and the word in its singular or plural form.
_PLURAL = re.compile(r"\{(\w+):([^{}|:]*)\|([^{}|:]*)\}")


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
    """Return the names of the `{placeholders}` in a template the caller fills (not the
    ones the translator fills by itself)."""
    return {name for _, name, _, _ in string.Formatter().parse(template)
            if name and name not in IMPLICIT}


def capitalised(text: str) -> str:
    """Return `text` with its first letter in upper case ("đồng chí": "Đồng chí")."""
    return text[:1].upper() + text[1:]


def _plural(template: str, params: Mapping[str, object]) -> str:
    """Write `{count:account|accounts}` as `{count} account` or `{count} accounts`."""
    def form(match: re.Match[str]) -> str:
        one = str(params.get(match[1], "")) in ("1", "-1")
        return "{" + match[1] + "} " + (match[2] if one else match[3])
    return _PLURAL.sub(form, template)


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

    def __init__(self, texts: dict[str, dict[str, str]], default: str = DEFAULT_LANGUAGE, *,
                 address: str = DEFAULT_ADDRESS, timezone: str = DEFAULT_TIMEZONE) -> None:
        self.texts = texts
        self.default = default
        self.address = address
        self.timezone = timezone
        self._implicit: dict[str, dict[str, Markup]] = {}

    @classmethod
    def load(cls, default: str = DEFAULT_LANGUAGE, *, address: str = DEFAULT_ADDRESS,
             timezone: str = DEFAULT_TIMEZONE) -> Translator:
        """Load the packaged locale files for an event's address and time zone."""
        return cls(load_texts(), default, address=address, timezone=timezone)

    def implicit(self, lang: str) -> dict[str, Markup]:
        """Return the values of the placeholders the translator fills by itself in `lang`."""
        if lang not in self._implicit:
            table = self.texts[lang]
            address = self.address if lang == "vi" else table.get("address.you", "you")
            zone = table.get(f"zone.{self.timezone}")
            if zone is None:
                zone = table.get("zone.other", "{zone}").format(zone=self.timezone)
            self._implicit[lang] = {"address": escape(address),
                                    "Address": escape(capitalised(address)),
                                    "timezone": escape(zone)}
        return self._implicit[lang]

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
        if "|" in template:
            template = _plural(template, params)
        safe = dict(self.implicit(lang))
        safe.update((name, escape(value)) for name, value in params.items())
        return Markup(template.format_map(safe))

    def in_language(self, lang: str | None) -> Translate:
        """Return `t` with the language fixed: in_language("en")("help.title")."""
        return partial(self.t, lang)
