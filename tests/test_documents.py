"""Congress documents end to end, through the real Telegram channel and the fake Bot API:
publishing in chat (preview, confirm, cancel, new version), the checks, /documents and the
session's details, sending once uploaded then by file_id, the audience rules, the notices.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import App
from bot.clock import FixedClock, to_iso
from bot.documents_check import MAX_BYTES
from bot.i18n import Translator
from bot.text import html_to_plain
from handlers import document_notices
from storage import (
    agenda,
    attendance,
    delegates,
    document_files,
    documents,
    registrations,
    users,
)
from storage.agenda import SessionData
from storage.attendance import Replacement
from storage.delegates import DelegateData
from storage.users import ChatUser
from testkit.doc_files import PNG, docx, pdf, xlsx
from testkit.fake_telegram import FakeTelegram, UploadedFile
from testkit.telegram_harness import TelegramChat, buttons
from testkit.worker import drain
from tests.conftest import ORGANISER_ID

TEXTS = Translator.load("vi")
# Telegram user ids of the people of the roster below (they wrote to the bot: SEEDED_CHATS).
FINANCE, HEALTH, HEALTH_ALTERNATE, GUEST, UNREGISTERED = 50_001, 50_002, 50_003, 50_004, 50_005
HEALTH_NAME = "Đoàn Sở Y tế"


def vi(key: str, **params: object) -> str:
    """Return a Vietnamese text as the fake shows it (HTML parsed away)."""
    return html_to_plain(TEXTS.t("vi", key, **params))


async def roster(app: App) -> dict[int, int]:
    """Register four people: officials of two delegations, an alternate, a guest; return
    their delegate ids by Telegram user id."""
    db, now = app.services.db, to_iso(app.services.clock.now())
    people = [(FINANCE, "Đoàn Sở Tài chính", "official"), (HEALTH, HEALTH_NAME, "official"),
              (HEALTH_ALTERNATE, HEALTH_NAME, "alternate"), (GUEST, "", "guest"),
              (UNREGISTERED, HEALTH_NAME, "official")]
    await delegates.apply_import(db, upserts=[
        DelegateData(f"D{user}", f"Người {user}", "Đơn vị", delegation, kind, None, "",
                     f"INVITE{user}") for user, delegation, kind in people],
        remove_codes=[], now=now)
    ids = {}
    for user, _, _ in people:
        delegate = await delegates.find_by_code(db, f"D{user}")
        assert delegate is not None
        ids[user] = delegate.id
        if user != UNREGISTERED:
            await users.touch(db, ChatUser("telegram", str(user), str(user), "x"), now)
            assert await registrations.link(db, "telegram", str(user), delegate.id,
                                            "invite_code", now)
    return ids


async def publish(tg: TelegramChat, name: str, data: bytes, caption: str) -> int:
    """Send a document as the organiser, confirm it; return its id."""
    (preview,) = await tg.send_document(ORGANISER_ID, name, data, caption=caption)
    labels = [label for label, _ in buttons(preview)]
    assert labels[-1] == vi("documents.button.cancel"), preview
    (done,) = await tg.press(ORGANISER_ID, buttons(preview)[0][1])
    assert done["text"].startswith(("Đã đăng", "Đã lưu")), done
    return max(d.id for d in await documents.all_documents(tg.channel.app.services.db))


def document_buttons(message: dict[str, object]) -> list[str]:
    """Return the callback data of a message's document buttons."""
    return [":".join(data.split(":")[:2]) for _, data in buttons(message)
            if data.startswith("doc:")]


async def list_for(tg: TelegramChat, user: int) -> dict[str, object]:
    (answer,) = await tg.send(user, "/documents")
    return answer


def sends_to(fake: FakeTelegram, user: int) -> list[dict[str, object]]:
    """Return the sendDocument calls answered to a chat."""
    return [c.params for c in fake.calls_to("sendDocument")
            if c.ok and c.params.get("chat_id") == user]


def uploads(fake: FakeTelegram) -> int:
    """Return how many sendDocument calls uploaded a file."""
    return sum(isinstance(c.params.get("document"), UploadedFile)
               for c in fake.calls_to("sendDocument"))


