"""Drive the dashboard in tests: an httpx client on the app's ASGI application (no socket),
and a login through a one-time link as the bot would send it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlsplit

import httpx

from bot.app import App
from bot.web import auth
from bot.web.site import build

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@asynccontextmanager
async def web_client(app: App) -> AsyncIterator[httpx.AsyncClient]:
    """Return a client of the app's dashboard at its public address."""
    transport = httpx.ASGITransport(app=build(app))
    async with httpx.AsyncClient(transport=transport, base_url=app.services.config.web.base_url,
                                 follow_redirects=False) as client:
        yield client


def token_of(link: str) -> str:
    """Return the one-time token a login link carries."""
    return parse_qs(urlsplit(link).query)["t"][0]


async def new_link(app: App, actor: str = "telegram:9001", role: str = "organiser") -> str:
    """Make a login link as `/web` would."""
    services = app.services
    return await auth.make_link(services.db, services.clock, services.config.web, actor=actor,
                                role=role)


async def log_in(client: httpx.AsyncClient, link: str) -> str:
    """Open the link and post its form, as the page's script does; return the CSRF token of
    the session (read from the overview page)."""
    shown = await client.get(link)
    assert shown.status_code == 200, shown.text
    done = await client.post("/login", data={"t": token_of(link)})
    assert done.status_code == 303 and done.headers["location"] == "/", done.text
    page = await client.get("/")
    found = CSRF.search(page.text)
    assert found is not None, page.text
    return found.group(1)
