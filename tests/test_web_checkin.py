"""Điểm danh on the dashboard: the check-in desk (what a barcode scanner types, then Enter)
and the hall screen, for organisers and checkers alike.

A card's link or its token alone checks the delegate in for the window in progress, once
(a second scan says when and by whom); an unknown or revoked card, or a time with no window
open, checks nobody in; a checker's session opens the desk but no organiser page; the hall
screen shows the rotating code as an SVG QR code and the running count.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot import demo
from bot.app import App
from bot.clock import FixedClock
from bot.config import Config
from bot.web.checkin_page import scanned_token
from storage import attendance, delegates, web_sessions
from testkit.web_client import log_in, new_link, token_of, web_client
from tests.cli_runner import run
from tests.conftest import make_config

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a config with the dashboard on and a Telegram username (deep links)."""
    return make_config(tmp_path, web={"enabled": True},
                       telegram={"bot_username": "daihoi_bot"})


@pytest.fixture
async def client(app: App) -> AsyncIterator[httpx.AsyncClient]:
    """Return a client of the dashboard over the sample congress, on its first morning."""
    await demo.seed(app)
    async with web_client(app) as made:
        yield made


async def as_checker(app: App, client: httpx.AsyncClient) -> str:
    """Open a checker's session; return its CSRF token."""
    link = await new_link(app, actor="telegram:7007", role=web_sessions.CHECKER)
    assert (await client.post("/login", data={"t": token_of(link)})).status_code == 303
    page = await client.get("/checkin")
    assert page.status_code == 200
    found = CSRF.search(page.text)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(("typed", "token"), [
    ("https://t.me/daihoi_bot?start=ci_0123456789abcdef0123", "0123456789abcdef0123"),
    ("0123456789ABCDEF0123", "0123456789abcdef0123"),
    ("  ci_0123456789abcdef0123\r", "0123456789abcdef0123"),
    ("ci_0123", None), ("", None), ("xin chào", None), ("0123456789abcdef01234", None),
])
def test_what_a_scanner_types_is_read(typed: str, token: str | None) -> None:
    assert scanned_token(typed) == token


async def test_a_checker_checks_delegates_in_at_the_desk(app: App,
                                                         client: httpx.AsyncClient) -> None:
    csrf = await as_checker(app, client)
    assert (await client.get("/")).status_code == 403  # no organiser page
    person = (await delegates.all_delegates(app.services.db))[0]
    token = await delegates.checkin_token(app.services.db, person.id)
    assert token is not None
    link = f"https://t.me/daihoi_bot?start=ci_{token}"
    assert (await client.post("/checkin", data={"scan": link})).status_code == 403
    done = await client.post("/checkin", data={"csrf": csrf, "scan": link})
    assert done.status_code == 200 and "Đã điểm danh" in done.text
    assert person.full_name in done.text and "Có mặt 1/" in done.text
    (held,) = await attendance.checkins(app.services.db, "2026-08-11/am")
    assert (held.delegate_id, held.method, held.by_user) == (person.id, "desk", "7007")
    again = await client.post("/checkin", data={"csrf": csrf, "scan": token})
    assert again.status_code == 200 and "đã được điểm danh trước đó" in again.text
    assert len(await attendance.checkins(app.services.db, "2026-08-11/am")) == 1
    for bad in ("0" * 20, "không phải thẻ", ""):
        refused = await client.post("/checkin", data={"csrf": csrf, "scan": bad})
        assert refused.status_code == 404 and "Không nhận ra thẻ này" in refused.text
    await delegates.new_checkin_token(app.services.db, person.id)  # the old card is revoked
    old = await client.post("/checkin", data={"csrf": csrf, "scan": link})
    assert old.status_code == 404


async def test_no_check_in_outside_a_window(app: App, client: httpx.AsyncClient,
                                            clock: FixedClock) -> None:
    clock.advance(timedelta(days=3))  # the congress is over
    csrf = await log_in(client, await new_link(app))
    person = (await delegates.all_delegates(app.services.db))[0]
    token = await delegates.checkin_token(app.services.db, person.id)
    answer = await client.post("/checkin", data={"csrf": csrf, "scan": token or ""})
    assert answer.status_code == 409 and "Không còn buổi nào để điểm danh" in answer.text
    assert await attendance.checkins(app.services.db, "2026-08-11/am") == []


async def test_the_hall_screen_shows_the_rotating_code(app: App,
                                                       client: httpx.AsyncClient) -> None:
    assert (await client.get("/checkin/hall")).status_code == 401
    await as_checker(app, client)
    page = await client.get("/checkin/hall")
    assert page.status_code == 200
    assert '<meta http-equiv="refresh"' in page.text and "<svg" in page.text
    code = re.search(r'<p class="code">(\w+)</p>', page.text)
    assert code is not None and f"/checkin {code.group(1)}" in page.text
    assert "Có mặt 0/" in page.text


def test_web_link_for_a_checker(tmp_path: Path, cli_config: Path) -> None:
    import asyncio

    from tests.test_web_server import _create

    cli_config.write_text(cli_config.read_text() + "\n[web]\nenabled = true\n", encoding="utf-8")
    asyncio.run(_create(cli_config))
    done = run("web", "link", "--checker", "--config", str(cli_config))
    assert done.code == 0 and "/login?t=" in done.out
