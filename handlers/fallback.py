"""The answer to free text that no feature claims: a code from a person not registered,
or say what to do instead."""

from __future__ import annotations

from bot.context import Context
from bot.model import Reply
from bot.router import Router
from handlers import registration


async def free_text(ctx: Context) -> Reply:
    """Take a code (or explain registration) from a person not registered yet; otherwise
    tell the person the bot answers commands and point to /help."""
    return await registration.unregistered_text(ctx) or ctx.reply("fallback.text")


def register(router: Router) -> None:
    """Claim free text."""
    router.text(free_text)
