"""Local dates and times as people write them (Vietnamese and ISO forms), in the event's zone.

Files and chat give local wall-clock dates; this reads them, and refuses what it cannot read
(returning None). Clock times and whole moments are read by `bot.when`. `LocalDates` writes
dates and times back the one way every message uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from bot.i18n import Markup, Translate

_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_VN = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}))?$")
YEARS = range(1900, 2201)  # what a congress date can be; beyond, time zones overflow


def parse_date(text: str, *, default_year: int) -> date | None:
    """Read `2026-08-11`, `11/08/2026`, `11.08.2026` or `11/08` (with `default_year`)."""
    text = text.strip()
    try:
        if match := _DATE_ISO.match(text):
            day = date(int(match[1]), int(match[2]), int(match[3]))
        elif match := _DATE_VN.match(text):
            year = int(match[3]) if match[3] else default_year
            day = date(year, int(match[2]), int(match[1]))
        else:
            return None
    except ValueError:
        return None
    return day if day.year in YEARS else None


@dataclass(frozen=True)
class LocalDates:
    """Dates and times written one way in every message: `07:00, Thứ Ba 11/08`.

    `today` is the local date now; a date in another year is written with its year.
    """

    tz: tzinfo
    today: date

    @classmethod
    def at(cls, tz: tzinfo, now: datetime) -> LocalDates:
        """Write dates in `tz` as seen at the moment `now`."""
        return cls(tz, now.astimezone(tz).date())

    def local(self, moment: datetime) -> datetime:
        """Return `moment` in the event's time zone."""
        return moment.astimezone(self.tz)

    def numbers(self, day: date) -> str:
        """Return `11/08`, or `11/08/2027` for a date that is not in this year."""
        return f"{day:%d/%m}" if day.year == self.today.year else f"{day:%d/%m/%Y}"

    def day(self, t: Translate, day: date) -> Markup:
        """Return `Thứ Ba 11/08` (with the year when it is not this year)."""
        return t("date.day", weekday=t(f"weekday.{day.weekday()}"), date=self.numbers(day))

    def when(self, t: Translate, moment: datetime) -> Markup:
        """Return `07:00, Thứ Ba 11/08` for an aware moment."""
        moment = self.local(moment)
        return t("date.when", time=f"{moment:%H:%M}", day=self.day(t, moment.date()))

    def span(self, t: Translate, start: datetime, end: datetime) -> Markup:
        """Return `07:00–09:00, Thứ Ba 11/08` for a session within one day."""
        start, end = self.local(start), self.local(end)
        return t("date.span", start=f"{start:%H:%M}", end=f"{end:%H:%M}",
                 day=self.day(t, start.date()))
