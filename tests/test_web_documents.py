"""Tài liệu on the dashboard: the same checks and flow as a document sent in chat.

An upload is checked (bot/documents_check.py) and previewed, nothing stored until it is
published (audited as the organiser); a title already published makes a new version; a
draft can be cancelled; a document withdrawn. Each bad input says why and stores nothing:
no file, an empty one, a type that does not match its extension, a state-secret stamp, an
unknown audience or session, a stale preview. No session: the login explanation; a
checker's session: 403; a POST without its CSRF token: 403.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.app import App
from bot.clock import FixedClock, to_iso
from bot.config import Config
from bot.i18n import Translator
from storage import agenda, audit, documents, web_sessions
from storage.agenda import SessionData
from testkit.doc_files import pdf
from testkit.people import DELEGATIONS, seed
from testkit.web_client import log_in, new_link, token_of, web_client
from tests.conftest import make_config

TEXTS = Translator.load("vi")
LOGIN_HOW = "/web"
TOKEN = re.compile(r'name="token" value="([^"]+)"')


def vi(key: str, **params: object) -> str:
    """Return a Vietnamese text as a page shows it (escaped)."""
    import markupsafe

    return str(markupsafe.Markup(TEXTS.t("vi", key, **params)))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a config with the dashboard on."""
    return make_config(tmp_path, web={"enabled": True})


@pytest.fixture
async def client(app: App) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """Return a logged-in organiser's client and its CSRF token, over 6 delegates."""
    await seed(app, 6)
    async with web_client(app) as made:
        csrf = await log_in(made, await new_link(app))
        yield made, csrf


async def upload(web: httpx.AsyncClient, csrf: str, name: str, data: bytes,
                 **fields: str) -> httpx.Response:
    """Upload a document with the form's fields."""
    return await web.post("/documents/upload", data={"csrf": csrf, **fields},
                          files={"file": (name, data, "application/octet-stream")})


def token_in(page: httpx.Response) -> str:
    """Return the draft token of a preview page."""
    found = TOKEN.search(page.text)
    assert found is not None, page.text
    return found.group(1)


async def test_a_document_is_checked_previewed_published_and_withdrawn(
    app: App, clock: FixedClock, client: tuple[httpx.AsyncClient, str]
) -> None:
    web, csrf = client
    db = app.services.db
    now = clock.now()
    await agenda.apply_import(db, upserts=[SessionData(
        "khai-mac", to_iso(now + timedelta(hours=1)), to_iso(now + timedelta(hours=2)),
        "Phiên khai mạc", "Hội trường", "", "", "plenary", "all")], cancel_keys=[], notice=None,
        now=to_iso(now))
    (session,) = await agenda.all_sessions(db)
    form = await web.get("/documents")
    assert form.status_code == 200 and vi("web.documents.none") in form.text
    assert DELEGATIONS[1] in form.text and "Phiên khai mạc" in form.text
    shown = await upload(web, csrf, "dien-van.pdf", pdf("Diễn văn khai mạc"),
                         title="Diễn văn khai mạc", audience=DELEGATIONS[1],
                         session=str(session.id), **{"from": "mai 8h"}, notify="yes")
    assert shown.status_code == 200, shown.text
    assert "Diễn văn khai mạc" in shown.text and "dien-van.pdf" in shown.text
    assert vi("documents.audience.delegation", delegation=DELEGATIONS[1]) in shown.text
    assert "Phiên khai mạc" in shown.text and vi("documents.button.publish") in shown.text
    assert await documents.all_documents(db) == []  # nothing stored before publishing
    done = await web.post("/documents/publish", data={"csrf": csrf, "token": token_in(shown)})
    assert done.status_code == 303 and done.headers["location"] == "/documents"
    (item,) = await documents.all_documents(db)
    assert (item.title, item.audience, item.session_id, item.notify, item.version) == (
        "Diễn văn khai mạc", DELEGATIONS[1], session.id, True, 1)
    assert item.visible_from > to_iso(now)
    (entry,) = await audit.entries(db, action="document.publish")
    assert entry.actor == "telegram:9001"  # the session's organiser (testkit new_link)
    listed = await web.get("/documents")
    assert "Diễn văn khai mạc" in listed.text and vi("web.documents.withdraw") in listed.text

    again = await upload(web, csrf, "dien-van-2.pdf", pdf("Diễn văn khai mạc, bản sửa"),
                         title="diễn văn khai mạc")
    assert vi("documents.button.version") in again.text
    assert (await web.post("/documents/publish", data={"csrf": csrf, "token": token_in(again)})
            ).status_code == 303
    item2 = await documents.get(db, item.id)
    assert item2 is not None and item2.version == 2 and item2.file_name == "dien-van-2.pdf"

    gone = await web.post(f"/documents/{item.id}/withdraw", data={"csrf": csrf})
    assert gone.status_code == 303
    withdrawn = await documents.get(db, item.id)
    assert withdrawn is not None and withdrawn.withdrawn_at is not None
    (entry,) = await audit.entries(db, action="document.withdraw")
    assert entry.details == {"document": item.id}
    assert vi("web.documents.withdrawn") in (await web.get("/documents")).text
    twice = await web.post(f"/documents/{item.id}/withdraw", data={"csrf": csrf})
    assert twice.status_code == 409 and vi("web.documents.already_withdrawn") in twice.text
    assert (await web.post("/documents/999/withdraw", data={"csrf": csrf})).status_code == 404


