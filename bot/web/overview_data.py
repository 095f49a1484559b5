"""The figures of the overview, read once for the page and again for each live update.

Registered over total by kind and by delegation (the same `tally` as the chat's
/registrations), registrations over time, the seat holders present over those summoned in
the attendance window in progress with the quorum (the same count as /attendance and the
hall screen, `bot.attendance_now`), the broadcasts being sent (the same counts as the
organiser's delivery report) and the next session. `live_values` turns them into the
texts and bar widths the live stream sends, keyed as the page marks its elements.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot import attendance_now
from bot.attendance_now import Count
from bot.attendance_windows import Window
from bot.clock import from_iso, to_iso
from bot.context import Services
from bot.i18n import Markup
from bot.web.charts import percent
from handlers.overview import Tally, tally
from storage import agenda, broadcasts, delegates, outbox, registrations
from storage.agenda import Session

KIND_ORDER = ("official", "alternate", "guest")


@dataclass(frozen=True)
class Row:
    """One bar: its key on the page, its name, total and registered."""

    key: str
    name: str
    total: int
    registered: int


@dataclass(frozen=True)
class Progress:
    """A broadcast being sent: how many of its messages are where."""

    id: int
    kind: str
    total: int
    sent: int
    waiting: int
    failed: int
    blocked: int

    @property
    def done(self) -> float:
        """Return the share no longer waiting, in percent."""
        return 100 * (self.total - self.waiting) / self.total if self.total else 0.0


@dataclass(frozen=True)
class Attendance:
    """The window check-ins count for now, and its running count against the quorum."""

    window: Window
    counted: Count


@dataclass(frozen=True)
class Overview:
    """Everything the overview shows."""

    counted: Tally
    kinds: list[Row]
    delegations: list[Row]
    timeline: list[tuple[datetime, int]]
    sending: list[Progress]
    next_session: Session | None
    attendance: Attendance | None = None

    @property
    def empty(self) -> bool:
        """Tell whether there is no roster yet."""
        return self.counted.total + self.counted.guests_total == 0

    @property
    def shape(self) -> str:
        """Return what, when it changes, makes the page reload instead of updating."""
        ids = ",".join(str(p.id) for p in self.sending)
        window = self.attendance.window.key if self.attendance else ""
        return f"{len(self.kinds)}:{len(self.delegations)}:{ids}:{int(self.empty)}:{window}"


def key_of(name: str) -> str:
    """Return a short key for a delegation's name, the same on every page load."""
    return hashlib.sha1(name.encode()).hexdigest()[:10]


async def read(services: Services) -> Overview:
    """Read the overview's figures now."""
    db = services.db
    counted = tally(await delegates.counts(db))
    tz = services.config.event.tz
    timeline = [(datetime.fromisoformat(hour + ":00:00").replace(tzinfo=UTC).astimezone(tz),
                 count) for hour, count in await registrations.linked_per_hour(db)]
    sending = []
    for item in await broadcasts.with_status(db, "queued"):
        counts = await outbox.counts(db, item.id)
        sending.append(Progress(
            item.id, item.kind, sum(counts.values()), counts["sent"],
            counts["pending"] + counts["sending"], counts["failed"], counts["blocked"]))
    now = to_iso(services.clock.now())
    coming = await agenda.not_ended(db, now)
    window, _ = await attendance_now.window_now(services)
    present = (Attendance(window, await attendance_now.count(services, window))
               if window is not None else None)
    return Overview(
        attendance=present,
        counted=counted,
        kinds=[Row(f"k.{kind}", kind, n, r) for kind, n, r in
               sorted(counted.by_kind, key=lambda k: KIND_ORDER.index(k[0]))],
        delegations=[Row(f"d.{key_of(name)}", name, n, r)
                     for name, n, r in counted.by_delegation],
        timeline=timeline, sending=sending, next_session=coming[0] if coming else None)


def live_values(view: Overview, t: Callable[..., str]) -> dict[str, str]:
    """Return {key: text or width} for the page's live elements."""
    counted = view.counted
    values = {
        "shape": view.shape,
        "total": str(t("web.overview.registered_of", registered=counted.registered,
                       total=counted.total, percent=counted.percent)),
        "w.total": str(percent(counted.registered, counted.total)),
        "guests": str(t("web.overview.guests", registered=counted.guests_registered,
                        total=counted.guests_total)),
    }
    for row in view.kinds + view.delegations:
        values[row.key] = f"{row.registered}/{row.total}"
        values[f"w.{row.key}"] = str(percent(row.registered, row.total))
    if view.attendance is not None:
        seen = view.attendance.counted
        values["att"] = f"{seen.present}/{seen.summoned}"
        values["w.att"] = str(percent(seen.present, seen.summoned))
        values["att.state"] = str(t(
            "web.overview.quorum_reached" if seen.reached else "web.overview.quorum_missing",
            quorum=attendance_now.quorum_text(seen.quorum), needed=seen.needed,
            missing=max(seen.needed - seen.present, 0)))
    for p in view.sending:
        key = f"b.{p.id}"
        for name in ("sent", "waiting", "failed", "blocked"):
            values[f"{key}.{name}"] = str(getattr(p, name))
        values[f"{key}.done"] = f"{p.done:.0f}%"
        x = 0.0
        for css, count in (("sent", p.sent), ("failed", p.failed), ("blocked", p.blocked)):
            values[f"w.{key}.{css}"] = str(percent(count, p.total))
            values[f"w.{key}.{css}.x"] = str(x)
            x = round(x + percent(count, p.total), 1)
    return values


def session_time(services: Services, session: Session, lang: str) -> str:
    """Return when a session is, as the chat writes it (`07:00–09:00, Thứ Ba 11/08`)."""
    t: Callable[..., Markup] = services.texts.in_language(lang)
    return str(services.dates().span(t, from_iso(session.starts_at), from_iso(session.ends_at)))
