"""What every page of the dashboard shares: the app's services, the templates, the texts in
the session's language, and the answers (a page, the login explanation, an error).

Templates are Jinja2 with autoescaping; `t(key, **params)` in a template is the translator
(values escaped as they are filled in). Every page is organisers' unless it says otherwise:
`organiser_only` answers a request without a session with the login explanation, and a
checker's session with 403.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import markupsafe
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.context import Services
from bot.model import parse_id
from storage.web_sessions import ORGANISER, Session

if TYPE_CHECKING:
    from bot.app import App

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
Endpoint = Callable[[Request], Awaitable[Response]]


class Web:
    """The dashboard's view of the running app."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.services: Services = app.services
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                      autoescape=True, trim_blocks=True, lstrip_blocks=True)
        self.closing = asyncio.Event()  # set when the server stops: live streams end
        # What pages keep between requests, by name: a page's own cache (the sorted roster,
        # the links, the live pulse), typed and checked where it is read.
        self.kept: dict[str, Any] = {}

    def language(self, session: Session | None) -> str:
        """Return the pages' language: the session's, else the event's."""
        texts = self.services.texts
        return texts.language(session.language if session else None)

    def translate(self, lang: str) -> Callable[..., markupsafe.Markup]:
        """Return the template's `t`: a text in `lang`, values escaped."""
        texts = self.services.texts

        def t(key: str, /, **params: object) -> markupsafe.Markup:
            return markupsafe.Markup(texts.t(lang, key, **params))
        return t

    def action_name(self, lang: str, action: str) -> str:
        """Return how the pages name an audit action (as stored when it has no name)."""
        texts = self.services.texts
        key = f"web.action.{action}"
        return texts.t(lang, key) if key in texts.texts[lang] else action

    def render(self, request: Request, template: str, *, status: int = 200,
               **context: Any) -> HTMLResponse:
        """Return a page: `template` with the session, its language and its CSRF token."""
        return self.render_in(self.language(session_of(request)), request, template,
                              status=status, **context)

    def render_in(self, lang: str, request: Request, template: str, *, status: int = 200,
                  **context: Any) -> HTMLResponse:
        """Return a page in `lang` (for a page without a session that knows its reader's
        language), with the session, if any, and its CSRF token."""
        session: Session | None = session_of(request)
        html = self.env.get_template(template).render(
            t=self.translate(lang), act=functools.partial(self.action_name, lang),
            lang=lang, session=session,
            csrf=session.csrf if session else "", event=self.services.config.event.name,
            path=request.url.path, **context)
        return HTMLResponse(html, status_code=status,
                            headers={"Cache-Control": "no-store"})

    def error(self, request: Request, status: int) -> HTMLResponse:
        """Return an error page (403, 404, 413) in the session's language."""
        return self.render(request, "error.html", status=status, status_code=status)

    def login_needed(self, request: Request, reason: str = "") -> HTMLResponse:
        """Return the login explanation (how to get a link from the bot), status 401."""
        return self.render(request, "login.html", status=401, reason=reason)


def session_of(request: Request) -> Session | None:
    """Return the request's session (the guard found it from the cookie), or None."""
    found = request.scope.get("state", {}).get("session")
    return found if isinstance(found, Session) else None


def actor_of(request: Request) -> str:
    """Return who acts, for the audit log and the files kept: the session's person, or "web"."""
    session = session_of(request)
    return session.actor if session else "web"


def path_id(request: Request) -> int | None:
    """Return the `{id}` of the request's path as a number, or None when it is not one."""
    return parse_id(str(request.path_params.get("id", "")))


def web_of(request: Request) -> Web:
    """Return the dashboard the request belongs to."""
    web: Web = request.app.state.web
    return web


def staff_only(endpoint: Endpoint) -> Endpoint:
    """Serve `endpoint` to organisers' and checkers' sessions (the check-in desk); none
    gets the login explanation."""
    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        if session_of(request) is None:
            return web_of(request).login_needed(request)
        return await endpoint(request)
    return guarded


def organiser_only(endpoint: Endpoint) -> Endpoint:
    """Serve `endpoint` to organisers' sessions only: none gets the login explanation, a
    checker's gets 403."""
    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        session = session_of(request)
        web = web_of(request)
        if session is None:
            return web.login_needed(request)
        if session.role != ORGANISER:
            return web.render(request, "error.html", status=403, status_code=403,
                              reason="web.login.checker_only")
        return await endpoint(request)
    return guarded
