"""Organisers' view of registration: /registrations (counts and who is missing) and /unlink
(which says whose accounts it would unlink, and does it only on the organiser's yes)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.clock import to_iso
from bot.collation import name_key, text_key
from bot.context import Context, Services
from bot.fanout import language_for
from bot.i18n import join
from bot.model import Choice, Reply, parse_id
from bot.router import Router
from storage import audit, delegates, registrations, users
from storage.delegates import Delegate
from storage.registrations import Account

log = logging.getLogger(__name__)

PREFIX = "regs"
UNLINK = "unl"
STEP_UNLINK = "unlink.confirm"
PAGE_SIZE = 20


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}" if whole else "0"


@dataclass(frozen=True)
class Tally:
    """Registered over total: delegates (officials and alternates; guests are not
    delegates), guests apart, and the delegates by kind and by delegation (Vietnamese order)."""

    total: int
    registered: int
    guests_total: int
    guests_registered: int
    by_kind: list[tuple[str, int, int]]          # (kind, total, registered)
    by_delegation: list[tuple[str, int, int]]    # (delegation, total, registered)

    @property
    def percent(self) -> str:
        """Return the share registered, in whole percent."""
        return _percent(self.registered, self.total)


def tally(rows: list[tuple[str, str, int, int]]) -> Tally:
    """Count `delegates.counts` rows (kind, delegation, total, registered) the way the
    organisers read them; the dashboard shows the same figures."""
    by_kind: dict[str, list[int]] = {}
    by_delegation: dict[str, list[int]] = {}
    for kind, delegation, count, registered in rows:
        if kind == "guest":
            continue
        for table, key in ((by_kind, kind), (by_delegation, delegation)):
            entry = table.setdefault(key, [0, 0])
            entry[0] += count
            entry[1] += registered
    guests = [r for r in rows if r[0] == "guest"]
    return Tally(
        total=sum(r[2] for r in rows if r[0] != "guest"),
        registered=sum(r[3] for r in rows if r[0] != "guest"),
        guests_total=sum(r[2] for r in guests), guests_registered=sum(r[3] for r in guests),
        by_kind=[(k, n, r) for k, (n, r) in sorted(by_kind.items())],
        by_delegation=[(d, n, r) for d, (n, r) in
                       sorted(by_delegation.items(), key=lambda i: text_key(i[0]))])


async def summary(ctx: Context) -> Reply:
    """Show registered out of total, by kind and by delegation, and the first missing page."""
    rows = await delegates.counts(ctx.db)
    if not rows or sum(r[2] for r in rows) == 0:
        return ctx.reply("overview.empty")
    counted = tally(rows)
    lines = [ctx.t("overview.total", registered=counted.registered, total=counted.total,
                   percent=counted.percent)]
    if counted.guests_total:
        lines.append(ctx.t("overview.guests", registered=counted.guests_registered,
                           total=counted.guests_total))
    lines.append(ctx.t("overview.by_kind"))
    lines += [ctx.t("overview.line", name=ctx.t(f"kind.{kind}"), registered=r, total=n)
              for kind, n, r in counted.by_kind]
    lines.append(ctx.t("overview.by_delegation"))
    lines += [ctx.t("overview.line", name=name or ctx.t("overview.no_delegation"),
                    registered=r, total=n)
              for name, n, r in counted.by_delegation]
    page = await _page(ctx, 0)
    return Reply(join([join(lines), page.text], "\n\n"), page.choices, columns=2)


async def _page(ctx: Context, page: int) -> Reply:
    missing = await delegates.count_unregistered(ctx.db)
    if missing == 0:
        return ctx.reply("overview.all_registered")
    pages = -(-missing // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    everyone = sorted(await delegates.unregistered(ctx.db),
                      key=lambda d: (text_key(d.delegation), name_key(d.full_name), d.code))
    people = everyone[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    lines = [ctx.t("overview.missing", count=missing, page=page + 1, pages=pages)]
    lines += [ctx.t("overview.person", code=d.code, name=d.full_name,
                    delegation=d.delegation or "—") for d in people]
    choices: list[Choice] = []
    if page > 0:
        choices.append(ctx.choice("overview.previous", f"{PREFIX}:{page - 1}"))
    if page < pages - 1:
        choices.append(ctx.choice("overview.next", f"{PREFIX}:{page + 1}"))
    return Reply(join(lines), tuple(choices), columns=2)


async def on_page(ctx: Context) -> Reply:
    """Show another page of the delegates who have not registered."""
    return await _page(ctx, parse_id(ctx.payload) or 0)


async def unlink(ctx: Context) -> Reply:
    """Ask before unlinking a delegate's chat accounts: `/unlink <delegate code>`."""
    delegate = await ctx.delegate_named("unlink.usage", "unlink.unknown")
    if isinstance(delegate, Reply):
        return delegate
    accounts = await registrations.accounts_of(ctx.db, delegate.id)
    if not accounts:
        return ctx.reply("unlink.none", name=delegate.full_name, code=delegate.code)
    # The answer is taken only while this question is the organiser's latest: an old "yes"
    # must not unlink whoever has linked the seat since.
    await ctx.set_step(STEP_UNLINK, {"delegate": delegate.id})
    platforms = join(sorted({ctx.t(f"platform.{a.platform}") for a in accounts}), ", ")
    question = ctx.t("unlink.ask", name=delegate.full_name, code=delegate.code,
                     count=len(accounts), platforms=platforms)
    return Reply(question, (ctx.choice("unlink.yes", f"{UNLINK}:yes:{delegate.id}"),
                            ctx.choice("unlink.no", f"{UNLINK}:no:{delegate.id}")), columns=2)


