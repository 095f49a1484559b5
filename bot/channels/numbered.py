"""Choices as a numbered list, for platforms without buttons (Zalo, the console).

A reply's choices are printed as "1. …" lines; the person answers with the number or the
text of a choice. The last list offered is kept per person in the database.
"""

from __future__ import annotations

from bot.i18n import Translator
from bot.model import Choice, Reply, parse_id
from bot.text import html_to_plain


def render(reply: Reply, texts: Translator, language: str | None) -> str:
    """Return a reply as plain text with its choices numbered."""
    lines = [html_to_plain(reply.text)]
    if reply.choices:
        lines += [f"  {i}. {c.label}" for i, c in enumerate(reply.choices, 1)]
        lines.append(html_to_plain(texts.t(language, "console.choose")))
    if reply.request_contact:
        lines.append(html_to_plain(texts.t(language, "console.contact_unavailable")))
    return "\n".join(lines)


def match(text: str, choices: list[tuple[str, str]]) -> Choice | None:
    """Return the choice a typed answer picks (its number or its text), or None."""
    answer = text.strip()
    number = parse_id(answer)
    if number is not None and 1 <= number <= len(choices):
        label, data = choices[number - 1]
        return Choice(label, data)
    folded = _words(answer)
    return next((Choice(label, data) for label, data in choices
                 if folded and _words(label) == folded), None)


def _words(text: str) -> str:
    """Return the words of a text, case-folded, without emoji or punctuation around them."""
    kept = "".join(c if c.isalnum() or c.isspace() else " " for c in text.casefold())
    return " ".join(kept.split())
