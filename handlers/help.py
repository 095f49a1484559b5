"""/help: the commands this person may use; organisers also see theirs."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import join
from bot.model import Reply
from bot.router import Router, is_registered


async def show_help(ctx: Context) -> Reply:
    """List the commands the sender may use, with a line about each (those about a
    delegate's seat only once the sender is registered)."""
    commands = ctx.services.router.visible_commands(ctx.is_organiser, await is_registered(ctx))
    delegate = [c for c in commands if not c.organiser]
    organiser = [c for c in commands if c.organiser]
    lines = [ctx.t("help.line", command=f"/{c.name}", about=ctx.t(f"command.{c.name}"))
             for c in delegate]
    if organiser:
        lines.append(ctx.t("help.organiser_header"))
        lines += [ctx.t("help.line", command=f"/{c.name}", about=ctx.t(f"command.{c.name}"))
                  for c in organiser]
    return ctx.reply("help.text", commands=join(lines))


def register(router: Router) -> None:
    """Add /help."""
    router.command("help", show_help)
