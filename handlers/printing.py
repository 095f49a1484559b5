"""/print: an organiser gets the invitations or the badges as a PDF file in the chat.

The organiser chooses the layout (invitations or badges), then whom to print for: everyone,
only those not registered yet, or one delegation (the paged picker of
`handlers.delegation_picker`); the bot makes the PDF (`bot.printed`, off the event loop) and
sends it as one document. Where the platform takes no files from the bot, /print says to
use the command line (`delegate-bot roster print`). The pages are in the event's language
whatever the organiser chats in; the links are those of the first platform with deep links.
"""

from __future__ import annotations

from bot import channels, printed
from bot.context import Context
from bot.filelimits import off_loop
from bot.model import Attachment, Reply, parse_id
from bot.printed.content import LAYOUTS, DeepLink, PrintRefused, gather
from bot.router import Result, Router
from handlers.delegation_picker import delegation_names, page_of

PREFIX = "print"
STEP = "print.delegation"
UPLOAD_LIMIT = 50 * 1024 * 1024  # the largest file a bot may send on Telegram
ANNOUNCE_FROM = 300  # from this many people, say that the file is being made
WHO = ("all", "new", "one")  # everyone, only those not registered, one delegation


async def start(ctx: Context) -> Reply:
    """Offer the two layouts (or, without files on this platform, the command line)."""
    if not ctx.capabilities.files:
        return ctx.reply("print.chat.no_files")
    return Reply(ctx.t("print.chat.ask_layout"), tuple(
        ctx.choice(f"print.chat.layout.{layout}", f"{PREFIX}:l:{layout}") for layout in LAYOUTS))


async def choose(ctx: Context) -> Result:
    """Go on from a pressed choice: layout, then whom, then (perhaps) the delegation."""
    kind, _, rest = ctx.payload.partition(":")
    if kind == "l" and rest in LAYOUTS:
        return Reply(ctx.t("print.chat.ask_filter"), tuple(
            ctx.choice(f"print.chat.filter.{key}", f"{PREFIX}:f:{rest}:{who}")
            for key, who in (("all", "all"), ("unregistered", "new"), ("delegation", "one"))))
    if kind == "f":
        layout, _, who = rest.partition(":")
        if layout not in LAYOUTS or who not in WHO:
            return ctx.reply("print.chat.stale")
        if who != "one":
            return await make(ctx, layout, None, only_unregistered=who == "new")
        names = await delegation_names(ctx)
        if not names:
            return ctx.reply("print.refused.empty")
        await ctx.set_step(STEP, {"layout": layout, "names": names})
        return page_of(ctx, PREFIX, names, 0, ask="print.chat.ask_delegation")
    picked = ctx.user.step_data if ctx.user.step == STEP else {}
    chosen, layout_ = picked.get("names"), str(picked.get("layout"))
    number = parse_id(rest)
    if not isinstance(chosen, list) or layout_ not in LAYOUTS or number is None:
        return ctx.reply("print.chat.stale")
    names = [str(name) for name in chosen]
    if kind == "dp":
        return page_of(ctx, PREFIX, names, number, ask="print.chat.ask_delegation")
    if kind == "d" and number < len(names):
        await ctx.clear_step()
        return await make(ctx, layout_, names[number], only_unregistered=False)
    return ctx.reply("print.chat.stale")


async def remind(ctx: Context) -> Reply:
    """Answer text typed while the delegation picker waits for a button."""
    return ctx.reply("print.chat.pick_with_buttons")


def deep_linker(ctx: Context) -> DeepLink | None:
    """Return the deep-link builder of the first platform that has deep links now."""
    for platform in channels.PLATFORMS:
        capabilities = ctx.services.capabilities(platform)
        if capabilities.deep_link_template:
            return capabilities.deep_link
    return None


async def make(ctx: Context, layout: str, delegation: str | None, *,
               only_unregistered: bool) -> Reply:
    """Make the PDF and return it attached to a reply, or say why it cannot be made."""
    config = ctx.services.config
    event_t = ctx.services.texts.in_language(config.event.language)
    try:
        job = await gather(ctx.db, event_t, deep_linker(ctx), event=config.event.name,
                           tz=config.event.tz, zalo_name=config.zalo.bot_name,
                           delegation=delegation, only_unregistered=only_unregistered)
    except PrintRefused as refused:
        return ctx.reply(f"print.refused.{refused.reason}", **refused.params)
    count = len(job.cards)
    if count >= ANNOUNCE_FROM:
        await ctx.services.send(ctx.msg.platform, ctx.msg.chat_id,
                                ctx.reply("print.chat.working", count=count))
    data = await off_loop(printed.render, layout, job)
    if len(data) > UPLOAD_LIMIT:
        return ctx.reply("print.chat.too_big", size_mb=-(-len(data) // 2**20),
                         max_mb=UPLOAD_LIMIT // 2**20)
    name = str(ctx.t(f"print.chat.file.{layout}"))
    return Reply(ctx.t(f"print.chat.done.{layout}", count=count,
                       pages=printed.pages(layout, count)), attachment=Attachment(name, data))


def register(router: Router) -> None:
    """Add /print, its choices and its delegation step, for organisers."""
    router.command("print", start, organiser=True)
    router.choice(PREFIX, choose, organiser=True)
    router.step(STEP, remind, organiser=True)
