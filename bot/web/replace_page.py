"""An alternate taking an official delegate's seat, from the official's page on Đại biểu.

The same flow as /replace in chat (`handlers.replace`): the alternate is chosen from those
not seated yet; the page says who would take whose seat and what follows; only the confirm
button (a second POST) puts them in the seat, with its audit entry and the alternate's
notice in one transaction. Every refusal of the chat's flow is shown the same way.
"""

from __future__ import annotations

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.i18n import Markup as TextMarkup
from bot.model import parse_id
from bot.web.render import Web, organiser_only, session_of, web_of
from handlers import replace
from storage import attendance, delegates
from storage.delegates import Delegate


def _html(text: TextMarkup) -> Markup:
    """Show a chat text (Telegram's HTML subset, values escaped) on a page."""
    return Markup(str(text).replace("\n", "<br>\n"))


async def free_alternates(web: Web) -> list[Delegate]:
    """Return the alternates who hold no seat yet, in code order."""
    seated = {r.alternate_id for r in await attendance.replacements(web.services.db)}
    return sorted((d for d in await delegates.all_delegates(web.services.db)
                   if d.kind == "alternate" and d.id not in seated), key=lambda d: d.code)


@organiser_only
async def take_seat(request: Request) -> Response:
    """Preview (first POST) or make (with confirm=yes) an alternate's replacement."""
    web = web_of(request)
    services = web.services
    official_id = parse_id(str(request.path_params.get("id", "")))
    official = await delegates.get(services.db, official_id) if official_id else None
    if official is None:
        return web.error(request, 404)
    async with request.form(max_files=0) as form:
        code = str(form.get("alternate", ""))[:replace.MAX_CODE]
        confirmed = form.get("confirm") == "yes"
    t = services.texts.in_language(web.language(session_of(request)))
    found = await replace.plan(services.db, official.code, code)
    if isinstance(found, replace.Refusal):
        return web.render(request, "replace.html", status=400, d=official,
                          report=_html(t(found.key, **found.params)))
    if not confirmed:
        return web.render(request, "replace.html", d=official, code=code,
                          report=_html(replace.preview(t, found)), ask=True)
    session = session_of(request)
    made = await replace.apply(services, found, session.actor if session else "web")
    if isinstance(made, replace.Refusal):
        return web.render(request, "replace.html", status=409, d=official,
                          report=_html(t(made.key, **made.params)))
    return web.render(request, "replace.html", d=official,
                      report=_html(replace.done(t, found, made)))


def routes(web: Web) -> list[BaseRoute]:
    """Return the replacement's route."""
    return [Route("/delegates/{id}/replace", take_seat, methods=["POST"])]
