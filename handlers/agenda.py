"""/agenda and /next: the programme in the event's local time, for the sessions one may attend.

A registered delegate sees the sessions for everyone, for official delegates (if they are
one) and for their delegation; organisers see every session; others see those for everyone.
A session's details list the documents of that session the person may read, a button each
(`handlers.documents`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.clock import from_iso, to_iso
from bot.context import Context
from bot.i18n import Markup, Translator, join
from bot.localtime import parse_date
from bot.model import Reply, parse_id
from bot.router import Router
from bot.text import shorten
from handlers import documents
from storage import agenda, delegates, registrations
from storage.agenda import Session

PREFIX = "ag"
BUTTON_TITLE_MAX = 36  # a session's title on its button is cut to this many characters
TOMORROW = {"tomorrow", "mai", "ngàymai", "ngaymai"}
TODAY = {"today", "hômnay", "homnay", "nay"}


@dataclass(frozen=True)
class Viewer:
    """Who is looking at the agenda, for choosing the sessions they see."""

    organiser: bool = False
    kind: str | None = None
    delegation: str | None = None

    def sees(self, session: Session) -> bool:
        """Tell whether this person attends (and so sees) the session."""
        return self.organiser or in_audience(session.audience, self.kind, self.delegation)


def in_audience(audience: str, kind: str | None, delegation: str | None) -> bool:
    """Tell whether a delegate of `kind` in `delegation` belongs to a session's audience."""
    if audience == "all":
        return True
    if audience == "official":
        return kind == "official"
    return delegation is not None and _same_name(delegation, audience)


def _same_name(a: str, b: str) -> bool:
    """Compare names as people read them: case, spacing and Unicode form do not matter
    (Excel and phones write Vietnamese letters composed or decomposed)."""
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return norm(a) == norm(b)


async def viewer_of(ctx: Context) -> Viewer:
    """Return the sender as a Viewer."""
    if ctx.is_organiser:
        return Viewer(organiser=True)
    delegate_id = await registrations.delegate_id_of(ctx.db, ctx.msg.platform, ctx.msg.user_id)
    delegate = await delegates.get(ctx.db, delegate_id) if delegate_id else None
    return Viewer(kind=delegate.kind, delegation=delegate.delegation) if delegate else Viewer()


def local(ctx: Context, iso: str) -> datetime:
    """Return a stored UTC time in the event's zone."""
    return from_iso(iso).astimezone(ctx.services.config.event.tz)


def duration_text(texts: Translator, language: str | None, minutes: int) -> str:
    """Say how long `minutes` is, to the two largest units: '1 ngày 2 giờ', '45 phút'."""
    days, rest = divmod(max(0, minutes), 1440)
    hours, mins = divmod(rest, 60)
    parts = [texts.t(language, key, n=n) for key, n in (
        ("time.days", days), ("time.hours", hours), ("time.minutes", mins)) if n]
    return " ".join(parts[:2]) or texts.t(language, "time.minutes", n=0)


def duration(ctx: Context, seconds: float) -> str:
    """Say how long `seconds` is, in the sender's language."""
    return duration_text(ctx.services.texts, ctx.lang, round(seconds / 60))


def day_label(ctx: Context, day: date) -> str:
    """Return 'Thứ Ba 11/08' (the year added when it is not this year)."""
    return ctx.services.dates().day(ctx.t, day)


def _line(ctx: Context, session: Session, now: datetime) -> Markup:
    start, end = local(ctx, session.starts_at), local(ctx, session.ends_at)
    key = "agenda.line_now" if start <= now < end else "agenda.line"
    if not session.location:
        key += "_nowhere"
    return ctx.t(key, start=start.strftime("%H:%M"), end=end.strftime("%H:%M"),
                 title=session.title, location=session.location or "")