async def test_publish_in_chat_then_upload_once_and_send_by_file_id(
        app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock) -> None:
    """The preview names title, size, readers, session and moment; after confirming, the
    first delegate's press uploads the file, every later one sends Telegram's file_id (one
    the fake issued); the notice goes to every reader through the outbox."""
    await roster(app)
    data = pdf("Dự thảo Báo cáo chính trị", padding=3000)
    (preview,) = await tg.send_document(
        ORGANISER_ID, "bao-cao.pdf", data,
        caption="/document Dự thảo Báo cáo chính trị --notify")
    text = preview["text"]
    assert "Dự thảo Báo cáo chính trị" in text and "bao-cao.pdf" in text and "4 KB" in text
    assert vi("documents.audience.all") in text and vi("documents.when.now") in text
    assert await documents.published(app.services.db) == []  # nothing before confirming
    (done,) = await tg.press(ORGANISER_ID, "docp:publish")
    (item,) = await documents.published(app.services.db)
    assert done["text"] == vi("documents.published", title=item.title, id=item.id)
    stored = document_files.path_of(app.services.config.database_path, item.file_hash)
    assert stored.read_bytes() == data

    for user in (FINANCE, HEALTH, GUEST):
        listing = await list_for(tg, user)
        assert document_buttons(listing) == [f"doc:{item.id}"]
        (kept,) = await tg.press(user, buttons(listing)[0][1])  # the list stays, marked
        assert vi("documents.list.sent", title=item.title) in html_to_plain(kept["text"])
        assert buttons(kept) == buttons(listing) and "message_id" in kept
        (sent,) = sends_to(fake, user)
        assert "Dự thảo Báo cáo chính trị" in str(sent["caption"])
    assert uploads(fake) == 1
    first, *later = [c.params["document"] for c in fake.calls_to("sendDocument")]
    assert isinstance(first, UploadedFile) and first.content == data
    issued = await documents.upload_of(app.services.db, item.file_hash, "telegram")
    assert issued and later == [issued, issued]

    assert await document_notices.tell_due(app.services) == 4  # organisers are no readers
    assert await document_notices.tell_due(app.services) == 0  # told once
    await drain(app, clock)
    notice = vi("documents.notice", title=item.title)
    for user in (FINANCE, HEALTH, HEALTH_ALTERNATE, GUEST):
        assert notice in [html_to_plain(t) for t in fake.sent_texts(user)]


async def test_a_delegations_document_reaches_only_its_official_delegates(
        app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock) -> None:
    """A delegation's document: listed, sent and announced to its official delegates only;
    another delegation's delegate, an alternate without a seat and a guest never see it,
    nor get it by a forged button; an "official" document never reaches the guest."""
    await roster(app)
    own = await publish(tg, "nhan-su.pdf", pdf("Phương án"),
                        f"/document Phương án nhân sự --audience {HEALTH_NAME.upper()} --notify")
    (item,) = await documents.published(app.services.db)
    assert item.audience == HEALTH_NAME  # the roster's spelling
    official = await publish(tg, "quy-che.docx", docx(["Quy chế bầu cử"]),
                             "/document Quy chế bầu cử —audience Chính thức")  # a phone's dash
    for user in (FINANCE, HEALTH_ALTERNATE, GUEST):
        listing = await list_for(tg, user)
        assert f"doc:{own}" not in document_buttons(listing)
        (refused,) = await tg.press(user, f"doc:{own}")
        assert refused["text"] == vi("documents.gone")
    assert document_buttons(await list_for(tg, FINANCE)) == [f"doc:{official}"]
    assert document_buttons(await list_for(tg, GUEST)) == []
    (refused,) = await tg.press(GUEST, f"doc:{official}")
    assert refused["text"] == vi("documents.gone")
    assert not any(sends_to(fake, u) for u in (FINANCE, HEALTH_ALTERNATE, GUEST))
    assert document_buttons(await list_for(tg, HEALTH)) == [f"doc:{official}", f"doc:{own}"]
    await tg.press(HEALTH, f"doc:{own}")
    assert len(sends_to(fake, HEALTH)) == 1

    assert await document_notices.tell_due(app.services) == 1
    await drain(app, clock)
    notice = vi("documents.notice", title="Phương án nhân sự")
    told = [u for u in (FINANCE, HEALTH, HEALTH_ALTERNATE, GUEST)
            if notice in [html_to_plain(t) for t in fake.sent_texts(u)]]
    assert told == [HEALTH]


