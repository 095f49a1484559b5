"""The demo: a sample event from `examples/` in a database in the user's data folder.

The demo's clock is the real one moved to the congress day: when the database is seeded it
reads 20 minutes before the first session, and from then on it runs with real time, also
while the demo is closed (the offset is kept in the database). A lock-out after wrong codes
ends when it would in reality; `delegate-bot demo --reset` starts again from a new database.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from importlib import resources
from pathlib import Path

import platformdirs

from bot import demo_documents
from bot.app import App
from bot.clock import Clock, ShiftedClock, to_iso
from bot.config import Config, StorageConfig, load_config
from bot.formats.agenda import read_agenda
from bot.formats.invite import group_invite_code
from bot.tabular import read_table
from handlers import agenda_import, results
from handlers.roster import apply_plan, plan_from_table
from storage import agenda, delegates, document_files, meta
from storage import results as results_store

log = logging.getLogger(__name__)

CONSOLE_DELEGATE = "delegate"
CONSOLE_ORGANISER = "organiser"
AGENDA_FILE = "agenda.toml"
RESULT_FILES = ("results-election.csv", "results-resolution.csv")
BEFORE_FIRST_SESSION = timedelta(minutes=20)
CLOCK_KEY = "demo_clock_offset"  # seconds from real time to demo time; marks a demo database
DATABASE_FILE = "demo.sqlite3"
SIDE_FILES = ("-wal", "-shm", "-journal")


class NotADemoDatabase(Exception):
    """`--reset` was asked to delete a file that is not a demo database."""


def examples_dir() -> Path:
    """Return the sample event folder: packaged with the wheel, or the checkout's examples/."""
    packaged = Path(str(resources.files("bot") / "_examples"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "examples"


def default_database() -> Path:
    """Return where the demo keeps its database: the user's data folder."""
    return Path(platformdirs.user_data_dir("delegate-bot")) / DATABASE_FILE


def demo_config(database: Path | None = None) -> Config:
    """Return the demo's config: the sample event, a database in the user's data folder."""
    config = load_config(examples_dir() / "demo.toml", env={})
    path = database or default_database()
    return dataclasses.replace(config, storage=StorageConfig(str(path.resolve())))


def demo_clock(base: Clock | None = None) -> ShiftedClock:
    """Return the demo's clock, on real time (or `base`) until `keep_clock` sets it."""
    return ShiftedClock(timedelta(0), base)


async def keep_clock(app: App, clock: ShiftedClock) -> None:
    """Set the clock to the offset the demo database keeps; a new database gets one that
    puts it shortly before the sample congress's first session, and keeps it."""
    path = examples_dir() / AGENDA_FILE
    sessions = read_agenda(path.read_bytes(), path.name, app.services.config.event.tz).rows
    first = min(s.starts_at for s in sessions)
    fresh = (first - BEFORE_FIRST_SESSION - clock.base.now()).total_seconds()
    kept = await meta.keep_first(app.services.db, CLOCK_KEY, repr(fresh))
    clock.offset = timedelta(seconds=float(kept))


def reset(database: Path | None = None) -> bool:
    """Delete the demo database (and its journal files); return whether there was one.

    A file named with `--database` is deleted only when it is a demo database: the demo's
    own default file always is; any other must carry the demo's mark, so that a mistyped
    path never deletes a congress's data. Raise NotADemoDatabase otherwise.
    """
    path = database or default_database()
    if not path.exists():
        return False
    is_default = path.resolve() == default_database().resolve()
    if not is_default and meta.peek(path, CLOCK_KEY) is None:
        raise NotADemoDatabase(str(path))
    for name in (path, *(path.with_name(path.name + side) for side in SIDE_FILES)):
        name.unlink(missing_ok=True)
    document_files.delete_all(path)
    return True


async def seed(app: App) -> None:
    """Fill an empty demo database from the sample files (a no-op when already seeded)."""
    services = app.services
    services.organisers.setdefault("console", set()).add(CONSOLE_ORGANISER)
    db = services.db
    if not await delegates.all_delegates(db):
        plan = await plan_from_table(db, read_table(examples_dir() / "roster.csv"), prune=False)
        await apply_plan(db, plan, to_iso(services.clock.now()), actor="demo")
        log.info("demo database seeded with %d delegates", len(plan.added))
    if not await agenda.all_sessions(db):
        path = examples_dir() / AGENDA_FILE
        programme = await agenda_import.plan_from_bytes(services, path.read_bytes(), path.name)
        await agenda_import.apply_plan(services, programme, actor="demo", notify=False)
    if not any([await results_store.with_status(db, status)
                for status in ("draft", "published", "discarded")]):
        for name in RESULT_FILES:  # drafts: the organiser publishes them with /results
            path = examples_dir() / name
            await results.import_file(services, path.read_bytes(), path.name, "demo")
    await demo_documents.seed(services, examples_dir())


async def sample_invite_code(app: App) -> str:
    """Return an unregistered delegate's invite code, grouped for reading, for the demo's
    greeting."""
    people = await delegates.unregistered(app.services.db, offset=0, limit=1)
    return group_invite_code(people[0].invite_code) if people else "-"
