"""/language: choose Vietnamese or English; the choice is remembered per person."""

from __future__ import annotations

from bot.context import Context
from bot.model import Reply
from bot.router import Router
from storage import users

PREFIX = "lang"


async def ask(ctx: Context) -> Reply:
    """Offer the languages, or switch at once with `/language vi|en`."""
    if ctx.msg.args:
        ctx.payload = ctx.msg.args[0].lower()
        return await choose(ctx)
    choices = tuple(
        ctx.choice(f"language.name.{lang}", f"{PREFIX}:{lang}")
        for lang in ctx.services.texts.texts
    )
    return Reply(ctx.t("language.ask"), choices, columns=2)


async def choose(ctx: Context) -> Reply:
    """Store the chosen language and confirm in it."""
    lang = ctx.payload
    if lang not in ctx.services.texts.texts:
        return ctx.reply("language.unknown", value=lang[:20])
    await users.set_language(ctx.db, ctx.msg.platform, ctx.msg.user_id, lang)
    ctx.user.language = lang
    return ctx.reply("language.set")


def register(router: Router) -> None:
    """Add /language and its choices."""
    router.command("language", ask)
    router.choice(PREFIX, choose)
