"""The organiser's live report of a broadcast: one message, edited as counts change.

The report is edited at most every `report_interval` seconds while the broadcast runs; when
nothing is pending any more the broadcast is marked done (audited) and a final summary is
sent. A report that fails (the database busy, the platform refusing) is logged on one line
and tried again at the worker's next step. Report messages count against the platform's rate.
The organiser's chat also gets the bot's direct replies, and a platform takes about one
message a second to one chat: a report message answered 429 waits as long as asked (a
`Retrier`, up to `REPORT_RETRY`), then goes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.channels.retry import RETRY_AFTER, Retrier, RetryPolicy, Verdict
from bot.clock import Clock, to_iso
from bot.config import DeliveryConfig
from bot.delivery_health import describe
from bot.i18n import Translator
from bot.transport import DeliveryError, Transport
from storage import audit, broadcasts, outbox
from storage.db import Database

log = logging.getLogger("bot.delivery")

Pace = Callable[[str], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]
# A report message waits out the organiser's chat's 429s (it also gets the bot's replies).
REPORT_RETRY = RetryPolicy(attempts=4, longest_wait=30.0)


def _report_verdict(exc: BaseException) -> Verdict | None:
    """A report message is tried again after a 429 only (other failures are logged)."""
    if isinstance(exc, DeliveryError) and exc.kind == DeliveryError.RETRY_AFTER:
        return Verdict(RETRY_AFTER, exc.retry_after, exc.reason)
    return None


def _report_gave_up(exc: BaseException) -> BaseException:
    return DeliveryError(DeliveryError.RETRY_AFTER, str(exc))


@dataclass
class _Report:
    last: float = float("-inf")
    shown: dict[str, int] = field(default_factory=dict)


class Reporter:
    """Keeps each running broadcast's report up to date."""

    def __init__(self, db: Database, clock: Clock, settings: DeliveryConfig, texts: Translator,
                 transports: dict[str, Transport], pace: Pace, *, sleep: Sleep) -> None:
        self.db, self.clock, self.settings, self.texts = db, clock, settings, texts
        self.transports, self._pace = transports, pace
        self._retrier = Retrier(_report_verdict, REPORT_RETRY, give_up=_report_gave_up,
                                sleep=sleep)
        self._states: dict[int, _Report] = {}
        self._failed: set[int] = set()

    def _now(self) -> float:
        return self.clock.now().timestamp()

    async def send(self, transport: Transport, chat_id: str, text: str, what: str) -> str:
        """Send a message to an organiser at the platform's pace, waiting out their chat's
        429s; return its id (raises DeliveryError)."""
        await self._pace(transport.platform)
        return await self._retrier.run(lambda: transport.deliver(chat_id, text), what)

    async def report(self, broadcast_ids: set[int]) -> None:
        """Update the reports of these broadcasts (and of those whose last update failed),
        and mark the finished ones done."""
        failed, self._failed = self._failed, set()
        for broadcast_id in sorted(broadcast_ids | failed):
            try:
                await self._report_one(broadcast_id)
            except Exception as exc:
                self._failed.add(broadcast_id)
                log.warning("delivery: the report of broadcast %s failed (%s); trying again"
                            " at the next step", broadcast_id, describe(exc))

    async def _report_one(self, broadcast_id: int) -> None:
        counts = await outbox.counts(self.db, broadcast_id)
        finished = counts["pending"] + counts["sending"] == 0
        state = self._states.setdefault(broadcast_id, _Report())
        now = self._now()
        if not finished and now - state.last < self.settings.report_interval:
            return
        if counts == state.shown:
            return
        item = await broadcasts.get(self.db, broadcast_id)
        if item is None:
            return
        done = finished and await broadcasts.set_status(
            self.db, broadcast_id, "done", expect="queued", column="finished_at",
            now=to_iso(self.clock.now()))
        if done:
            await audit.record(self.db, actor="bot", action="broadcast.finished",
                               details={"broadcast": broadcast_id, **counts},
                               now=to_iso(self.clock.now()))
        await self._show(item, counts, finished)
        # Only now: a report that failed above is shown again at the next step.
        if done:
            self._states.pop(broadcast_id, None)
        else:
            state.last, state.shown = now, counts

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
        chat_id = item.report_chat_id
        try:  # report messages count against the platform's rate
            if item.report_message_id is None:
                message_id = await self.send(transport, chat_id, text, "a delivery report")
                await broadcasts.set_report_message(self.db, item.id, message_id)
            else:
                await self._pace(transport.platform)
                await transport.edit(chat_id, item.report_message_id, text)
            if finished:
                summary = self.texts.t(item.report_language, "delivery.finished", id=item.id,
                                       total=total, sent=counts["sent"],
                                       failed=counts["failed"], blocked=counts["blocked"])
                await self.send(transport, chat_id, summary, "a delivery summary")
        except DeliveryError as exc:
            log.warning("could not update the report of broadcast %s: %s", item.id, exc.reason)
