"""Điểm danh: the check-in desk and the hall screen, for organisers and checkers.

The desk is one large input that takes what a USB barcode scanner types (a card's check-in
link, or its token alone, then Enter): the delegate is checked in for the attendance window
in progress (as a scan in chat, `handlers.checkin`: the same window, storage and quorum
message), and the page shows who it was, whether they were checked in already, and the
running count against the quorum; the input is ready for the next card. The hall screen
shows the rotating QR code of the hall (bot/hall_code.py) drawn as SVG, its code for
platforms without deep links, and the running count; it reloads itself every few seconds.
A checker's session opens these pages only.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import segno
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot import attendance_now, hall_code
from bot.attendance_now import Count
from bot.attendance_windows import Window
from bot.clock import from_iso, to_iso
from bot.i18n import Translate
from bot.web.render import Web, session_of, staff_only, web_of
from storage import attendance, delegates
from storage.attendance import Checkin

log = logging.getLogger(__name__)

TOKEN = re.compile(r"(?:^|ci_)([0-9a-f]{20})(?:$|[^0-9a-f])")
REFRESH_SECONDS = 5
QR_SCALE = 12  # pixels a module: 37 modules and the border fit a projector's height


def scanned_token(text: str) -> str | None:
    """Return the check-in token in what a scanner typed (a link with `ci_<token>`, or the
    token alone), or None."""
    found = TOKEN.search(text.strip()[:500].lower())
    return found.group(1) if found else None


def _html(text: str) -> Markup:
    return Markup(text.replace("\n", "<br>\n"))


@dataclass(frozen=True)
class Status:
    """The window check-ins count for now and its running count, or why there is none."""

    window: Window | None = None
    window_name: str = ""
    count: str = ""
    counted: Count | None = None
    closed: str = ""


async def _status(web: Web, t: Translate) -> Status:
    """Return the window in progress, its name and its running count (or why none)."""
    services = web.services
    current, upcoming = await attendance_now.window_now(services)
    if current is None:
        if upcoming is None:
            return Status(closed=t("checkin.closed"))
        return Status(closed=t("checkin.not_yet",
                               window=attendance_now.window_name(services, t, upcoming),
                               opens=services.dates().when(t, attendance_now.window_opens(
                                   upcoming))))
    counted = await attendance_now.count(services, current)
    quorum = attendance_now.quorum_text(counted.quorum)
    line = (t("checkin.count_reached", present=counted.present, summoned=counted.summoned,
              quorum=quorum) if counted.reached else
            t("checkin.count_short", present=counted.present, summoned=counted.summoned,
              quorum=quorum, needed=counted.needed))
    return Status(current, attendance_now.window_name(services, t, current), line, counted)


@staff_only
async def desk(request: Request) -> Response:
    """Show the desk, ready for the first card."""
    web = web_of(request)
    t = web.services.texts.in_language(web.language(session_of(request)))
    return web.render(request, "checkin.html", state=await _status(web, t))


@staff_only
async def check(request: Request) -> Response:
    """Check in the delegate whose card was scanned; show who, and the count."""
    web = web_of(request)
    services = web.services
    t = services.texts.in_language(web.language(session_of(request)))
    async with request.form(max_files=0) as form:
        typed = str(form.get("scan", ""))
    token = scanned_token(typed)
    delegate = await delegates.find_by_checkin_token(services.db, token) if token else None
    if delegate is None:
        log.warning("the check-in desk read an unknown or revoked card")
        return web.render(request, "checkin.html", status=404, result=_html(
            t("checkin.unknown_card")), bad=True, state=await _status(web, t))
    state = await _status(web, t)
    window = state.window
    if window is None:
        return web.render(request, "checkin.html", status=409, state=state)
    session = session_of(request)
    platform, _, user = (session.actor if session else "web").partition(":")
    held, made = await attendance.check_in(services.db, Checkin(
        delegate.id, window.key, to_iso(services.clock.now()), "desk", platform, user,
        t("web.checkin.desk")))
    lines = [t("checkin.done" if made else "checkin.twice"),
             t("checkin.who", name=delegate.full_name, delegation=delegate.delegation or "—",
               seat=delegate.seat or "—", kind=t(f"kind.{delegate.kind}"))]
    if not made:
        at = services.dates().when(t, from_iso(held.checked_at))
        lines.append(t("checkin.already_hall", at=at) if held.method == "hall" else
                     t("checkin.already", at=at, by=held.by_name or "—"))
    state = await _status(web, t)
    if made and state.counted is not None:
        log.info("the check-in desk checked a delegate in for %s", window.key)
        await attendance_now.tell_quorum(services, window, state.counted)
    return web.render(request, "checkin.html", result=_html("\n".join(lines)), again=not made,
                      state=state)


@staff_only
async def hall(request: Request) -> Response:
    """Show the hall screen: the rotating QR code, its code, the running count."""
    web = web_of(request)
    services = web.services
    t = services.texts.in_language(web.language(session_of(request)))
    secret = await hall_code.event_secret(services.db)
    now = services.clock.now()
    code = hall_code.code(secret, hall_code.period(now))
    left = hall_code.PERIOD_SECONDS - int(now.timestamp()) % hall_code.PERIOD_SECONDS
    link = services.capabilities("telegram").deep_link(hall_code.payload(secret, now))
    qr = Markup(segno.make(link, error="m", micro=False).svg_inline(
        scale=QR_SCALE, dark="#000", light="#fff")) if link else Markup("")
    text = t("screen.scan" if link else "screen.no_link", code=code, seconds=left)
    return web.render(request, "hall.html", qr=qr, code=code, text=text,
                      refresh=min(REFRESH_SECONDS, left), state=await _status(web, t))


def routes(web: Web) -> list[BaseRoute]:
    """Return the check-in desk's and the hall screen's routes."""
    return [Route("/checkin", desk),
            Route("/checkin", check, methods=["POST"]),
            Route("/checkin/hall", hall)]
