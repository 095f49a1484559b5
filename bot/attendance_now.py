"""Attendance as the congress day sees it now: the window a check-in counts for, the running
count of seat holders present, the quorum, and the one message when it is first reached.

Shared by the check-ins at the door (handlers/checkin.py), the hall screen and
/attendance (handlers/attendance.py). The quorum is "at least" a fraction of the official
delegates summoned (`[attendance] quorum`, "2/3" by default).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from bot.attendance_windows import LEAD, MODES, Mode, Window, window_for, windows
from bot.clock import to_iso
from bot.context import Services
from bot.delivery import messages_for
from bot.fanout import language_for
from bot.i18n import Markup, Translate
from storage import agenda, attendance_counts, broadcasts, users
from storage.broadcasts import NewBroadcast
from storage.outbox import NewMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Count:
    """Seat holders present in a window out of the seats summoned, against the quorum."""

    present: int
    summoned: int
    quorum: Fraction

    @property
    def needed(self) -> int:
        """Return the fewest present that make the quorum ("at least")."""
        return -(-self.quorum.numerator * self.summoned // self.quorum.denominator)

    @property
    def reached(self) -> bool:
        """Tell whether the quorum is reached (never with no seat at all)."""
        return self.summoned > 0 and self.present >= self.needed


def quorum_text(quorum: Fraction) -> str:
    """Return the quorum as people write it: "2/3"."""
    return f"{quorum.numerator}/{quorum.denominator}"


async def all_windows(services: Services) -> list[Window]:
    """Return the attendance windows of the programme under the config."""
    configured = services.config.attendance.windows  # checked at start-up: one of MODES
    mode: Mode = next((m for m in MODES if m == configured), "half-day")
    sessions = await agenda.all_sessions(services.db)
    return windows(sessions, services.config.event.tz, mode)


async def window_now(services: Services) -> tuple[Window | None, Window | None]:
    """Return (the window a check-in now counts for, else None; the next window, if any)."""
    found = await all_windows(services)
    now = services.clock.now()
    current = window_for(found, now)
    upcoming = next((w for w in found if w.starts_at > now), None)
    return current, upcoming


def window_name(services: Services, t: Translate, window: Window) -> Markup:
    """Return how people name a window: "buổi sáng Thứ Ba 11/08", "Thứ Ba 11/08", a title."""
    day = services.dates().day(t, window.day)
    if window.part == "session":
        return t("attendance.window.session", title=window.title, day=day)
    return t(f"attendance.window.{window.part}", day=day)


def window_opens(window: Window) -> datetime:
    """Return when check-ins for a window open (its start less the lead)."""
    return window.starts_at - LEAD


async def count(services: Services, window: Window) -> Count:
    """Return the running count of a window."""
    db = services.db
    return Count(await attendance_counts.holders_present(db, window.key),
                 await attendance_counts.seats_summoned(db),
                 services.config.attendance.quorum_fraction)


def quorum_key(window: Window) -> str:
    """Return the dedupe key of the quorum message of a window."""
    return f"quorum:{window.key}"


async def tell_quorum(services: Services, window: Window, counted: Count) -> bool:
    """Tell every organiser, once per window through the outbox, that the quorum is reached;
    True when this call queued it."""
    key = quorum_key(window)
    if not counted.reached or await attendance_counts.broadcast_made(services.db, key):
        return False
    texts = services.texts
    rows: list[NewMessage] = []
    accounts = []
    for platform, ids in sorted(services.organisers.items()):
        for user_id in sorted(ids):
            account = await users.get(services.db, platform, user_id)
            if account is not None and account.blocked_at is None:
                accounts.append(account)

    def build(broadcast_id: int) -> list[NewMessage]:
        for account in accounts:
            lang = language_for(services, account.language, account.platform_language)
            t = texts.in_language(lang)
            text = t("attendance.quorum_reached", window=window_name(services, t, window),
                     present=counted.present, summoned=counted.summoned,
                     quorum=quorum_text(counted.quorum))
            rows.extend(messages_for(f"{key}:{account.platform}:{account.chat_id}",
                                     account.platform, account.chat_id, text,
                                     broadcast_id=broadcast_id))
        return rows

    queued = await broadcasts.create_queued(services.db, NewBroadcast(
        "quorum", {"type": "organisers"}, window.key, "bot", build, dedupe_key=key),
        to_iso(services.clock.now()))
    if queued is None:
        return False
    log.info("quorum reached in window %s (%d/%d)", window.key, counted.present,
             counted.summoned)
    services.wake_delivery()
    return True
