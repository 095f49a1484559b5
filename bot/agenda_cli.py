"""`delegate-bot agenda import`: check a programme file, show the changes, apply them."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.app import App
from bot.config import Config
from bot.tabular import TableError, read_file
from bot.text import html_to_plain
from handlers.agenda_import import apply_plan, plan_from_bytes, render_plan

EXIT_PROBLEMS = 1


async def _nothing() -> None:
    """The bot that runs notices the new agenda version and rebuilds its own jobs."""


async def import_agenda(config: Config, path: Path, *, dry_run: bool, notify: bool) -> int:
    """Check a programme file, print the differences, and apply it unless asked not to."""
    app = await App.open(config)
    services = app.services
    services.reschedule = _nothing
    lang = config.event.language

    def t(key: str, **params: object) -> str:
        return services.texts.t(lang, key, **params)

    try:
        try:
            data = read_file(path)  # a file over the size limit is not read
        except TableError as exc:
            print(f"{path}: {html_to_plain(t(exc.reason_key, **exc.params))}", file=sys.stderr)
            return EXIT_PROBLEMS
        plan = await plan_from_bytes(services, data, path.name)
        if not plan.ok:
            print(html_to_plain(render_plan(t, plan, config.event.tz, state="check")),
                  file=sys.stderr)
            return EXIT_PROBLEMS
        if dry_run:
            print(html_to_plain(render_plan(t, plan, config.event.tz, state="dry_run")))
            return 0
        _, told = await apply_plan(services, plan, actor="cli", notify=notify)
        print(html_to_plain(render_plan(t, plan, config.event.tz, state="done")))
        print(html_to_plain(t("agenda_import.told", count=told)))
        return 0
    finally:
        await app.close()
