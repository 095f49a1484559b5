"""Direct replies that survive a 429, a 5xx or a timeout: bounded retries, one line on giving up.

A reply to the person who just wrote goes out at once, not through the outbox; one refused
send must not lose it. A channel wraps each send of a reply in `Retrier.run` with its own
`classify` (which platform errors are worth another try): a 429 waits the `retry_after`
the platform asked for (up to `RetryPolicy.longest_wait`), a 5xx or a timeout waits a
doubling back-off; after `RetryPolicy.attempts` tries in all, one warning line is logged and
`GaveUp` is raised (or the channel's own error type marked with it, from `give_up`), so
the channel's error handler knows the line is already logged. Waits go through
`Retrier.sleep`, which tests replace.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

RETRY_AFTER = "retry_after"  # the platform said how long to wait
TRANSIENT = "transient"  # a 5xx or a timeout: wait the back-off


@dataclass(frozen=True)
class Verdict:
    """Why a failed send may be tried again, and the wait the platform asked for (429)."""

    kind: str
    wait: float = 0.0
    reason: str = ""


Classify = Callable[[BaseException], Verdict | None]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a reply is retried: tries in all, the back-off, the longest 429 wait."""

    attempts: int = 4
    first_backoff: float = 1.0
    max_backoff: float = 8.0
    longest_wait: float = 60.0  # a 429 asking for longer is not waited for

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.first_backoff < 0 or self.max_backoff < 0:
            raise ValueError("a retry policy needs at least one try and no negative wait")


class GaveUp(Exception):
    """A send given up after its retries; the line saying so is already logged."""


def _gave_up(exc: BaseException) -> BaseException:
    return GaveUp(str(exc) or type(exc).__name__)


class Retrier:
    """Runs one send at a time with the policy's retries (see the module's docstring)."""

    def __init__(self, classify: Classify, policy: RetryPolicy | None = None, *,
                 sleep: Sleep = asyncio.sleep,
                 give_up: Callable[[BaseException], BaseException] = _gave_up) -> None:
        self.classify = classify
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.give_up = give_up

    async def run(self, call: Callable[[], Awaitable[T]], what: str) -> T:
        """Return what `call` returns, trying again on what `classify` finds worth it."""
        policy = self.policy
        backoff = policy.first_backoff
        attempt = 1
        while True:
            try:
                return await call()
            except Exception as exc:
                verdict = self.classify(exc)
                if verdict is None:
                    raise
                wait = verdict.wait
                if verdict.kind == TRANSIENT:
                    wait, backoff = backoff, min(policy.max_backoff, backoff * 2)
                if attempt >= policy.attempts or wait > policy.longest_wait:
                    log.warning("gave up %s after %d tries: %s", what, attempt,
                                verdict.reason or type(exc).__name__)
                    raise self.give_up(exc) from exc
                log.debug("retrying %s in %.1f s: %s", what, wait, verdict.reason)
                await self.sleep(wait)
                attempt += 1