async def test_unregistered_people_see_nothing(app: App, tg: TelegramChat,
                                               fake: FakeTelegram) -> None:
    """Someone not registered is told to register, and a forged button sends nothing."""
    await roster(app)
    doc = await publish(tg, "ct.pdf", pdf("Chương trình"), "/document Chương trình")
    fake.declare_chat(UNREGISTERED)
    (answer,) = await tg.send(UNREGISTERED, "/documents")
    assert answer["text"] == vi("documents.not_registered")
    (refused,) = await tg.press(UNREGISTERED, f"doc:{doc}")
    assert refused["text"] == vi("documents.gone") and sends_to(fake, UNREGISTERED) == []


@pytest.mark.parametrize(("name", "content", "caption", "key"), [
    ("bao-cao.pdf", pdf("ĐẢNG BỘ TỈNH", "TỐI MẬT"), "/document Báo cáo", "documents.error.secret"),
    ("bao-cao.pdf", pdf("x"), "/document Phương án MẬT", "documents.error.secret"),
    ("bao-cao.pdf", docx(["x"]), "/document Báo cáo", "documents.error.mismatch"),
    ("anh.png", b"", "/document Ảnh", "documents.error.empty"),
    ("anh.gif", b"GIF89a", "/document Ảnh", "documents.error.type"),
    ("a.pdf", pdf("x"), "/document A --audiance all", "documents.error.option"),
    ("a.pdf", pdf("x"), "/document A --session", "documents.error.option_value"),
    ("a.pdf", pdf("x"), "/document A --session 999", "documents.error.session"),
    ("a.pdf", pdf("x"), "/document A --audience Đoàn Không Có", "documents.error.audience"),
    ("a.pdf", pdf("x"), "/document A --from 25h", "when.problem.bad_clock"),
])
async def test_bad_documents_are_refused_and_nothing_is_stored(
        app: App, tg: TelegramChat, name: str, content: bytes, caption: str,
        key: str) -> None:
    """Each refusal has its own message; no document, draft or file is left."""
    (answer,) = await tg.send_document(ORGANISER_ID, name, content, caption=caption)
    first_line = html_to_plain(TEXTS.t("vi", key, file=name, stamp="X", extension=".pdf",
                                       found="Word", option="--x", session="999",
                                       audience="x", value="25h", max_mb=20)).split(" ")[0]
    assert answer["text"].startswith(first_line) and buttons(answer) == []
    assert await documents.all_documents(app.services.db) == []
    assert not document_files.folder_of(app.services.config.database_path).exists()
    assert await documents.take_draft(app.services.db, "telegram", str(ORGANISER_ID), "") is None


async def test_a_file_over_the_limit_is_refused_before_it_is_downloaded(
        tg: TelegramChat, fake: FakeTelegram) -> None:
    """Over the limit: refused by its declared size; the bot never asks for the file."""
    (answer,) = await tg.send_document(ORGANISER_ID, "lon.pdf", b"%PDF-" + b"0" * MAX_BYTES,
                                       caption="/document Lớn")
    assert answer["text"] == vi("documents.error.too_big", file="lon.pdf", max_mb=20)
    assert fake.calls_to("getFile") == []


