"""`delegate-bot agenda import`: check a programme file, show the changes, apply them."""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

from bot.app import App
from bot.config import Config, StorageConfig
from bot.text import html_to_plain
from handlers.agenda_import import apply_plan, plan_from_bytes, render_plan

EXIT_PROBLEMS = 1


async def _nothing() -> None:
    """The bot that runs notices the new agenda version and rebuilds its own jobs."""


async def _open(config: Config, dry_run: bool, scratch: Path) -> App:
    """Open the app on the event's database, which an import may create (in a folder that
    exists); a dry run with no database yet compares against an empty one in `scratch`."""
    if dry_run and not config.database_path.exists():
        config = dataclasses.replace(config, storage=StorageConfig(str(scratch / "dry.sqlite3")))
        return await App.open(config)
    return await App.open(config, create=not dry_run, make_folder=False)


async def import_agenda(config: Config, path: Path, *, dry_run: bool, notify: bool) -> int:
    """Check a programme file, print the differences, and apply it unless asked not to."""
    with tempfile.TemporaryDirectory() as scratch:
        return await _import(config, path, dry_run=dry_run, notify=notify,
                             scratch=Path(scratch))


async def _import(config: Config, path: Path, *, dry_run: bool, notify: bool,
                  scratch: Path) -> int:
    app = await _open(config, dry_run, scratch)
    services = app.services
    services.reschedule = _nothing
    lang = config.event.language

    def t(key: str, **params: object) -> str:
        return services.texts.t(lang, key, **params)

    try:
        try:
            data = path.read_bytes()
        except OSError:
            print(f"{path}: {html_to_plain(t('tabular.error.cannot_open'))}", file=sys.stderr)
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
