"""In ấn: the invitations and the badges as a PDF download, for everyone, only those not
registered yet, or one delegation. The same job as /print in chat and `roster print`
(`bot.printed`: gathered from the roster, drawn off the event loop, in the event's
language, with the check-in and registration links of the first platform that has them).

The download is a route like any other (`routes`), answering with the file itself: the way
a feature adds a download to the dashboard.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot import channels, printed
from bot.collation import sort_texts
from bot.context import Services
from bot.filelimits import off_loop
from bot.printed.content import LAYOUTS, DeepLink, PrintRefused, gather
from bot.web.render import Web, organiser_only, session_of, web_of
from storage import delegates

log = logging.getLogger(__name__)
WHO = ("all", "new", "one")


def deep_linker(services: Services) -> DeepLink | None:
    """Return the deep-link builder of the first platform that has deep links."""
    for platform in channels.PLATFORMS:
        capabilities = services.capabilities(platform)
        if capabilities.deep_link_template:
            return capabilities.deep_link
    return None


async def _page(request: Request, *, status: int = 200, **context: object) -> Response:
    web = web_of(request)
    names = sort_texts({d.delegation for d in await delegates.all_delegates(web.services.db)
                        if d.delegation})
    return web.render(request, "print.html", status=status, layouts=LAYOUTS, delegations=names,
                      **context)


@organiser_only
async def form(request: Request) -> Response:
    """Show the choices: layout, and whom to print for."""
    return await _page(request)


@organiser_only
async def download(request: Request) -> Response:
    """Make the PDF and send it as a download (or say why it cannot be made)."""
    web = web_of(request)
    services = web.services
    async with request.form(max_files=0) as sent:
        layout = str(sent.get("layout", ""))
        who = str(sent.get("who", "all"))
        delegation = str(sent.get("delegation", ""))[:200]
    if layout not in LAYOUTS or who not in WHO or (who == "one" and not delegation):
        return await _page(request, status=400, problem="web.print.bad_choice")
    config = services.config
    event_t = services.texts.in_language(config.event.language)
    try:
        job = await gather(services.db, event_t, deep_linker(services), event=config.event.name,
                           tz=config.event.tz, zalo_name=config.zalo.bot_name,
                           delegation=delegation if who == "one" else None,
                           only_unregistered=who == "new")
    except PrintRefused as refused:
        t = web.translate(web.language(session_of(request)))
        return await _page(request, status=409,
                           refused=t(f"print.refused.{refused.reason}", **refused.params))
    data = await off_loop(printed.render, layout, job)
    name = str(event_t(f"print.chat.file.{layout}"))
    log.info("the dashboard printed %s for %d delegates", layout, len(job.cards))
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def routes(web: Web) -> list[BaseRoute]:
    """Return the print page's routes."""
    return [Route("/print", form), Route("/print", download, methods=["POST"])]
