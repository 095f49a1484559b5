"""Congress documents: what was published, to whom, which version, and who received it.

A document has a title (one published document per title: a second file under the same
title is a new version of it), its current file (content hash, name, size, type: the bytes
are on disk, `storage.document_files`), an optional session, an audience (`all`,
`official` or a delegation's name), the moment it becomes visible and whether its audience
is told then. Withdrawing keeps the row (and the audit trail) but hides it. Telegram's
`file_id` of each uploaded content is kept (`document_uploads`) so a file is uploaded once.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import Any

from storage import audit
from storage.broadcasts import NewBroadcast, queue_in
from storage.db import Database, Row


class TitleTaken(Exception):
    """A published document already has this title (publish a new version of it instead)."""

    def __init__(self, document_id: int) -> None:
        super().__init__(document_id)
        self.document_id = document_id


@dataclass(frozen=True, slots=True)
class FileData:
    """One version's file: content hash, the name it is sent under, size and MIME type."""

    file_hash: str
    file_name: str
    size: int
    mime: str


@dataclass(frozen=True, slots=True)
class Document:
    """A stored document (times in UTC ISO 8601)."""

    id: int
    title: str
    file_hash: str
    file_name: str
    size: int
    mime: str
    session_id: int | None
    audience: str
    visible_from: str
    notify: bool
    version: int
    withdrawn_at: str | None
    notified_version: int
    created_by: str
    created_at: str
    updated_at: str

    @property
    def file(self) -> FileData:
        """Return the current version's file."""
        return FileData(self.file_hash, self.file_name, self.size, self.mime)


_COLUMNS = ("id, title, file_hash, file_name, size, mime, session_id, audience, visible_from,"
            " notify, version, withdrawn_at, notified_version, created_by, created_at,"
            " updated_at")


def _document(row: Row) -> Document:
    values = list(row)
    values[9] = bool(values[9])
    return Document(*values)


def title_key(title: str) -> str:
    """Return a title as compared for sameness: case, spacing and Unicode form aside."""
    return " ".join(unicodedata.normalize("NFC", title).casefold().split())


