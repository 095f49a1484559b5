"""The delivery worker: sends the outbox at each platform's rate, retries, and reports.

Rows are claimed in small batches (about one second's worth), sent paced by a token bucket
per platform and at most one message per `per_chat_interval` to one chat, and their outcomes
written back in one transaction per batch. A 429 pauses the platform for `retry_after`; a
timeout or server error is retried with bounded exponential backoff, then marked failed; a
403 marks the chat blocked; a 400 fails at once. After a crash, rows left 'sending' go back
to pending: only those (at most one batch) can reach a recipient twice.

Each broadcast's organiser gets a live report message, edited as counts change (at most
every `report_interval` seconds), then a final summary. The organiser's chat also gets the
bot's direct replies, and a platform takes about one message a second to one chat: a report
message answered 429 waits as long as asked (a `Retrier`, up to `REPORT_RETRY`), then goes.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bot.channels import text_limit
from bot.channels.retry import RETRY_AFTER, Retrier, RetryPolicy, Verdict
from bot.clock import Clock, from_iso, to_iso
from bot.config import DeliveryConfig
from bot.i18n import Translator
from bot.text import split_html
from storage import audit, broadcasts, outbox, users
from storage.db import Database
from storage.outbox import Claimed, NewMessage, Outcome

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
MAX_BATCH = 200
IDLE_SECONDS = 5.0  # how soon rows queued by another process (the CLI) go out
# A report message waits out the organiser's chat's 429s (it also gets the bot's replies).
REPORT_RETRY = RetryPolicy(attempts=4, longest_wait=30.0)


def messages_for(key: str, platform: str, chat_id: str, text: str, *,
                 delegate_id: int | None = None,
                 broadcast_id: int | None = None) -> list[NewMessage]:
    """Return the outbox rows for one recipient: the text split at the platform's limit
    (as its channel declares it).

    Parts are separate rows (keys `key`, `key#2`, ...) so a retry never resends a part that
    already went out; the per-chat interval keeps them in order.
    """
    parts = split_html(text, text_limit(platform))
    return [NewMessage(key if i == 0 else f"{key}#{i + 1}", platform, chat_id, part,
                       delegate_id, broadcast_id) for i, part in enumerate(parts)]


class DeliveryError(Exception):
    """A send that did not go through, classified for the worker."""

    RETRY_AFTER = "retry_after"   # the platform asks us to slow down
    TRANSIENT = "transient"       # timeout or server error: try again later
    BLOCKED = "blocked"           # the person blocked the bot
    REJECTED = "rejected"         # the platform refused this message: do not retry

    def __init__(self, kind: str, reason: str, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.kind, self.reason, self.retry_after = kind, reason, retry_after


def _report_verdict(exc: BaseException) -> Verdict | None:
    """A report message is tried again after a 429 only (other failures are logged)."""
    if isinstance(exc, DeliveryError) and exc.kind == DeliveryError.RETRY_AFTER:
        return Verdict(RETRY_AFTER, exc.retry_after, exc.reason)
    return None


def _report_gave_up(exc: BaseException) -> BaseException:
    return DeliveryError(DeliveryError.RETRY_AFTER, str(exc))


class Transport(Protocol):
    """What a channel offers the worker: send and edit, raising DeliveryError."""

    platform: str

    async def deliver(self, chat_id: str, text: str) -> str:
        """Send HTML text within the platform's limit; return the message id."""
        ...

    async def edit(self, chat_id: str, message_id: str, text: str) -> None:
        """Replace the text of a message the bot sent."""
        ...


@dataclass
class _Report:
    last: float = float("-inf")
    shown: dict[str, int] = field(default_factory=dict)


