"""The demo: a sample event from `examples/` in a database in the user's data folder."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import platformdirs

from bot.app import App
from bot.clock import ShiftedClock, to_iso
from bot.config import Config, StorageConfig, load_config
from bot.formats.agenda import read_agenda
from bot.tabular import read_table
from handlers import agenda_import, results
from handlers.roster import apply_plan, plan_from_table
from storage import agenda, delegates
from storage import results as results_store

log = logging.getLogger(__name__)

CONSOLE_DELEGATE = "delegate"
CONSOLE_ORGANISER = "organiser"
AGENDA_FILE = "agenda.toml"
RESULT_FILES = ("results-election.csv", "results-resolution.csv")
BEFORE_FIRST_SESSION = timedelta(minutes=20)


def examples_dir() -> Path:
    """Return the sample event folder: packaged with the wheel, or the checkout's examples/."""
    packaged = Path(str(resources.files("bot") / "_examples"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "examples"


def demo_config(database: Path | None = None) -> Config:
    """Return the demo's config: the sample event, a database in the user's data folder."""
    config = load_config(examples_dir() / "demo.toml", env={})
    path = database or Path(platformdirs.user_data_dir("delegate-bot")) / "demo.sqlite3"
    return dataclasses.replace(config, storage=StorageConfig(str(path.resolve())))


def demo_clock(config: Config) -> ShiftedClock:
    """Return a clock that runs from shortly before the sample congress's first session."""
    path = examples_dir() / AGENDA_FILE
    sessions = read_agenda(path.read_bytes(), path.name, config.event.tz).rows
    first = min(s.starts_at for s in sessions)
    return ShiftedClock(first - BEFORE_FIRST_SESSION - datetime.now(UTC))


async def seed(app: App) -> None:
    """Fill an empty demo database from the sample files (a no-op when already seeded)."""
    services = app.services
    services.organisers.setdefault("console", set()).add(CONSOLE_ORGANISER)
    db = services.db
    if not await delegates.all_delegates(db):
        plan = await plan_from_table(db, read_table(examples_dir() / "roster.csv"), prune=False)
        await apply_plan(db, plan, to_iso(services.clock.now()))
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


async def sample_invite_code(app: App) -> str:
    """Return an unregistered delegate's invite code, for the demo's greeting."""
    people = await delegates.unregistered(app.services.db, offset=0, limit=1)
    return people[0].invite_code if people else "-"
