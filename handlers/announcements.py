"""/announce: organisers send a message to every registered delegate, a delegation or a kind.

The flow: the text (after the command, or asked for), the audience, a preview exactly as
delegates will see it with the number of recipients, then send now, schedule, or cancel.
Sending writes one outbox row per recipient in the same transaction as the broadcast; the
delivery worker does the rest. `/scheduled` lists (and cancels) scheduled announcements,
`/deliveries` shows what reached whom.
"""

from __future__ import annotations

import logging
import re
import secrets
from functools import partial

from bot.clock import from_iso, to_iso
from bot.context import Context, Services
from bot.fanout import outbox_rows
from bot.i18n import join
from bot.model import Reply, parse_id
from bot.router import Router
from bot.scheduler import Job
from handlers import delegation_picker
from handlers.announce_when import PREFIX as PREFIX_WHEN
from handlers.announce_when import STEP_WHEN, ask_when, local, on_when, schedule
from storage import audit, broadcasts, registrations
from storage.outbox import NewMessage

log = logging.getLogger(__name__)

PREFIX = PREFIX_WHEN  # "ann": the time step's buttons share it
STEP_TEXT = "announce.text"
KINDS = ("official", "alternate", "guest")
_AFTER_COMMAND = re.compile(r"^/\S*\s*")


def render(services: Services, language: str | None, body: str) -> str:
    """Return the announcement as a delegate reading `language` sees it."""
    return services.texts.t(language, "announce.message", text=body)


def audience_label(ctx: Context, audience: dict[str, str]) -> str:
    """Describe an audience in the sender's language."""
    kind = audience["type"]
    if kind == "delegation":
        return ctx.t("announce.audience.delegation", name=audience["value"])
    if kind == "kind":
        return ctx.t("announce.audience.kind", kind=ctx.t(f"kind.{audience['value']}"))
    return ctx.t("announce.audience.all")


def build_messages(services: Services, broadcast_id: int, body: str,
                   people: list[registrations.Recipient]) -> list[NewMessage]:
    """Return every recipient's outbox rows, each in their language."""
    return outbox_rows(services, people, lambda lang: render(services, lang, body),
                       key=f"b{broadcast_id}", broadcast_id=broadcast_id)


async def start(ctx: Context) -> Reply:
    """Take the text after /announce, or ask for it."""
    body = _AFTER_COMMAND.sub("", ctx.msg.text, count=1).strip()
    if not body:
        await ctx.set_step(STEP_TEXT)
        return ctx.reply("announce.ask_text")
    return await _ask_audience(ctx, body)


async def on_text(ctx: Context) -> Reply:
    """Take the announcement's text."""
    body = ctx.msg.text.strip()
    if not body:
        return ctx.reply("announce.ask_text")
    return await _ask_audience(ctx, body)


async def _ask_audience(ctx: Context, body: str) -> Reply:
    await ctx.set_step("announce.audience", {"body": body})
    return Reply(ctx.t("announce.ask_audience"), (
        ctx.choice("announce.audience.all", f"{PREFIX}:all"),
        ctx.choice("announce.choose_delegation", f"{PREFIX}:delegations"),
        ctx.choice("announce.choose_kind", f"{PREFIX}:kinds"),
        ctx.choice("announce.cancel", f"{PREFIX}:cancel"),
    ))


