"""The time step of /announce scheduling: read the time typed, echo it in full, schedule it.

After "schedule" under the preview, the organiser types a time as people do (`bot.when`:
`8h30`, `mai 8h`, `thứ ba 14h`, `12/08 8h30`, …, in the event's zone). What cannot be read
gets its reason and examples; a time that has passed is refused; otherwise the time is echoed
as every message writes one ("Gửi lúc 08:30, Thứ Ba 11/08 (giờ Việt Nam)?", the year when not
this year) with a button that schedules at
it, one to type another time, and cancel. The schedule button works only under the latest
echo, and checks the time again when pressed.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from bot.clock import to_iso
from bot.context import Context, Services
from bot.model import Reply
from bot.when import Misread, read_moment
from storage import audit, broadcasts

PREFIX = "ann"  # the buttons belong to /announce's flow (handlers.announcements)
STEP_WHEN = "announce.when"


async def ask_when(ctx: Context, data: dict[str, Any]) -> Reply:
    """Ask when to send, with examples of what can be typed."""
    await ctx.set_step(STEP_WHEN, {k: v for k, v in data.items() if k != "send_at"})
    return ctx.reply("announce.ask_when", examples=ctx.t("when.examples"))


async def on_when(ctx: Context) -> Reply:
    """Read the send time typed (`bot.when`, in the event's zone) and echo it in full, with a
    button to schedule at it; a time that cannot be read or has passed gets its reason."""
    data = ctx.user.step_data
    if "audience" not in data:
        await ctx.clear_step()
        return ctx.reply("error.stale_choice")
    event = ctx.services.config.event
    now = ctx.services.clock.now()
    when = read_moment(ctx.msg.text, event.tz, now)
    if isinstance(when, Misread):
        return ctx.reply("announce.bad_when", reason=ctx.t(when.key, value=when.value),
                         examples=ctx.t("when.examples"))
    if when <= now:
        return ctx.reply("announce.past_when", when=local(ctx, when))
    draft = secrets.token_hex(4)  # only the latest echo's button schedules
    await ctx.set_step(STEP_WHEN, {**data, "send_at": to_iso(when), "draft": draft})
    return Reply(ctx.t("announce.confirm_when", when=local(ctx, when)), (
        ctx.choice("announce.confirm_when_yes", f"{PREFIX}:at:{draft}"),
        ctx.choice("announce.confirm_when_other", f"{PREFIX}:retime:{draft}"),
        ctx.choice("announce.cancel", f"{PREFIX}:cancel")))


async def schedule(ctx: Context, data: dict[str, Any], when: datetime) -> Reply:
    """Schedule the announcement at the time confirmed, unless that time has passed since."""
    now = ctx.services.clock.now()
    if when <= now:
        await ctx.set_step(STEP_WHEN, {k: v for k, v in data.items() if k != "send_at"})
        return ctx.reply("announce.past_when", when=local(ctx, when))
    audience = data["audience"]
    assert isinstance(audience, dict)
    broadcast_id = await schedule_at(ctx.services, str(data["body"]), audience, ctx.actor,
                                     when, report=(ctx.msg.platform, ctx.msg.chat_id, ctx.lang))
    await ctx.clear_step()
    return ctx.reply("announce.scheduled", id=broadcast_id, when=local(ctx, when))


async def schedule_at(services: Services, body: str, audience: dict[str, str], actor: str,
                      when: datetime, *, report: tuple[str, str, str] | None) -> int:
    """Schedule an announcement at `when` (audited as `actor`) and rebuild the jobs; return
    its id. The chat's "schedule" and the dashboard's."""
    now = to_iso(services.clock.now())
    note = audit.Note(actor, "announce.scheduled", {
        "audience": audience, "send_at": to_iso(when), "text": body[:200]}, now)
    broadcast_id = await broadcasts.create(
        services.db, kind="announcement", audience=audience, body=body, status="scheduled",
        send_at=to_iso(when), created_by=actor, report=report, now=now, note=note)
    await services.reschedule()
    return broadcast_id


def local(ctx: Context, when: datetime) -> str:
    """Say a moment as every message does, in the event's zone: "08:30, Thứ Ba 11/08" (the
    year only when it is not this year)."""
    return ctx.services.dates().when(ctx.t, when)
