"""The delivery worker: sends the outbox at each platform's rate, retries, and reports.

Rows are claimed in small batches (about one second's worth) and sent paced by a token bucket
per platform and at most one message per `per_chat_interval` to one chat, at most
`[delivery] connections` at a time. Each outcome is written back as soon as its answer
arrives (the answers that arrive meanwhile share the commit), and a send keeps its connection
until its outcome is written: so a crash or SIGKILL can send again only the messages whose
outcome was not written yet, at most `connections` of them. A 429 pauses the platform for
`retry_after`; a timeout or server error is retried with bounded exponential backoff, then
marked failed; a 403 marks the chat blocked; a 400 fails at once. After a crash, rows left
'sending' go back to pending.

When the outcomes cannot be written (the database locked by an import, full, read-only),
they stay in memory and the write is tried again at each step; meanwhile rows this process
sent do not hold back their chat's next message. The worker never ends while the bot runs:
a failing step is logged on one line and tried again later (`bot.delivery_health`), and
after a minute the organisers are told.

Each broadcast's organiser gets a live report message, edited as counts change (at most
every `report_interval` seconds), then a final summary (`bot.delivery_report`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot.channels import text_limit
from bot.clock import Clock, doubling, from_iso, to_iso
from bot.config import DeliveryConfig
from bot.delivery_health import Health, describe
from bot.delivery_ledger import Ledger
from bot.delivery_report import Reporter
from bot.i18n import Translator
from bot.text import split_html
from bot.transport import DeliveryError, Transport
from storage import outbox, users
from storage.db import Database
from storage.outbox import Claimed, NewMessage, Outcome

__all__ = ["DeliveryError", "DeliveryWorker", "Transport", "messages_for"]

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
MAX_BATCH = 200
IDLE_SECONDS = 5.0  # how soon rows queued by another process (the CLI) go out


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


class DeliveryWorker:
    """Sends what is due in the outbox until told to stop."""

    # Write each outcome as soon as its answer arrives. False: once per batch, after every
    # send of the batch came back (the behaviour before; kept for bench/crash.py's baseline).
    record_each = True

    def __init__(self, db: Database, clock: Clock, settings: DeliveryConfig,
                 texts: Translator, *, sleep: Sleep = asyncio.sleep,
                 concurrency: int | None = None,
                 organisers: dict[str, set[str]] | None = None) -> None:
        self.db, self.clock, self.settings, self.texts = db, clock, settings, texts
        self.sleep = sleep
        self.pause: Sleep | None = None  # the waits after a failed step (else `sleep`)
        self.organisers = organisers or {}
        self.transports: dict[str, Transport] = {}
        self.rates: dict[str, float] = {}
        self.health = Health(clock, self._tell_organisers)
        self._next_slot: dict[str, float] = {}
        self._paused_until: dict[str, float] = {}
        self._last_to_chat: dict[tuple[str, str], float] = {}
        self._wake = asyncio.Event()
        self._limit = asyncio.Semaphore(concurrency or settings.connections)
        self.ledger = Ledger(db)
        self.reporter = Reporter(db, clock, settings, texts, self.transports, self._pace,
                                 sleep=lambda seconds: self.sleep(seconds))
        self._doing = "starting"

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
        """Send what is due until `stop` is set; a failing step is retried, never the end."""
        recovered = False
        while not stop.is_set():
            try:
                if not recovered:
                    self._doing = "putting back the messages in flight at the last stop"
                    await self.recover()
                    recovered = True
                sent = await self.step()
                wait = 0.0 if sent else await self._idle_seconds()
            except Exception as exc:
                await self._pause(await self.health.failed(self._doing, exc), stop)
                continue
            await self.health.ok()
            if sent:
                continue
            self._wake.clear()
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            _, pending = await asyncio.wait(waiters, timeout=wait,
                                            return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
        await self._record_before_stop()

    async def _pause(self, seconds: float, stop: asyncio.Event) -> None:
        """Wait (`pause`, else `sleep`: injected) for `seconds`, less if `stop` is set."""
        pause = self.pause or self.sleep
        waiters = {asyncio.ensure_future(pause(seconds)), asyncio.ensure_future(stop.wait())}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waiters:
                task.cancel()

    async def _record_before_stop(self) -> None:
        if not self.ledger.waiting:
            return
        try:
            await self.ledger.write()
        except Exception as exc:
            log.warning("delivery: %d outcomes could not be written (%s); those messages will"
                        " go out again at the next start", len(self.ledger), describe(exc))

    async def _idle_seconds(self) -> float:
        self._doing = "looking for due messages"
        due = await outbox.next_due(self.db, done=self.ledger.done())
        if due is None:
            return IDLE_SECONDS
        return min(IDLE_SECONDS, max(0.05, from_iso(due).timestamp() - self._now()))

    async def drain(self, *, max_steps: int = 100_000) -> None:
        """Step until nothing is pending, sleeping (injected) until retries fall due."""
        for _ in range(max_steps):
            if await self.step():
                continue
            due = await outbox.next_due(self.db, done=self.ledger.done())
            if due is None:
                return
            await self.sleep(max(0.0, from_iso(due).timestamp() - self._now()))
        raise RuntimeError("outbox did not drain")

    async def step(self) -> int:
        """Claim one batch of due rows, send them, record the outcomes; return how many it
        tried to send (0 when every row had to wait: a paused platform, a busy chat).

        Raises when claiming or writing the outcomes fails; outcomes not written stay in
        memory and are written by a later step.
        """
        self._doing = "claiming due messages"
        claimed = await outbox.claim_due(self.db, to_iso(self.clock.now()), self.batch,
                                         done=self.ledger.done())
        tasks: list[asyncio.Task[None]] = []
        for row in claimed:
            held = self._hold(row)
            if held is None:
                await self._pace(row.platform)
                held = self._hold(row)  # a 429 may have paused the platform meanwhile
            if held is not None:
                self.ledger.add(held, row.broadcast_id)
                continue
            self._last_to_chat[row.platform, row.chat_id] = self._now()
            await self._limit.acquire()
            tasks.append(asyncio.create_task(self._send(row)))
        await asyncio.gather(*tasks)
        self._doing = "writing the outcomes of sent messages"
        if self.ledger.waiting:
            await self.ledger.write()
        await self.reporter.report(self.ledger.take_touched()
                                   | {row.broadcast_id for row in claimed if row.broadcast_id})
        return len(tasks)

    def _hold(self, row: Claimed) -> Outcome | None:
        """Return a 'later' outcome when the platform is paused or the chat was just sent to
        (a 'blocked' one when the chat blocked the bot and that is not written yet)."""
        now, stamp = self._now(), to_iso(self.clock.now())
        if row.platform not in self.transports:
            return Outcome(row.id, "failed", stamp, error=f"no {row.platform} channel is running")
        blocked = self.ledger.blocked(row.platform, row.chat_id)
        if blocked is not None:
            return Outcome(row.id, "blocked", stamp, error=blocked, count_attempt=False)
        until = max(self._paused_until.get(row.platform, 0.0),
                    self._last_to_chat.get((row.platform, row.chat_id), float("-inf"))
                    + self.settings.per_chat_interval)
        if until <= now:
            return None
        return Outcome(row.id, "pending", stamp, next_attempt_at=_iso(until), count_attempt=False)

    async def _pace(self, platform: str) -> None:
        slot = max(self._next_slot.get(platform, 0.0), self._now())
        self._next_slot[platform] = slot + 1.0 / self.rates[platform]
        delay = slot - self._now()
        if delay > 0:
            await self.sleep(delay)

    async def _send(self, row: Claimed) -> None:
        """Send one row and write its outcome before giving its connection back."""
        try:
            self.ledger.add(await self._attempt(row), row.broadcast_id)
            if self.record_each:
                with contextlib.suppress(Exception):  # kept in memory; the step tries again
                    await self.ledger.write(unless_failing=True)
        finally:
            self._limit.release()

    async def _attempt(self, row: Claimed) -> Outcome:
        try:
            await self.transports[row.platform].deliver(row.chat_id, row.text)
        except DeliveryError as exc:
            return self._failed(row, exc)
        except Exception as exc:  # a bug, not the platform: keep the row, do not loop on it
            log.warning("delivery: sending outbox row %s failed unexpectedly (%s)", row.id,
                        describe(exc))
            return self._failed(row, DeliveryError(DeliveryError.TRANSIENT, repr(exc)))
        return Outcome(row.id, "sent", to_iso(self.clock.now()))

    def _failed(self, row: Claimed, exc: DeliveryError) -> Outcome:
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
            self.ledger.block(row.platform, row.chat_id, exc.reason, stamp)
            return Outcome(row.id, "blocked", stamp, error=exc.reason)
        if exc.kind == DeliveryError.TRANSIENT and row.attempts + 1 < self.settings.max_attempts:
            delay = doubling(row.attempts + 1, self.settings.backoff_seconds,
                             self.settings.backoff_max_seconds)
            return Outcome(row.id, "pending", stamp, next_attempt_at=_iso(now + delay),
                           error=exc.reason)
        return Outcome(row.id, "failed", stamp, error=exc.reason)

    async def _tell_organisers(self, key: str, **params: object) -> None:
        """Send a text straight to every organiser on every running channel (not through the
        outbox: this is for when the database fails), each in their language if it can be
        read, else the event's."""
        for platform, chats in sorted(self.organisers.items()):
            for chat_id in sorted(chats) if platform in self.transports else ():
                try:
                    account = await users.get(self.db, platform, chat_id)
                except Exception:
                    account = None
                text = self.texts.t(account.language if account else None, key, **params)
                try:
                    await self.reporter.send(self.transports[platform], chat_id, text,
                                             "a delivery notice to an organiser")
                except Exception as exc:
                    log.warning("delivery: could not tell a %s organiser (%s)", platform,
                                describe(exc))

def _iso(timestamp: float) -> str:
    """Format a due time, rounded up to the stored millisecond so it is never early."""
    return to_iso(datetime.fromtimestamp(math.ceil(timestamp * 1000) / 1000, UTC))
