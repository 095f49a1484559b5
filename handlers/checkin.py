"""Check-in on the congress day: staff scanning a card, delegates at the hall screen.

A card's or badge's QR code opens the bot with `/start ci_<token>`: an organiser or a checker
(`[organisers.checkers]`) who opens it checks that delegate in for the attendance window in
progress (or starting within the hour) and gets at once who it is and the running count; a
second scan says when and by whom. Anyone else is refused, nothing is recorded, the attempt
is logged. The hall screen's QR opens `/start hall_<code>` (or the code is typed:
`/checkin <code>`, where a platform has no deep links): a registered delegate is checked in
themselves while the code is fresh (bot/hall_code.py).
"""

from __future__ import annotations

import logging

from bot import attendance_now, hall_code
from bot.attendance_windows import Window
from bot.checkin_link import CHECKIN_PREFIX, token_from_payload
from bot.clock import from_iso, to_iso
from bot.context import Context
from bot.i18n import Markup, join
from bot.model import Reply
from bot.router import Router
from handlers.registration import current_delegate
from storage import attendance, delegates
from storage.attendance import Checkin
from storage.delegates import Delegate

log = logging.getLogger(__name__)

MAX_TOKEN = 64


def is_staff(ctx: Context) -> bool:
    """Tell whether the sender may check others in: an organiser or a checker."""
    checkers = ctx.services.config.organisers.checkers.by_platform()
    return ctx.is_organiser or ctx.msg.user_id in checkers.get(ctx.msg.platform, set())


async def _window(ctx: Context) -> Window | Reply:
    """Return the window a check-in now counts for, or the refusal naming the next one."""
    current, upcoming = await attendance_now.window_now(ctx.services)
    if current is not None:
        return current
    if upcoming is None:
        return ctx.reply("checkin.closed")
    dates = ctx.services.dates()
    return ctx.reply("checkin.not_yet",
                     window=attendance_now.window_name(ctx.services, ctx.t, upcoming),
                     opens=dates.when(ctx.t, attendance_now.window_opens(upcoming)))


def count_line(ctx: Context, counted: attendance_now.Count) -> Markup:
    """Return "Có mặt 187/299 đại biểu chính thức — đã đủ 2/3" (or how many are missing)."""
    quorum = attendance_now.quorum_text(counted.quorum)
    if counted.reached:
        return ctx.t("checkin.count_reached", present=counted.present,
                     summoned=counted.summoned, quorum=quorum)
    return ctx.t("checkin.count_short", present=counted.present, summoned=counted.summoned,
                 quorum=quorum, needed=counted.needed)


def _who(ctx: Context, delegate: Delegate) -> Markup:
    return ctx.t("checkin.who", name=delegate.full_name, delegation=delegate.delegation or "—",
                 seat=delegate.seat or "—", kind=ctx.t(f"kind.{delegate.kind}"))


def _earlier(ctx: Context, held: Checkin) -> Markup:
    """Say when and by whom a delegate was already checked in."""
    at = ctx.services.dates().when(ctx.t, from_iso(held.checked_at))
    if held.method == "hall":
        return ctx.t("checkin.already_hall", at=at)
    by = (held.by_name or ctx.t(f"platform.{held.by_platform}")) if held.by_platform else "—"
    return ctx.t("checkin.already", at=at, by=by)


async def scan(ctx: Context) -> Reply:
    """Check in the delegate whose card was scanned (staff only)."""
    if not is_staff(ctx):
        log.warning("%s opened a check-in link without being staff: refused", ctx.who)
        registered = await current_delegate(ctx) is not None
        return ctx.reply("checkin.not_staff_delegate" if registered else "checkin.not_staff")
    token = token_from_payload(ctx.msg.args[0][:MAX_TOKEN + len(CHECKIN_PREFIX)])
    delegate = await delegates.find_by_checkin_token(ctx.db, token) if token else None
    if delegate is None:
        log.warning("%s scanned an unknown or revoked check-in link", ctx.who)
        return ctx.reply("checkin.unknown_card")
    window = await _window(ctx)
    if isinstance(window, Reply):
        return window
    now = to_iso(ctx.services.clock.now())
    held, made = await attendance.check_in(ctx.db, Checkin(
        delegate.id, window.key, now, "staff", ctx.msg.platform, ctx.msg.user_id,
        ctx.msg.display_name[:100]))
    counted = await attendance_now.count(ctx.services, window)
    head = ctx.t("checkin.done" if made else "checkin.twice")
    lines = [head, _who(ctx, delegate)]
    if not made:
        lines.append(_earlier(ctx, held))
    lines.append(count_line(ctx, counted))
    if made:
        log.info("%s checked a delegate in for %s", ctx.who, window.key)
        await attendance_now.tell_quorum(ctx.services, window, counted)
    return Reply(join(lines))


async def _hall(ctx: Context, given: str) -> Reply:
    """Check the sender in themselves with the hall screen's code."""
    delegate = await current_delegate(ctx)
    if delegate is None:
        log.info("%s used a hall code without being registered: refused", ctx.who)
        return ctx.reply("checkin.hall_not_registered")
    secret = await hall_code.event_secret(ctx.db)
    now = ctx.services.clock.now()
    if not hall_code.is_valid(secret, given[:32], now):
        log.info("%s sent an old or wrong hall code", ctx.who)
        return ctx.reply("checkin.hall_expired")
    window = await _window(ctx)
    if isinstance(window, Reply):
        return window
    held, made = await attendance.check_in(ctx.db, Checkin(
        delegate.id, window.key, to_iso(now), "hall", "", "", ""))
    name = attendance_now.window_name(ctx.services, ctx.t, window)
    if not made:
        at = ctx.services.dates().when(ctx.t, from_iso(held.checked_at))
        return ctx.reply("checkin.hall_twice", window=name, at=at)
    log.info("%s checked in at the hall for %s", ctx.who, window.key)
    await attendance_now.tell_quorum(ctx.services, window,
                                     await attendance_now.count(ctx.services, window))
    return ctx.reply("checkin.hall_done", name=delegate.full_name, window=name)


async def hall_link(ctx: Context) -> Reply:
    """`/start hall_<code>`: the hall screen's QR code."""
    return await _hall(ctx, ctx.msg.args[0][len(hall_code.HALL_PREFIX):])


async def hall_typed(ctx: Context) -> Reply:
    """`/checkin <code>`: the hall screen's code typed."""
    if not ctx.msg.args:
        return ctx.reply("checkin.hall_usage")
    return await _hall(ctx, "".join(ctx.msg.args))


def register(router: Router) -> None:
    """Route check-in links (`ci_`), hall codes (`hall_`, /checkin)."""
    router.start_payload(CHECKIN_PREFIX, scan)
    router.start_payload(hall_code.HALL_PREFIX, hall_link)
    router.command("checkin", hall_typed, listed="registered")
