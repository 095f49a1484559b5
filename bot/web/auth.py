"""Login links, session cookies and CSRF tokens of the dashboard.

An organiser gets a one-time link (`make_link`, valid `LINK_MINUTES`, single use) from the
bot (/web) or the command line (`delegate-bot web link`). Opening it opens a session of
`SESSION_HOURS` kept server-side (`storage.web_sessions`, by hashes only), whose id goes in
an HttpOnly, SameSite=Lax cookie (Secure when the public address is https), and whose CSRF
token every POST carries. A session has a role: an organiser's opens every page, a
checker's only the check-in desk.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from bot.clock import Clock, to_iso
from bot.config import WebConfig
from storage import web_sessions
from storage.db import Database
from storage.web_sessions import Session

LINK_MINUTES = 10
SESSION_HOURS = 12
LOGIN_PATH = "/login"
COOKIE = "delegate_bot_session"
TOKEN_BYTES = 32


def digest(token: str) -> str:
    """Return the hash a token is stored under (the token itself is never stored)."""
    return hashlib.sha256(token.encode()).hexdigest()


async def make_link(db: Database, clock: Clock, web: WebConfig, *, actor: str,
                    role: str = web_sessions.ORGANISER, language: str | None = None) -> str:
    """Return a new one-time login link for `actor` with `role`."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = clock.now()
    await web_sessions.create_link(
        db, token_hash=digest(token), actor=actor, role=role, language=language,
        now=to_iso(now), expires_at=to_iso(now + timedelta(minutes=LINK_MINUTES)))
    return f"{web.base_url}{LOGIN_PATH}?t={token}"


async def link_state(db: Database, clock: Clock, token: str) -> str:
    """Return "valid", "used", "expired" or "unknown" for a link's token."""
    return await web_sessions.link_state(db, digest(token), to_iso(clock.now()))


async def log_in(db: Database, clock: Clock, token: str) -> tuple[str, Session] | None:
    """Use a link's token: return the new session's cookie value and the session, or None
    when the link is unknown, used or expired."""
    cookie = secrets.token_urlsafe(TOKEN_BYTES)
    now = clock.now()
    session = await web_sessions.redeem(
        db, token_hash=digest(token[:200]), id_hash=digest(cookie),
        csrf=secrets.token_urlsafe(TOKEN_BYTES), now=to_iso(now),
        expires_at=to_iso(now + timedelta(hours=SESSION_HOURS)))
    return None if session is None else (cookie, session)


async def session_of(db: Database, clock: Clock, cookie: str | None) -> Session | None:
    """Return the open session a cookie names, or None."""
    if not cookie or len(cookie) > 200:
        return None
    return await web_sessions.find(db, digest(cookie), to_iso(clock.now()))


def csrf_ok(session: Session, given: str | None) -> bool:
    """Tell whether a POST carries its session's CSRF token."""
    return bool(given) and hmac.compare_digest(session.csrf.encode(), str(given).encode())


def cookie_header(web: WebConfig, value: str, *, max_age: int = SESSION_HOURS * 3600) -> str:
    """Return the Set-Cookie value of a session (max_age 0 deletes it)."""
    parts = [f"{COOKIE}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly", "SameSite=Lax"]
    if web.secure:
        parts.append("Secure")
    return "; ".join(parts)


async def log_out(db: Database, cookie: str | None) -> None:
    """End the session a cookie names (nothing when there is none)."""
    if cookie and len(cookie) <= 200:
        await web_sessions.end(db, digest(cookie))
