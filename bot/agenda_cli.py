"""`delegate-bot agenda import`: check a programme file, show the changes, apply them."""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

from bot.app import App
from bot.cli_wording import for_cli
from bot.config import Config, StorageConfig
from bot.i18n import Translate, join
from bot.tabular import TableError, read_file
from bot.text import html_to_plain
from handlers.agenda_import import apply_plan, change_line, plan_from_bytes, render_plan

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


async def import_agenda(config: Config, path: Path, *, dry_run: bool, notify: bool,
                        yes: bool = False) -> int:
    """Check a programme file, print the differences, and apply it unless asked not to.

    An import that would cancel sessions (the file lacks them) is refused, listing them,
    unless `yes`: a file that lacks most of the programme cancels all the rest and tells
    every delegate concerned."""
    t = _translator(config)
    try:
        data = read_file(path)  # a file over the size limit is not read
    except TableError as exc:
        print(f"{path}: {html_to_plain(t(exc.reason_key, **exc.params))}", file=sys.stderr)
        return EXIT_PROBLEMS
    with tempfile.TemporaryDirectory() as scratch:
        app = await _open(config, dry_run, Path(scratch))
        try:
            return await _import(app, path.name, data, dry_run=dry_run, notify=notify, yes=yes)
        finally:
            await app.close()


def _translator(config: Config) -> Translate:
    return for_cli(config.event.texts().in_language(config.event.language))


async def _import(app: App, name: str, data: bytes, *, dry_run: bool, notify: bool,
                  yes: bool) -> int:
    services = app.services
    services.reschedule = _nothing
    config = services.config
    t = _translator(config)
    plan = await plan_from_bytes(services, data, name)
    if not plan.ok:
        print(html_to_plain(render_plan(t, plan, services.dates(), state="check")),
              file=sys.stderr)
        return EXIT_PROBLEMS
    if dry_run:
        print(html_to_plain(render_plan(t, plan, services.dates(), state="dry_run")))
        return 0
    cancelled = [c for c in plan.changes if c.kind == "cancelled"]
    if cancelled and not yes:
        lines = [t("agenda_import.cli.would_cancel", file=name, count=len(cancelled))]
        lines += [change_line(t, c, services.dates()) for c in cancelled]
        lines.append(t("agenda_import.cli.confirm_with_yes"))
        print(html_to_plain(join(lines)), file=sys.stderr)
        return EXIT_PROBLEMS
    _, told = await apply_plan(services, plan, actor="cli", notify=notify)
    print(html_to_plain(render_plan(t, plan, services.dates(), state="done")))
    print(html_to_plain(t("agenda_import.told", count=told)))
    return 0
