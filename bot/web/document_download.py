"""A congress document downloaded through a link the bot sent on a platform that cannot
carry files (`bot.document_links`): no session, the link's token is the proof.

`GET /documents/file?t=…` shows the document (title, version, size) and a button; nothing
is used, so a chat app fetching a preview of the link does not use it up. `POST` (the
guard lets it through without a session, like the login form) serves the file once, as an
attachment with its content type. A link that is unknown, used, expired, of a withdrawn or
restricted document, or of a person who may no longer read it gets a page that says so,
and nothing is served.
"""

from __future__ import annotations

import functools
import logging
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot import document_links
from bot.document_links import Found
from bot.web.render import Web, web_of
from handlers.documents import size_text

log = logging.getLogger(__name__)
TOKEN_MAX = 200
STATUS = {document_links.UNKNOWN: 404, document_links.USED: 410, document_links.EXPIRED: 410,
          document_links.GONE: 410, document_links.REFUSED: 403}


def _refusal(request: Request, found: Found) -> Response:
    """Return the page that says why a link serves nothing."""
    web = web_of(request)
    return web.render_in(_language(web, found), request, "document_file.html",
                         status=STATUS[found.state], reason=f"web.documents.file.{found.state}",
                         item=None)


def _language(web: Web, found: Found) -> str:
    """Return the page's language: that of the person the link names, else the event's."""
    return found.language or web.language(None)


async def show(request: Request) -> Response:
    """Show the document a link names and its download button (the link stays unused)."""
    web = web_of(request)
    token = request.query_params.get("t", "")[:TOKEN_MAX]
    found = await document_links.look(web.services, token) if token else Found(
        document_links.UNKNOWN)
    if found.state != document_links.VALID or found.document is None:
        return _refusal(request, found)
    lang = _language(web, found)
    size = size_text(functools.partial(web.services.texts.t, lang), found.document.size)
    return web.render_in(lang, request, "document_file.html", item=found.document, size=size,
                         token=token, hours=document_links.LINK_HOURS)


async def download(request: Request) -> Response:
    """Serve the file once, as an attachment (or the page that says why not)."""
    web = web_of(request)
    async with request.form(max_files=0, max_fields=4) as form:
        value = form.get("t")
    token = value[:TOKEN_MAX] if isinstance(value, str) else ""
    if not token:
        return _refusal(request, Found(document_links.UNKNOWN))
    try:
        found, data = await document_links.take(web.services, token)
    except OSError as exc:
        log.error("a document's file cannot be read: %s", exc)
        return web.render(request, "document_file.html", status=500, item=None,
                          reason="web.documents.file.missing")
    item = found.document
    if found.state != document_links.VALID or item is None:
        return _refusal(request, found)
    log.info("document %s (version %s) downloaded through a link", item.id, item.version)
    return Response(data, media_type=item.mime, headers={
        "Content-Disposition": attachment(item.file_name), "Cache-Control": "no-store"})


def attachment(file_name: str) -> str:
    """Return a Content-Disposition that downloads `file_name` (Vietnamese names too)."""
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                    for c in file_name) or "document"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def routes(web: Web) -> list[BaseRoute]:
    """Return the download link's routes."""
    return [Route(document_links.PATH, show, methods=["GET"]),
            Route(document_links.PATH, download, methods=["POST"])]
