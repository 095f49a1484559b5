"""Thông báo: write an announcement, choose its audience (with the number of recipients as
it is chosen), preview it exactly as delegates will see it, send it now or at a time typed
as in chat (`8h30`, `mai 8h`, `12/08 8h30`); and the history with delivery figures and the
failed and blocked lists. The same flow as /announce in chat (`handlers.announcements`):
the same recipients, texts, outbox rows, audit entries and schedule.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import (
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Route

from bot.clock import from_iso
from bot.collation import sort_texts
from bot.model import parse_id
from bot.router import MAX_TEXT
from bot.text import html_to_plain
from bot.web import charts, live
from bot.web.charts import percent
from bot.web.render import Web, actor_of, organiser_only, session_of, web_of
from bot.when import Misread, read_moment
from handlers.announce_when import schedule_at
from handlers.announcements import KINDS, queue_now, render
from storage import broadcasts, delegates, outbox, registrations

log = logging.getLogger(__name__)
HISTORY = 30


async def _audiences(web: Web) -> list[tuple[str, str]]:
    """Return the audiences to choose from: (value, label) in the session's language."""
    names = sort_texts({d.delegation for d in await delegates.all_delegates(web.services.db)
                        if d.delegation})
    return [("all", ""), *((f"kind:{k}", k) for k in KINDS),
            *((f"delegation:{n}", n) for n in names)]


def parse_audience(value: str, delegations: set[str]) -> dict[str, str] | None:
    """Read an audience chosen in the form ("all", "kind:official", "delegation:<name>")."""
    if value == "all":
        return {"type": "all"}
    kind, _, rest = value.partition(":")
    if kind == "kind" and rest in KINDS:
        return {"type": "kind", "value": rest}
    if kind == "delegation" and rest in delegations:
        return {"type": "delegation", "value": rest}
    return None


async def _read(request: Request) -> tuple[FormData, str, dict[str, str] | None]:
    web = web_of(request)
    form = await request.form(max_files=0)
    body = str(form.get("body", "")).strip()
    delegations = {d.delegation for d in await delegates.all_delegates(web.services.db)}
    return form, body, parse_audience(str(form.get("audience", "")), delegations)


async def _page(request: Request, *, status: int = 200, **context: object) -> Response:
    web = web_of(request)
    db = web.services.db
    history = []
    for item in await broadcasts.recent(db, HISTORY, unless_empty=("reminder",)):
        history.append((item, await outbox.counts(db, item.id)))
    lang = web.language(session_of(request))
    t = web.services.texts.in_language(lang)
    dates = web.services.dates()
    when = {item.id: dates.when(t, from_iso(item.send_at or item.created_at))
            for item, _ in history}
    return web.render(request, "announce.html", status=status, history=history, when=when,
                      audiences=await _audiences(web), max_text=MAX_TEXT, **context)


@organiser_only
async def compose(request: Request) -> Response:
    """Show the form and the history."""
    return await _page(request, body="", chosen="all")


@organiser_only
async def count(request: Request) -> Response:
    """Return how many accounts an audience reaches now (the form's live count)."""
    web = web_of(request)
    delegations = {d.delegation for d in await delegates.all_delegates(web.services.db)}
    audience = parse_audience(request.query_params.get("audience", ""), delegations)
    if audience is None:
        return PlainTextResponse("?", status_code=400)
    people = await registrations.recipients(web.services.db, audience)
    t = web.translate(web.language(session_of(request)))
    return PlainTextResponse(str(t("web.announce.count", count=len(people))))


@organiser_only
async def preview(request: Request) -> Response:
    """Show the announcement as delegates will see it, with its recipients and the buttons
    to send it now or at a time."""
    web = web_of(request)
    form, body, audience = await _read(request)
    problem = _problem(body, audience)
    chosen = str(form.get("audience", "all"))
    if problem or audience is None:
        return await _page(request, status=400, body=body, chosen=chosen, problem=problem)
    people = await registrations.recipients(web.services.db, audience)
    lang = web.language(session_of(request))
    shown = Markup(render(web.services, lang, body).replace("\n", "<br>\n"))
    return await _page(request, body=body, chosen=chosen, shown=shown, recipients=len(people),
                       when_text=str(form.get("when", "")))


def _problem(body: str, audience: dict[str, str] | None) -> str:
    if not body:
        return "web.announce.empty"
    if len(body) > MAX_TEXT:
        return "web.announce.too_long"
    if audience is None:
        return "web.announce.bad_audience"
    return ""


