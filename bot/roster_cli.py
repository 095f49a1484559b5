"""`delegate-bot roster import|export`: the organisers' roster commands on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot import channels
from bot.cli_wording import for_cli
from bot.clock import SystemClock, to_iso
from bot.config import Config
from bot.i18n import Translate
from bot.outfile import check_extension, check_target, writing
from bot.tabular import Problem, TableError, problem_from, read_file
from bot.text import html_to_plain
from handlers.roster import (
    EXPORT_FORMATS,
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


def _translate(config: Config) -> Translate:
    return for_cli(config.event.texts().in_language(config.event.language))


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), transient=True, disable=not sys.stderr.isatty())


async def import_roster(config: Config, path: Path, *, dry_run: bool, prune: bool) -> int:
    """Check a roster file, print the report, and import it unless asked not to.

    The import may create the database (the first step of setting up an event, in a folder
    that exists); a dry run writes nothing, not even a new database.
    """
    t = _translate(config)
    where = config.database_path
    unread: Problem | None = None
    try:
        data: bytes | None = read_file(path)  # a file over the size limit is not read
    except TableError as exc:
        data, unread = None, problem_from(exc)
    db = None
    if data is not None and not (dry_run and not where.exists()):
        db = await Database.open(where, create=not dry_run, make_folder=False)
    try:
        with _progress() as bar:
            task = bar.add_task(html_to_plain(t("roster.cli.reading")), total=None)
            if data is None:
                assert unread is not None
                plan = RosterPlan(path.name, problems=[unread], prune=prune)
            else:
                plan = await plan_from_bytes(db, data, path.name, prune=prune)
            bar.remove_task(task)
            writing = len(plan.added) + len(plan.updated)
            if plan.ok and not dry_run and db is not None:
                task = bar.add_task(html_to_plain(t("roster.cli.writing")), total=writing,
                                    visible=writing >= PROGRESS_FROM_ROWS)
                await apply_plan(db, plan, to_iso(SystemClock().now()),
                                 progress=lambda n: bar.update(task, completed=n), actor="cli")
        state = "dry_run" if dry_run else "done"
        report = html_to_plain(render_plan(t, plan, state=state))
        print(report, file=sys.stdout if plan.ok else sys.stderr)
        return 0 if plan.ok else EXIT_PROBLEMS
    finally:
        if db is not None:
            await db.close()


async def export_roster(config: Config, path: Path, *, separator: str = ";") -> int:
    """Write every delegate with invite code, registration and deep link to a .csv or .xlsx
    file, whole or not at all (refused: another extension, a database not made yet); a CSV
    file's fields are separated by `separator`."""
    kind = check_extension(path, EXPORT_FORMATS)
    check_target(path)
    t = _translate(config)
    db = await Database.open(config.database_path, create=False)
    try:
        deep_link = await channels.deep_linker(config)
        rows = await export_rows(db, t, deep_link or _no_link)
    finally:
        await db.close()
    with writing(path):  # whole or not at all, 0600: an OSError is one line naming the file
        write_export(path, rows, kind, sheet_title=str(t("roster.export.sheet")),
                     separator=separator)
    if deep_link is None:
        print(html_to_plain(t("roster.cli.no_username")), file=sys.stderr)
    print(html_to_plain(t("roster.cli.exported", count=len(rows) - 1, file=str(path))))
    return 0


def _no_link(payload: str) -> None:
    """Build no link: no channel has deep links under this config."""
    return None