async def on_choice(ctx: Context) -> Reply:
    """Handle every button of the flow: audience, send, schedule, cancel."""
    action, _, value = ctx.payload.partition(":")
    if action == "unschedule":  # the button under /scheduled: ask first
        return await _ask_unschedule(ctx, value)
    if action == "drop":
        return await _unschedule(ctx, value)
    if action == "keep":
        kept = parse_id(value)
        return ctx.reply("error.stale_choice") if kept is None else ctx.reply("announce.kept",
                                                                              id=kept)
    data = ctx.user.step_data
    if action == "cancel":
        await ctx.clear_step()
        return ctx.reply("announce.cancelled")
    if "body" not in data:
        return ctx.reply("error.stale_choice")
    if action == "delegations":
        names = await delegation_picker.delegation_names(ctx)
        await ctx.set_step("announce.audience", {**data, "delegations": names})
        return delegation_picker.page_of(ctx, PREFIX, names, 0)
    if action == "dp":  # another page of the delegations
        kept = data.get("delegations")
        page = parse_id(value)
        if not isinstance(kept, list) or page is None:
            return ctx.reply("error.stale_choice")
        return delegation_picker.page_of(ctx, PREFIX, [str(n) for n in kept], page)
    if action == "kinds":
        return Reply(ctx.t("announce.ask_kind"), tuple(
            ctx.choice(f"kind.{kind}", f"{PREFIX}:k:{kind}") for kind in KINDS))
    if action in ("all", "d", "k"):
        audience = _audience(action, value, data)
        if audience is None:
            return ctx.reply("error.stale_choice")
        return await _preview(ctx, {**data, "audience": audience})
    if action in ("send", "schedule") and "audience" in data:
        if value != data.get("draft"):  # a button under an older preview
            return ctx.reply("error.stale_choice")
        if action == "schedule":
            return await ask_when(ctx, data)
        return await _send_now(ctx, data["body"], data["audience"])
    if action in ("at", "retime") and "send_at" in data:
        if value != data.get("draft"):  # under an older echo of the time
            return ctx.reply("error.stale_choice")
        if action == "retime":
            return await ask_when(ctx, data)
        return await schedule(ctx, data, from_iso(str(data["send_at"])))
    return ctx.reply("error.stale_choice")


def _audience(action: str, value: str, data: dict[str, object]) -> dict[str, str] | None:
    if action == "all":
        return {"type": "all"}
    if action == "k" and value in KINDS:
        return {"type": "kind", "value": value}
    names = data.get("delegations")
    index = parse_id(value)
    if action == "d" and index is not None and isinstance(names, list) and index < len(names):
        return {"type": "delegation", "value": str(names[index])}
    return None


async def _preview(ctx: Context, data: dict[str, object]) -> Reply:
    audience = data["audience"]
    assert isinstance(audience, dict)
    people = await registrations.recipients(ctx.db, audience)
    draft = secrets.token_hex(4)  # the send button works only under the latest preview
    await ctx.set_step("announce.audience", {**data, "draft": draft})
    preview = render(ctx.services, ctx.lang, str(data["body"]))
    summary = ctx.t("announce.preview", audience=audience_label(ctx, audience),
                    count=len(people))
    text = join([ctx.t("announce.preview_head"), preview, summary], "\n\n")
    if not people:
        return Reply(join([text, ctx.t("announce.nobody")], "\n\n"),
                     (ctx.choice("announce.cancel", f"{PREFIX}:cancel"),))
    return Reply(text, (ctx.choice("announce.send", f"{PREFIX}:send:{draft}", count=len(people)),
                        ctx.choice("announce.schedule", f"{PREFIX}:schedule:{draft}"),
                        ctx.choice("announce.cancel", f"{PREFIX}:cancel")))


async def _send_now(ctx: Context, body: str, audience: dict[str, str]) -> Reply:
    broadcast_id, count, added = await queue_now(
        ctx.services, body, audience, ctx.actor, report=(ctx.msg.platform, ctx.msg.chat_id,
                                                         ctx.lang))
    await ctx.clear_step()
    log.info("announcement %s queued for %d recipients by %s", broadcast_id, count, ctx.who)
    return ctx.reply("announce.queued", id=broadcast_id, count=count, messages=added)


async def queue_now(services: Services, body: str, audience: dict[str, str], actor: str, *,
                    report: tuple[str, str, str] | None) -> tuple[int, int, int]:
    """Queue an announcement to its audience now (audited as `actor`; its delivery report
    to the `report` chat, if any); return (broadcast id, recipients, messages). The chat's
    "send now" and the dashboard's."""
    people = await registrations.recipients(services.db, audience)
    now = to_iso(services.clock.now())
    note = audit.Note(actor, "announce.queued", {
        "audience": audience, "recipients": len(people), "text": body[:200]}, now)
    queued = await broadcasts.create_queued(services.db, broadcasts.NewBroadcast(
        "announcement", audience, body, actor,
        lambda bid: build_messages(services, bid, body, people), report=report), now, note)
    assert queued is not None  # no dedupe key: always created
    services.wake_delivery()
    return queued[0], len(people), queued[1]


