"""The demo: a sample event from `examples/` in a database in the user's data folder."""

from __future__ import annotations

import dataclasses
import logging
from importlib import resources
from pathlib import Path

import platformdirs

from bot.app import App
from bot.config import Config, StorageConfig, load_config

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
