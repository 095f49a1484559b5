"""/replace: an alternate delegate (dự khuyết) takes an official delegate's seat.

Organisers name the official delegate and the alternate by their roster codes; the bot says
who would take whose seat and does it only on the organiser's yes (`delegate-bot roster
replace` on the command line, with --dry-run for the preview alone). From then on the
alternate counts as official for the quorum and the election base (`bot.seats`). The seat,
its audit entry and the notice that tells the alternate (through the outbox, when they are
registered) are written in one transaction. Refused: unknown codes, a guest on either side,
an alternate named as the official or an official as the alternate, a seat already taken by
an alternate, an alternate already in a seat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.clock import to_iso
from bot.context import Context, Services
from bot.fanout import outbox_rows
from bot.i18n import Markup, Translate
from bot.model import Reply, parse_id
from bot.router import Router
from storage import attendance, audit, delegates, registrations
from storage.attendance import Replacement
from storage.broadcasts import NewBroadcast
from storage.db import Database
from storage.delegates import Delegate
from storage.outbox import NewMessage

log = logging.getLogger(__name__)

PREFIX = "rpl"
STEP = "replace.confirm"
MAX_CODE = 64  # a code quoted back is cut to this many characters


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a replacement cannot be made: a text key and its parameters."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Plan:
    """An alternate who may take an official delegate's seat."""

    official: Delegate
    alternate: Delegate


async def _find(db: Database, code: str) -> Delegate | None:
    """Return the delegate with a code, as typed or in capitals (codes are printed so)."""
    found = await delegates.find_by_code(db, code)
    return found if found is not None else await delegates.find_by_code(db, code.upper())


def _who(person: Delegate) -> dict[str, object]:
    return {"name": person.full_name, "code": person.code}


async def check(db: Database, official: Delegate, alternate: Delegate) -> Plan | Refusal:
    """Check that `alternate` may take `official`'s seat now."""
    if official.kind != "official":
        key = "replace.official_is_alternate" if official.kind == "alternate" else (
            "replace.official_is_guest")
        return Refusal(key, _who(official))
    if alternate.kind != "alternate":
        key = "replace.alternate_is_official" if alternate.kind == "official" else (
            "replace.alternate_is_guest")
        return Refusal(key, _who(alternate))
    people = {d.id: d for d in await delegates.all_delegates(db)}
    for seat in await attendance.replacements(db):
        if seat.official_id == official.id and seat.alternate_id in people:
            other = people[seat.alternate_id]
            return Refusal("replace.already_replaced", {
                **_who(official), "alternate": other.full_name, "alternate_code": other.code})
        if seat.alternate_id == alternate.id and seat.official_id in people:
            other = people[seat.official_id]
            return Refusal("replace.alternate_seated", {
                **_who(alternate), "official": other.full_name, "official_code": other.code})
    return Plan(official, alternate)


async def plan(db: Database, official_code: str, alternate_code: str) -> Plan | Refusal:
    """Look both codes up and check the replacement (nothing is written)."""
    official = await _find(db, official_code)
    if official is None:
        return Refusal("replace.unknown", {"code": official_code[:MAX_CODE]})
    alternate = await _find(db, alternate_code)
    if alternate is None:
        return Refusal("replace.unknown", {"code": alternate_code[:MAX_CODE]})
    return await check(db, official, alternate)


def preview(t: Translate, found: Plan) -> Markup:
    """Say who would take whose seat, and what follows from it."""
    official, alternate = found.official, found.alternate
    return t("replace.ask", alternate=alternate.full_name, alternate_code=alternate.code,
             alternate_delegation=alternate.delegation or "—", official=official.full_name,
             official_code=official.code, official_delegation=official.delegation or "—")


async def apply(services: Services, found: Plan, actor: str) -> Refusal | int:
    """Put the alternate in the seat, with its audit entry and the alternate's notice in one
    transaction; return how many of the alternate's accounts are told, or why not done."""
    official, alternate = found.official, found.alternate
    people = [r for r in await registrations.recipients(
        services.db, {"type": "kind", "value": "alternate"}) if r.delegate_id == alternate.id]
    event = services.config.event.name

    def render(language: str) -> str:
        return services.texts.t(language, "replace.notice", name=alternate.full_name,
                                official=official.full_name,
                                delegation=official.delegation or "—", event=event)

    def build(broadcast_id: int) -> list[NewMessage]:
        return outbox_rows(services, people, render, key=f"r{broadcast_id}",
                           broadcast_id=broadcast_id)

    notice = NewBroadcast("replacement", {"type": "delegate", "value": alternate.code},
                          alternate.code, actor, build) if people else None
    now = to_iso(services.clock.now())
    note = audit.Note(actor, "delegate.replaced",
                      {"official": official.code, "alternate": alternate.code}, now)
    if not await attendance.replace(services.db, Replacement(official.id, alternate.id, now,
                                                             actor), note, notice):
        again = await check(services.db, official, alternate)  # what took the seat meanwhile
        return again if isinstance(again, Refusal) else Refusal("error.stale_choice")
    log.info("%s put an alternate in an official seat", services.pseudonyms.actor(actor))
    if people:
        services.wake_delivery()
    return len(people)


def done(t: Translate, found: Plan, told: int) -> Markup:
    """Say what was recorded, and whether the alternate is being told."""
    key = "replace.done_told" if told else "replace.done_not_told"
    return t(key, alternate=found.alternate.full_name, alternate_code=found.alternate.code,
             official=found.official.full_name, official_code=found.official.code)


async def replace(ctx: Context) -> Reply:
    """Ask before putting an alternate in an official's seat: `/replace <official> <alternate>`."""
    if len(ctx.msg.args) != 2:
        return ctx.reply("replace.usage")
    found = await plan(ctx.db, *ctx.msg.args)
    if isinstance(found, Refusal):
        return ctx.reply(found.key, **found.params)
    # Only this question's answer is taken: an old "yes" must not seat someone else.
    ids = {"official": found.official.id, "alternate": found.alternate.id}
    await ctx.set_step(STEP, ids)
    data = f"{found.official.id}:{found.alternate.id}"
    return Reply(preview(ctx.t, found), (ctx.choice("replace.yes", f"{PREFIX}:yes:{data}"),
                                         ctx.choice("replace.no", f"{PREFIX}:no:{data}")),
                 columns=2)


async def on_answer(ctx: Context) -> Reply:
    """Make the replacement asked about, or drop it."""
    answer, _, rest = ctx.payload.partition(":")
    official_raw, _, alternate_raw = rest.partition(":")
    asked = ctx.user.step_data if ctx.user.step == STEP else {}
    if not asked or (parse_id(official_raw), parse_id(alternate_raw)) != (
            asked.get("official"), asked.get("alternate")):
        return ctx.reply("error.stale_choice")
    await ctx.clear_step()
    if answer != "yes":
        return ctx.reply("replace.kept")
    official = await delegates.get(ctx.db, int(asked["official"]))
    alternate = await delegates.get(ctx.db, int(asked["alternate"]))
    if official is None or alternate is None:
        return ctx.reply("error.stale_choice")
    found = await check(ctx.db, official, alternate)  # the roster may have changed since
    if isinstance(found, Refusal):
        return ctx.reply(found.key, **found.params)
    told = await apply(ctx.services, found, ctx.actor)
    if isinstance(told, Refusal):
        return ctx.reply(told.key, **told.params)
    return Reply(done(ctx.t, found, told))


def register(router: Router) -> None:
    """Add /replace and its confirmation for organisers."""
    router.command("replace", replace, organiser=True)
    router.choice(PREFIX, on_answer, organiser=True)
