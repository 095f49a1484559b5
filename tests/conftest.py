"""Shared fixtures: a config in tmp_path, an injected clock, an opened App, chat drivers
for its Telegram and Zalo channels against the fake servers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.clock import FixedClock
from bot.config import Config, parse_config
from testkit.fake_server import Seconds
from testkit.fake_telegram import FakeTelegram
from testkit.fake_zalo import FakeZalo
from testkit.people import SEEDED_CHATS
from testkit.telegram_harness import TelegramChat, start_channel
from testkit.zalo_harness import ZaloChat, start_zalo

ORGANISER_ID = 9001
DELEGATE_ID = 1001
# 07:30 in Hanoi on the first congress day.
CONGRESS_MORNING = datetime(2026, 8, 11, 0, 30, tzinfo=UTC)


def make_config(tmp_path: Path, **sections: dict[str, Any]) -> Config:
    """Build a validated Config whose database lives in tmp_path."""
    data: dict[str, Any] = {
        "event": {"name": "Đại hội thử nghiệm"},
        "organisers": {"telegram": [ORGANISER_ID]},
    }
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return parse_config(data, file="test.toml", base_dir=tmp_path, env={})


@pytest.fixture
def clock() -> FixedClock:
    """Return a clock set to the morning of the congress."""
    return FixedClock(CONGRESS_MORNING)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a test config with one Telegram organiser."""
    return make_config(tmp_path)


@pytest.fixture
async def app(config: Config, clock: FixedClock) -> AsyncIterator[App]:
    """Return an App on a fresh database; closed after the test."""
    application = await App.open(config, clock=clock)
    try:
        yield application
    finally:
        await application.close()


@contextlib.asynccontextmanager
async def running_fake(seconds: Seconds) -> AsyncIterator[FakeTelegram]:
    """Run a fake Telegram on the clock `seconds`, knowing the chats of the people
    `testkit.people.seed` registers; afterwards, no request may have carried a field the
    Bot API does not have."""
    async with FakeTelegram(clock=seconds) as server:
        server.declare_chats(SEEDED_CHATS)
        yield server
    assert server.unknown_params == [], "fields the Bot API does not have were sent"


@pytest.fixture
async def fake(clock: FixedClock) -> AsyncIterator[FakeTelegram]:
    """Return a running fake Telegram Bot API server on 127.0.0.1, on the test's clock:
    what the delivery worker waits, Telegram's limit per chat sees pass too."""
    async with running_fake(lambda: clock.now().timestamp()) as server:
        yield server


@pytest.fixture
async def tg(app: App, fake: FakeTelegram) -> AsyncIterator[TelegramChat]:
    """Return a chat driver for the app's Telegram channel, polling the fake server."""
    channel = await start_channel(app, fake)
    try:
        yield TelegramChat(fake, channel)
    finally:
        await channel.stop()


@pytest.fixture
async def zalo(app: App) -> AsyncIterator[ZaloChat]:
    """Return a chat driver for the app's Zalo channel, long-polling a fake Zalo server."""
    async with FakeZalo() as server:
        channel = await start_zalo(app, server)
        try:
            yield ZaloChat(server, channel)
        finally:
            await channel.stop()


@pytest.fixture
def cli_config(tmp_path: Path, config: Config) -> Path:
    """Write a TOML config for the command line on the test App's database (modules that
    need more keys define their own)."""
    path = tmp_path / "cli.toml"
    path.write_text(f"[storage]\npath = '{config.database_path}'\n\n[organisers]\n"
                    f"telegram = [{ORGANISER_ID}]\n", encoding="utf-8")
    return path
