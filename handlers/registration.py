"""Registration: a delegate proves who they are once, by invite code or (Telegram) phone.

/start asks for the invite code (or takes it from the deep link `/start <code>`), shows who
it belongs to and asks "is this you?"; the confirmation links the chat account to the
delegate. A person not registered yet may also just send the code as their first message
(Zalo has no Start button): any text that can be a code is taken as one, and other text
("xin chào") gets the explanation of how to register. Wrong codes are counted (text that
cannot be a code is not) and, past the limit, the account must wait. A seat already linked
to another account on the same platform is refused and the organisers are told. The answer
to "is this you?" replaces the question where the platform can edit it (one round trip).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.clock import from_iso, to_iso
from bot.context import Context
from bot.fanout import language_for
from bot.formats.invite import fold_invite_code, invite_code_in
from bot.formats.roster import normalize_phone
from bot.i18n import Markup, join
from bot.model import Reply
from bot.router import Router
from storage import delegates, registrations, users
from storage.delegates import Delegate

log = logging.getLogger(__name__)

STEP_CODE = "registration.code"
STEP_CONFIRM = "registration.confirm"
PREFIX = "reg"
FORGET = "forget"
STEP_FORGET = "forget.confirm"


async def current_delegate(ctx: Context) -> Delegate | None:
    """Return the delegate the sender is registered as, if any."""
    delegate_id = await registrations.delegate_id_of(ctx.db, ctx.msg.platform, ctx.msg.user_id)
    return None if delegate_id is None else await delegates.get(ctx.db, delegate_id)


async def start(ctx: Context) -> Reply | list[Reply]:
    """Welcome; then ask for the invite code, or check the one from the deep link."""
    event = ctx.services.config.event.name
    if ctx.is_organiser and not ctx.msg.args:
        return ctx.reply("start.welcome_organiser", event=event, hello=hello(ctx))
    delegate = await current_delegate(ctx)
    if delegate is not None:
        return Reply(join([ctx.t("start.welcome_back", event=event, name=delegate.full_name),
                           ctx.t("registration.next_steps")], "\n\n"))
    if ctx.msg.args:
        return await check_code(ctx, "".join(ctx.msg.args))
    welcome = ctx.reply("start.welcome", event=event, hello=hello(ctx))
    return [welcome, await ask_code(ctx)]


def hello(ctx: Context) -> Markup:
    """Greet the sender by the name their app gives, or without one when it gives none."""
    name = ctx.msg.display_name.strip()
    return ctx.t("start.hello", name=name) if name else ctx.t("start.hello_nameless")


async def ask_code(ctx: Context) -> Reply:
    """Ask for the invite code, offering the phone button where the roster has phones."""
    await ctx.set_step(STEP_CODE)
    by_phone = ctx.capabilities.contact_sharing and await delegates.has_phones(ctx.db)
    key = "registration.ask_code_or_phone" if by_phone else "registration.ask_code"
    return Reply(ctx.t(key), request_contact=by_phone)


def _failures_that_count(ctx: Context) -> datetime:
    """Return since when failed attempts can still lock the sender out."""
    settings = ctx.services.config.registration
    return ctx.services.clock.now() - timedelta(
        minutes=settings.window_minutes + settings.lockout_minutes)


async def _locked_for(ctx: Context) -> int:
    """Return the minutes the sender must still wait, or 0 when they may try."""
    settings = ctx.services.config.registration
    now = ctx.services.clock.now()
    times = [from_iso(t) for t in await registrations.failures_since(
        ctx.db, ctx.msg.platform, ctx.msg.user_id, to_iso(_failures_that_count(ctx)))]
    window = timedelta(minutes=settings.window_minutes)
    for i in range(len(times) - settings.max_attempts + 1):
        burst = times[i:i + settings.max_attempts]
        if burst[-1] - burst[0] <= window:
            until = burst[-1] + timedelta(minutes=settings.lockout_minutes)
            if until > now:
                return max(1, -(-int((until - now).total_seconds()) // 60))
    return 0


async def _failed(ctx: Context, reason: str) -> Reply:
    """Count a wrong attempt and answer without telling whether the code exists."""
    now = ctx.services.clock.now()
    await registrations.record_failure(ctx.db, ctx.msg.platform, ctx.msg.user_id, to_iso(now))
    log.info("registration attempt failed (%s) for %s", reason, ctx.who)
    minutes = await _locked_for(ctx)
    if minutes:
        return ctx.reply("registration.locked", minutes=minutes)
    await ctx.set_step(STEP_CODE)
    return ctx.reply(f"registration.wrong_{reason}")


async def check_code(ctx: Context, raw: str) -> Reply:
    """Look the invite code up and ask the sender to confirm who they are."""
    minutes = await _locked_for(ctx)
    if minutes:
        await ctx.set_step(STEP_CODE)  # after the wait, the code can simply be typed
        return ctx.reply("registration.locked", minutes=minutes)
    code = fold_invite_code(raw)
    delegate = await delegates.find_by_invite_code(ctx.db, code) if code else None
    if delegate is None:
        return await _failed(ctx, "code")
    return await _ask_confirmation(ctx, delegate, "invite_code")


async def _ask_confirmation(ctx: Context, delegate: Delegate, method: str) -> Reply:
    holder = await registrations.account_of(ctx.db, ctx.msg.platform, delegate.id)
    if holder is not None and holder.user_id != ctx.msg.user_id:
        await registrations.record_failure(ctx.db, ctx.msg.platform, ctx.msg.user_id,
                                           to_iso(ctx.services.clock.now()))
        await _seat_taken(ctx, delegate)
        await ctx.clear_step()
        return ctx.reply("registration.taken")
    await ctx.set_step(STEP_CONFIRM, {"delegate_id": delegate.id, "method": method})
    return Reply(
        ctx.t("registration.confirm", name=delegate.full_name, unit=delegate.unit or "—",
              delegation=delegate.delegation or "—"),
        (ctx.choice("registration.yes", f"{PREFIX}:yes"),
         ctx.choice("registration.no", f"{PREFIX}:no")),
        columns=2,
    )


async def _seat_taken(ctx: Context, delegate: Delegate) -> None:
    """Tell every organiser that someone presented a seat already linked elsewhere."""
    log.warning("%s presented the credentials of a delegate linked to another account",
                ctx.who)
    services = ctx.services
    for platform, ids in services.organisers.items():
        for organiser_id in ids:
            account = await users.get(ctx.db, platform, organiser_id)
            if account is None:
                continue
            text = services.texts.t(
                language_for(services, account.language, account.platform_language),
                "registration.alert_taken", account=ctx.msg.display_name,
                platform=ctx.msg.platform, user_id=ctx.msg.user_id, name=delegate.full_name,
                code=delegate.code,
            )
            await services.send(platform, account.chat_id, Reply(text))


async def explain(ctx: Context) -> Reply:
    """Tell a person who is not registered how to register (nothing is counted)."""
    await ctx.set_step(STEP_CODE)
    by_phone = ctx.capabilities.contact_sharing and await delegates.has_phones(ctx.db)
    key = "registration.explain_or_phone" if by_phone else "registration.explain"
    return Reply(ctx.t(key, event=ctx.services.config.event.name), request_contact=by_phone)


async def on_code(ctx: Context) -> Reply:
    """Take the text sent while the bot waits for an invite code (or for "is this you?"):
    a code is checked, other text is explained (or the question asked again)."""
    if invite_code_in(ctx.msg.text) is not None:
        return await check_code(ctx, ctx.msg.text)
    if ctx.user.step == STEP_CONFIRM:
        delegate = await delegates.get(ctx.db, int(ctx.user.step_data["delegate_id"]))
        if delegate is not None:
            return await _ask_confirmation(ctx, delegate, str(ctx.user.step_data["method"]))
    return await explain(ctx)


async def unregistered_text(ctx: Context) -> Reply | None:
    """Answer free text from a person who is not registered: a code is checked, other text
    gets the explanation (organisers get None: their text is not about registering)."""
    if await current_delegate(ctx) is not None:
        return None
    if invite_code_in(ctx.msg.text) is not None:
        return await check_code(ctx, ctx.msg.text)
    return None if ctx.is_organiser else await explain(ctx)


async def on_contact(ctx: Context) -> Reply:
    """Register by a shared phone number, only if it is the sender's own."""
    contact = ctx.msg.contact
    assert contact is not None
    if await current_delegate(ctx) is not None:
        return ctx.reply("registration.already_done")
    if contact.user_id != ctx.msg.user_id:
        return ctx.reply("registration.phone_not_yours")
    minutes = await _locked_for(ctx)
    if minutes:
        return ctx.reply("registration.locked", minutes=minutes)
    phone = normalize_phone(contact.phone_number)
    delegate = await delegates.find_by_phone(ctx.db, phone) if phone else None
    if delegate is None:
        return await _failed(ctx, "phone")
    return await _ask_confirmation(ctx, delegate, "phone")


