"""The Bot API methods the fake Telegram answers: getUpdates (long polling), the webhook,
the command menu, sending and editing messages, documents and files.

Each ``_m_<method>`` takes the decoded params and returns the result, or raises ApiError
with the answer Telegram gives.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from testkit.fake_server import JSON, ApiError
from testkit.telegram_spec import CAPTION_LIMIT, TEXT_LIMIT
from testkit.telegram_updates import TelegramUpdates
from testkit.telegram_wire import (
    CHAT_NOT_FOUND,
    NOT_MODIFIED,
    UploadedFile,
    inline_markup,
    visible_text,
)


class TelegramMethods(TelegramUpdates):
    """The fake's Bot API methods (see the module docstring)."""

    def __init__(self, token: str, **kwargs: Any) -> None:
        """Prepare the state the methods keep: the webhook and the command menu."""
        super().__init__(token, **kwargs)
        self.commands: list[JSON] = []
        self.webhook_url = ""  # set by setWebhook; getUpdates answers 409 while it is set

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
        self.commands = list(params.get("commands") or [])
        return True

    def _m_getMyCommands(self, params: JSON) -> list[JSON]:
        return self.commands

    def _bot_message(self, params: JSON, extra: JSON) -> JSON:
        chat_id = params.get("chat_id")
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int):
            raise ApiError(400, CHAT_NOT_FOUND)
        markup = inline_markup(params)
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
        caption = visible_text(params, "caption", CAPTION_LIMIT, required=False)
        doc = params.get("document")
        if isinstance(doc, UploadedFile):
            document = self._store_file(doc.content, doc.filename, doc.content_type)
        elif isinstance(doc, str) and doc:
            stored = self._files.get(doc, {"file_id": doc, "file_unique_id": f"U-{doc}"})
            document = {k: v for k, v in stored.items() if k != "file_path"}
        else:
            raise ApiError(400, "Bad Request: there is no document in the request")
        extra = {"document": document, "caption": caption} if caption else {"document": document}
        return self._bot_message(params, extra)

    def _edit(self, params: JSON, text: str | None) -> JSON | bool:
        markup = inline_markup(params)
        if "inline_message_id" in params:
            return True
        if "chat_id" not in params or "message_id" not in params:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        if not isinstance(params["chat_id"], int):
            raise ApiError(400, CHAT_NOT_FOUND)
        key = (params["chat_id"], int(params["message_id"]))
        old = self._messages.get(key) or self._placeholder(*key)
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

    def _m_getFile(self, params: JSON) -> JSON:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {k: stored[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}
