"""The dashboard's outer layer: the session from its cookie, CSRF on every POST, headers.

Every answer carries a Content-Security-Policy that allows scripts, styles and pictures
from the bot itself only (no inline script, nothing from the internet), `X-Frame-Options:
DENY` and `Referrer-Policy: no-referrer`. A POST (but the login form and a document's
download link, whose one-time token is their proof) must come with an open session and
carry that session's CSRF token, in the form field `csrf` or the `X-CSRF-Token` header:
otherwise 403, before the page sees it. A form body over `MAX_FORM` (an upload at the
files' limit and its form) gets 413.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import document_links
from bot.asgi import ClientGone, read_body
from bot.filelimits import LIMITS
from bot.web import auth
from bot.web.render import Web

MAX_FORM = LIMITS.file_bytes + 64 * 1024  # an upload at the limit, and the form around it
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY"),
           (b"referrer-policy", b"no-referrer"), (b"x-content-type-options", b"nosniff")]
UNGUARDED_POSTS = (auth.LOGIN_PATH, document_links.PATH)  # their token is their proof
STATIC_PATH = "/static/"


def cookie_value(scope: Scope) -> str | None:
    """Return the session cookie a request carries, or None."""
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except CookieError:
                return None
            morsel = jar.get(auth.COOKIE)
            return morsel.value if morsel is not None else None
    return None


class Guard:
    """Wraps the dashboard: session, CSRF, security headers."""

    def __init__(self, app: ASGIApp, web: Web) -> None:
        self.app, self.web = app, web

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request of the dashboard."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        services = self.web.services
        session = None
        if not str(scope.get("path", "")).startswith(STATIC_PATH):  # public: no session read
            session = await auth.session_of(services.db, services.clock, cookie_value(scope))
        scope.setdefault("state", {})["session"] = session

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + HEADERS
            await send(message)

        if scope["method"] == "POST" and scope["path"] not in UNGUARDED_POSTS:
            try:
                body = await read_body(receive, MAX_FORM)
            except ClientGone:
                return
            request = Request(scope, _replay(body or b"", receive))
            if body is None:
                await self.web.error(request, 413)(scope, receive, send_guarded)
                return
            given = request.headers.get("x-csrf-token")
            if given is None:
                try:
                    form = await request.form()
                except (MultiPartException, HTTPException):  # not a form at all
                    await self.web.error(request, 400)(scope, receive, send_guarded)
                    return
                value = form.get("csrf")
                given = value if isinstance(value, str) else None
                await form.close()
            if session is None or not auth.csrf_ok(session, given):
                await self.web.error(request, 403)(scope, receive, send_guarded)
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send_guarded)


def _replay(body: bytes, receive: Receive) -> Receive:
    """Return a `receive` that gives `body` once, then waits for the real disconnect."""
    given = False

    async def again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return again
