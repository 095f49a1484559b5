"""`delegate-bot roster import|export`: the organisers' roster commands on the command line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot import channels
from bot.clock import SystemClock, to_iso
from bot.config import Config
from bot.i18n import Markup, Translator
from bot.tabular import TableError, problem_from, read_file
from bot.text import html_to_plain
from handlers.roster import (
    RosterPlan,
    apply_plan,
    export_rows,
    plan_from_bytes,
    render_plan,
    write_export,
)
from storage.db import Database

PROGRESS_FROM_ROWS = 300
EXIT_PROBLEMS = 1


def _translate(config: Config) -> Callable[..., Markup]:
    texts = Translator.load(config.event.language)
    return lambda key, **params: texts.t(config.event.language, key, **params)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), transient=True, disable=not sys.stderr.isatty())


async def import_roster(config: Config, path: Path, *, dry_run: bool, prune: bool) -> int:
    """Check a roster file, print the report, and import it unless asked not to."""
    t = _translate(config)
    db = await Database.open(config.database_path)
    try:
        with _progress() as bar:
            task = bar.add_task(html_to_plain(t("roster.cli.reading")), total=None)
            try:
                data = read_file(path)  # a file over the size limit is not read
            except TableError as exc:
                plan = RosterPlan(path.name, problems=[problem_from(exc)], prune=prune)
            else:
                plan = await plan_from_bytes(db, data, path.name, prune=prune)
            bar.remove_task(task)
            writing = len(plan.added) + len(plan.updated)
            if plan.ok and not dry_run:
                task = bar.add_task(html_to_plain(t("roster.cli.writing")), total=writing,
                                    visible=writing >= PROGRESS_FROM_ROWS)
                await apply_plan(db, plan, to_iso(SystemClock().now()),
                                 progress=lambda n: bar.update(task, completed=n))
        state = "dry_run" if dry_run else "done"
        report = html_to_plain(render_plan(t, plan, state=state))
        print(report, file=sys.stdout if plan.ok else sys.stderr)
        return 0 if plan.ok else EXIT_PROBLEMS
    finally:
        await db.close()


async def export_roster(config: Config, path: Path) -> int:
    """Write every delegate with invite code, registration and deep link to a file."""
    t = _translate(config)
    deep_link = await channels.deep_linker(config)
    if deep_link is None:
        print(html_to_plain(t("roster.cli.no_username")), file=sys.stderr)
    db = await Database.open(config.database_path)
    try:
        rows = await export_rows(db, t, deep_link or _no_link)
    finally:
        await db.close()
    write_export(path, rows, str(t("roster.export.sheet")))
    print(html_to_plain(t("roster.cli.exported", count=len(rows) - 1, file=str(path))))
    return 0


def _no_link(payload: str) -> None:
    """Build no link: no channel has deep links under this config."""
    return None
