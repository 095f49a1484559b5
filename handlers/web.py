"""/web: an organiser's one-time link to the dashboard; `/web logout` ends their sessions.

The link is valid for ten minutes and opens one session (bot/web/auth.py); it goes only to
the person who asked, in their private chat. An organiser's session opens every page; a
checker's (`[organisers.checkers]`, the check-in desk's staff) has the checker role and opens
the check-in desk only. Anyone else's /web (a delegate's) is refused by the router.
"""

from __future__ import annotations

import logging

from bot.clock import to_iso
from bot.context import Context
from bot.model import Reply
from bot.router import Router
from bot.web import auth
from handlers.checkin import is_staff
from storage import web_sessions

log = logging.getLogger(__name__)


async def web(ctx: Context) -> Reply:
    """Send a login link to the dashboard, or end the sender's sessions (`/web logout`)."""
    settings = ctx.services.config.web
    args = [a.lower() for a in ctx.msg.args]
    if args == ["logout"]:
        ended = await web_sessions.end_for(ctx.db, ctx.actor, to_iso(ctx.services.clock.now()))
        log.info("%s ended their dashboard sessions (%d)", ctx.who, ended)
        return ctx.reply("web.logged_out", count=ended)
    if args:
        return ctx.reply("web.usage")
    if not settings.enabled:
        return ctx.reply("web.disabled")
    role = web_sessions.ORGANISER if ctx.is_organiser else web_sessions.CHECKER
    link = await auth.make_link(ctx.db, ctx.services.clock, settings, actor=ctx.actor,
                                role=role, language=ctx.lang)
    log.info("%s asked for a dashboard link (%s)", ctx.who, role)
    key = "web.link" if role == web_sessions.ORGANISER else "web.link_checker"
    return ctx.reply(key, link=link, minutes=auth.LINK_MINUTES)


def register(router: Router) -> None:
    """Add /web for organisers (and the check-in desk's checkers: the desk only)."""
    router.command("web", web, organiser=True, also=is_staff)