async def test_a_cancelled_or_stale_preview_publishes_nothing(
    app: App, client: tuple[httpx.AsyncClient, str]
) -> None:
    web, csrf = client
    shown = await upload(web, csrf, "ct.pdf", pdf("Chương trình"), title="Chương trình")
    token = token_in(shown)
    cancelled = await web.post("/documents/cancel", data={"csrf": csrf, "token": token})
    assert cancelled.status_code == 303
    stale = await web.post("/documents/publish", data={"csrf": csrf, "token": token})
    assert stale.status_code == 409 and vi("web.documents.stale") in stale.text
    assert await documents.all_documents(app.services.db) == []


@pytest.mark.parametrize(("name", "data", "fields", "status", "key", "params"), [
    ("rong.pdf", b"", {}, 400, "documents.error.empty", {"file": "rong.pdf"}),
    ("anh.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, {}, 400, "documents.error.mismatch",
     {"file": "anh.pdf", "extension": ".pdf", "found": "PNG"}),
    ("bc.pdf", pdf("Báo cáo"), {"title": "Báo cáo — TỐI MẬT"}, 400, "documents.error.secret",
     {"stamp": "TỐI MẬT"}),
    ("bc.pdf", pdf("Báo cáo"), {"audience": "Đoàn không có"}, 400, "documents.error.audience",
     {"audience": "Đoàn không có"}),
    ("bc.pdf", pdf("Báo cáo"), {"session": "77"}, 400, "documents.error.session",
     {"session": "77"}),
    ("bc.exe", b"MZ" + b"\0" * 64, {}, 400, "documents.error.type", {"file": "bc.exe"}),
])
async def test_a_bad_upload_is_refused_and_stores_nothing(
    app: App, client: tuple[httpx.AsyncClient, str], name: str, data: bytes,
    fields: dict[str, str], status: int, key: str, params: dict[str, object]
) -> None:
    web, csrf = client
    refused = await upload(web, csrf, name, data, **fields)
    assert refused.status_code == status, refused.text
    assert 'role="alert"' in refused.text
    if key != "documents.error.mismatch":  # its wording names the kind found
        assert vi(key, **params) in refused.text
    assert await documents.all_documents(app.services.db) == []
    assert await app.services.db.scalar("SELECT count(*) FROM document_drafts") == 0


async def test_no_file_is_refused(app: App, client: tuple[httpx.AsyncClient, str]) -> None:
    web, csrf = client
    refused = await web.post("/documents/upload", data={"csrf": csrf, "title": "X"})
    assert refused.status_code == 400 and vi("web.documents.no_file") in refused.text


async def test_without_session_checker_or_csrf_nothing_happens(app: App) -> None:
    await seed(app, 2)
    async with web_client(app) as web:
        page = await web.get("/documents")
        assert page.status_code == 401 and LOGIN_HOW in page.text
        blind = await web.post("/documents/upload", files={"file": ("a.pdf", pdf("a"))})
        assert blind.status_code == 403
        link = await new_link(app, actor="telegram:7007", role=web_sessions.CHECKER)
        assert (await web.post("/login", data={"t": token_of(link)})).status_code == 303
        checker = await web.get("/documents")
        assert checker.status_code == 403 and "chỉ mở được bàn điểm danh" in checker.text
    async with web_client(app) as web:
        csrf = await log_in(web, await new_link(app))
        no_token = await web.post("/documents/upload", data={"title": "A"},
                                  files={"file": ("a.pdf", pdf("a"), "application/pdf")})
        assert no_token.status_code == 403
        wrong = await web.post("/documents/upload", data={"csrf": csrf + "x", "title": "A"},
                               files={"file": ("a.pdf", pdf("a"), "application/pdf")})
        assert wrong.status_code == 403
    assert await documents.all_documents(app.services.db) == []
