"""Attendance windows: the spans of the congress in which a check-in counts.

By default each agenda day has a morning and an afternoon window (`half-day`); `day` makes
one window per day and `session` one per session. A window runs from its first session's
start to its last session's end; a check-in counts for the window in progress or the one
starting within `lead` (60 minutes by default). Breaks make no window of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from storage.agenda import Session

Mode = Literal["half-day", "day", "session"]
MODES: tuple[Mode, ...] = ("half-day", "day", "session")
LEAD = timedelta(minutes=60)
NOON = 12  # a session starting before 12:00 local time belongs to the morning
QUIET_KINDS = frozenset({"break"})


@dataclass(frozen=True, slots=True)
class Window:
    """One attendance window: its key (stored with each check-in), span (UTC) and place."""

    key: str             # "2026-12-08/am", "2026-12-08/pm", "2026-12-08" or "s/<session key>"
    starts_at: datetime  # aware, UTC
    ends_at: datetime
    day: date            # the local date
    part: str            # "am", "pm", "day" or "session"
    title: str = ""      # the session's title for `session` windows


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def windows(sessions: Iterable[Session], tz: ZoneInfo, mode: Mode = "half-day") -> list[Window]:
    """The attendance windows of a programme, in time order."""
    groups: dict[str, list[Session]] = {}
    meta: dict[str, tuple[date, str, str]] = {}
    for session in sessions:
        if session.cancelled or session.kind in QUIET_KINDS:
            continue
        local = _parse(session.starts_at).astimezone(tz)
        if mode == "session":
            key, part, title = f"s/{session.key}", "session", session.title
        elif mode == "day":
            key, part, title = local.date().isoformat(), "day", ""
        else:
            part = "am" if local.hour < NOON else "pm"
            key, title = f"{local.date().isoformat()}/{part}", ""
        groups.setdefault(key, []).append(session)
        meta[key] = (local.date(), part, title)
    found = [
        Window(key, min(_parse(s.starts_at) for s in group),
               max(_parse(s.ends_at) for s in group), *meta[key])
        for key, group in groups.items()
    ]
    return sorted(found, key=lambda w: (w.starts_at, w.key))


def window_for(found: Sequence[Window], now: datetime, lead: timedelta = LEAD) -> Window | None:
    """The window a check-in made at `now` counts for: the one in progress, else the next
    one starting within `lead`; None before the first window's lead and after the last."""
    for window in found:
        if window.starts_at <= now < window.ends_at:
            return window
    for window in found:
        if now < window.starts_at <= now + lead:
            return window
    return None


def covering(found: Sequence[Window], start: datetime, end: datetime) -> list[Window]:
    """The windows that overlap [start, end)."""
    return [w for w in found if w.starts_at < end and w.ends_at > start]
