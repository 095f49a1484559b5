"""Đại biểu: the roster searched and filtered, in Vietnamese order, and a delegate's page.

Filters: words of the name, code, unit or delegation (without regard to case or
diacritics), registered or not, platform, kind, delegation, present or not in the attendance
window in progress. A delegate's page shows their accounts, check-ins, check-in code and
audit trail, with actions (each a POST with the CSRF token): unlink their accounts (the same
flow as the chat's /unlink: audited, each account told), issue a new check-in code
(audited), and for an official delegate, an alternate taking the seat (bot/web/replace_page).
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot import attendance_now
from bot.clock import from_iso, to_iso
from bot.collation import name_key, sort_texts
from bot.model import parse_id
from bot.web.audit_page import shown
from bot.web.render import Web, actor_of, organiser_only, path_id, session_of, web_of
from bot.web.replace_page import free_alternates
from handlers.overview import unlink_and_tell
from storage import attendance, audit, delegates, registrations
from storage.delegates import Delegate

log = logging.getLogger(__name__)

PAGE_SIZE = 100
KINDS = ("official", "alternate", "guest")
PLATFORMS = ("telegram", "zalo")


def fold(text: str) -> str:
    """Return text without case or diacritics, for searching ("Đặng" → "dang")."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class Roster:
    """The roster in Vietnamese order with each delegate's folded search text, kept while
    the roster does not change (5,000 delegates: sorting and folding them at every request
    would take most of the page's time)."""

    version: tuple[int, str]
    people: list[tuple[Delegate, str]]
    delegations: list[str]


async def roster_of(web: Web) -> Roster:
    """Return the roster, read again only when it changed."""
    db = web.services.db
    version = await delegates.roster_version(db)
    kept = web.kept.get("roster")
    if isinstance(kept, Roster) and kept.version == version:
        return kept
    everyone = sorted(await delegates.all_delegates(db),
                      key=lambda d: (name_key(d.full_name), d.code))
    made = Roster(version, [(d, fold(f"{d.code} {d.full_name} {d.unit} {d.delegation}"))
                            for d in everyone],
                  sort_texts({d.delegation for d in everyone if d.delegation}))
    web.kept["roster"] = made
    return made


async def links_of(web: Web) -> dict[int, list[str]]:
    """Return {delegate id: platforms linked}, read again only when a link changed."""
    db = web.services.db
    version = await registrations.version(db)
    kept = web.kept.get("links")
    if isinstance(kept, tuple) and kept[0] == version:
        return dict(kept[1])
    linked = await delegates.linked_platforms(db)
    web.kept["links"] = (version, linked)
    return linked


@organiser_only
async def roster(request: Request) -> Response:
    """List the delegates that match the filters, a page at a time."""
    web = web_of(request)
    query = request.query_params
    q = query.get("q", "")[:100]
    registered = query.get("registered", "")
    platform = query.get("platform", "")
    kind = query.get("kind", "")
    delegation = query.get("delegation", "")
    present_filter = query.get("present", "")
    roster = await roster_of(web)
    window, _ = await attendance_now.window_now(web.services)
    present = ({c.delegate_id for c in await attendance.checkins(web.services.db, window.key)}
               if window is not None else set())
    linked = await links_of(web)
    words = fold(q).split()
    chosen = [d for d, text in roster.people
              if (not words or all(w in text for w in words))
              and (registered != "yes" or d.id in linked)
              and (registered != "no" or d.id not in linked)
              and (not platform or platform in linked.get(d.id, ()))
              and (not kind or d.kind == kind)
              and (not delegation or d.delegation == delegation)
              and (present_filter != "yes" or d.id in present)
              and (present_filter != "no" or d.id not in present)]
    pages = max(1, -(-len(chosen) // PAGE_SIZE))
    page = min(max(parse_id(query.get("page", "1")) or 1, 1), pages)
    shown = chosen[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    filters = {"q": q, "registered": registered, "platform": platform, "kind": kind,
               "delegation": delegation, "present": present_filter}
    return web.render(
        request, "delegates.html", people=shown, linked=linked, total=len(roster.people),
        present=present, window=window is not None,
        matched=len(chosen), page=page, pages=pages, filters=filters, kinds=KINDS,
        platforms=PLATFORMS,
        delegations=roster.delegations,
        query_for=lambda p: _query(filters, p))


def _query(filters: dict[str, str], page: int) -> str:
    from urllib.parse import urlencode

    return urlencode({**{k: v for k, v in filters.items() if v}, "page": page})


async def _delegate_page(request: Request, delegate: Delegate, notice: str = "",
                         **params: object) -> Response:
    web = web_of(request)
    db = web.services.db
    accounts = await registrations.accounts_of(db, delegate.id)
    trail = shown(await audit.search(db, delegate=delegate.code, limit=50),
                  web.services.config.event.tz)
    tz = web.services.config.event.tz
    checkins = [(c, from_iso(c.checked_at).astimezone(tz).strftime("%H:%M %d/%m"))
                for c in await attendance.checkins_by(db, delegate.id)]
    alternates = await free_alternates(web) if delegate.kind == "official" else []
    token = await delegates.checkin_token(db, delegate.id)
    t = web.translate(web.language(session_of(request)))
    return web.render(request, "delegate.html", d=delegate, accounts=accounts, trail=trail,
                      checkins=checkins, alternates=alternates,
                      token=token, notice=t(notice, **params) if notice else "")


async def _find(request: Request) -> Delegate | None:
    delegate_id = path_id(request)
    db = web_of(request).services.db
    return None if delegate_id is None else await delegates.get(db, delegate_id)


@organiser_only
async def one(request: Request) -> Response:
    """Show one delegate: accounts, check-in code, audit trail, actions."""
    delegate = await _find(request)
    if delegate is None:
        return web_of(request).error(request, 404)
    return await _delegate_page(request, delegate)


@organiser_only
async def unlink(request: Request) -> Response:
    """Unlink the delegate's accounts and tell them (as the chat's /unlink does)."""
    delegate = await _find(request)
    web = web_of(request)
    if delegate is None:
        return web.error(request, 404)
    accounts = await unlink_and_tell(web.services, delegate, actor_of(request))
    if not accounts:
        return await _delegate_page(request, delegate, "web.delegate.nothing_to_unlink",
                                    name=delegate.full_name)
    log.info("the dashboard unlinked a delegate's accounts (%d)", len(accounts))
    return await _delegate_page(request, delegate, "web.delegate.unlinked",
                                count=len(accounts), name=delegate.full_name)


@organiser_only
async def new_token(request: Request) -> Response:
    """Issue the delegate a new check-in code (the old one stops working)."""
    delegate = await _find(request)
    web = web_of(request)
    if delegate is None:
        return web.error(request, 404)
    note = audit.Note(actor_of(request), "delegate.checkin_token", {"delegate": delegate.code},
                      to_iso(web.services.clock.now()))
    await delegates.new_checkin_token(web.services.db, delegate.id, note)
    return await _delegate_page(request, delegate, "web.delegate.token_renewed",
                                name=delegate.full_name)


def routes(web: Web) -> list[BaseRoute]:
    """Return the delegates' routes."""
    return [Route("/delegates", roster),
            Route("/delegates/{id}", one),
            Route("/delegates/{id}/unlink", unlink, methods=["POST"]),
            Route("/delegates/{id}/checkin-token", new_token, methods=["POST"])]