async def on_choice(ctx: Context) -> Reply:
    """Confirm ("yes") or reject ("no") the delegate shown."""
    if ctx.user.step != STEP_CONFIRM:
        return ctx.reply("error.stale_choice")
    data = ctx.user.step_data
    if ctx.payload != "yes":
        await ctx.set_step(STEP_CODE)
        return _answer(ctx.t("registration.not_me"))
    delegate = await delegates.get(ctx.db, int(data["delegate_id"]))
    if delegate is None:
        await ctx.clear_step()
        return ctx.reply("error.stale_choice")
    now = to_iso(ctx.services.clock.now())
    ctx.user.step, ctx.user.step_data = None, {}  # `confirm` ends it in the same write
    if not await registrations.confirm(ctx.db, ctx.msg.platform, ctx.msg.user_id, delegate.id,
                                       str(data.get("method", "invite_code")), now):
        if await current_delegate(ctx) is not None:
            return _answer(ctx.t("registration.already_done"))
        await _seat_taken(ctx, delegate)
        return _answer(ctx.t("registration.taken"))
    log.info("%s registered", ctx.who)
    return _answer(join([ctx.t("registration.done", name=delegate.full_name),
                         ctx.t("registration.next_steps")], "\n\n"))


def _answer(text: str) -> Reply:
    """Return the answer to "is this you?", which replaces the question where it can."""
    return Reply(text, replaces_question=True)


