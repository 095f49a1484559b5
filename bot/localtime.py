"""Local dates and times as people write them (Vietnamese and ISO forms), in the event's zone.

Files and chat give local wall-clock dates; this reads them, and refuses what it cannot read
(returning None). Clock times and whole moments are read by `bot.when`.
"""

from __future__ import annotations

import re
from datetime import date

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
