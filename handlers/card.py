"""/card: the delegate's card with the QR code of their check-in link; /newcard for
organisers, which issues a delegate a new check-in token (the old card stops working).

Where the platform takes pictures the bot makes (`Capabilities.picture_upload`: Telegram),
the card is a picture (bot/card_image.py) with the details as its caption; elsewhere (Zalo
takes pictures by URL only) it comes as text, with a note to show the printed badge at the
door. The check-in link is the first deep link a platform gives (`/start ci_<token>`).
"""

from __future__ import annotations

import asyncio
import html
import logging

from bot import card_image
from bot.channels import PLATFORMS
from bot.checkin_link import checkin_payload
from bot.clock import to_iso
from bot.context import Context, Services
from bot.fanout import language_for
from bot.model import Picture, Reply
from bot.router import Router
from handlers.registration import current_delegate
from storage import audit, delegates, registrations, users
from storage.delegates import Delegate

log = logging.getLogger(__name__)


def link_for(services: Services, token: str) -> str | None:
    """Return the check-in link of a token: the first platform's deep link, or None."""
    for platform in PLATFORMS:
        link = services.capabilities(platform).deep_link(checkin_payload(token))
        if link:
            return link
    return None


def _plain(text: str) -> str:
    return html.unescape(text)


async def card(ctx: Context) -> Reply:
    """Send the sender's card: a picture where the platform can take one, else text."""
    delegate = await current_delegate(ctx)
    token = await delegates.checkin_token(ctx.db, delegate.id) if delegate else None
    if delegate is None or token is None:
        return ctx.reply("registration.not_registered")
    event = ctx.services.config.event.name
    kind = ctx.t(f"kind.{delegate.kind}")
    details = ctx.t("card.caption", event=event, name=delegate.full_name,
                    unit=delegate.unit or "—", delegation=delegate.delegation or "—",
                    seat=delegate.seat or "—", kind=kind)
    link = link_for(ctx.services, token)
    if not (ctx.capabilities.picture_upload and link):
        return Reply(ctx.t("card.text", details=details))
    text = card_image.CardText(
        event, delegate.full_name,
        tuple((_plain(ctx.t(f"card.label.{key}")), value or "—") for key, value in (
            ("unit", delegate.unit), ("delegation", delegate.delegation),
            ("seat", delegate.seat))),
        _plain(kind), _plain(ctx.t("card.scan_hint")))
    png = await asyncio.to_thread(card_image.render, text, link)
    return Reply(ctx.t("card.photo_caption", details=details),
                 picture=Picture(png, "card.png"))


async def new_card(ctx: Context) -> Reply:
    """Issue a delegate a new check-in token: `/newcard <delegate code>`."""
    delegate = await ctx.delegate_named("card.new_usage", "card.new_unknown")
    if isinstance(delegate, Reply):
        return delegate
    now = to_iso(ctx.services.clock.now())
    await reissue(ctx.services, delegate, ctx.actor, now)
    log.info("%s issued a new check-in token", ctx.who)
    return ctx.reply("card.new_done", name=delegate.full_name, code=delegate.code)


async def reissue(services: Services, delegate: Delegate, actor: str, now: str) -> None:
    """Give a delegate a new check-in token (revoking the old), note it in the audit log,
    and tell the delegate's accounts to take their new card."""
    await delegates.new_checkin_token(services.db, delegate.id)
    await audit.record(services.db, actor=actor, action="checkin.token_reissued",
                       details={"delegate": delegate.code}, now=now)
    for account in await registrations.accounts_of(services.db, delegate.id):
        person = await users.get(services.db, account.platform, account.user_id)
        language = language_for(services, person.language if person else None,
                                person.platform_language if person else None)
        await services.send(account.platform, account.chat_id,
                            Reply(services.texts.t(language, "card.new_notice")))


def register(router: Router) -> None:
    """Add /card for registered delegates and /newcard for organisers."""
    router.command("card", card, registered=True)
    router.command("newcard", new_card, organiser=True)
