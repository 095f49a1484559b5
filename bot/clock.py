"""Time source: the system clock in production, a settable clock in tests. Always aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current time in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current time in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that moves only when told to (tests, benchmarks, demos)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Return the current time in UTC."""
        return self._now

    def set(self, when: datetime) -> None:
        """Move the clock to `when` (aware)."""
        if when.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by `delta`."""
        self._now += delta


def doubling(attempt: int, first: float, longest: float) -> float:
    """Return the pause after the `attempt`-th failure in a row (from 1): `first`, doubled
    at each failure, never longer than `longest`."""
    return min(longest, first * 2.0 ** (attempt - 1))


def to_iso(when: datetime) -> str:
    """Format an aware datetime as UTC ISO 8601 for the database (always milliseconds, so
    that the strings sort as the times do)."""
    if when.tzinfo is None:
        raise ValueError("naive datetime")
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def from_iso(text: str) -> datetime:
    """Parse a UTC ISO 8601 timestamp written by `to_iso`."""
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class ShiftedClock:
    """The real clock (or `base`) moved by an offset (the demo lives on the congress day)."""

    def __init__(self, offset: timedelta, base: Clock | None = None) -> None:
        self.offset = offset
        self.base = base or SystemClock()

    def now(self) -> datetime:
        """Return the shifted current time in UTC."""
        return self.base.now() + self.offset
