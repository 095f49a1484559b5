"""Run the delivery worker on a test's injected clock: it sleeps by moving the clock, so a
broadcast that takes minutes of pacing, retries and pauses takes no real time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import App
from bot.clock import FixedClock


def on_injected_time(app: App, clock: FixedClock) -> None:
    """Make the worker sleep on `clock`: yield to the loop, then move the clock (a send
    started just before a pause is noted at the time it was paced for)."""
    async def fake_sleep(seconds: float) -> None:
        await asyncio.sleep(0)
        clock.advance(timedelta(seconds=seconds))

    app.delivery.sleep = fake_sleep


async def drain(app: App, clock: FixedClock) -> None:
    """Run the delivery worker until the outbox is empty, sleeping on the injected clock."""
    on_injected_time(app, clock)
    await app.delivery.drain()
