"""The bot's texts as the tests expect them: `vi(key, ...)` is a Vietnamese text exactly
as the bot sends it in chat (HTML, values escaped); `TEXTS` holds every language."""

from __future__ import annotations

from bot.i18n import Translator

TEXTS = Translator.load()


def vi(key: str, **params: object) -> str:
    """Return a Vietnamese text exactly as the bot sends it in chat (HTML, values escaped)."""
    return TEXTS.t("vi", key, **params)
