"""The demo: a sample event from `examples/` in a database in the user's data folder."""

from __future__ import annotations

import dataclasses
import logging
from importlib import resources
from pathlib import Path

import platformdirs

from bot.app import App
from bot.clock import to_iso
from bot.config import Config, StorageConfig, load_config
from bot.tabular import read_table
from handlers.roster import apply_plan, plan_from_table
from storage import delegates

log = logging.getLogger(__name__)

CONSOLE_DELEGATE = "delegate"
CONSOLE_ORGANISER = "organiser"


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


async def seed(app: App) -> None:
    """Fill an empty demo database from the sample files (a no-op when already seeded)."""
    app.services.organisers.setdefault("console", set()).add(CONSOLE_ORGANISER)
    db = app.services.db
    if await delegates.all_delegates(db):
        return
    plan = await plan_from_table(db, read_table(examples_dir() / "roster.csv"), prune=False)
    await apply_plan(db, plan, to_iso(app.services.clock.now()))
    log.info("demo database seeded with %d delegates", len(plan.added))


async def sample_invite_code(app: App) -> str:
    """Return an unregistered delegate's invite code, for the demo's greeting."""
    people = await delegates.unregistered(app.services.db, offset=0, limit=1)
    return people[0].invite_code if people else "-"
