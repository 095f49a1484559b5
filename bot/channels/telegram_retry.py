"""The Telegram channel's rate limiter: every reply, edit and button answer is retried.

python-telegram-bot hands every request of the application's bot (all but `getUpdates`) to
its `BaseRateLimiter`; this one sends at once and, for the methods that answer a person
(`REPLY_METHODS`), retries through a `Retrier`: a 429 (`RetryAfter`) waits the
`retry_after` Telegram asked for, a 5xx or a timeout (`NetworkError`, not `BadRequest`)
backs off, bounded. Start-up calls (getMe, setMyCommands, webhooks) are left to their
callers. The outbox's own bot has no limiter: the delivery worker retries and paces it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.channels.retry import RETRY_AFTER, TRANSIENT, GaveUp, Retrier, RetryPolicy, Verdict

REPLY_METHODS = frozenset({
    "sendMessage", "sendDocument", "sendPhoto", "sendChatAction", "editMessageText",
    "editMessageReplyMarkup", "answerCallbackQuery", "getFile",
})

Answer = bool | dict[str, Any] | list[dict[str, Any]]


class TelegramGaveUp(NetworkError, GaveUp):
    """A Telegram request given up after its retries (already logged in one line)."""


def classify(exc: BaseException) -> Verdict | None:
    """Return how a failed Telegram request may be retried; None when it may not."""
    if isinstance(exc, RetryAfter):
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return Verdict(RETRY_AFTER, seconds, exc.message)
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest | GaveUp):
        return Verdict(TRANSIENT, reason=exc.message or type(exc).__name__)
    return None


def _give_up(exc: BaseException) -> BaseException:
    return TelegramGaveUp(getattr(exc, "message", "") or type(exc).__name__)


class RetryingLimiter(BaseRateLimiter[None]):
    """Retries what answers a person (see the module's docstring); `retrier.sleep` waits."""

    def __init__(self, policy: RetryPolicy | None = None) -> None:
        self.retrier = Retrier(classify, policy, give_up=_give_up)

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self, callback: Callable[..., Coroutine[Any, Any, Answer]], args: Any,
        kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
        rate_limit_args: None,
    ) -> Answer:
        """Make the request; retry it when it answers a person and failed for a while."""
        if endpoint not in REPLY_METHODS:
            return await callback(*args, **kwargs)
        return await self.retrier.run(lambda: callback(*args, **kwargs), f"telegram {endpoint}")
