"""Documents in storage: one published document per title, versions, files on disk by
content hash with private modes, and backups that carry the files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.app import App
from storage import backup as backups
from storage import document_files, documents
from storage.documents import FileData, TitleTaken

NOW = "2026-08-11T00:30:00.000Z"


async def _add(app: App, title: str, data: bytes, **kwargs: object) -> int:
    path = app.services.config.database_path
    file_hash = document_files.store(path, data)
    values: dict[str, object] = {"session_id": None, "audience": "all", "visible_from": NOW,
                                 "notify": False, "created_by": "cli", "now": NOW}
    values.update(kwargs)
    return await documents.add(app.services.db, title=title,
                               file=FileData(file_hash, "a.pdf", len(data), "application/pdf"),
                               **values)  # type: ignore[arg-type]


async def test_files_are_private_and_named_by_content(app: App) -> None:
    """The folder is 0700 and the file 0600, named by its SHA-256; the same content is one
    file."""
    path = app.services.config.database_path
    first = document_files.store(path, b"%PDF-1.4 one")
    again = document_files.store(path, b"%PDF-1.4 one")
    folder = document_files.folder_of(path)
    assert first == again == document_files.content_hash(b"%PDF-1.4 one")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / first).stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == [first]
    assert document_files.read(path, first) == b"%PDF-1.4 one"
    with pytest.raises(ValueError):
        document_files.path_of(path, "../../etc/passwd")


def test_delete_all_deletes_the_stored_files_and_nothing_else(tmp_path: Path) -> None:
    """`demo --reset`: the content-named files go; a file someone else put there stays, and
    with it the folder; an empty folder goes; no folder is no error."""
    database = tmp_path / "demo.sqlite3"
    document_files.delete_all(database)
    stored = document_files.store(database, b"%PDF-1.4 one")
    folder = document_files.folder_of(database)
    (folder / "notes.txt").write_text("mine")
    document_files.delete_all(database)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert not document_files.path_of(database, stored).exists()
    (folder / "notes.txt").unlink()
    document_files.delete_all(database)
    assert not folder.exists()


async def test_one_title_versions_and_withdrawal(app: App) -> None:
    """A title already published is refused (naming the document); a new version bumps the
    number; a withdrawn title may be used again."""
    db = app.services.db
    first = await _add(app, "Báo cáo chính trị", b"%PDF-1 a")
    with pytest.raises(TitleTaken) as taken:
        await _add(app, "  báo cáo   CHÍNH trị ", b"%PDF-1 b")
    assert taken.value.document_id == first
    file = FileData(document_files.content_hash(b"v2"), "b.pdf", 2, "application/pdf")
    assert await documents.new_version(db, first, file, NOW) == 2
    stored = await documents.get(db, first)
    assert stored is not None and stored.version == 2 and stored.file == file
    assert await documents.withdraw(db, first, NOW)
    assert not await documents.withdraw(db, first, NOW)
    assert await documents.new_version(db, first, file, NOW) is None
    assert await documents.find_by_title(db, "Báo cáo chính trị") is None
    second = await _add(app, "Báo cáo chính trị", b"%PDF-1 c")
    assert second != first and [d.id for d in await documents.published(db)] == [second]


async def test_receipts_and_uploads(app: App) -> None:
    """Receipts keep the newest version per delegate; an upload's id is kept per content."""
    from testkit.people import seed

    people = await seed(app, 2)
    db = app.services.db
    doc = await _add(app, "Chương trình", b"%PDF x")
    await documents.record_receipt(db, doc, people[0].delegate.id, 1, NOW)
    assert await documents.receivers_before(db, doc, 2) == {people[0].delegate.id}
    await documents.record_receipt(db, doc, people[0].delegate.id, 2, NOW)
    assert await documents.receivers_before(db, doc, 2) == set()
    assert await documents.upload_of(db, "h", "telegram") is None
    await documents.remember_upload(db, "h", "telegram", "DOC1")
    assert await documents.upload_of(db, "h", "telegram") == "DOC1"


async def test_backup_carries_the_files(app: App, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A backup copies the document files into the folder beside it, private; a file gone
    from disk makes the backup a bad one, and no copy is kept."""
    await _add(app, "Điều lệ", b"%PDF charter")
    target = tmp_path / "out" / "copy.sqlite3"
    target.parent.mkdir()
    result = await backups.backup(app.services.config.database_path, target)
    assert result.ok
    name = document_files.content_hash(b"%PDF charter")
    copied = document_files.folder_of(target) / name
    assert copied.read_bytes() == b"%PDF charter"
    assert stat.S_IMODE(copied.stat().st_mode) == 0o600
    document_files.path_of(app.services.config.database_path, name).unlink()
    other = tmp_path / "out" / "other.sqlite3"
    result = await backups.backup(app.services.config.database_path, other)
    assert not result.ok and "missing or damaged" in result.problems[0]
    assert not other.exists()


async def test_forget_drops_an_unconfirmed_document(app: App) -> None:
    """/forget takes the file an organiser sent and did not confirm with the account."""
    from storage import registrations, users
    from storage.users import ChatUser

    db = app.services.db
    await users.touch(db, ChatUser("telegram", "9001", "9001", "x"), NOW)
    await documents.keep_draft(db, "telegram", "9001", "tok", {"title": "A"}, b"%PDF", NOW)
    await registrations.forget_account(db, "telegram", "9001", NOW, NOW)
    assert await documents.take_draft(db, "telegram", "9001", "tok") is None
    await documents.keep_draft(db, "telegram", "9001", "tok", {"title": "A"}, b"%PDF", NOW)
    assert await documents.take_draft(db, "telegram", "9001", "bad") is None
    assert await documents.take_draft(db, "telegram", "9001", "tok") == ({"title": "A"}, b"%PDF")