async def scheduled(ctx: Context) -> Reply:
    """List the scheduled announcements, each with a button to cancel it."""
    items = await broadcasts.with_status(ctx.db, "scheduled")
    if not items:
        return ctx.reply("announce.none_scheduled")
    lines = [ctx.t("announce.scheduled_head")]
    lines += [ctx.t("announce.scheduled_line", id=b.id, when=local(ctx, from_iso(b.send_at or "")),
                    audience=audience_label(ctx, b.audience), text=b.body[:80])
              for b in items]
    return Reply(join(lines), tuple(ctx.choice("announce.unschedule", f"{PREFIX}:unschedule:{b.id}",
                                               id=b.id) for b in items[:20]))


async def _ask_unschedule(ctx: Context, value: str) -> Reply:
    """Say what cancelling would stop (when, to whom, what), with a button to do it and one
    to keep it; nothing changes until the first is pressed."""
    broadcast_id = parse_id(value)
    if broadcast_id is None:
        return ctx.reply("error.stale_choice")
    item = await broadcasts.get(ctx.db, broadcast_id)
    if item is None or item.status != "scheduled":
        return ctx.reply("announce.too_late", id=value)
    question = ctx.t("announce.unschedule_ask", id=item.id,
                     when=local(ctx, from_iso(item.send_at or "")),
                     audience=audience_label(ctx, item.audience), text=item.body[:300])
    return Reply(question, (ctx.choice("announce.unschedule_yes", f"{PREFIX}:drop:{item.id}",
                                       id=item.id),
                            ctx.choice("announce.unschedule_no", f"{PREFIX}:keep:{item.id}")),
                 columns=2)


async def _unschedule(ctx: Context, value: str) -> Reply:
    broadcast_id = parse_id(value)
    if broadcast_id is None:
        return ctx.reply("error.stale_choice")
    now = to_iso(ctx.services.clock.now())
    note = audit.Note(ctx.actor, "announce.cancelled", {"broadcast": broadcast_id}, now)
    if not await broadcasts.set_status(ctx.db, broadcast_id, "cancelled", expect="scheduled",
                                       note=note):
        return ctx.reply("announce.too_late", id=value)
    await ctx.services.reschedule()
    return ctx.reply("announce.unscheduled", id=value)


async def release(services: Services, broadcast_id: int) -> None:
    """Queue a scheduled announcement whose time has come (once, whatever happens)."""
    item = await broadcasts.get(services.db, broadcast_id)
    if item is None or item.status != "scheduled":
        return
    people = await registrations.recipients(services.db, item.audience)
    now = to_iso(services.clock.now())
    note = audit.Note("bot", "announce.released",
                      {"broadcast": broadcast_id, "recipients": len(people)}, now)
    added = await broadcasts.release(
        services.db, broadcast_id, now,
        lambda bid: build_messages(services, bid, item.body, people), note)
    if added is None:
        return
    log.info("scheduled announcement %s released to %d recipients", broadcast_id, len(people))
    services.wake_delivery()


async def jobs(services: Services) -> list[Job]:
    """Return a job per scheduled announcement; one whose time passed is released at once."""
    out = []
    now = services.clock.now()
    for item in await broadcasts.with_status(services.db, "scheduled"):
        when = from_iso(item.send_at or to_iso(now))
        if when <= now:
            log.info("announcement %s was due while the bot was down: sending it now", item.id)
            await release(services, item.id)
            continue
        out.append(Job(f"announce:{item.id}", when, partial(release, services, item.id)))
    return out


def register(router: Router) -> None:
    """Add /announce and /scheduled for organisers."""
    router.command("announce", start, organiser=True)
    router.command("scheduled", scheduled, organiser=True)
    router.step(STEP_TEXT, on_text, organiser=True)
    router.step("announce.audience", on_text, organiser=True)
    router.step(STEP_WHEN, on_when, organiser=True)
    router.choice(PREFIX, on_choice, organiser=True)
