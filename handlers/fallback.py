"""The answer to free text that no feature claims: say what to do instead."""

from __future__ import annotations

from bot.context import Context
from bot.model import Reply
from bot.router import Router


async def free_text(ctx: Context) -> Reply:
    """Tell the person the bot answers commands and point to /help."""
    return ctx.reply("fallback.text")


def register(router: Router) -> None:
    """Claim free text."""
    router.text(free_text)
