"""How the delivery worker lives through failures: back off, one log line each, tell organisers.

The worker never ends while the bot runs. A step that fails (the database locked by an
import, read-only, full, unreadable, or a bug) is one log line, and the next try waits
longer: 1, 2, 4 ... 30 seconds on the worker's clock. After a minute of failing without a
step going through, the organisers are told once, straight through the running channels (the
outbox lives in the database that fails), and told again when delivery works again.
"""

from __future__ import annotations

import logging
import sqlite3
import traceback
from collections.abc import Awaitable, Callable

from bot.clock import Clock, doubling

log = logging.getLogger("bot.delivery")

RETRY_FIRST = 1.0      # seconds before the first retry, doubled after each failure
RETRY_MAX = 30.0       # the longest wait between two tries
ALERT_AFTER = 60.0     # seconds of failing without a break before the organisers are told

Notify = Callable[..., Awaitable[None]]  # (text key, **placeholders)


def describe(exc: BaseException) -> str:
    """Return an exception as one short line: its kind and message, and where a bug was."""
    text = " ".join(str(exc).split()) or "-"
    line = f"{type(exc).__name__}: {text}"
    if isinstance(exc, sqlite3.Error | OSError):
        return line
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        line += f" (at {last.filename.rsplit('/', 1)[-1]}:{last.lineno})"
    return line


class Health:
    """Counts the worker's failures in a row, says how long to wait, and alerts once."""

    def __init__(self, clock: Clock, notify: Notify) -> None:
        self.clock, self.notify = clock, notify
        self.failures = 0                  # failures since the last step that went through
        self.since: float | None = None    # when the first of them happened
        self.alerted = False

    def _now(self) -> float:
        return self.clock.now().timestamp()

    async def failed(self, doing: str, exc: BaseException) -> float:
        """Note one failure: log it on one line, alert after a minute; return the wait."""
        now = self._now()
        if self.since is None:
            self.since = now
        self.failures += 1
        wait = doubling(self.failures, RETRY_FIRST, RETRY_MAX)
        log.warning("delivery: %s failed (%s); trying again in %.0f s (failure %d in a row)",
                    doing, describe(exc), wait, self.failures)
        if not self.alerted and now - self.since >= ALERT_AFTER:
            self.alerted = True
            await self.notify("delivery.stalled", minutes=_minutes(now - self.since),
                              reason=describe(exc))
        return wait

    async def ok(self) -> None:
        """Note a step that went through: log the recovery, tell the organisers if alerted."""
        if self.since is None:
            return
        seconds = self._now() - self.since
        log.info("delivery: working again after %d failures in %.0f s", self.failures, seconds)
        alerted = self.alerted
        self.failures, self.since, self.alerted = 0, None, False
        if alerted:
            await self.notify("delivery.resumed", minutes=_minutes(seconds))


def _minutes(seconds: float) -> int:
    return max(1, round(seconds / 60))
