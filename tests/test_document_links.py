"""Congress documents as download links on Zalo (which cannot carry files): a link for
that person and that document, 24 hours, used once, the download audited; restricted
documents and a bot without a public web address keep the "read it on Telegram or at the
desk" answer. Driven through the fake Zalo and the dashboard's ASGI application."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FixedClock, to_iso
from bot.config import Config
from bot.i18n import Translator
from bot.text import html_to_plain
from storage import audit, delegates, document_files, documents, registrations, users
from storage.delegates import DelegateData
from storage.documents import Document, FileData
from storage.users import ChatUser
from testkit.doc_files import pdf
from testkit.fake_zalo import FakeZalo
from testkit.web_client import web_client
from testkit.zalo_harness import ZaloChat, start_zalo
from tests.conftest import make_config

TEXTS = Translator.load("vi")
USER, OTHER = "a1b2c3d4e5f60718", "0f1e2d3c4b5a6978"
PUBLIC = "https://daihoi.example.org"
LINK = re.compile(re.escape(PUBLIC) + r"/documents/file\?t=[A-Za-z0-9_-]+")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a config with the dashboard on, reached at a public https address."""
    return make_config(tmp_path, web={"enabled": True, "public_url": PUBLIC})


async def register(app: App, code: str, user: str, delegation: str = "Đoàn Sở Y tế",
                   kind: str = "official") -> int:
    """Register a delegate on Zalo; return their id."""
    db, now = app.services.db, to_iso(app.services.clock.now())
    await delegates.apply_import(db, upserts=[DelegateData(
        code, f"Người {code}", "Đơn vị", delegation, kind, None, "", f"INVITE{code}")],
        remove_codes=[], now=now)
    delegate = await delegates.find_by_code(db, code)
    assert delegate is not None
    await users.touch(db, ChatUser("zalo", user, user, code), now)
    assert await registrations.link(db, "zalo", user, delegate.id, "invite_code", now)
    return delegate.id


async def publish(app: App, title: str, audience: str = "all") -> Document:
    """Publish a PDF document visible now."""
    db, now = app.services.db, to_iso(app.services.clock.now())
    data = pdf(title)
    file_hash = document_files.store(app.services.config.database_path, data)
    document_id = await documents.add(db, title=title, file=FileData(
        file_hash, "Chương trình Đại hội.pdf", len(data), "application/pdf"), session_id=None,
        audience=audience, visible_from=now, notify=False, created_by="cli", now=now)
    item = await documents.get(db, document_id)
    assert item is not None
    return item


async def link_for(zalo: ZaloChat, user: str = USER) -> str:
    """Ask for the first document of /documents on Zalo; return the link of the answer."""
    await zalo.send(user, "/documents")
    (answer,) = await zalo.send(user, "1")
    found = LINK.search(answer)
    assert found is not None, answer
    return found.group(0)


async def test_link_downloads_once_for_its_owner_and_is_audited(
    app: App, zalo: ZaloChat, clock: FixedClock
) -> None:
    """The answer is a link (no "read on Telegram"); its page shows the document without
    using it; the POST serves the file as an attachment with the web's headers, once;
    the download is audited and counts as received."""
    delegate_id = await register(app, "Z1", USER)
    item = await publish(app, "Chương trình Đại hội")
    link = await link_for(zalo)
    clock.advance(timedelta(hours=23, minutes=59))
    async with web_client(app) as web:
        page = await web.get(link)
        assert page.status_code == 200 and "Chương trình Đại hội" in page.text
        assert (await web.get(link)).status_code == 200  # a preview uses nothing up
        token = link.split("t=", 1)[1]
        got = await web.post("/documents/file", data={"t": token})
        assert got.status_code == 200, got.text
        assert got.content == document_files.read(app.services.config.database_path,
                                                  item.file_hash)
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"].startswith("attachment;")
        assert "filename*=UTF-8''Ch%C6%B0%C6%A1ng" in got.headers["content-disposition"]
        assert got.headers["x-frame-options"] == "DENY"
        assert got.headers["referrer-policy"] == "no-referrer"
        assert "default-src 'self'" in got.headers["content-security-policy"]
        again = await web.post("/documents/file", data={"t": token})
        assert again.status_code == 410 and again.content != got.content
        assert TEXTS.t("vi", "web.documents.file.used") in again.text
    (entry,) = await audit.entries(app.services.db, action="document.download")
    assert entry.actor == f"zalo:{USER}"
    assert entry.details == {"document": item.id, "version": 1, "delegate": delegate_id}
    assert entry.at == to_iso(clock.now())
    assert await documents.receivers_before(app.services.db, item.id, 2) == {delegate_id}


