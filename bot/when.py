"""Times and moments as people type them, read one way everywhere, in the event's zone.

One parser for the clock of a programme file (`7h30`, `07:30`, `7h`, `7 giờ 30`) and for the
moment an organiser gives in chat (`/announce` scheduling): a clock alone (today), a clock with
a day word (`mai 8h`, `hôm nay 14h`, `mốt 9h`), a weekday (`thứ ba 14h`, `thu 3 14h`, `t3 14h`,
`chủ nhật 8h`: the next such day whose time is still ahead), a date (`12/08 8h30`,
`12/08/2026 08:30`, `2026-08-12 14:30`, `2026-08-12T14:30`; a date without a year is its next
occurrence, so `02/01` typed in December is next January), in either order, with `chiều` or
`tối` after an hour of 1 to 11 meaning the afternoon or evening. A moment is read against an
injected `now`, as a wall-clock time of the event's zone. What cannot be read comes back as a
`Misread` (a locale key, ``when.problem.*``, and the text at fault), so that every bad input
gets its own answer. Whether the moment is still ahead is the caller's rule.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.localtime import parse_date

_CLOCK_COLON = re.compile(r"(\d{1,2})[:.](\d{2})")
_CLOCK_HOURS = re.compile(r"(\d{1,2})\s*(?:h|g|giờ|gio)\s*(?:(\d{1,2})\s*(?:p|phút|phut)?)?")
_LOOKS_LIKE_CLOCK = re.compile(r"\d{1,3}(?:[:h]\d*|g\d*)")  # "25h", "8h75", "24:00"
_LOOKS_LIKE_DATE = re.compile(r"\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{1,4})?")
_SPACED_HOURS = re.compile(r"\b(\d{1,2})\s+(h|g|giờ|gio)(?!\w)")  # "8 giờ 30" -> "8giờ 30"
_SPACED_MINUTES = re.compile(r"(\d(?:h|g|giờ|gio))\s+(\d{1,2})(?![\d/.:-])")
_MINUTE_WORD = re.compile(r"(\d)\s*(?:phút|phut|p)(?!\w)")  # "8h30 phút" -> "8h30"
_ISO_T = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})t(?=\d)")
_AFTERNOON = {"chiều", "tối", "pm"}
_MORNING = {"sáng", "am", "trưa"}
_DAY_WORDS = {
    **dict.fromkeys(("", "hôm nay", "hom nay", "nay", "today"), 0),
    **dict.fromkeys(("mai", "ngày mai", "ngay mai", "tomorrow"), 1),
    **dict.fromkeys(("mốt", "ngày mốt", "ngày kia", "mot", "ngay mot", "ngay kia"), 2),
}
_WEEKDAY_NUMBERS = {"hai": 0, "2": 0, "ba": 1, "3": 1, "tu": 2, "4": 2, "nam": 3, "5": 3,
                    "sau": 4, "6": 4, "bay": 5, "7": 5}
_WEEKDAY_WORDS = {
    "cn": 6, "chu nhat": 6, "chunhat": 6,
    **{f"t{n}": d for n, d in _WEEKDAY_NUMBERS.items() if n.isdigit()},
    **{name: i for i, names in enumerate((
        ("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "wednesday"),
        ("thu", "thur", "thurs", "thursday"), ("fri", "friday"), ("sat", "saturday"),
        ("sun", "sunday"))) for name in names},
}
_NEXT = {"toi", "nay", "next", "this"}  # "thứ ba tới", "thứ ba này": the same next Tuesday


@dataclass(frozen=True, slots=True)
class Misread:
    """Why a typed moment cannot be used: a locale key (``when.problem.*``) and the text."""

    key: str
    value: str = ""


def parse_clock(text: str) -> time | None:
    """Read a clock time: `07:30`, `7:30`, `7h30`, `7h`, `7g30`, `07.30`, `7 giờ 30 phút`."""
    clock = _clock(" ".join(text.casefold().split()))
    return clock if isinstance(clock, time) else None


def _clock(text: str) -> time | Misread | None:
    """Read one clock token; a Misread when it looks like a clock but is not one ("25h")."""
    match = _CLOCK_COLON.fullmatch(text) or _CLOCK_HOURS.fullmatch(text)
    if match is None:
        return Misread("when.problem.bad_clock", text) if _LOOKS_LIKE_CLOCK.fullmatch(
            text) else None
    hour, minute = int(match[1]), int(match[2] or 0)
    if hour > 23 or minute > 59:
        return Misread("when.problem.bad_clock", text)
    return time(hour, minute)


def _fold(text: str) -> str:
    """Drop accents (and đ's bar) so that "thứ ba", "thu ba" and "Thứ Ba" read the same."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def read_moment(text: str, tz: ZoneInfo, now: datetime) -> datetime | Misread:
    """Read a moment typed in chat as an aware datetime in `tz`, or say why it cannot be."""
    typed = " ".join(unicodedata.normalize("NFC", text).replace(",", " ").split())
    if not typed:
        return Misread("when.problem.empty")
    spaced = _SPACED_HOURS.sub(r"\1\2", _ISO_T.sub(r"\1 ", typed.casefold()))
    words = _MINUTE_WORD.sub(r"\1", _SPACED_MINUTES.sub(r"\1\2", spaced)).split()
    clocks: list[time] = []
    rest: list[str] = []
    shift = 0
    for word in words:
        if word in _AFTERNOON or word in _MORNING:
            shift = 12 if word in _AFTERNOON else 0
            continue
        found = None if _LOOKS_LIKE_DATE.fullmatch(word) and ":" not in word else _clock(word)
        if isinstance(found, Misread):
            return found
        if found is None:
            rest.append(word)
        else:
            clocks.append(found)
    dotted = [w for w in rest if _CLOCK_COLON.fullmatch(w)]
    if not clocks and len(dotted) == 1 and (clock := parse_clock(dotted[0])) is not None:
        clocks, rest = [clock], [w for w in rest if w != dotted[0]]  # "07.30" alone
    if len(clocks) != 1:
        return _no_clock(" ".join(rest), typed, tz, now) if not clocks else Misread(
            "when.problem.unreadable", typed)
    clock = clocks[0]
    if shift and 1 <= clock.hour <= 11:
        clock = clock.replace(hour=clock.hour + shift)
    day = _day(" ".join(rest), clock, tz, now)
    if isinstance(day, Misread):
        return day
    return datetime.combine(day, clock, tzinfo=tz)


def _no_clock(rest: str, typed: str, tz: ZoneInfo, now: datetime) -> Misread:
    """Say what is wrong with a moment that has no clock time: a day alone ("mai"), a day
    that does not exist ("thứ tám", "32/13"), or nothing that can be read."""
    day = _day(rest, time(0), tz, now)
    if rest and isinstance(day, date):
        return Misread("when.problem.no_clock", typed)
    if isinstance(day, Misread) and day.key != "when.problem.unreadable":
        return day
    return Misread("when.problem.unreadable", typed)


def _day(phrase: str, clock: time, tz: ZoneInfo, now: datetime) -> date | Misread:
    """Read the day part of a moment: a day word, a weekday or a date."""
    today = now.astimezone(tz).date()
    if phrase in _DAY_WORDS:
        return today + timedelta(days=_DAY_WORDS[phrase])
    folded = _fold(phrase)
    if folded in _DAY_WORDS:
        return today + timedelta(days=_DAY_WORDS[folded])
    weekday = _weekday(folded)
    if isinstance(weekday, int):
        ahead = (weekday - today.weekday()) % 7
        day = today + timedelta(days=ahead)
        if datetime.combine(day, clock, tzinfo=tz) <= now:
            day += timedelta(days=7)
        return day
    if weekday is not None:
        return Misread("when.problem.bad_weekday", phrase)
    if _LOOKS_LIKE_DATE.fullmatch(phrase):
        return _date(phrase, today)
    return Misread("when.problem.unreadable", phrase)


def _weekday(folded: str) -> int | str | None:
    """Return a weekday (Monday 0), the text when it names a weekday that does not exist
    ("thứ tám"), or None when it is no weekday at all."""
    words = folded.split()
    if words and words[-1] in _NEXT and len(words) > 1:
        words = words[:-1]
    phrase = " ".join(words)
    if phrase in _WEEKDAY_WORDS:
        return _WEEKDAY_WORDS[phrase]
    if words and words[0] in ("thu", "t") and len(words) == 2:
        return _WEEKDAY_NUMBERS.get(words[1], folded)
    return None


def _date(phrase: str, today: date) -> date | Misread:
    """Read a date; without a year, the next time that date comes (today included)."""
    phrase = re.sub(r"^(\d{1,2})-(\d{1,2})(-\d{4})?$", lambda m: m[0].replace("-", "/"), phrase)
    day = parse_date(phrase, default_year=today.year)
    if day is None:
        return Misread("when.problem.bad_date", phrase)
    has_year = re.search(r"\d{4}", phrase) is not None
    if not has_year and day < today:
        later = parse_date(phrase, default_year=today.year + 1)
        return later if later is not None else Misread("when.problem.bad_date", phrase)
    return day
