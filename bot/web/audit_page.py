"""Nhật ký: the audit log, newest first, filtered by action, by who did it and by delegate,
a page of `PAGE_SIZE` at a time (older pages by the id of the last entry shown)."""

from __future__ import annotations

import json
from datetime import tzinfo
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.clock import from_iso
from bot.model import parse_id
from bot.web.render import Web, organiser_only, web_of
from storage import audit

PAGE_SIZE = 100
DETAILS = 240  # characters of an entry's details shown (a roster import lists every code)


def shown(entries: list[audit.Entry], tz: tzinfo) -> list[tuple[audit.Entry, str, str]]:
    """Return each entry with its local time and its details as text (cut to `DETAILS`)."""
    rows = []
    for e in entries:
        details = json.dumps(e.details, ensure_ascii=False)
        if len(details) > DETAILS:
            details = details[:DETAILS - 1] + "…"
        rows.append((e, from_iso(e.at).astimezone(tz).strftime("%H:%M:%S %d/%m/%Y"), details))
    return rows


@organiser_only
async def log_page(request: Request) -> Response:
    """Show the audit log with its filters."""
    web = web_of(request)
    query = request.query_params
    filters = {name: query.get(name, "")[:100] for name in ("action", "actor", "delegate")}
    before = parse_id(query.get("before", ""))
    entries = await audit.search(web.services.db, action=filters["action"] or None,
                                 actor=filters["actor"] or None,
                                 delegate=filters["delegate"] or None, before=before,
                                 limit=PAGE_SIZE + 1)
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    rows = shown(entries, web.services.config.event.tz)
    kept = {k: v for k, v in filters.items() if v}
    older = urlencode({**kept, "before": entries[-1].id}) if more and entries else ""
    return web.render(request, "audit.html", rows=rows, filters=filters,
                      actions=await audit.actions(web.services.db), older=older,
                      newest=urlencode(kept), paged=before is not None)


def routes(web: Web) -> list[BaseRoute]:
    """Return the audit log's route."""
    return [Route("/audit", log_page)]
