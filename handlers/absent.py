"""/absent (báo vắng): a registered person reports an absence, with its reason.

They choose what they will miss among what is still to come — one attendance window (a
morning or an afternoon by default, `bot.attendance_windows`), a whole day, or the rest of
the congress — as buttons on Telegram and numbers on Zalo; then type the reason (one line of
at most `MAX_REASON` characters, no control characters); then confirm. The absence, its
audit entry and the organisers' notice (through the outbox) are written in one
transaction; the person gets a confirmation. Guests may report too (organisers plan the hall
with it); only official delegates and alternates in their seats count for the quorum.
The flow lives in the person's conversation step: a button of an older question is stale.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from bot import to_organisers
from bot.attendance_now import all_windows
from bot.attendance_windows import Window
from bot.clock import to_iso
from bot.context import Context
from bot.i18n import Markup, Translate, capitalised
from bot.localtime import LocalDates
from bot.model import Choice, Reply
from bot.router import Router
from bot.tabular import control_character
from handlers.registration import current_delegate
from storage import attendance, audit

PREFIX = "abs"
STEP_REASON = "absent.reason"
STEP_CONFIRM = "absent.confirm"
MAX_REASON = 300
MAX_WINDOWS = 8  # windows offered one by one; days and "the rest" cover the others


@dataclass(frozen=True, slots=True)
class Span:
    """What a person will miss: a scope (window, day, rest), its UTC span, and its payload
    (the choice's data after the prefix, which finds it again)."""

    scope: str
    starts_at: datetime
    ends_at: datetime
    payload: str
    window: Window | None = None  # the window, for scope "window"


async def coming(ctx: Context) -> list[Window]:
    """Return the attendance windows not yet over, in time order."""
    now = ctx.services.clock.now()
    return [w for w in await all_windows(ctx.services) if w.ends_at > now]


def spans(left: list[Window]) -> list[Span]:
    """Return what may be reported: each window (the first few), each day with more than
    one window, and the rest of the congress."""
    found = [Span("window", w.starts_at, w.ends_at, f"w:{int(w.starts_at.timestamp())}", w)
             for w in left[:MAX_WINDOWS]]
    days: dict[str, list[Window]] = {}
    for window in left:
        days.setdefault(window.day.isoformat(), []).append(window)
    found += [Span("day", group[0].starts_at, group[-1].ends_at, f"d:{day}")
              for day, group in days.items() if len(group) > 1]
    if left:
        found.append(Span("rest", left[0].starts_at, left[-1].ends_at, "r"))
    return found


def words(t: Translate, dates: LocalDates, span: Span) -> Markup:
    """Say a span: "buổi sáng Thứ Ba 11/08 (07:30–11:30)", "cả ngày Thứ Ba 11/08", ..."""
    start, end = dates.local(span.starts_at), dates.local(span.ends_at)
    times = {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}",
             "day": dates.day(t, start.date())}
    if span.scope == "rest":
        return t("absent.span.rest", when=dates.when(t, span.starts_at))
    if span.scope == "day" or (span.window is not None and span.window.part == "day"):
        return t("absent.span.day", day=times["day"])
    if span.window is not None and span.window.part == "session":
        return t("absent.span.session", title=span.window.title,
                 span=dates.span(t, span.starts_at, span.ends_at))
    part = span.window.part if span.window is not None else "am"
    return t(f"absent.span.{part}", **times)


async def start(ctx: Context) -> Reply:
    """Offer what may be reported: the coming windows, days and the rest of the congress."""
    options = spans(await coming(ctx))
    if not options:
        return ctx.reply("absent.nothing_left")
    dates = ctx.services.dates()
    choices = [Choice(capitalised(html.unescape(words(ctx.t, dates, s))), f"{PREFIX}:{s.payload}")
               for s in options]
    choices.append(ctx.choice("absent.cancel", f"{PREFIX}:cancel"))
    await ctx.set_step(STEP_REASON, {})  # waits for a choice; text asks to choose first
    return Reply(ctx.t("absent.ask_span"), tuple(choices))


async def _span(ctx: Context, payload: str) -> Span | None:
    """Find a payload's span among what is still to come (None: over, or never was)."""
    return next((s for s in spans(await coming(ctx)) if s.payload == payload), None)