async def test_a_title_taken_offers_a_new_version_and_tells_who_received_it(
        app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock) -> None:
    """The same title again: the preview says it is version 2 and offers "new version";
    confirmed, those who received version 1 are told, and the next press sends the new file
    (uploaded once: a new content)."""
    await roster(app)
    doc = await publish(tg, "v1.pdf", pdf("Bản 1"), "/document Dự thảo Nghị quyết")
    await tg.press(HEALTH, f"doc:{doc}")
    (preview,) = await tg.send_document(ORGANISER_ID, "v2.pdf", pdf("Bản 2"),
                                        caption="/document dự thảo  nghị quyết")
    assert vi("documents.preview.version", version=1, next=2) in preview["text"]
    assert buttons(preview)[0][0] == vi("documents.button.version")
    (done,) = await tg.press(ORGANISER_ID, "docp:version")
    assert done["text"] == vi("documents.replaced", title="Dự thảo Nghị quyết", version=2,
                              count=1)
    await drain(app, clock)
    notice = vi("documents.version_notice", title="Dự thảo Nghị quyết", version=2)
    assert notice in [html_to_plain(t) for t in fake.sent_texts(HEALTH)]
    assert notice not in [html_to_plain(t) for t in fake.sent_texts(FINANCE)]
    await tg.press(FINANCE, f"doc:{doc}")
    (sent,) = sends_to(fake, FINANCE)
    assert sent["document"].content == pdf("Bản 2")  # type: ignore[union-attr]
    assert uploads(fake) == 2


async def test_cancel_stores_nothing_and_a_stale_button_does_nothing(
        app: App, tg: TelegramChat) -> None:
    """Cancel drops the kept file; pressing the button again is stale."""
    (preview,) = await tg.send_document(ORGANISER_ID, "a.pdf", pdf("x"), caption="/document A")
    (cancelled,) = await tg.press(ORGANISER_ID, "docp:cancel")
    assert cancelled["text"] == vi("documents.cancelled")
    (stale,) = await tg.press(ORGANISER_ID, buttons(preview)[0][1])
    assert stale["text"] == vi("error.stale_choice")
    assert await documents.all_documents(app.services.db) == []


async def test_routing_pdf_and_pictures_are_documents_xlsx_only_under_the_command(
        app: App, tg: TelegramChat) -> None:
    """A PDF or picture with a plain caption is a document titled by its caption (or file
    name); an .xlsx file is a document under /document, and otherwise an import."""
    (preview,) = await tg.send_document(ORGANISER_ID, "So do hoi truong.png", PNG)
    assert "So do hoi truong" in preview["text"] and buttons(preview)
    (preview,) = await tg.send_document(ORGANISER_ID, "a.pdf", pdf("x"), caption="Chương trình")
    assert "<b>Chương trình</b>" in preview["text"]
    (preview,) = await tg.send_document(ORGANISER_ID, "ds.xlsx", xlsx("Danh sách"),
                                        caption="/document Danh sách ứng cử viên")
    assert "Danh sách ứng cử viên" in preview["text"] and vi("documents.preview.confirm") in (
        preview["text"])
    (report,) = await tg.send_document(ORGANISER_ID, "ds.xlsx", xlsx("Danh sách"))
    assert vi("documents.preview.confirm") not in report["text"]  # the roster's checker


async def test_delegates_cannot_publish(app: App, tg: TelegramChat) -> None:
    """/document, a PDF with or without it, and a forged confirm button: refused to a
    delegate, nothing stored."""
    await roster(app)
    refused = vi("error.organisers_only")
    (answer,) = await tg.send_document(HEALTH, "a.pdf", pdf("x"), caption="/document A")
    assert answer["text"] == refused
    (answer,) = await tg.send_document(HEALTH, "a.pdf", pdf("x"), caption="A")
    assert answer["text"] == refused
    (answer,) = await tg.send(HEALTH, "/document")
    assert answer["text"] == refused
    (answer,) = await tg.press(HEALTH, "docp:publish:0123456789")
    assert answer["text"] == refused
    assert await documents.all_documents(app.services.db) == []