async def get(db: Database, document_id: int) -> Document | None:
    """Return a document by id (withdrawn ones too)."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM documents WHERE id = ?", (document_id,))
    return None if row is None else _document(row)


async def find_by_title(db: Database, title: str) -> Document | None:
    """Return the published (not withdrawn) document with this title, if any."""
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM documents WHERE title_key = ?"
                            " AND withdrawn_at IS NULL", (title_key(title),))
    return None if row is None else _document(row)


async def published(db: Database) -> list[Document]:
    """Return the documents not withdrawn (visible or not yet), newest first."""
    rows = await db.fetchall(f"SELECT {_COLUMNS} FROM documents WHERE withdrawn_at IS NULL"
                             " ORDER BY visible_from DESC, id DESC")
    return [_document(r) for r in rows]


async def all_documents(db: Database) -> list[Document]:
    """Return every document, withdrawn ones too, by id."""
    rows = await db.fetchall(f"SELECT {_COLUMNS} FROM documents ORDER BY id")
    return [_document(r) for r in rows]


async def add(db: Database, *, title: str, file: FileData, session_id: int | None,
              audience: str, visible_from: str, notify: bool, created_by: str, now: str,
              note: audit.Note | None = None) -> int:
    """Store a new document and its audit entry; raise TitleTaken when the title is."""
    async with db.write() as conn:
        try:
            cur = await conn.execute(
                "INSERT INTO documents (title, title_key, file_hash, file_name, size, mime,"
                " session_id, audience, visible_from, notify, created_by, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (title, title_key(title), file.file_hash, file.file_name, file.size, file.mime,
                 session_id, audience, visible_from, int(notify), created_by, now, now))
        except sqlite3.IntegrityError:
            taken = await _published_id(conn, title)
            if taken is None:
                raise
            raise TitleTaken(taken) from None
        document_id = int(cur.lastrowid or 0)
        await audit.insert(conn, note, document=document_id)
        return document_id


async def _published_id(conn: Any, title: str) -> int | None:
    async with conn.execute("SELECT id FROM documents WHERE title_key = ?"
                            " AND withdrawn_at IS NULL", (title_key(title),)) as cur:
        row = await cur.fetchone()
    return None if row is None else int(row[0])


async def new_version(db: Database, document_id: int, file: FileData, now: str, *,
                      told: NewBroadcast | None = None,
                      note: audit.Note | None = None) -> int | None:
    """Make `file` the document's new version, in one transaction with `told` (the notice
    to those who received an older one) and the audit entry; return the new version number,
    or None when the document is withdrawn or unknown."""
    async with db.write() as conn:
        async with conn.execute(
            "UPDATE documents SET file_hash = ?, file_name = ?, size = ?, mime = ?,"
            " version = version + 1, updated_at = ? WHERE id = ? AND withdrawn_at IS NULL"
            " RETURNING version",
            (file.file_hash, file.file_name, file.size, file.mime, now, document_id),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        if told is not None:
            await queue_in(conn, told, now)
        await audit.insert(conn, note, version=int(row[0]))
        return int(row[0])


async def withdraw(db: Database, document_id: int, now: str,
                   note: audit.Note | None = None) -> bool:
    """Withdraw a published document; False when it was not published. Its notice, if not
    sent yet, is never sent (the job checks the document first)."""
    async with db.write() as conn:
        cur = await conn.execute("UPDATE documents SET withdrawn_at = ?, updated_at = ?"
                                 " WHERE id = ? AND withdrawn_at IS NULL",
                                 (now, now, document_id))
        if cur.rowcount != 1:
            return False
        await audit.insert(conn, note, document=document_id)
        return True


async def waiting_notices(db: Database) -> list[Document]:
    """Return the published documents whose audience is to be told and was not yet."""
    rows = await db.fetchall(f"SELECT {_COLUMNS} FROM documents WHERE notify = 1"
                             " AND notified_version = 0 AND withdrawn_at IS NULL ORDER BY id")
    return [_document(r) for r in rows]


async def queue_notice(db: Database, document_id: int, item: NewBroadcast, now: str) -> bool:
    """Queue a document's notice once, in one transaction with marking it told; False when
    it was told already or withdrawn meanwhile."""
    async with db.write() as conn:
        cur = await conn.execute(
            "UPDATE documents SET notified_version = version WHERE id = ? AND notify = 1"
            " AND notified_version = 0 AND withdrawn_at IS NULL", (document_id,))
        if cur.rowcount != 1:
            return False
        await queue_in(conn, item, now)
        return True


async def upload_of(db: Database, file_hash: str, platform: str) -> str | None:
    """Return the platform's id for an uploaded content (Telegram's file_id), if any."""
    value = await db.scalar("SELECT file_id FROM document_uploads WHERE file_hash = ?"
                            " AND platform = ?", (file_hash, platform))
    return None if value is None else str(value)


async def remember_upload(db: Database, file_hash: str, platform: str, file_id: str) -> None:
    """Keep the platform's id of an uploaded content, to send it again by that id."""
    await db.execute("INSERT OR REPLACE INTO document_uploads (file_hash, platform, file_id)"
                     " VALUES (?, ?, ?)", (file_hash, platform, file_id))


async def record_receipt(db: Database, document_id: int, delegate_id: int, version: int,
                         now: str) -> None:
    """Remember that a delegate received this version of a document."""
    await db.execute(
        "INSERT INTO document_receipts (document_id, delegate_id, version, sent_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (document_id, delegate_id) DO UPDATE SET"
        " version = excluded.version, sent_at = excluded.sent_at",
        (document_id, delegate_id, version, now))


async def receivers_before(db: Database, document_id: int, version: int) -> set[int]:
    """Return the delegates who received a version of the document older than `version`."""
    rows = await db.fetchall("SELECT delegate_id FROM document_receipts WHERE document_id = ?"
                             " AND version < ?", (document_id, version))
    return {int(r[0]) for r in rows}


async def keep_draft(db: Database, platform: str, user_id: str, token: str,
                     plan: dict[str, Any], content: bytes, now: str) -> None:
    """Keep a file an organiser sent until they confirm or cancel (one per person)."""
    await db.execute(
        "INSERT OR REPLACE INTO document_drafts (platform, user_id, token, plan, content,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (platform, user_id, token, json.dumps(plan, ensure_ascii=False), content, now))


async def take_draft(db: Database, platform: str, user_id: str,
                     token: str) -> tuple[dict[str, Any], bytes] | None:
    """Return and discard the kept file if `token` names it; None otherwise (kept)."""
    async with db.write() as conn, conn.execute(
        "DELETE FROM document_drafts WHERE platform = ? AND user_id = ? AND token = ?"
        " RETURNING plan, content", (platform, user_id, token)) as cur:
        row = await cur.fetchone()
    return None if row is None else (dict(json.loads(row[0])), bytes(row[1]))


async def jobs_changed(db: Database) -> None:
    """Tell a running bot to rebuild its jobs (a notice due later was stored by another
    process): it watches the agenda's version (`bot.app`), so that is bumped."""
    await db.execute("INSERT INTO meta (key, value) VALUES ('agenda_version', '1') ON CONFLICT"
                     " (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
