"""Reminders before each session, through the outbox, and /reminders on|off.

The database is the source of truth: `jobs` turns every (session, offset) still to come into
a scheduler job, at start-up and after each agenda change. A reminder is one broadcast with
a unique key per session, offset and start time, and one outbox row per account, so it is
never sent twice, across restarts too. Policy for a reminder missed while the bot was down:
sent late if its session has not started yet, skipped (and logged) otherwise; several
missed reminders of one session make one message. Breaks get no reminder.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.clock import from_iso, to_iso
from bot.context import Context, Services
from bot.fanout import outbox_rows
from bot.model import Reply
from bot.router import Router
from bot.scheduler import Job
from handlers.agenda import duration_text, in_audience
from storage import agenda, broadcasts, registrations, users
from storage.agenda import Session
from storage.broadcasts import NewBroadcast
from storage.outbox import NewMessage

log = logging.getLogger(__name__)

PREFIX = "rem"
SKIP_LOG_WINDOW = timedelta(days=1)
QUIET_KINDS = frozenset({"break"})  # nobody needs a reminder for a coffee break


def render(services: Services, language: str | None, session: Session, minutes: int) -> str:
    """Return a reminder in one language, the session starting in `minutes`."""
    texts, tz = services.texts, services.config.event.tz
    start = from_iso(session.starts_at).astimezone(tz)
    end = from_iso(session.ends_at).astimezone(tz)
    return texts.t(language, "reminder.text", title=session.title,
                   start=start.strftime("%H:%M"), end=end.strftime("%H:%M"),
                   date=start.strftime("%d/%m/%Y"), location=session.location or "—",
                   wait=duration_text(texts, language, minutes))


def reminder_key(session: Session, offset: int) -> str:
    """Return the unique key of one reminder: session, offset and start time."""
    return f"r{session.id}:{offset}:{session.starts_at}"


async def send(services: Services, session_id: int, offset: int, starts_at: str) -> int:
    """Queue one reminder for the session's audience; return the rows queued (0: none)."""
    session = await agenda.get(services.db, session_id)
    now = services.clock.now()
    if session is None or session.cancelled or session.starts_at != starts_at:
        return 0  # cancelled or moved: the rebuilt jobs hold its new reminders
    if from_iso(session.starts_at) <= now:
        log.info("reminder %s skipped: the session has started", reminder_key(session, offset))
        return 0
    people = [p for p in await registrations.recipients(services.db, {"type": "all"})
              if not p.reminders_off and in_audience(session.audience, p.kind, p.delegation)]
    key = reminder_key(session, offset)
    left = round((from_iso(session.starts_at) - now).total_seconds() / 60)  # late: less

    def build(broadcast_id: int) -> list[NewMessage]:
        return outbox_rows(services, people, lambda lang: render(services, lang, session, left),
                           key=key, broadcast_id=broadcast_id)

    queued = await broadcasts.create_queued(services.db, NewBroadcast(
        "reminder", {"type": "session", "value": str(session.id)}, session.title, "bot", build,
        dedupe_key=key), to_iso(now))
    if queued is None:
        return 0
    log.info("reminder %s queued for %d accounts", key, len(people))
    services.wake_delivery()
    return queued[1]


async def jobs(services: Services) -> list[Job]:
    """Return a job per reminder still to come; send at once those missed while down."""
    now = services.clock.now()
    out: list[Job] = []
    offsets = services.config.reminders.offsets_minutes
    for session in await agenda.all_sessions(services.db):
        if session.kind in QUIET_KINDS:
            continue
        starts = from_iso(session.starts_at)
        missed = []
        for offset in offsets:
            fire = starts - timedelta(minutes=offset)
            if fire > now:
                out.append(Job(f"remind:{reminder_key(session, offset)}", fire,
                               _runner(services, session, offset)))
            elif starts > now:
                missed.append(offset)
            elif now - fire < SKIP_LOG_WINDOW:
                log.info("reminder %s was missed and its session has started: skipped",
                         reminder_key(session, offset))
        if missed:  # several missed reminders of one session make one late message
            latest = min(missed)
            log.info("reminder %s was due while the bot was down: sending it late",
                     reminder_key(session, latest))
            await send(services, session.id, latest, session.starts_at)
    return out


def _runner(services: Services, session: Session, offset: int) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await send(services, session.id, offset, session.starts_at)
    return run


async def toggle(ctx: Context) -> Reply:
    """Turn reminders on or off (`/reminders on|off`), or show the setting with buttons."""
    word = ctx.msg.args[0].casefold() if ctx.msg.args else ""
    if word in ("on", "bật", "bat"):
        ctx.payload = "on"
    elif word in ("off", "tắt", "tat"):
        ctx.payload = "off"
    else:
        key = "reminders.status_off" if ctx.user.reminders_off else "reminders.status_on"
        return Reply(ctx.t(key), (ctx.choice("reminders.turn_on", f"{PREFIX}:on"),
                                  ctx.choice("reminders.turn_off", f"{PREFIX}:off")), columns=2)
    return await on_choice(ctx)


async def on_choice(ctx: Context) -> Reply:
    """Store the sender's reminder setting."""
    off = ctx.payload == "off"
    await users.set_reminders_off(ctx.db, ctx.msg.platform, ctx.msg.user_id, off)
    return ctx.reply("reminders.off" if off else "reminders.on")


def register(router: Router) -> None:
    """Add /reminders and its buttons."""
    router.command("reminders", toggle, registered=True)
    router.choice(PREFIX, on_choice, registered=True)
