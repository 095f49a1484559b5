"""Congress documents on Zalo, which cannot carry files: the list comes numbered, and a
number answers, when the bot has no public web address, where the document can be read
(Telegram, or the organisers' desk), never with a link (links: tests/test_document_links.py)."""

from __future__ import annotations

from bot.app import App
from bot.clock import to_iso
from bot.i18n import Translator
from bot.text import html_to_plain
from storage import delegates, document_files, documents, registrations, users
from storage.delegates import DelegateData
from storage.documents import FileData
from storage.users import ChatUser
from testkit.doc_files import pdf
from testkit.zalo_harness import ZaloChat

TEXTS = Translator.load("vi")
USER = "a1b2c3d4e5f60718"


async def test_zalo_lists_by_number_and_says_where_to_read(app: App, zalo: ZaloChat) -> None:
    """The list is numbered; "1" answers that the file can be read on Telegram or at the
    desk, with no link, and nothing is sent as a file."""
    db, now = app.services.db, to_iso(app.services.clock.now())
    await delegates.apply_import(db, upserts=[DelegateData(
        "Z1", "Người Zalo", "Đơn vị", "Đoàn Sở Y tế", "official", None, "", "INVITEZ1")],
        remove_codes=[], now=now)
    delegate = await delegates.find_by_code(db, "Z1")
    assert delegate is not None
    await users.touch(db, ChatUser("zalo", USER, USER, "Z"), now)
    assert await registrations.link(db, "zalo", USER, delegate.id, "invite_code", now)
    data = pdf("Chương trình")
    file_hash = document_files.store(app.services.config.database_path, data)
    await documents.add(db, title="Chương trình Đại hội", file=FileData(
        file_hash, "ct.pdf", len(data), "application/pdf"), session_id=None,
        audience="Đoàn Sở Y tế", visible_from=now, notify=False, created_by="cli", now=now)

    (listing,) = await zalo.send(USER, "/documents")
    assert "Chương trình Đại hội" in listing and "1." in listing
    (answer,) = await zalo.send(USER, "1")
    assert answer == html_to_plain(TEXTS.t("vi", "documents.not_on_platform",
                                           title="Chương trình Đại hội"))
    assert "http" not in answer
