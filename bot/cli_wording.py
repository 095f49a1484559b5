"""The command line's wording of texts the chat shares with it.

Reports and refusals are the same in chat and on the command line, but a few of them tell a
chat user what to do in the chat ("send the file again", "send /results"): on the command
line they name the command to run instead. `for_cli` gives the translator the command-line
modules use, which takes each such text from its `.cli.` key.
"""

from __future__ import annotations

from bot.i18n import Markup, Translate

CLI_KEYS = {
    "roster.report.problems": "roster.cli.problems",
    "agenda_import.problems": "agenda_import.cli.problems",
    "results.problems": "results.cli.problems",
    "results.published": "results.cli.published",
    "results.unknown": "results.cli.unknown",
    "results.unchanged": "results.cli.unchanged",
}
"""Chat text key -> the key of its command-line wording (same placeholders)."""


def for_cli(t: Translate) -> Translate:
    """Return `t` taking the texts of `CLI_KEYS` in their command-line wording."""

    def translate(key: str, /, **params: object) -> Markup:
        return t(CLI_KEYS.get(key, key), **params)

    return translate
