"""Kết quả on the dashboard: the same flow as a result file sent in chat.

A clean file becomes a draft shown exactly as delegates will read it; publishing queues it
to every registered delegate (audited as the organiser) and leads to its delivery page; a
file with the same title is a correction; a draft can be discarded; and each bad input: a
file with problems (listed by line), no file, an empty one, publishing what is no longer a
draft, a POST without its CSRF token.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import App
from bot.config import Config
from storage import audit, outbox, results
from testkit.people import seed
from testkit.web_client import log_in, new_link, web_client
from tests.conftest import ORGANISER_ID, make_config

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "results-election.csv"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a config with the dashboard on."""
    return make_config(tmp_path, web={"enabled": True})


@pytest.fixture
async def client(app: App) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """Return a logged-in client and its CSRF token, over 8 registered delegates."""
    await seed(app, 8)
    async with web_client(app) as made:
        csrf = await log_in(made, await new_link(app))
        yield made, csrf


async def upload(web: httpx.AsyncClient, csrf: str, name: str, data: bytes) -> httpx.Response:
    """Upload a result file."""
    return await web.post("/results/upload", data={"csrf": csrf},
                          files={"file": (name, data, "text/csv")})


async def test_a_result_is_previewed_published_and_corrected(
    app: App, client: tuple[httpx.AsyncClient, str]
) -> None:
    web, csrf = client
    stored = await upload(web, csrf, "ket-qua.csv", EXAMPLE.read_bytes())
    assert stored.status_code == 303
    page = await web.get(stored.headers["location"])
    assert page.status_code == 200
    assert "khi công bố, đại biểu sẽ nhận được đúng nội dung sau" in page.text
    assert "Trần Thị Ánh" in page.text and "Công bố tới 8 tài khoản" in page.text
    result_id = int(stored.headers["location"].rsplit("/", 1)[1])
    refused = await web.post(f"/results/{result_id}/publish")
    assert refused.status_code == 403
    published = await web.post(f"/results/{result_id}/publish", data={"csrf": csrf})
    assert published.status_code == 303
    broadcast_id = int(re.fullmatch(r"/announce/(\d+)", published.headers["location"]).group(1))
    assert sum((await outbox.counts(app.services.db, broadcast_id)).values()) == 8
    entry = (await audit.search(app.services.db, action="results.published"))[0]
    assert entry.actor == f"telegram:{ORGANISER_ID}"
    again = await web.post(f"/results/{result_id}/publish", data={"csrf": csrf})
    assert again.status_code == 409 and "không còn là bản nháp" in again.text
    corrected = EXAMPLE.read_text(encoding="utf-8-sig").replace("Trần Thị Ánh,271",
                                                                "Trần Thị Ánh,272")
    second = await upload(web, csrf, "dinh-chinh.csv", corrected.encode())
    page = await web.get(second.headers["location"])
    assert "bản đính chính" in page.text


async def test_a_draft_is_discarded_and_nothing_sent(
    app: App, client: tuple[httpx.AsyncClient, str]
) -> None:
    web, csrf = client
    stored = await upload(web, csrf, "ket-qua.csv", EXAMPLE.read_bytes())
    result_id = int(stored.headers["location"].rsplit("/", 1)[1])
    gone = await web.post(f"/results/{result_id}/discard", data={"csrf": csrf})
    assert gone.status_code == 303
    item = await results.get(app.services.db, result_id)
    assert item is not None and item.status == "discarded"
    assert (await web.post(f"/results/{result_id}/discard", data={"csrf": csrf})).status_code == 409
    assert (await web.get("/results/999")).status_code == 404


@pytest.mark.parametrize(("name", "data", "status", "says"), [
    ("ket-qua.csv", "Tiêu đề,Bầu cử\nLoại,bầu cử\nSố lượng bầu,hai\n".encode(), 400, "ket-qua.csv"),
    ("ket-qua.csv", b"", 400, "Tệp trống."),
])
async def test_a_bad_result_file_is_refused(
    app: App, client: tuple[httpx.AsyncClient, str], name: str, data: bytes, status: int,
    says: str
) -> None:
    web, csrf = client
    answer = await upload(web, csrf, name, data)
    assert answer.status_code == status and says in answer.text
    assert await results.with_status(app.services.db, "draft") == []
    none = await web.post("/results/upload", data={"csrf": csrf})
    assert none.status_code == 400 and "Chưa chọn tệp kết quả" in none.text
