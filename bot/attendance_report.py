"""The attendance of one window as organisers read it: who is present (and who checked them
in), who reported an absence and why, who is missing, by delegation and by kind.

One picture for `/attendance` (handlers/attendance.py) and `attendance export`
(bot/attendance_export.py). Seat holders (bot/seats.py) are the official delegates summoned:
officials and the alternates who took a seat; they make the quorum. Lists are in Vietnamese
order (bot/collation.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.attendance_now import Count
from bot.attendance_windows import Window
from bot.clock import to_iso
from bot.collation import name_key, text_key
from bot.context import Services
from bot.seats import Seat, seats
from storage import attendance, delegates
from storage.attendance import Absence, Checkin
from storage.delegates import Delegate

KINDS = ("official", "alternate", "guest")


@dataclass
class Tally:
    """Present out of a total."""

    present: int = 0
    total: int = 0


@dataclass
class WindowReport:
    """Everything organisers see about one window."""

    window: Window
    roster: list[Delegate]
    seats: list[Seat]
    present: dict[int, Checkin]
    absences: dict[int, Absence]
    count: Count
    by_delegation: dict[str, Tally] = field(default_factory=dict)
    by_kind: dict[str, Tally] = field(default_factory=dict)

    @property
    def holders(self) -> list[Delegate]:
        """Return the seat holders, in Vietnamese order."""
        return sorted((s.holder for s in self.seats), key=_order)

    def present_people(self) -> list[Delegate]:
        """Return everyone checked in (seat holders or not), in Vietnamese order."""
        return sorted((d for d in self.roster if d.id in self.present), key=_order)

    def absent_people(self) -> list[Delegate]:
        """Return who reported an absence and is not checked in, in Vietnamese order."""
        return sorted((d for d in self.roster if d.id in self.absences
                       and d.id not in self.present), key=_order)

    def missing(self) -> list[Delegate]:
        """Return the seat holders neither checked in nor reported absent."""
        return [d for d in self.holders if d.id not in self.present
                and d.id not in self.absences]


def _order(delegate: Delegate) -> tuple[object, ...]:
    return (name_key(delegate.full_name), text_key(delegate.delegation), delegate.code)


def kind_of(delegate: Delegate, seated: set[int]) -> str:
    """Return the kind a report counts a delegate under: an alternate in a seat apart."""
    return "seated_alternate" if delegate.kind == "alternate" and delegate.id in seated \
        else delegate.kind


async def window_report(services: Services, window: Window) -> WindowReport:
    """Gather the attendance of one window."""
    db = services.db
    roster = await delegates.all_delegates(db)
    found = seats(roster, await attendance.replacements(db))
    present = {c.delegate_id: c for c in await attendance.checkins(db, window.key)}
    absences: dict[int, Absence] = {}
    for absence in await attendance.absences_overlapping(db, to_iso(window.starts_at),
                                                         to_iso(window.ends_at)):
        absences.setdefault(absence.delegate_id, absence)
    holder_ids = {s.holder.id for s in found}
    seated = {s.holder.id for s in found if s.replaced}
    count = Count(len(holder_ids & present.keys()), len(found),
                  services.config.attendance.quorum_fraction)
    report = WindowReport(window, roster, found, present, absences, count)
    for seat in found:
        tally = report.by_delegation.setdefault(seat.holder.delegation, Tally())
        tally.total += 1
        tally.present += seat.holder.id in present
    for delegate in roster:
        tally = report.by_kind.setdefault(kind_of(delegate, seated), Tally())
        tally.total += 1
        tally.present += delegate.id in present
    report.by_delegation = dict(sorted(report.by_delegation.items(),
                                       key=lambda item: text_key(item[0])))
    return report
