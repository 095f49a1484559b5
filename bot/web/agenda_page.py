"""Chương trình: the programme, and a new programme file uploaded, checked and applied.

The same flow as a programme sent in chat (`handlers.agenda_import`): the file is read and
checked whole; its problems are listed (file, line), or its changes to the programme; it is
kept (`storage.staging`, as in chat, under a purpose of its own) until the organiser applies
it, with or without change notices to the delegates concerned, or uploads another. A file
over the upload limit, empty, or that is no programme is refused with what is wrong.
"""

from __future__ import annotations

import logging

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.clock import from_iso, to_iso
from bot.filelimits import LIMITS
from bot.i18n import Markup as TextMarkup
from bot.web.render import Web, actor_of, organiser_only, session_of, web_of
from bot.web.upload import Refused, read_upload
from handlers.agenda_import import apply_plan, plan_from_bytes, render_plan
from storage import agenda, staging

log = logging.getLogger(__name__)
PURPOSE = "web.agenda"
SHOWN_CHANGES = 200  # changes and problems listed on the page


def _html(text: TextMarkup) -> Markup:
    """Show a chat text (Telegram's HTML subset, values escaped) on a page."""
    return Markup(str(text).replace("\n", "<br>\n"))


def _owner(request: Request) -> tuple[str, str]:
    """Return under whom the file is kept: the session's person."""
    platform, _, user_id = actor_of(request).partition(":")
    return platform, user_id


async def _page(request: Request, *, status: int = 200, **context: object) -> Response:
    web = web_of(request)
    services = web.services
    dates = services.dates()
    t = services.texts.in_language(web.language(session_of(request)))
    sessions = [(s, dates.span(t, from_iso(s.starts_at), from_iso(s.ends_at)))
                for s in await agenda.all_sessions(services.db)]
    return web.render(request, "agenda.html", status=status, sessions=sessions,
                      max_mb=LIMITS.file_bytes // (1024 * 1024), **context)


@organiser_only
async def programme(request: Request) -> Response:
    """Show the programme and the upload form."""
    return await _page(request)


@organiser_only
async def check(request: Request) -> Response:
    """Check an uploaded programme file and show what it would change."""
    web = web_of(request)
    services = web.services
    upload = await read_upload(request, no_file="web.agenda.no_file")
    if isinstance(upload, Refused):
        return await _page(request, status=upload.status, problem=upload.problem)
    data, name = upload.data, upload.name
    t = services.texts.in_language(web.language(session_of(request)))
    plan = await plan_from_bytes(services, data, name)
    report = _html(render_plan(t, plan, services.dates(), state="check", limit=SHOWN_CHANGES))
    if not plan.ok:
        return await _page(request, status=400, report=report)
    platform, user_id = _owner(request)
    token = await staging.stage_file(services.db, platform, user_id, PURPOSE, name, data,
                                     to_iso(services.clock.now()))
    return await _page(request, report=report, token=token, changes=len(plan.changes),
                       first=plan.first)


@organiser_only
async def apply(request: Request) -> Response:
    """Apply the file checked last, with or without change notices."""
    web = web_of(request)
    services = web.services
    async with request.form(max_files=0) as form:
        token = str(form.get("token", ""))[:20]
        notify = form.get("notify") == "yes"
    platform, user_id = _owner(request)
    staged = await staging.take(services.db, platform, user_id, PURPOSE, token)
    if staged is None:
        return await _page(request, status=409, problem="web.agenda.stale")
    name, data = staged
    plan = await plan_from_bytes(services, data, name)
    t = services.texts.in_language(web.language(session_of(request)))
    if not plan.ok:  # the programme changed meanwhile in a way the file no longer fits
        report = _html(render_plan(t, plan, services.dates(), state="check",
                                   limit=SHOWN_CHANGES))
        return await _page(request, status=400, report=report)
    session = session_of(request)
    _, told = await apply_plan(services, plan, actor=session.actor if session else "web",
                               notify=notify)
    log.info("the dashboard applied a programme file (%d changes, %d told)",
             len(plan.changes), told)
    done = _html(render_plan(t, plan, services.dates(), state="done", limit=SHOWN_CHANGES))
    return await _page(request, report=done, told=told)


def routes(web: Web) -> list[BaseRoute]:
    """Return the programme's routes."""
    return [Route("/agenda", programme),
            Route("/agenda/check", check, methods=["POST"]),
            Route("/agenda/apply", apply, methods=["POST"])]
