"""Kết quả: the counting committee's file uploaded, previewed exactly as delegates will
read it (with the rule that decided it), published or discarded; a file with the title of a
published result is its correction. The same flow as in chat (`handlers.results`): a clean
file is stored as a draft at once, problems are listed by line, publishing queues the
notice to every registered delegate, and its delivery is followed on the broadcast's page.
"""

from __future__ import annotations

import logging

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.clock import to_iso
from bot.filelimits import LIMITS
from bot.i18n import Markup as TextMarkup
from bot.web.render import Web, actor_of, organiser_only, path_id, session_of, web_of
from bot.web.upload import Refused, read_upload
from handlers.results import (
    corrected_by,
    import_file,
    notice_for,
    problems_text,
    publish,
    why_not_published,
)
from storage import audit, registrations, results
from storage.results import Result

log = logging.getLogger(__name__)


def _html(text: TextMarkup) -> Markup:
    """Show a chat text (Telegram's HTML subset, values escaped) on a page."""
    return Markup(str(text).replace("\n", "<br>\n"))


async def _list(request: Request, *, status: int = 200, **context: object) -> Response:
    web = web_of(request)
    db = web.services.db
    drafts = await results.with_status(db, "draft")
    shown = await results.with_status(db, "published")
    return web.render(request, "results.html", status=status, drafts=drafts, published=shown,
                      max_mb=LIMITS.file_bytes // (1024 * 1024), **context)


@organiser_only
async def listing(request: Request) -> Response:
    """List the drafts and the published results, with the upload form."""
    return await _list(request)


@organiser_only
async def upload(request: Request) -> Response:
    """Check a result file; store it as a draft and show it, or list its problems."""
    web = web_of(request)
    upload = await read_upload(request, no_file="web.results.no_file")
    if isinstance(upload, Refused):
        return await _list(request, status=upload.status, problem=upload.problem)
    data, name = upload.data, upload.name
    parsed, result_id = await import_file(web.services, data, name, actor_of(request))
    if result_id is None:
        t = web.services.texts.in_language(web.language(session_of(request)))
        return await _list(request, status=400, report=_html(problems_text(t, parsed)))
    return RedirectResponse(f"/results/{result_id}", status_code=303)


async def _find(request: Request) -> Result | None:
    result_id = path_id(request)
    return None if result_id is None else await results.get(web_of(request).services.db, result_id)


@organiser_only
async def one(request: Request) -> Response:
    """Show a result as delegates read it (a draft: with its publish and discard buttons)."""
    web = web_of(request)
    item = await _find(request)
    if item is None:
        return web.error(request, 404)
    return await _show(request, item)


async def _show(request: Request, item: Result, *, status: int = 200,
                notice: str = "") -> Response:
    web = web_of(request)
    services = web.services
    lang = web.language(session_of(request))
    text = await notice_for(services, lang, item)
    count = len(await registrations.recipients(services.db, {"type": "all"}))
    correction = item.status == "draft" and await corrected_by(services, item) is not None
    return web.render(request, "result.html", status=status, item=item, shown=_html(text),
                      count=count, correction=correction, notice=notice)


@organiser_only
async def publish_one(request: Request) -> Response:
    """Publish a draft to every registered delegate, then follow its delivery."""
    web = web_of(request)
    item = await _find(request)
    if item is None:
        return web.error(request, 404)
    published = await publish(web.services, item.id, actor_of(request))
    if published is None:
        why = await why_not_published(web.services, item.id)
        return await _show(request, item, status=409, notice=why)
    log.info("the dashboard published result %s to %d accounts", item.id, published[1])
    return RedirectResponse(f"/announce/{published[0]}", status_code=303)


@organiser_only
async def discard_one(request: Request) -> Response:
    """Discard a draft: it is never sent."""
    web = web_of(request)
    item = await _find(request)
    if item is None:
        return web.error(request, 404)
    note = audit.Note(actor_of(request), "results.discarded", {"result": item.id},
                      to_iso(web.services.clock.now()))
    if not await results.discard(web.services.db, item.id, note):
        return await _show(request, item, status=409, notice="results.not_draft")
    return RedirectResponse("/results", status_code=303)


def routes(web: Web) -> list[BaseRoute]:
    """Return the results' routes."""
    return [Route("/results", listing),
            Route("/results/upload", upload, methods=["POST"]),
            Route("/results/{id}", one),
            Route("/results/{id}/publish", publish_one, methods=["POST"]),
            Route("/results/{id}/discard", discard_one, methods=["POST"])]