async def show_agenda(ctx: Context) -> Reply:
    """Show one day's programme (today, tomorrow or a date), the current session marked."""
    tz = ctx.services.config.event.tz
    now = ctx.services.clock.now().astimezone(tz)
    word = "".join(ctx.msg.args).casefold()
    if not word or word in TODAY:
        day: date | None = now.date()
    elif word in TOMORROW:
        day = now.date() + timedelta(days=1)
    else:
        day = parse_date(" ".join(ctx.msg.args), default_year=now.year)
    if day is None:
        return ctx.reply("agenda.bad_date", value=ctx.msg.args_text[:40])
    start = datetime.combine(day, time(0), tzinfo=tz)
    viewer = await viewer_of(ctx)
    sessions = [s for s in await agenda.between(ctx.db, to_iso(start),
                                                to_iso(start + timedelta(days=1)))
                if viewer.sees(s)]
    if not sessions:
        days = sorted({local(ctx, s.starts_at).date() for s in await agenda.all_sessions(ctx.db)
                       if viewer.sees(s)})
        if not days:
            return ctx.reply("agenda.empty")
        return ctx.reply("agenda.no_sessions", day=day_label(ctx, day),
                         days=", ".join(ctx.services.dates().numbers(d) for d in days))
    lines = [ctx.t("agenda.head", day=day_label(ctx, day))]
    lines += [_line(ctx, s, now) for s in sessions]
    lines.append(ctx.t("agenda.hint"))
    choices = tuple(ctx.choice("agenda.button", f"{PREFIX}:{s.id}",
                               start=local(ctx, s.starts_at).strftime("%H:%M"),
                               title=shorten(s.title, BUTTON_TITLE_MAX))
               for s in sessions[:40])
    return Reply(join(lines), choices)


async def on_session(ctx: Context) -> Reply:
    """Show one session in full."""
    session_id = parse_id(ctx.payload)
    session = await agenda.get(ctx.db, session_id) if session_id is not None else None
    if session is None or not (await viewer_of(ctx)).sees(session):
        return ctx.reply("error.stale_choice")
    lines, buttons = await documents.session_documents(ctx, session)
    return Reply(join([details(ctx, session), *lines]), tuple(buttons))


def details(ctx: Context, session: Session) -> Markup:
    """Return everything about a session."""
    start, end = local(ctx, session.starts_at), local(ctx, session.ends_at)
    lines = [ctx.t("agenda.details", title=session.title, day=day_label(ctx, start.date()),
                   start=start.strftime("%H:%M"), end=end.strftime("%H:%M"),
                   location=session.location or "—", kind=ctx.t(f"session.{session.kind}"),
                   audience=audience_label(ctx, session.audience))]
    if session.presenter:
        lines.append(ctx.t("agenda.presenter", presenter=session.presenter))
    if session.description:
        lines.append(ctx.t("agenda.description", description=session.description))
    if session.cancelled:
        lines.append(ctx.t("agenda.cancelled"))
    return join(lines)


def audience_label(ctx: Context, audience: str) -> str:
    """Describe a session's audience."""
    if audience in ("all", "official"):
        return ctx.t(f"agenda.audience.{audience}")
    return audience


async def show_next(ctx: Context) -> Reply:
    """Say what is on now and what comes next for the sender, where, and how soon."""
    now = ctx.services.clock.now()
    viewer = await viewer_of(ctx)
    sessions = [s for s in await agenda.not_ended(ctx.db, to_iso(now)) if viewer.sees(s)]
    current = [s for s in sessions if from_iso(s.starts_at) <= now]
    coming = [s for s in sessions if from_iso(s.starts_at) > now]
    lines = [ctx.t("agenda.now" if s.location else "agenda.now_nowhere", title=s.title,
                   location=s.location, end=local(ctx, s.ends_at).strftime("%H:%M"))
             for s in current]
    if coming:
        nxt = coming[0]
        start = local(ctx, nxt.starts_at)
        lines.append(ctx.t("agenda.next", title=nxt.title, start=start.strftime("%H:%M"),
                           day=day_label(ctx, start.date()), location=nxt.location or "—",
                           wait=duration(ctx, (from_iso(nxt.starts_at) - now).total_seconds())))
    elif not current:
        return ctx.reply("agenda.nothing_next")
    return Reply(join(lines, "\n\n"))


def register(router: Router) -> None:
    """Add /agenda, /next and the session buttons."""
    router.command("agenda", show_agenda)
    router.command("next", show_next)
    router.choice(PREFIX, on_session)