@organiser_only
async def send(request: Request) -> Response:
    """Send now, or schedule at the time typed; then back to the page with the history."""
    web = web_of(request)
    services = web.services
    form, body, audience = await _read(request)
    problem = _problem(body, audience)
    chosen = str(form.get("audience", "all"))
    if problem or audience is None:
        return await _page(request, status=400, body=body, chosen=chosen, problem=problem)
    lang = web.language(session_of(request))
    t = services.texts.in_language(lang)
    typed = str(form.get("when", "")).strip()
    if form.get("action") == "schedule":
        now = services.clock.now()
        when = read_moment(typed, services.config.event.tz, now)
        if isinstance(when, Misread) or when <= now:
            reason = (html_to_plain(t(when.key, value=when.value)) if isinstance(when, Misread)
                      else html_to_plain(t("announce.past_when",
                                           when=services.dates().when(t, when))))
            return await _page(request, status=400, body=body, chosen=chosen,
                               problem="web.announce.bad_when", reason=reason)
        broadcast_id = await schedule_at(services, body, audience, actor_of(request), when,
                                         report=None)
        log.info("the dashboard scheduled announcement %s", broadcast_id)
    else:
        broadcast_id, people, _ = await queue_now(services, body, audience, actor_of(request),
                                                  report=None)
        log.info("the dashboard queued announcement %s for %d recipients", broadcast_id, people)
    return RedirectResponse(f"/announce/{broadcast_id}", status_code=303)


@organiser_only
async def one(request: Request) -> Response:
    """Show one announcement: its text, delivery figures, and whom it did not reach."""
    web = web_of(request)
    db = web.services.db
    broadcast_id = parse_id(str(request.path_params.get("id", "")))
    item = await broadcasts.get(db, broadcast_id) if broadcast_id is not None else None
    if item is None:
        return web.error(request, 404)
    counts = await outbox.counts(db, item.id)
    missed = []
    for row in await outbox.undelivered(db, item.id):
        person = await delegates.get(db, row.delegate_id) if row.delegate_id else None
        missed.append((row, person))
    lang = web.language(session_of(request))
    shown = Markup(render(web.services, lang, item.body).replace("\n", "<br>\n"))
    t = web.services.texts.in_language(lang)
    when = web.services.dates().when(t, from_iso(item.send_at or item.created_at))
    return web.render(request, "announce_one.html", item=item, counts=counts, missed=missed,
                      shown=shown, when=when, total=sum(counts.values()), charts=charts)


def progress_values(broadcast_id: int, counts: dict[str, int]) -> dict[str, str]:
    """Return the live values of one broadcast's progress, keyed as its page marks them."""
    total = sum(counts.values())
    waiting = counts["pending"] + counts["sending"]
    key = f"b.{broadcast_id}"
    values = {f"{key}.sent": str(counts["sent"]), f"{key}.waiting": str(waiting),
              f"{key}.failed": str(counts["failed"]), f"{key}.blocked": str(counts["blocked"]),
              f"{key}.done": f"{100 * (total - waiting) / total if total else 0:.0f}%"}
    x = 0.0
    for css in ("sent", "failed", "blocked"):
        values[f"w.{key}.{css}"] = str(percent(counts[css], total))
        values[f"w.{key}.{css}.x"] = str(x)
        x = round(x + percent(counts[css], total), 1)
    return values


async def _progress(web: Web, broadcast_id: int) -> AsyncIterator[str]:
    """Stream one broadcast's progress until nothing of it waits any more (or the server
    stops), the last figures included."""
    last: dict[str, str] = {}
    while not web.closing.is_set():
        counts = await outbox.counts(web.services.db, broadcast_id)
        values = progress_values(broadcast_id, counts)
        if values != last:
            yield f"event: overview\ndata: {json.dumps(values)}\n\n"
            last = values
        if counts["pending"] + counts["sending"] == 0:
            return
        napping = asyncio.ensure_future(asyncio.sleep(live.INTERVAL))
        closing = asyncio.ensure_future(web.closing.wait())
        await asyncio.wait({napping, closing}, return_when=asyncio.FIRST_COMPLETED)
        napping.cancel()
        closing.cancel()


@organiser_only
async def progress(request: Request) -> Response:
    """Stream one broadcast's delivery figures as server-sent events."""
    web = web_of(request)
    broadcast_id = parse_id(str(request.path_params.get("id", "")))
    if broadcast_id is None or await broadcasts.get(web.services.db, broadcast_id) is None:
        return web.error(request, 404)
    return StreamingResponse(_progress(web, broadcast_id), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def routes(web: Web) -> list[BaseRoute]:
    """Return the announcements' routes."""
    return [Route("/announce", compose),
            Route("/announce/count", count),
            Route("/announce/preview", preview, methods=["POST"]),
            Route("/announce/send", send, methods=["POST"]),
            Route("/announce/{id}", one),
            Route("/announce/{id}/events", progress)]
