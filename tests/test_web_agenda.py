"""Chương trình on the dashboard: the same flow as a programme file sent in chat.

Upload, check (problems by line, or the changes), apply with or without change notices,
and each bad upload: no file, an empty file, one over the limit, one that is no programme,
a second apply of the same file, an upload without the CSRF token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import App
from bot.config import Config
from bot.filelimits import LIMITS
from storage import agenda, audit, broadcasts, outbox
from testkit.people import seed
from testkit.web_client import log_in, new_link, web_client
from tests.conftest import ORGANISER_ID, make_config

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "agenda.toml"
TOKEN = 'name="token" value="'


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a config with the dashboard on."""
    return make_config(tmp_path, web={"enabled": True})


@pytest.fixture
async def client(app: App) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """Return a logged-in client and its CSRF token, over 12 registered delegates."""
    await seed(app, 12)
    async with web_client(app) as made:
        csrf = await log_in(made, await new_link(app))
        yield made, csrf


async def upload(web: httpx.AsyncClient, csrf: str, name: str, data: bytes) -> httpx.Response:
    """Upload a programme file to be checked."""
    return await web.post("/agenda/check", data={"csrf": csrf},
                          files={"file": (name, data, "application/octet-stream")})


def token_in(page: str) -> str:
    """Return the staged file's token the page's apply form carries."""
    start = page.index(TOKEN) + len(TOKEN)
    return page[start:page.index('"', start)]


async def test_a_programme_is_checked_then_applied_and_a_change_told(
    app: App, client: tuple[httpx.AsyncClient, str]
) -> None:
    web, csrf = client
    checked = await upload(web, csrf, "agenda.toml", EXAMPLE.read_bytes())
    assert checked.status_code == 200 and "hợp lệ: 15 phiên" in checked.text
    assert "Áp dụng và báo cho đại biểu" not in checked.text  # a first import tells nobody
    applied = await web.post("/agenda/apply", data={"csrf": csrf, "token": token_in(
        checked.text), "notify": "no"})
    assert applied.status_code == 200 and "Đã nhập chương trình agenda.toml" in applied.text
    assert len(await agenda.all_sessions(app.services.db)) == 15
    assert "Đón đại biểu" in (await web.get("/agenda")).text
    moved = EXAMPLE.read_text(encoding="utf-8").replace('start = "13:30"', 'start = "14:00"')
    checked = await upload(web, csrf, "agenda-2.toml", moved.encode())
    assert checked.status_code == 200 and "1 thay đổi" in checked.text
    token = token_in(checked.text)
    applied = await web.post("/agenda/apply", data={"csrf": csrf, "token": token,
                                                    "notify": "yes"})
    assert applied.status_code == 200
    assert "Đã đưa thông báo thay đổi vào hàng gửi cho 11 tài khoản." in applied.text  # officials
    (notice,) = [b for b in await broadcasts.recent(app.services.db) if b.kind == "agenda_change"]
    assert sum((await outbox.counts(app.services.db, notice.id)).values()) == 11
    entry = (await audit.search(app.services.db, action="agenda.imported"))[0]
    assert entry.actor == f"telegram:{ORGANISER_ID}" and entry.details["file"] == "agenda-2.toml"
    again = await web.post("/agenda/apply", data={"csrf": csrf, "token": token, "notify": "yes"})
    assert again.status_code == 409 and "đã được áp dụng" in again.text


@pytest.mark.parametrize(("name", "data", "status", "says"), [
    ("agenda.xlsx", b"\x89PNG\r\n\x1a\n not a workbook", 400, "Không nhập tệp agenda.xlsx"),
    ("agenda.csv", "Ngày;Giờ\n32/13/2026;25:00\n".encode(), 400, "Không nhập tệp agenda.csv"),
    ("agenda.toml", b"", 400, "Tệp trống."),
    ("agenda.csv", b"x" * (LIMITS.file_bytes + 1), 413, "lớn hơn 10 MB"),
])
async def test_a_bad_upload_is_refused_and_changes_nothing(
    app: App, client: tuple[httpx.AsyncClient, str], name: str, data: bytes, status: int,
    says: str
) -> None:
    web, csrf = client
    answer = await upload(web, csrf, name, data)
    assert answer.status_code == status and says in answer.text
    assert TOKEN not in answer.text
    assert await agenda.all_sessions(app.services.db) == []


async def test_no_file_or_no_token_is_refused(app: App,
                                              client: tuple[httpx.AsyncClient, str]) -> None:
    web, csrf = client
    none = await web.post("/agenda/check", data={"csrf": csrf})
    assert none.status_code == 400 and "Chưa chọn tệp" in none.text
    refused = await web.post("/agenda/check",
                             files={"file": ("agenda.toml", EXAMPLE.read_bytes())})
    assert refused.status_code == 403
    stale = await web.post("/agenda/apply", data={"csrf": csrf, "token": "nothing"})
    assert stale.status_code == 409
    assert await agenda.all_sessions(app.services.db) == []