async def on_unlink(ctx: Context) -> Reply:
    """Unlink the delegate asked about and tell them, or keep the link."""
    answer, _, value = ctx.payload.partition(":")
    asked = ctx.user.step_data.get("delegate") if ctx.user.step == STEP_UNLINK else None
    if asked is None or parse_id(value) != asked:
        return ctx.reply("error.stale_choice")
    await ctx.clear_step()
    delegate = await delegates.get(ctx.db, int(asked))
    if delegate is None:
        return ctx.reply("error.stale_choice")
    if answer != "yes":
        return ctx.reply("unlink.kept", name=delegate.full_name, code=delegate.code)
    accounts = await unlink_and_tell(ctx.services, delegate, ctx.actor)
    if not accounts:
        return ctx.reply("unlink.none", name=delegate.full_name, code=delegate.code)
    log.info("%s unlinked a delegate's accounts (%d)", ctx.who, len(accounts))
    return ctx.reply("unlink.done", name=delegate.full_name, code=delegate.code,
                     count=len(accounts))


async def unlink_and_tell(services: Services, delegate: Delegate,
                          actor: str) -> list[Account]:
    """Unlink a delegate's accounts (audited as `actor`) and tell each of them; return the
    accounts unlinked (none: nothing changed). The chat's /unlink and the dashboard's."""
    note = audit.Note(actor, "delegate.unlinked", {"delegate": delegate.code},
                      to_iso(services.clock.now()))
    accounts = await registrations.unlink_delegate(services.db, delegate.id, note)
    for account in accounts:
        person = await users.get(services.db, account.platform, account.user_id)
        language = language_for(services, person.language if person else None,
                                person.platform_language if person else None)
        await services.send(account.platform, account.chat_id,
                            Reply(services.texts.t(language, "unlink.notice")))
    return accounts


def register(router: Router) -> None:
    """Add /registrations and /unlink for organisers."""
    router.command("registrations", summary, organiser=True)
    router.command("unlink", unlink, organiser=True)
    router.choice(PREFIX, on_page, organiser=True)
    router.choice(UNLINK, on_unlink, organiser=True)