async def on_choice(ctx: Context) -> Reply:
    """Take the chosen span (then ask the reason), the send or the cancel."""
    action = ctx.payload
    if ctx.user.step not in (STEP_REASON, STEP_CONFIRM):
        return ctx.reply("error.stale_choice")
    if action == "cancel":
        await ctx.clear_step()
        return ctx.reply("absent.cancelled")
    if action == "send":
        return await _send(ctx)
    if ctx.user.step != STEP_REASON:
        return ctx.reply("error.stale_choice")
    span = await _span(ctx, action)
    if span is None:
        await ctx.clear_step()
        return ctx.reply("absent.gone")
    await ctx.set_step(STEP_REASON, {"span": span.payload})
    return ctx.reply("absent.ask_reason", span=words(ctx.t, ctx.services.dates(), span),
                     max=MAX_REASON)


async def on_reason(ctx: Context) -> Reply:
    """Take the reason: one line, not too long, no control characters; then ask to confirm."""
    payload = ctx.user.step_data.get("span")
    if payload is None:
        return ctx.reply("absent.choose_first")
    reason = " ".join(ctx.msg.text.split())
    code = control_character(ctx.msg.text)  # tabs and line breaks are text
    if code is not None:
        return ctx.reply("absent.reason_control", code=code)
    if not reason:
        return ctx.reply("absent.reason_empty")
    if len(reason) > MAX_REASON:
        return ctx.reply("absent.reason_too_long", max=MAX_REASON, length=len(reason))
    span = await _span(ctx, str(payload))
    if span is None:
        await ctx.clear_step()
        return ctx.reply("absent.gone")
    await ctx.set_step(STEP_CONFIRM, {"span": span.payload, "reason": reason})
    text = ctx.t("absent.confirm", span=words(ctx.t, ctx.services.dates(), span), reason=reason)
    return Reply(text, (ctx.choice("absent.send", f"{PREFIX}:send"),
                        ctx.choice("absent.cancel", f"{PREFIX}:cancel")), columns=2)


async def _send(ctx: Context) -> Reply:
    """Store the absence and tell the organisers, in one transaction; confirm to the person."""
    data = ctx.user.step_data
    if ctx.user.step != STEP_CONFIRM or "reason" not in data:
        return ctx.reply("error.stale_choice")
    await ctx.clear_step()  # a second press finds no question: nothing is doubled
    person = await current_delegate(ctx)
    span = await _span(ctx, str(data["span"]))
    if person is None:
        return ctx.reply("registration.not_registered")
    if span is None:
        return ctx.reply("absent.gone")
    reason, services = str(data["reason"]), ctx.services
    start, end = to_iso(span.starts_at), to_iso(span.ends_at)
    for earlier in await attendance.absences_of(ctx.db, person.id):
        if earlier.starts_at <= start and earlier.ends_at >= end:
            return ctx.reply("absent.already", span=words(ctx.t, services.dates(), span),
                             reason=earlier.reason)
    now, dates = to_iso(services.clock.now()), services.dates()

    def render(language: str) -> str:
        t = services.texts.in_language(language)
        hint = t("absent.organisers_hint", code=person.code) if (
            person.kind == "official" and span.scope == "rest") else ""
        return t("absent.organisers", name=person.full_name, code=person.code,
                 kind=t(f"kind.{person.kind}"), delegation=person.delegation or "—",
                 span=words(t, dates, span), reason=reason, hint=hint)

    people = await to_organisers.reachable(services)
    notice = to_organisers.notice(services, people, "absence", person.code, ctx.actor, render)
    note = audit.Note(ctx.actor, "absence.reported",
                      {"delegate": person.code, "scope": span.scope, "starts_at": start,
                       "ends_at": end}, now)
    await attendance.report_absence(ctx.db, person.id, starts_at=start, ends_at=end,
                                    scope=span.scope, reason=reason, now=now, note=note,
                                    notice=notice)
    if notice is not None:
        services.wake_delivery()
    return ctx.reply("absent.done", span=words(ctx.t, dates, span), reason=reason)


def register(router: Router) -> None:
    """Add /absent, its buttons and its reason step (registered people only)."""
    router.command("absent", start, registered=True)
    router.choice(PREFIX, on_choice, registered=True)
    router.step(STEP_REASON, on_reason)
    router.step(STEP_CONFIRM, on_reason)
