"""Tổng quan: the congress at a glance, on a laptop or a projector.

Registered over total (bars by kind and by delegation), registrations over time, present
over summoned in the attendance window in progress with the quorum's line, the broadcasts
being sent and the next session; the figures move live (bot/web/live.py).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot import attendance_now
from bot.web import charts, overview_data
from bot.web.render import Web, organiser_only, session_of, web_of


@organiser_only
async def overview(request: Request) -> Response:
    """Show the overview."""
    web = web_of(request)
    view = await overview_data.read(web.services)
    lang = web.language(session_of(request))
    t = web.translate(lang)
    when = (overview_data.session_time(web.services, view.next_session, lang)
            if view.next_session else "")
    window = (attendance_now.window_name(web.services, web.services.texts.in_language(lang),
                                         view.attendance.window)
              if view.attendance else "")
    return web.render(request, "overview.html", view=view, charts=charts,
                      values=overview_data.live_values(view, t), next_when=when, window=window)


def routes(web: Web) -> list[BaseRoute]:
    """Return the overview's route."""
    return [Route("/", overview, name="overview")]
