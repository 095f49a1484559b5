"""`delegate-bot web link`: a one-time login link to the dashboard, for the person running
the machine (audited as "cli"); `--checker` makes it a session of the check-in desk only.

The link works once, for ten minutes, as the one `/web` sends in chat. With `[web]` not
enabled the command says so and exits 2; a database that does not exist yet is refused as
by every command that is not an import.
"""

from __future__ import annotations

import sys

from bot.app import App
from bot.config import Config
from bot.text import html_to_plain
from bot.web import auth
from storage.web_sessions import CHECKER, ORGANISER

EXIT_DISABLED = 2


def _line(settings: Config, key: str, /, **params: object) -> str:
    texts = settings.event.texts()
    return html_to_plain(texts.t(settings.event.language, key, **params))


async def print_link(config: Config, where: str, *, checker: bool = False) -> int:
    """Print a login link to the dashboard (`checker`: to the check-in desk only); exit 2
    when the dashboard is off."""
    if not config.web.enabled:
        print(_line(config, "web.cli_disabled", config=where), file=sys.stderr)
        return EXIT_DISABLED
    app = await App.open(config, create=False)
    try:
        link = await auth.make_link(app.services.db, app.services.clock, config.web,
                                    actor="cli", role=CHECKER if checker else ORGANISER)
    finally:
        await app.close()
    print(_line(config, "web.cli_link", link=link, minutes=auth.LINK_MINUTES))
    return 0
