"""The dashboard's Starlette application, assembled from the routes pages contribute.

Each page module has `routes(web) -> list[BaseRoute]`; `PAGES` lists them in one place (a
feature that adds a page or a download appends its module there; `print_page` is a
download: a POST answered with the file). `build` makes the
application: the pages' routes, the static files, and the security middleware (sessions,
CSRF, headers) around them.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.web import (
    agenda_page,
    announce_page,
    audit_page,
    checkin_page,
    delegates_page,
    document_download,
    documents_page,
    live,
    login,
    overview_page,
    print_page,
    replace_page,
    results_page,
)
from bot.web.guard import Guard
from bot.web.render import STATIC, Web

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from bot.app import App

PAGES: tuple[ModuleType, ...] = (login, overview_page, delegates_page, replace_page, agenda_page,
                                 announce_page, results_page, documents_page, checkin_page,
                                 print_page, document_download, audit_page, live)


def build(app: App, pages: tuple[ModuleType, ...] = PAGES) -> ASGIApp:
    """Return the dashboard of `app` as an ASGI application."""
    web = Web(app)
    routes: list[BaseRoute] = []
    for page in pages:
        routes += page.routes(web)
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    site = Starlette(routes=routes)
    site.state.web = web
    app.web.on_stop.append(web.closing.set)
    return Guard(site, web)