async def test_later_documents_and_the_sessions_details(
        app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock) -> None:
    """A document visible from tomorrow is listed to nobody but organisers until then, and
    its notice is a job at that moment; a session's details in /agenda show its documents."""
    await roster(app)
    now = clock.now()
    await agenda.apply_import(app.services.db, upserts=[SessionData(
        "khai-mac", to_iso(now + timedelta(hours=1)), to_iso(now + timedelta(hours=2)),
        "Phiên khai mạc", "Hội trường", "", "", "plenary", "all")], cancel_keys=[], notice=None,
        now=to_iso(now))
    (session,) = await agenda.all_sessions(app.services.db)
    today = await publish(tg, "ct.pdf", pdf("x"), f"/document Diễn văn --session {session.id}")
    later = await publish(tg, "nq.pdf", pdf("y"), "/document Nghị quyết --from mai 8h --notify")
    assert document_buttons(await list_for(tg, HEALTH)) == [f"doc:{today}"]
    assert f"doc:{later}" in document_buttons(await list_for(tg, ORGANISER_ID))
    (job,) = await document_notices.jobs(app.services)
    assert job.at > now and await document_notices.tell_readers(app.services, later) == 0
    (details,) = await tg.press(HEALTH, f"ag:{session.id}")
    assert vi("documents.agenda") in details["text"] and "Diễn văn" in details["text"]
    assert document_buttons(details) == [f"doc:{today}"]
    clock.advance(job.at - now)
    assert await document_notices.tell_readers(app.services, later) == 4
    assert document_buttons(await list_for(tg, HEALTH)) == [f"doc:{later}", f"doc:{today}"]


async def test_withdrawn_documents_are_gone_and_never_announced(
        app: App, tg: TelegramChat, clock: FixedClock) -> None:
    """Withdrawn: not listed, a press answers it is gone, its pending notice never goes."""
    await roster(app)
    doc = await publish(tg, "a.pdf", pdf("x"), "/document A --from mai 8h --notify")
    now = to_iso(clock.now())
    assert await documents.withdraw(app.services.db, doc, now)
    clock.advance(timedelta(days=2))
    assert await document_notices.tell_due(app.services) == 0
    assert await document_notices.jobs(app.services) == []
    (gone,) = await tg.press(HEALTH, f"doc:{doc}")
    assert gone["text"] == vi("documents.gone")


async def test_a_file_id_telegram_no_longer_knows_is_uploaded_again(
        app: App, tg: TelegramChat, fake: FakeTelegram) -> None:
    """The fake refuses a file_id it never issued; the bot then uploads the file once more
    and keeps the new id."""
    await roster(app)
    doc = await publish(tg, "a.pdf", pdf("x"), "/document A")
    (item,) = await documents.published(app.services.db)
    await documents.remember_upload(app.services.db, item.file_hash, "telegram", "FORGED")
    await tg.press(HEALTH, f"doc:{doc}")
    refused, uploaded = fake.calls_to("sendDocument")
    assert refused.params["document"] == "FORGED" and refused.status == 400
    assert isinstance(uploaded.params["document"], UploadedFile) and uploaded.ok
    assert await documents.upload_of(app.services.db, item.file_hash, "telegram") != "FORGED"


async def test_an_alternate_in_an_official_seat_reads_as_its_holder(
        app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock) -> None:
    """Once an alternate takes an official delegate's seat, the restricted documents of that
    seat's audience are theirs: listed, sent and announced; a guest still gets none."""
    ids = await roster(app)
    doc = await publish(tg, "nhan-su.pdf", pdf("Phương án"),
                        f"/document Phương án nhân sự --audience {HEALTH_NAME} --notify")
    assert document_buttons(await list_for(tg, HEALTH_ALTERNATE)) == []
    await attendance.replace(app.services.db, Replacement(
        ids[HEALTH], ids[HEALTH_ALTERNATE], to_iso(clock.now()), "cli"), None)
    assert document_buttons(await list_for(tg, HEALTH_ALTERNATE)) == [f"doc:{doc}"]
    await tg.press(HEALTH_ALTERNATE, f"doc:{doc}")
    assert len(sends_to(fake, HEALTH_ALTERNATE)) == 1
    assert await document_notices.tell_due(app.services) == 2  # the official and the alternate
    (refused,) = await tg.press(GUEST, f"doc:{doc}")
    assert refused["text"] == vi("documents.gone")
