"""Logging in through a link from the bot, and logging out.

`GET /login?t=…` checks the link without using it and shows a form that posts it (a small
script of the bot's own submits it at once): a link preview fetched by a chat app never
uses up a link. `POST /login` uses the link once, opens the session (cookie) and redirects
to the overview, a URL without the token. An unknown, used or expired link gets a page that
says which, and how to get a new one. `POST /logout` ends the session.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.web import auth
from bot.web.guard import cookie_value
from bot.web.render import Web, web_of

REASONS = {"used": "web.login.used", "expired": "web.login.expired",
           "unknown": "web.login.unknown"}


async def show_link(request: Request) -> Response:
    """Show the login form for a link (or why it cannot be used)."""
    web = web_of(request)
    token = request.query_params.get("t", "")
    if not token:
        return web.login_needed(request)
    state = await auth.link_state(web.services.db, web.services.clock, token[:200])
    if state != "valid":
        return web.login_needed(request, REASONS[state])
    return web.render(request, "login_confirm.html", token=token)


async def use_link(request: Request) -> Response:
    """Use the link: open the session and go to the overview."""
    web = web_of(request)
    async with request.form(max_files=0, max_fields=4) as form:
        value = form.get("t")
    token = value[:200] if isinstance(value, str) else ""
    services = web.services
    opened = await auth.log_in(services.db, services.clock, token) if token else None
    if opened is None:
        state = await auth.link_state(services.db, services.clock, token) if token else ""
        return web.login_needed(request, REASONS.get(state, "web.login.unknown"))
    cookie, _ = opened
    response = RedirectResponse("/", status_code=303)
    response.headers.append("set-cookie", auth.cookie_header(services.config.web, cookie))
    return response


async def log_out(request: Request) -> Response:
    """End this browser's session (the form carries its CSRF token: the guard checked)."""
    web = web_of(request)
    await auth.log_out(web.services.db, cookie_value(request.scope))
    request.scope["state"]["session"] = None
    response = web.render(request, "login.html", reason="web.logged_out_page")
    response.headers.append("set-cookie", auth.cookie_header(web.services.config.web, "",
                                                             max_age=0))
    return response


def routes(web: Web) -> list[BaseRoute]:
    """Return the login and logout routes."""
    return [Route(auth.LOGIN_PATH, show_link, methods=["GET"]),
            Route(auth.LOGIN_PATH, use_link, methods=["POST"]),
            Route("/logout", log_out, methods=["POST"])]
