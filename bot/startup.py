"""Start the channels, waiting out a platform that cannot be reached yet.

A token the platform rejects ends the start at once (`TokenRejected`: no retry helps). A
platform that cannot be reached (no network, no answer in time, a 5xx or a 429) is tried
again and again, one log line per attempt, after a pause that doubles from `FIRST_PAUSE`
up to `LONGEST_PAUSE` seconds (or the platform's `retry_after`), until it answers or the
bot is asked to stop. The pause is `sleep`, injected by tests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.channels.base import Channel, PlatformUnreachable
from bot.clock import doubling

log = logging.getLogger(__name__)

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 60.0
Sleep = Callable[[float], Awaitable[None]]


def pauses(first: float = FIRST_PAUSE, longest: float = LONGEST_PAUSE) -> Callable[[int], float]:
    """Return the pause after the n-th failed attempt (n from 1): doubling, bounded."""
    return lambda attempt: doubling(attempt, first, longest)


async def start_channel(channel: Channel, stop: asyncio.Event, sleep: Sleep,
                        pause: Callable[[int], float] | None = None) -> bool:
    """Start one channel, trying again while its platform cannot be reached.

    Return True once started, False if `stop` was set first (the channel is then stopped).
    TokenRejected and any other error propagate, after the channel is stopped.
    """
    pause = pause or pauses()
    attempt = 0
    while not stop.is_set():
        attempt += 1
        try:
            await channel.start()
            if attempt > 1:
                log.info("%s: connected after %d attempts", channel.platform, attempt)
            return True
        except PlatformUnreachable as exc:
            wait = max(pause(attempt), exc.retry_after)
            log.warning("%s: cannot reach the platform (%s), attempt %d; trying again in "
                        "%.0f s", channel.platform, exc.reason, attempt, wait)
            await channel.stop()  # close what it opened before failing
        except BaseException:
            await channel.stop()
            raise
        await _pause(wait, stop, sleep)
    return False


async def _pause(seconds: float, stop: asyncio.Event, sleep: Sleep) -> None:
    """Wait `seconds` (through `sleep`), or less if `stop` is set meanwhile."""
    napping = asyncio.ensure_future(sleep(seconds))
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({napping, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (napping, stopping):
            task.cancel()
        await asyncio.gather(napping, stopping, return_exceptions=True)


async def start_all(channels: Sequence[Channel], stop: asyncio.Event, sleep: Sleep,
                    started: list[Channel], pause: Callable[[int], float] | None = None) -> None:
    """Start every channel in order, adding each to `started` (the caller stops those);
    return early if `stop` is set first."""
    for channel in channels:
        if not await start_channel(channel, stop, sleep, pause):
            return
        started.append(channel)
        log.info("%s channel started", channel.platform)
