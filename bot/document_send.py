"""Sending a congress document's file to one chat, uploading each content once per platform.

On Telegram the first send of a content uploads it and keeps the `file_id` Telegram gives it
(`storage.documents.remember_upload`); every later send, to anyone, names that id: 300
delegates asking for one report cost one upload. Sends of a content not uploaded yet wait
for the one upload under way (a lock per content) instead of uploading it again. When the
platform no longer knows a kept id (the bot's token changed), the file is uploaded again,
once. A platform whose channel cannot send files (Zalo) gets nothing here: the caller says
where the document can be read instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.model import OutgoingFile
from bot.transport import DeliveryError
from storage import document_files, documents
from storage.documents import Document

if TYPE_CHECKING:
    from bot.context import Services


@runtime_checkable
class FileSender(Protocol):
    """A channel that can send a document (Telegram's)."""

    async def send_file(self, chat_id: str, file: OutgoingFile) -> str:
        """Send a file; return the platform's id for it."""
        ...


class _Locks:
    """One lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._held: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: tuple[str, str]) -> AsyncIterator[None]:
        """Hold the lock of `key` for the block."""
        lock, count = self._held.get(key, (asyncio.Lock(), 0))
        self._held[key] = (lock, count + 1)
        try:
            async with lock:
                yield
        finally:
            lock, count = self._held[key]
            if count == 1:
                del self._held[key]
            else:
                self._held[key] = (lock, count - 1)


_UPLOADS = _Locks()


def can_send(services: Services, platform: str) -> bool:
    """Tell whether the channel of `platform` can send document files."""
    channel: object = services.channels.get(platform)
    return isinstance(channel, FileSender)


async def send(services: Services, platform: str, chat_id: str, document: Document,
               caption: str) -> None:
    """Send a document's current file to a chat (uploading it at most once); raise
    DeliveryError when the platform refuses, LookupError when it cannot send files."""
    channel: object = services.channels.get(platform)
    if not isinstance(channel, FileSender):
        raise LookupError(platform)
    db, path, content = services.db, services.config.database_path, document.file_hash

    async def read() -> bytes:
        return await asyncio.to_thread(document_files.read, path, content)

    def outgoing(file_id: str | None) -> OutgoingFile:
        return OutgoingFile(document.file_name, caption, file_id, read)

    file_id = await documents.upload_of(db, content, platform)
    if file_id is None:
        async with _UPLOADS.hold((platform, content)):
            file_id = await documents.upload_of(db, content, platform)
            if file_id is None:
                given = await channel.send_file(chat_id, outgoing(None))
                await documents.remember_upload(db, content, platform, given)
                return
    try:
        await channel.send_file(chat_id, outgoing(file_id))
    except DeliveryError as exc:
        if exc.kind != DeliveryError.REJECTED or "file" not in exc.reason.lower():
            raise
        given = await channel.send_file(chat_id, outgoing(None))  # the id is no more
        await documents.remember_upload(db, content, platform, given)
