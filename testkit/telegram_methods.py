"""The Bot API methods the fake Telegram answers: getUpdates (long polling), the webhook,
the command menu, sending, editing and deleting messages, documents, photos and files.

Each ``_m_<method>`` takes the decoded params and returns the result, or raises ApiError
with the answer Telegram gives: 400 "chat not found" for a chat that never wrote to the bot
(see ``telegram_updates``), 400 for an edit of a message that does not exist, and 429 with
``retry_after`` above about one message a second to one chat (``chat_limit``; set
``chat_limit = None`` where a test is about something else).
"""

from __future__ import annotations

import asyncio
import struct
import time
from typing import Any

from testkit.chat_limit import ChatLimit
from testkit.fake_server import JSON, ApiError
from testkit.telegram_spec import CAPTION_LIMIT, CHAT_ACTIONS, TEXT_LIMIT
from testkit.telegram_updates import TelegramUpdates
from testkit.telegram_wire import (
    CHAT_NOT_FOUND,
    NOT_MODIFIED,
    UploadedFile,
    check_callback_answer,
    check_commands,
    inline_markup,
    visible_text,
)


class TelegramMethods(TelegramUpdates):
    """The fake's Bot API methods (see the module docstring)."""

    def __init__(self, token: str, **kwargs: Any) -> None:
        """Prepare the state the methods keep: the webhook, the command menu, the limit."""
        super().__init__(token, **kwargs)
        self.commands: list[JSON] = []
        self.webhook_url = ""  # set by setWebhook; getUpdates answers 409 while it is set
        self.chat_limit: ChatLimit | None = ChatLimit()  # None: no limit per chat
        self.photos: list[tuple[int, bytes, str]] = []  # (chat id, picture, caption) sent

    def _known_chat(self, params: JSON) -> int:
        """Return the chat_id of a call, which must be a chat the bot may write to."""
        chat_id = params.get("chat_id")
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int) or not self.knows_chat(chat_id):
            raise ApiError(400, CHAT_NOT_FOUND)
        return chat_id

    def _known_message(self, params: JSON, what: str) -> tuple[int, int]:
        """Return (chat_id, message_id) of a message of a known chat that exists."""
        if "chat_id" not in params or "message_id" not in params:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        key = (self._known_chat(params), int(params["message_id"]))
        if key not in self._messages:
            raise ApiError(400, f"Bad Request: message to {what} not found")
        return key

    async def _get_updates(self, params: JSON) -> list[JSON]:
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                           "use deleteWebhook to delete the webhook first")  # fmt: skip
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = float(params.get("timeout") or 0)
        if offset < 0:
            del self._updates[: max(len(self._updates) + offset, 0)]
        elif self._updates and self._updates[0]["update_id"] < offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and timeout > 0 and not self._stop_event.is_set():
            if self._update_event is None:
                self._update_event = asyncio.Event()
            try:
                async with asyncio.timeout(timeout):
                    await self._update_event.wait()
            except TimeoutError:
                pass
        return self._updates[:limit]

    def _m_getMe(self, params: JSON) -> JSON:
        return self.bot_user

    def _m_getWebhookInfo(self, params: JSON) -> JSON:
        return {"url": self.webhook_url, "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}  # fmt: skip

    def _m_setWebhook(self, params: JSON) -> bool:
        self._m_deleteWebhook(params)
        self.webhook_url = str(params.get("url") or "")
        return True

    def _m_deleteWebhook(self, params: JSON) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_setMyCommands(self, params: JSON) -> bool:
        commands = list(params.get("commands") or [])
        check_commands(commands)
        scope = params.get("scope") or {}
        if isinstance(scope, dict) and "chat_id" in scope:
            self._known_chat(scope)
        self.commands = commands
        return True

    def _m_getMyCommands(self, params: JSON) -> list[JSON]:
        return self.commands

    def _bot_message(self, params: JSON, extra: JSON) -> JSON:
        chat_id = self._known_chat(params)
        markup = inline_markup(params)
        if self.chat_limit is not None:
            wait = self.chat_limit.take(chat_id, self.now())
            if wait is not None:
                raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        message = {"message_id": self._new_message_id(chat_id), "date": int(time.time()),
                   "chat": self._chat(chat_id), "from": self.bot_user, **extra}  # fmt: skip
        if markup is not None:
            message["reply_markup"] = markup
        self._messages[chat_id, message["message_id"]] = message
        self._last_bot_message[chat_id] = message["message_id"]
        return message

    def _m_sendMessage(self, params: JSON) -> JSON:
        text = visible_text(params, "text", TEXT_LIMIT, required=True)
        message = self._bot_message(params, {"text": text})
        self._sent.append(params)
        return message

    def _m_sendDocument(self, params: JSON) -> JSON:
        """Send a document: uploaded (multipart; the answer carries a new file_id) or by the
        file_id of a file this fake issued (400 for any other, as for a forged one)."""
        caption = visible_text(params, "caption", CAPTION_LIMIT, required=False)
        doc = params.get("document")
        if isinstance(doc, UploadedFile):
            document = self._store_file(doc.content, doc.filename, doc.content_type)
        elif isinstance(doc, str) and doc:
            stored = self._files.get(doc)  # only a file_id this fake issued (no URLs either)
            if stored is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            document = {k: v for k, v in stored.items() if k != "file_path"}
        else:
            raise ApiError(400, "Bad Request: there is no document in the request")
        extra = {"document": document, "caption": caption} if caption else {"document": document}
        return self._bot_message(params, extra)

    def _m_sendPhoto(self, params: JSON) -> JSON:
        caption = visible_text(params, "caption", CAPTION_LIMIT, required=False)
        photo = params.get("photo")
        if not isinstance(photo, UploadedFile):
            raise ApiError(400, "Bad Request: there is no photo in the request")
        width, height = picture_size(photo.content)
        if width + height > PHOTO_MAX_SIDES or max(width, height) > 20 * min(width, height):
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        if len(photo.content) > PHOTO_MAX_BYTES:
            raise ApiError(400, "Bad Request: file is too big")
        stored = self._store_file(photo.content, photo.filename, photo.content_type)
        sizes = [{"file_id": stored["file_id"], "file_unique_id": stored["file_unique_id"],
                  "width": width, "height": height, "file_size": len(photo.content)}]
        extra: JSON = {"photo": sizes, "caption": caption} if caption else {"photo": sizes}
        message = self._bot_message(params, extra)
        self.photos.append((message["chat"]["id"], photo.content, caption or ""))
        return message

    def _edit(self, params: JSON, text: str | None) -> JSON | bool:
        markup = inline_markup(params)
        if "inline_message_id" in params:
            return True
        key = self._known_message(params, "edit")
        old = self._messages[key]
        new = {k: v for k, v in old.items() if k != "reply_markup"}
        if text is not None:
            new["text"] = text
        if markup is not None:
            new["reply_markup"] = markup
        if new.get("text") == old.get("text") and markup == old.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        self._messages[key] = new = {**new, "edit_date": int(time.time())}
        return new

    def _m_editMessageText(self, params: JSON) -> JSON | bool:
        return self._edit(params, visible_text(params, "text", TEXT_LIMIT, required=True))

    def _m_editMessageReplyMarkup(self, params: JSON) -> JSON | bool:
        return self._edit(params, None)

    def _m_deleteMessage(self, params: JSON) -> bool:
        del self._messages[self._known_message(params, "delete")]
        return True

    def _m_sendChatAction(self, params: JSON) -> bool:
        self._known_chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _m_answerCallbackQuery(self, params: JSON) -> bool:
        if str(params.get("callback_query_id")) not in self._callback_ids:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                           "or query ID is invalid")  # fmt: skip
        check_callback_answer(params)
        return True

    def _m_getFile(self, params: JSON) -> JSON:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {k: stored[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}


PHOTO_MAX_BYTES = 10 * 1024 * 1024  # sendPhoto: at most 10 MB
PHOTO_MAX_SIDES = 10_000  # width and height together


def picture_size(content: bytes) -> tuple[int, int]:
    """Return (width, height) of a PNG or JPEG, or raise the 400 Telegram gives."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and content[12:16] == b"IHDR":
        width, height = struct.unpack(">II", content[16:24])
        if width and height:
            return width, height
    if content.startswith(b"\xff\xd8"):
        at = 2
        while at + 9 < len(content) and content[at] == 0xFF:
            marker, length = content[at + 1], struct.unpack(">H", content[at + 2:at + 4])[0]
            if 0xC0 <= marker <= 0xC3:
                height, width = struct.unpack(">HH", content[at + 5:at + 9])
                return width, height
            at += 2 + length
    raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
