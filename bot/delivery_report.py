"""The organiser's live report of a broadcast: one message, edited as counts change.

The report is edited at most every `report_interval` seconds while the broadcast runs; when
nothing is pending any more the broadcast is marked done (audited) and a final summary is
sent. A report that fails (the database busy, the platform refusing) is logged on one line
and tried again at the worker's next step. Report messages count against the platform's rate.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.clock import Clock, to_iso
from bot.config import DeliveryConfig
from bot.delivery_health import describe
from bot.i18n import Translator
from bot.transport import DeliveryError, Transport
from storage import audit, broadcasts, outbox
from storage.db import Database

log = logging.getLogger("bot.delivery")

Pace = Callable[[str], Awaitable[None]]


@dataclass
class _Report:
    last: float = float("-inf")
    shown: dict[str, int] = field(default_factory=dict)


class Reporter:
    """Keeps each running broadcast's report up to date."""

    def __init__(self, db: Database, clock: Clock, settings: DeliveryConfig, texts: Translator,
                 transports: dict[str, Transport], pace: Pace) -> None:
        self.db, self.clock, self.settings, self.texts = db, clock, settings, texts
        self.transports, self._pace = transports, pace
        self._states: dict[int, _Report] = {}
        self._failed: set[int] = set()

    def _now(self) -> float:
        return self.clock.now().timestamp()

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
        platform = transport.platform  # report messages count against the platform's rate
        try:
            await self._pace(platform)
            if item.report_message_id is None:
                message_id = await transport.deliver(item.report_chat_id, text)
                await broadcasts.set_report_message(self.db, item.id, message_id)
            else:
                await transport.edit(item.report_chat_id, item.report_message_id, text)
            if finished:
                summary = self.texts.t(item.report_language, "delivery.finished", id=item.id,
                                       total=total, sent=counts["sent"],
                                       failed=counts["failed"], blocked=counts["blocked"])
                await self._pace(platform)
                await transport.deliver(item.report_chat_id, summary)
        except DeliveryError as exc:
            log.warning("could not update the report of broadcast %s: %s", item.id, exc.reason)
