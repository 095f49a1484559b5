"""In ấn on the dashboard: the invitations and badges as a PDF download (the job of /print
and `roster print`), with its filters; and what cannot be printed is said."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

from bot.app import App
from bot.config import Config
from testkit.people import DELEGATIONS, seed
from testkit.web_client import log_in, new_link, web_client
from tests.conftest import make_config


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a config with the dashboard on and the bot's Telegram username (QR links)."""
    return make_config(tmp_path, web={"enabled": True},
                       telegram={"bot_username": "daihoi_bot"})


@pytest.fixture
async def client(app: App) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """Return a logged-in client and its CSRF token, over 9 delegates (3 registered)."""
    await seed(app, 9, registered=3)
    async with web_client(app) as made:
        csrf = await log_in(made, await new_link(app))
        yield made, csrf


def pages_of(answer: httpx.Response) -> str:
    """Return the text of every page of a PDF answer."""
    import io

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)


async def test_badges_and_invitations_download_as_pdf(
    client: tuple[httpx.AsyncClient, str]
) -> None:
    web, csrf = client
    assert (await web.get("/print")).status_code == 200
    badges = await web.post("/print", data={"csrf": csrf, "layout": "badges", "who": "all"})
    assert badges.status_code == 200 and badges.headers["content-type"] == "application/pdf"
    assert 'filename="the-dai-bieu.pdf"' in badges.headers["content-disposition"]
    assert "Đại biểu Thử 8" in pages_of(badges)
    fresh = await web.post("/print", data={"csrf": csrf, "layout": "invitations", "who": "new"})
    text = pages_of(fresh)
    assert "Đại biểu Thử 8" in text and "Đại biểu Thử 0" not in text  # 0-2 registered
    one = await web.post("/print", data={"csrf": csrf, "layout": "badges", "who": "one",
                                         "delegation": DELEGATIONS[1]})
    assert "Đại biểu Thử 1" in pages_of(one) and "Đại biểu Thử 2" not in pages_of(one)


@pytest.mark.parametrize(("data", "status", "says"), [
    ({"layout": "posters", "who": "all"}, 400, "Chưa chọn đủ"),
    ({"layout": "badges", "who": "one"}, 400, "Chưa chọn đủ"),
    ({"layout": "badges", "who": "one", "delegation": "Đoàn ma"}, 409, "Không có đoàn"),
])
async def test_what_cannot_be_printed_is_said(
    client: tuple[httpx.AsyncClient, str], data: dict[str, str], status: int, says: str
) -> None:
    web, csrf = client
    answer = await web.post("/print", data={"csrf": csrf, **data})
    assert answer.status_code == status and says in answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert (await web.post("/print", data=data)).status_code == 403