async def test_the_page_is_in_the_language_of_the_person_the_link_names(
    app: App, zalo: ZaloChat
) -> None:
    """A delegate who chose English reads the page (and why a used link serves nothing) in
    English; an unknown link, naming nobody, is in the event's language."""
    await register(app, "Z1", USER)
    await publish(app, "Chương trình Đại hội")
    await zalo.send(USER, "/language en")
    link = await link_for(zalo)
    en = Translator.load("en")
    async with web_client(app) as web:
        page = await web.get(link)
        assert html_to_plain(en.t("en", "web.documents.file.title")) in page.text
        assert '<html lang="en"' in page.text
        token = link.split("t=", 1)[1]
        assert (await web.post("/documents/file", data={"t": token})).status_code == 200
        used = await web.post("/documents/file", data={"t": token})
        assert html_to_plain(en.t("en", "web.documents.file.used")) in used.text
        unknown = await web.get("/documents/file?t=" + "x" * 43)
        assert TEXTS.t("vi", "web.documents.file.unknown") in unknown.text


async def test_expired_link_serves_nothing(app: App, zalo: ZaloChat, clock: FixedClock) -> None:
    await register(app, "Z1", USER)
    await publish(app, "Chương trình Đại hội")
    link = await link_for(zalo)
    clock.advance(timedelta(hours=24))
    async with web_client(app) as web:
        page = await web.get(link)
        assert page.status_code == 410
        assert TEXTS.t("vi", "web.documents.file.expired") in page.text
        got = await web.post("/documents/file", data={"t": link.split("t=", 1)[1]})
        assert got.status_code == 410 and "content-disposition" not in got.headers
    assert await audit.entries(app.services.db, action="document.download") == []


async def test_link_of_another_person_serves_nothing(app: App, zalo: ZaloChat) -> None:
    """A link names its person: once the Zalo account it was sent to belongs to someone
    else, it serves nothing; a made-up token neither."""
    first = await register(app, "Z1", USER)
    await publish(app, "Chương trình Đại hội")
    link = await link_for(zalo)
    db = app.services.db
    await registrations.unlink_delegate(db, first)
    await register(app, "Z2", USER)  # the same account, now another delegate's
    async with web_client(app) as web:
        got = await web.post("/documents/file", data={"t": link.split("t=", 1)[1]})
        assert got.status_code == 403 and "content-disposition" not in got.headers
        assert TEXTS.t("vi", "web.documents.file.refused") in got.text
        made_up = await web.post("/documents/file", data={"t": "x" * 43})
        assert made_up.status_code == 404
        assert (await web.get("/documents/file")).status_code == 404
        assert (await web.post("/documents/file", data={})).status_code == 404
    assert await audit.entries(db, action="document.download") == []


async def test_withdrawn_document_serves_nothing(app: App, zalo: ZaloChat) -> None:
    await register(app, "Z1", USER)
    item = await publish(app, "Chương trình Đại hội")
    link = await link_for(zalo)
    assert await documents.withdraw(app.services.db, item.id, to_iso(app.services.clock.now()))
    async with web_client(app) as web:
        page = await web.get(link)
        assert page.status_code == 410
        assert TEXTS.t("vi", "web.documents.file.gone") in page.text
        got = await web.post("/documents/file", data={"t": link.split("t=", 1)[1]})
        assert got.status_code == 410 and "content-disposition" not in got.headers


@pytest.mark.parametrize("audience", ["official", "Đoàn Sở Y tế"])
async def test_restricted_document_is_never_a_link(
    app: App, zalo: ZaloChat, audience: str
) -> None:
    """An official delegate of the audience may read it, but on Zalo gets the "read it on
    Telegram or at the desk" answer, and no link is stored."""
    await register(app, "Z1", USER)
    await publish(app, "Phương án nhân sự", audience=audience)
    await zalo.send(USER, "/documents")
    (answer,) = await zalo.send(USER, "1")
    assert answer == html_to_plain(TEXTS.t("vi", "documents.not_on_platform",
                                           title="Phương án nhân sự"))
    assert "http" not in answer
    assert await app.services.db.scalar("SELECT count(*) FROM document_links") == 0


@pytest.mark.parametrize("web", [{"enabled": True}, {"enabled": False, "public_url": PUBLIC}])
async def test_without_public_web_the_old_answer_stays(tmp_path: Path, clock: FixedClock,
                                                       web: dict[str, object]) -> None:
    """No link without `[web] enabled` and a `public_url`."""
    app = await App.open(make_config(tmp_path, web=web), clock=clock)
    try:
        async with FakeZalo() as fake:
            channel = await start_zalo(app, fake)
            try:
                chat = ZaloChat(fake, channel)
                await register(app, "Z1", OTHER)
                await publish(app, "Chương trình Đại hội")
                await chat.send(OTHER, "/documents")
                (answer,) = await chat.send(OTHER, "1")
            finally:
                await channel.stop()
        assert answer == html_to_plain(TEXTS.t("vi", "documents.not_on_platform",
                                               title="Chương trình Đại hội"))
    finally:
        await app.close()
