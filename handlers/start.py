"""/start: the welcome that says what the bot does for a delegate."""

from __future__ import annotations

from bot.context import Context
from bot.model import Reply
from bot.router import Router


async def start(ctx: Context) -> Reply:
    """Greet the person and say what the bot can do."""
    key = "start.welcome_organiser" if ctx.is_organiser else "start.welcome"
    return ctx.reply(key, event=ctx.services.config.event.name, name=ctx.msg.display_name)


def register(router: Router) -> None:
    """Add /start."""
    router.command("start", start)