class DeliveryWorker:
    """Sends what is due in the outbox until told to stop."""

    def __init__(self, db: Database, clock: Clock, settings: DeliveryConfig,
                 texts: Translator, *, sleep: Sleep = asyncio.sleep,
                 concurrency: int | None = None) -> None:
        self.db, self.clock, self.settings, self.texts = db, clock, settings, texts
        self.sleep = sleep
        self.transports: dict[str, Transport] = {}
        self.rates: dict[str, float] = {}
        self._next_slot: dict[str, float] = {}
        self._paused_until: dict[str, float] = {}
        self._last_to_chat: dict[tuple[str, str], float] = {}
        self._reports: dict[int, _Report] = {}
        self._touched: set[int] = set()  # other broadcasts whose rows a step changed
        self._wake = asyncio.Event()
        self._limit = asyncio.Semaphore(concurrency or settings.connections)
        self._report_retrier = Retrier(_report_verdict, REPORT_RETRY, give_up=_report_gave_up,
                                       sleep=lambda seconds: self.sleep(seconds))

    def add_transport(self, transport: Transport, rate: float) -> None:
        """Let the worker send on a platform at `rate` messages per second."""
        self.transports[transport.platform] = transport
        self.rates[transport.platform] = rate

    def wake(self) -> None:
        """Tell the worker new rows are due (after an enqueue)."""
        self._wake.set()

    @property
    def batch(self) -> int:
        """Return how many rows one step claims: about one second's worth."""
        fastest = max(self.rates.values(), default=1.0)
        return max(1, min(MAX_BATCH, int(fastest)))

    def _now(self) -> float:
        return self.clock.now().timestamp()

    async def recover(self) -> int:
        """Put rows a crash left in 'sending' back to pending; return how many."""
        count = await outbox.release_in_flight(self.db)
        if count:
            log.warning("%d outbox messages were in flight at the last stop; sending again",
                        count)
        return count

    async def run(self, stop: asyncio.Event) -> None:
        """Send what is due until `stop` is set."""
        await self.recover()
        while not stop.is_set():
            try:
                if await self.step():
                    continue
                wait = await self._idle_seconds()
            except Exception:
                log.exception("delivery step failed")
                wait = 5.0
            self._wake.clear()
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            _, pending = await asyncio.wait(waiters, timeout=wait,
                                            return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()

    async def _idle_seconds(self) -> float:
        due = await outbox.next_due(self.db)
        if due is None:
            return IDLE_SECONDS
        return min(IDLE_SECONDS, max(0.05, from_iso(due).timestamp() - self._now()))

    async def drain(self, *, max_steps: int = 100_000) -> None:
        """Step until nothing is pending, sleeping (injected) until retries fall due."""
        for _ in range(max_steps):
            if await self.step():
                continue
            due = await outbox.next_due(self.db)
            if due is None:
                return
            await self.sleep(max(0.0, from_iso(due).timestamp() - self._now()))
        raise RuntimeError("outbox did not drain")

    async def step(self) -> int:
        """Claim one batch of due rows, send them, record the outcomes; return how many it
        tried to send (0 when every row had to wait: a paused platform, a busy chat)."""
        claimed = await outbox.claim_due(self.db, to_iso(self.clock.now()), self.batch)
        if not claimed:
            return 0
        tasks: list[asyncio.Task[Outcome]] = []
        outcomes: list[Outcome] = []
        for row in claimed:
            held = self._hold(row)
            if held is not None:
                outcomes.append(held)
                continue
            await self._pace(row.platform)
            held = self._hold(row)  # a 429 may have paused the platform meanwhile
            if held is not None:
                outcomes.append(held)
                continue
            self._last_to_chat[row.platform, row.chat_id] = self._now()
            await self._limit.acquire()
            tasks.append(asyncio.create_task(self._send(row)))
        outcomes += await asyncio.gather(*tasks)
        await outbox.record(self.db, outcomes)
        touched, self._touched = self._touched, set()
        await self._report(touched | {row.broadcast_id for row in claimed if row.broadcast_id})
        return len(tasks)

    def _hold(self, row: Claimed) -> Outcome | None:
        """Return a 'later' outcome when the platform is paused or the chat was just sent to."""
        now = self._now()
        if row.platform not in self.transports:
            return Outcome(row.id, "failed", to_iso(self.clock.now()),
                           error=f"no {row.platform} channel is running")
        until = max(self._paused_until.get(row.platform, 0.0),
                    self._last_to_chat.get((row.platform, row.chat_id), float("-inf"))
                    + self.settings.per_chat_interval)
        if until <= now:
            return None
        return Outcome(row.id, "pending", to_iso(self.clock.now()),
                       next_attempt_at=_iso(until), count_attempt=False)

    async def _pace(self, platform: str) -> None:
        slot = max(self._next_slot.get(platform, 0.0), self._now())
        self._next_slot[platform] = slot + 1.0 / self.rates[platform]
        delay = slot - self._now()
        if delay > 0:
            await self.sleep(delay)

    async def _send(self, row: Claimed) -> Outcome:
        try:
            await self.transports[row.platform].deliver(row.chat_id, row.text)
        except DeliveryError as exc:
            return await self._failed(row, exc)
        except Exception as exc:  # a bug, not the platform: keep the row, do not loop on it
            log.exception("sending outbox row %s failed unexpectedly", row.id)
            return await self._failed(row, DeliveryError(DeliveryError.TRANSIENT, repr(exc)))
        finally:
            self._limit.release()
        return Outcome(row.id, "sent", to_iso(self.clock.now()))

    async def _failed(self, row: Claimed, exc: DeliveryError) -> Outcome:
        now = self._now()
        stamp = to_iso(self.clock.now())
        if exc.kind == DeliveryError.RETRY_AFTER:
            until = now + max(exc.retry_after, 0.001)
            self._paused_until[row.platform] = max(self._paused_until.get(row.platform, 0.0),
                                                   until)
            log.warning("%s asked to slow down for %.1f s", row.platform, exc.retry_after)
            return Outcome(row.id, "pending", stamp, next_attempt_at=_iso(until),
                           error=exc.reason, count_attempt=False)
        if exc.kind == DeliveryError.BLOCKED:
            await users.mark_blocked(self.db, row.platform, row.chat_id, stamp)
            self._touched |= await outbox.block_chat(self.db, row.platform, row.chat_id,
                                                     exc.reason)
            return Outcome(row.id, "blocked", stamp, error=exc.reason)
        if exc.kind == DeliveryError.TRANSIENT and row.attempts + 1 < self.settings.max_attempts:
            delay = min(self.settings.backoff_max_seconds,
                        self.settings.backoff_seconds * 2 ** row.attempts)
            return Outcome(row.id, "pending", stamp, next_attempt_at=_iso(now + delay),
                           error=exc.reason)
        return Outcome(row.id, "failed", stamp, error=exc.reason)

    async def _report(self, broadcast_ids: set[int]) -> None:
        for broadcast_id in sorted(broadcast_ids):
            try:
                await self._report_one(broadcast_id)
            except Exception:
                log.exception("delivery report for broadcast %s failed", broadcast_id)

    async def _report_one(self, broadcast_id: int) -> None:
        counts = await outbox.counts(self.db, broadcast_id)
        finished = counts["pending"] + counts["sending"] == 0
        state = self._reports.setdefault(broadcast_id, _Report())
        now = self._now()
        if not finished and now - state.last < self.settings.report_interval:
            return
        if counts == state.shown:
            return
        state.last, state.shown = now, counts
        item = await broadcasts.get(self.db, broadcast_id)
        if item is None:
            return
        if finished and await broadcasts.set_status(
            self.db, broadcast_id, "done", expect="queued", column="finished_at",
            now=to_iso(self.clock.now()),
        ):
            await audit.record(self.db, actor="bot", action="broadcast.finished",
                               details={"broadcast": broadcast_id, **counts},
                               now=to_iso(self.clock.now()))
            self._reports.pop(broadcast_id, None)
        await self._show(item, counts, finished)

    async def _show(self, item: broadcasts.Broadcast, counts: dict[str, int],
                    finished: bool) -> None:
        transport = self.transports.get(item.report_platform or "")
        if transport is None or item.report_chat_id is None:
            return
        total = sum(counts.values())
        text = self.texts.t(item.report_language, "delivery.report", id=item.id, total=total,
                            sent=counts["sent"], failed=counts["failed"],
                            blocked=counts["blocked"],
                            pending=counts["pending"] + counts["sending"])
        platform, chat_id = transport.platform, item.report_chat_id
        try:  # report messages count against the platform's rate
            await self._pace(platform)
            if item.report_message_id is None:
                message_id = await self._report_retrier.run(
                    lambda: transport.deliver(chat_id, text), "a delivery report")
                await broadcasts.set_report_message(self.db, item.id, message_id)
            else:
                await transport.edit(chat_id, item.report_message_id, text)
            if finished:
                summary = self.texts.t(item.report_language, "delivery.finished", id=item.id,
                                       total=total, sent=counts["sent"],
                                       failed=counts["failed"], blocked=counts["blocked"])
                await self._pace(platform)
                await self._report_retrier.run(lambda: transport.deliver(chat_id, summary),
                                               "a delivery summary")
        except DeliveryError as exc:
            log.warning("could not update the report of broadcast %s: %s", item.id, exc.reason)


def _iso(timestamp: float) -> str:
    """Format a due time, rounded up to the stored millisecond so it is never early."""
    return to_iso(datetime.fromtimestamp(math.ceil(timestamp * 1000) / 1000, UTC))
