"""Seats of the official delegates: who holds each, and the numbers the rules count.

Every official delegate of the roster has a seat; an alternate who takes it (`/replace`)
holds it from then on and counts as official, for the quorum and the election base. The
election base "summoned" leaves out the seats whose official delegate was absent for the
whole congress with no alternate in the seat (Party charter, Art. 12); with no attendance
taken at all, nobody counts as absent for the whole congress.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from storage.attendance import Replacement
from storage.delegates import Delegate


@dataclass(frozen=True, slots=True)
class Seat:
    """An official delegate's seat and who holds it (the official, or their alternate)."""

    official: Delegate
    holder: Delegate

    @property
    def replaced(self) -> bool:
        """Whether an alternate holds the seat."""
        return self.holder.id != self.official.id


def seats(roster: Iterable[Delegate], replaced: Iterable[Replacement]) -> list[Seat]:
    """One seat per official delegate of the roster, held by their alternate if replaced."""
    people = {d.id: d for d in roster}
    alternate_of = {r.official_id: r.alternate_id for r in replaced
                    if r.alternate_id in people}
    return [Seat(d, people[alternate_of.get(d.id, d.id)])
            for d in people.values() if d.kind == "official"]


def holders(found: Iterable[Seat]) -> set[int]:
    """The ids of the people who count as official delegates: every seat's holder."""
    return {seat.holder.id for seat in found}


def absent_throughout(found: Iterable[Seat], ever_present: Collection[int],
                      attendance_taken: bool) -> list[Seat]:
    """The seats with no alternate whose official delegate was never checked in, when any
    attendance was taken (otherwise none)."""
    if not attendance_taken:
        return []
    return [s for s in found if not s.replaced and s.official.id not in ever_present]


def summoned_base(found: Collection[Seat], ever_present: Collection[int],
                  attendance_taken: bool) -> int:
    """The official delegates summoned, as the election threshold counts them."""
    return len(found) - len(absent_throughout(found, ever_present, attendance_taken))
