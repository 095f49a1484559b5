"""`delegate-bot roster replace OFFICIAL ALTERNATE`: an alternate takes an official delegate's
seat from the command line, as `/replace` does in chat (`handlers.replace`): the preview is
printed, then the replacement is made (with its audit entry, and the alternate's notice queued
for the running bot to send), unless --dry-run."""

from __future__ import annotations

import sys

from bot.app import App
from bot.cli_wording import for_cli
from bot.config import Config
from bot.text import html_to_plain
from handlers import replace as feature

EXIT_REFUSED = 1


async def replace_seat(config: Config, official: str, alternate: str, *,
                       dry_run: bool) -> int:
    """Check and make a replacement; print what it is, and what was done."""
    app = await App.open(config, create=False)
    services = app.services
    t = for_cli(services.texts.in_language(config.event.language))
    try:
        found = await feature.plan(services.db, official, alternate)
        if isinstance(found, feature.Refusal):
            print(html_to_plain(t(found.key, **found.params)), file=sys.stderr)
            return EXIT_REFUSED
        if dry_run:
            print(html_to_plain(feature.preview(t, found)))
            print()
            print(html_to_plain(t("replace.cli.dry_run")))
            return 0
        told = await feature.apply(services, found, "cli")
        if isinstance(told, feature.Refusal):
            print(html_to_plain(t(told.key, **told.params)), file=sys.stderr)
            return EXIT_REFUSED
        print(html_to_plain(feature.done(t, found, told)))
        return 0
    finally:
        await app.close()
