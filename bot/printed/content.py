"""What goes on the printed pages: the delegates chosen, their links, and the event's lines.

`gather` reads the roster and the programme and returns a `PrintJob`: one `Card` per
delegate (in delegation order, those in none last, then Vietnamese name order), with the
invite code grouped for reading, the link that registers them (the platform's deep link
with the invite code) and the link that checks them in (`bot.checkin_link`); and the lines
every page shares, already in the event's language as plain text. What cannot be printed
is a `PrintRefused`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from bot.checkin_link import checkin_payload
from bot.clock import from_iso
from bot.collation import name_key, sort_texts, text_key
from bot.formats.invite import group_invite_code
from bot.i18n import Translate
from bot.printed.pdf import clean
from bot.text import html_to_plain
from storage import agenda, delegates
from storage.db import Database

LAYOUTS = ("invitations", "badges")
KINDS = ("official", "alternate", "guest")
DeepLink = Callable[[str], str | None]
Say = Callable[..., str]


class PrintRefused(Exception):
    """Nothing to print, or no way to print it: `reason` ("empty", "unknown_delegation",
    "nobody", "no_link") and `params` for the text `print.refused.<reason>`."""

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.reason, self.params = reason, params


@dataclass(frozen=True)
class Card:
    """One delegate as printed."""

    name: str
    unit: str
    delegation: str
    seat: str
    kind: str
    code: str  # grouped for reading: KHK7-XFQM-M4
    invite_link: str
    checkin_link: str


@dataclass(frozen=True)
class PrintJob:
    """The cards to print and the plain-text words of the pages, in the event's language."""

    cards: list[Card]
    say: Say
    event: str
    dates: str  # the congress days from the programme; "" without one
    first_session: tuple[str, str, str]  # (title, when, place); ("", "", "") without one
    zalo_name: str  # the Zalo bot's name people search for; "" when not configured


def plain(t: Translate) -> Say:
    """Return `t` giving plain text (the locale files hold HTML for chat messages)."""

    def say(key: str, /, **params: object) -> str:
        return html_to_plain(t(key, **params))

    return say


def same_delegation(a: str, b: str) -> bool:
    """Tell whether two delegation names are the same, case and spacing aside."""
    return clean(a).casefold() == clean(b).casefold()


async def gather(db: Database, t: Translate, deep_link: DeepLink | None, *, event: str,
                 tz: tzinfo, zalo_name: str = "", delegation: str | None = None,
                 only_unregistered: bool = False) -> PrintJob:
    """Return the print job for the roster (one delegation's, or only those not registered
    yet); raise PrintRefused when there is nobody to print or no link to print."""
    roster = await delegates.all_delegates(db)
    if not roster:
        raise PrintRefused("empty")
    if delegation is not None:
        names = sort_texts({d.delegation for d in roster if d.delegation})
        matching = [d for d in roster if same_delegation(d.delegation, delegation)]
        if not matching:
            raise PrintRefused("unknown_delegation", name=clean(delegation)[:100],
                               known=", ".join(names[:20]) + (" …" if len(names) > 20 else ""))
        roster = matching
    if only_unregistered:
        linked = await delegates.linked_platforms(db)
        roster = [d for d in roster if d.id not in linked]
        if not roster:
            raise PrintRefused("nobody")
    if deep_link is None:
        raise PrintRefused("no_link")
    tokens = await delegates.checkin_tokens(db)
    # By delegation (those in none, guests mostly, last), then by name.
    roster.sort(key=lambda d: (not d.delegation, text_key(d.delegation), name_key(d.full_name),
                               d.code))
    cards = [Card(d.full_name, d.unit, d.delegation, d.seat, d.kind if d.kind in KINDS else
                  "official", group_invite_code(d.invite_code), deep_link(d.invite_code) or "",
                  deep_link(checkin_payload(tokens.get(d.id, ""))) or "") for d in roster]
    say = plain(t)
    sessions = await agenda.all_sessions(db)
    dates, first = "", ("", "", "")
    if sessions:
        starts = [from_iso(s.starts_at).astimezone(tz) for s in sessions]
        days = sorted({moment.date() for moment in starts})
        dates = _days(say, days[0], days[-1])
        opening, moment = sessions[0], starts[0]
        first = (opening.title, say("print.when", time=_time(say, moment),
                                    weekday=say(f"weekday.{moment.weekday()}"),
                                    date=_date(say, moment.date())), opening.location)
    return PrintJob(cards, say, event, dates, first, zalo_name)


def _date(say: Say, day: date) -> str:
    return say("print.date", day=day.day, month=day.month, year=day.year)


def _days(say: Say, first: date, last: date) -> str:
    if first == last:
        return say("print.dates.one", weekday=say(f"weekday.{first.weekday()}"),
                   date=_date(say, first))
    return say("print.dates.range", first=_date(say, first), last=_date(say, last))


def _time(say: Say, moment: datetime) -> str:
    if moment.minute == 0:
        return say("print.time.hour", hour=moment.hour)
    return say("print.time.minutes", hour=moment.hour, minute=f"{moment.minute:02d}")