async def me(ctx: Context) -> Reply:
    """Show the sender's registration."""
    delegate = await current_delegate(ctx)
    if delegate is None:
        return ctx.reply("registration.not_registered")
    return ctx.reply(
        "me.text", name=delegate.full_name, code=delegate.code, unit=delegate.unit or "—",
        delegation=delegate.delegation or "—", kind=ctx.t(f"kind.{delegate.kind}"),
        seat=delegate.seat or "—",
    )


async def forget(ctx: Context) -> Reply:
    """Ask before unlinking the sender and deleting their chat data."""
    await ctx.set_step(STEP_FORGET)
    return Reply(ctx.t("forget.ask"), (ctx.choice("forget.yes", f"{FORGET}:yes"),
                                       ctx.choice("forget.no", f"{FORGET}:no")), columns=2)


async def on_forget(ctx: Context) -> Reply:
    """Delete the sender's link and chat data, or keep them."""
    if ctx.user.step != STEP_FORGET:
        return ctx.reply("error.stale_choice")
    await ctx.clear_step()
    if ctx.payload != "yes":
        return ctx.reply("forget.kept")
    await registrations.forget_account(ctx.db, ctx.msg.platform, ctx.msg.user_id,
                                       to_iso(ctx.services.clock.now()),
                                       to_iso(_failures_that_count(ctx)))
    log.info("%s asked to be forgotten", ctx.who)
    return Reply(ctx.services.texts.t(ctx.lang, "forget.done"))


def register(router: Router) -> None:
    """Add /start, /me, /forget, the code and contact steps and their choices."""
    router.command("start", start)
    router.command("me", me, registered=True)
    router.command("forget", forget, listed="registered")
    router.step(STEP_CODE, on_code)
    router.step(STEP_CONFIRM, on_code)
    router.choice(PREFIX, on_choice)
    router.choice(FORGET, on_forget)
    router.contact(on_contact)
