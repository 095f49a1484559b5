"""Tài liệu: the congress documents on the dashboard: the list (title, version, readers,
session, visible from, size, withdrawn), an upload checked and previewed, then published
(or cancelled), and withdrawing. The same flow and checks as a file sent in chat
(`handlers.document_publish`: `bot.documents_check`, a title already published makes a new
version, the notice queued when the document becomes visible); the checked file waits as
the organiser's draft, as in chat, until they publish or cancel it.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import PurePath

from markupsafe import Markup
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.clock import to_iso
from bot.collation import sort_texts
from bot.documents_check import MAX_BYTES, MIB, Refusal
from bot.i18n import Markup as TextMarkup
from bot.i18n import Translate
from bot.model import parse_id
from bot.web.render import Web, actor_of, organiser_only, session_of, web_of
from handlers.document_publish import Plan, audience_label, prepare, preview, publish, when_label
from handlers.documents import size_text
from storage import agenda, audit, delegates, documents
from storage.staging import token_of

log = logging.getLogger(__name__)
DRAFTS = "web"  # the drafts' "platform": a dashboard draft is its organiser's (session actor)
TEXT_MAX = 300


def _html(text: TextMarkup) -> Markup:
    """Show a chat text (Telegram's HTML subset, values escaped) on a page."""
    return Markup(str(text).replace("\n", "<br>\n"))


def _t(request: Request) -> Translate:
    web = web_of(request)
    return web.services.texts.in_language(web.language(session_of(request)))


async def _list(request: Request, *, status: int = 200, **context: object) -> Response:
    """Return the page: the documents and the upload form."""
    web = web_of(request)
    services = web.services
    t = _t(request)
    now = to_iso(services.clock.now())
    sessions = await agenda.all_sessions(services.db, include_cancelled=True)
    titles = {s.id: s.title for s in sessions}
    rows = [{"item": d, "audience": audience_label(t, d.audience), "size": size_text(t, d.size),
             "session": titles.get(d.session_id, "") if d.session_id else "",
             "when": when_label(services, t, d.visible_from, now)}
            for d in await documents.all_documents(services.db)]
    names = sort_texts({d.delegation for d in await delegates.all_delegates(services.db)
                    if d.delegation})
    return web.render(request, "documents.html", status=status, rows=rows,
                      sessions=[s for s in sessions if not s.cancelled], delegations=names,
                      max_mb=MAX_BYTES // MIB, **context)


@organiser_only
async def listing(request: Request) -> Response:
    """List the documents, with the upload form."""
    return await _list(request)


@organiser_only
async def upload(request: Request) -> Response:
    """Check a document and its choices; keep it as a draft and show its preview, or say
    what is wrong (nothing stored)."""
    web = web_of(request)
    services = web.services
    async with request.form(max_files=1, max_fields=10) as form:
        sent = form.get("file")
        if not isinstance(sent, UploadFile) or not sent.filename:
            return await _list(request, status=400, problem="web.documents.no_file")
        data = await sent.read(MAX_BYTES + 1)
        name = sent.filename[:200]
        fields = {k: str(form.get(k, "")).strip()[:TEXT_MAX]
                  for k in ("title", "audience", "session", "from", "notify")}
    options = {"audience": fields["audience"] or "all"}
    if fields["session"]:
        options["session"] = fields["session"]
    if fields["from"]:
        options["from"] = fields["from"]
    if fields["notify"]:
        options["notify"] = "yes"
    t = _t(request)
    try:
        plan = await prepare(services, name, data, fields["title"] or PurePath(name).stem,
                             options)
    except Refusal as refusal:
        status = 413 if refusal.key == "documents.error.too_big" else 400
        return await _list(request, status=status, refused=t(refusal.key, **refusal.params))
    token = token_of(data)
    await documents.keep_draft(services.db, DRAFTS, actor_of(request), token, asdict(plan), data,
                               to_iso(services.clock.now()))
    return web.render(request, "document_preview.html", plan=plan, token=token,
                      shown=_html(await preview(services, t, plan)))


async def _token(request: Request) -> str:
    async with request.form(max_files=0, max_fields=4) as form:
        value = form.get("token")
    return value[:200] if isinstance(value, str) else ""


@organiser_only
async def publish_draft(request: Request) -> Response:
    """Publish the organiser's checked draft (a stale one: said, nothing published)."""
    web = web_of(request)
    services = web.services
    kept = await documents.take_draft(services.db, DRAFTS, actor_of(request),
                                      await _token(request))
    if kept is None:
        return await _list(request, status=409, problem="web.documents.stale")
    values, data = kept
    try:
        done = await publish(services, Plan(**values), data, actor_of(request))
    except Refusal as refusal:
        t = _t(request)
        return await _list(request, status=409, refused=t(refusal.key, **refusal.params))
    log.info("the dashboard published document %s (version %s)", done.document_id,
             done.version)
    return RedirectResponse("/documents", status_code=303)


@organiser_only
async def cancel_draft(request: Request) -> Response:
    """Drop the organiser's draft: nothing is published."""
    web = web_of(request)
    await documents.take_draft(web.services.db, DRAFTS, actor_of(request), await _token(request))
    return RedirectResponse("/documents", status_code=303)


@organiser_only
async def withdraw(request: Request) -> Response:
    """Withdraw a published document: delegates no longer see or receive it."""
    web = web_of(request)
    services = web.services
    document_id = parse_id(str(request.path_params.get("id", "")))
    item = await documents.get(services.db, document_id) if document_id is not None else None
    if item is None:
        return web.error(request, 404)
    now = to_iso(services.clock.now())
    note = audit.Note(actor_of(request), "document.withdraw", {"document": item.id}, now)
    if not await documents.withdraw(services.db, item.id, now, note):
        return await _list(request, status=409, problem="web.documents.already_withdrawn")
    log.info("the dashboard withdrew document %s", item.id)
    return RedirectResponse("/documents", status_code=303)


def routes(web: Web) -> list[BaseRoute]:
    """Return the documents' routes."""
    return [Route("/documents", listing),
            Route("/documents/upload", upload, methods=["POST"]),
            Route("/documents/publish", publish_draft, methods=["POST"]),
            Route("/documents/cancel", cancel_draft, methods=["POST"]),
            Route("/documents/{id}/withdraw", withdraw, methods=["POST"])]
