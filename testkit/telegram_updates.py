"""The fake Telegram's side of the users: the updates a test pushes (messages, button
presses, contacts, documents, ...), the chats, users and messages they carry, and the
webhook posts.

A chat becomes known to the fake when something from it is pushed or posted, or when a test
declares it (a person who wrote to the bot before the test began); the fake answers "chat
not found" to the bot for any other chat, as Telegram does.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from testkit.fake_server import JSON, FakeServer, Seconds


class TelegramUpdates(FakeServer):
    """Fake Telegram state: updates waiting for getUpdates, users, chats, messages, files."""

    def __init__(
        self, token: str, *, bot_username: str = "delegate_test_bot", clock: Seconds | None = None
    ) -> None:
        """Prepare the bot's user and empty state."""
        super().__init__(token, clock=clock)
        bot_id = token.split(":", 1)[0]
        self.bot_user: JSON = {
            "id": int(bot_id) if bot_id.isdigit() else 123456, "is_bot": True,
            "first_name": "Delegate Test Bot", "username": bot_username, "can_join_groups": True,
            "can_read_all_group_messages": False, "supports_inline_queries": False,
        }  # fmt: skip
        self._updates: list[JSON] = []
        self._next_update_id = 1
        self._message_ids: Counter[int] = Counter()
        self._messages: dict[tuple[int, int], JSON] = {}
        self._last_bot_message: dict[int, int] = {}
        self._chats: dict[int, JSON] = {}
        self._declared: list[range] = []  # chats known by the range (many people at once)
        self._users: dict[int, JSON] = {}
        self._files: dict[str, JSON] = {}
        self._file_bytes: dict[str, bytes] = {}
        self._callback_ids: set[str] = set()  # callback queries pushed, for their answers
        self._counter = 0

    # ------------------------------------------------------------------ known chats
    def declare_chat(self, chat_id: int, *, first_name: str = "Test", title: str = "Test Group",
                     chat_type: str | None = None) -> None:
        """Make a chat known, as if its person had written to the bot before the test began
        (private for a positive id unless ``chat_type`` says otherwise, else a group)."""
        kind = chat_type or ("private" if chat_id > 0 else "group")
        self._chats[chat_id] = ({"id": chat_id, "type": kind, "first_name": first_name}
                                if kind == "private" else
                                {"id": chat_id, "type": kind, "title": title})  # fmt: skip

    def declare_chats(self, chat_ids: Iterable[int]) -> None:
        """Make several private chats known (see declare_chat); a range is kept as it is."""
        if isinstance(chat_ids, range):
            self._declared.append(chat_ids)
            return
        for chat_id in chat_ids:
            self.declare_chat(chat_id)

    def knows_chat(self, chat_id: object) -> bool:
        """Whether the bot may send to this chat (it wrote, or a test declared it)."""
        return chat_id in self._chats or any(chat_id in ids for ids in self._declared)

    def _learn(self, update: JSON) -> None:
        """Know the chat of a pushed or posted update, as Telegram knows whoever wrote."""
        callback = update.get("callback_query") or {}
        for message in (update.get("message"), update.get("edited_message"),
                        callback.get("message")):  # fmt: skip
            chat = message.get("chat") if isinstance(message, dict) else None
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                self._chats.setdefault(chat["id"], chat)

    # ------------------------------------------------------------------ update injection
    def push_update(self, update: JSON) -> int:
        """Queue a raw update for getUpdates (update_id assigned if missing); return its id."""
        self._learn(update)
        update_id = self._assign_update_id(update)
        self._updates.append(update)
        self._wake("_update_event")
        return update_id

    def push_text(
        self, user_id: int, text: str, *, first_name: str = "Test", last_name: str | None = None,
        language_code: str | None = "vi", chat_id: int | None = None, chat_type: str = "private",
        edited: bool = False,
    ) -> int:  # fmt: skip
        """Push a (possibly edited) text message; "/cmd" text gets a bot_command entity."""
        user = self._user(user_id, first_name=first_name, last_name=last_name,
                          language_code=language_code)  # fmt: skip
        extra: JSON = {"text": text}
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0].encode("utf-16-le")) // 2
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        message = self._message(user, chat_id, chat_type, extra)
        if edited:
            message["edit_date"] = message["date"]
        return self.push_update({"edited_message" if edited else "message": message})

    def push_callback(
        self, user_id: int, data: str, *, message_id: int | None = None, chat_id: int | None = None,
        language_code: str | None = "vi",
    ) -> int:  # fmt: skip
        """Push a callback_query on the bot's message (by id, else the chat's last one)."""
        chat_id = user_id if chat_id is None else chat_id
        user = self._user(user_id, language_code=language_code)
        if message_id is None:
            message_id = self._last_bot_message.get(chat_id)
        message = self._messages.get((chat_id, message_id or 0)) or self._placeholder(
            chat_id, message_id or self._new_message_id(chat_id)
        )
        self._counter += 1
        self._callback_ids.add(str(self._counter))
        callback = {"id": str(self._counter), "from": user, "chat_instance": f"ci{chat_id}",
                    "message": message, "data": data}  # fmt: skip
        return self.push_update({"callback_query": callback})

    def push_contact(
        self, user_id: int, phone_number: str, *, contact_user_id: int | None,
        first_name: str = "Test",
    ) -> int:  # fmt: skip
        """Push a message sharing a contact."""
        contact: JSON = {"phone_number": phone_number, "first_name": first_name}
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return self._push_message(user_id, {"contact": contact})

    def push_document(
        self, user_id: int, file_name: str, content: bytes, *,
        mime_type: str = "application/octet-stream", caption: str | None = None,
    ) -> int:  # fmt: skip
        """Push a message with a document (and its caption, if given) whose bytes are served
        by getFile + download."""
        document = self._store_file(content, file_name, mime_type)
        extra: JSON = {"document": document}
        if caption is not None:
            extra["caption"] = caption
        return self._push_message(user_id, extra)

    def push_sticker(self, user_id: int) -> int:
        """Push a message with a sticker."""
        sticker = {"file_id": "STICKER1", "file_unique_id": "S1", "type": "regular", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False}  # fmt: skip
        return self._push_message(user_id, {"sticker": sticker})

    def push_photo(self, user_id: int) -> int:
        """Push a message with a photo."""
        photo = [{"file_id": "PHOTO1", "file_unique_id": "P1", "width": 90, "height": 90}]
        return self._push_message(user_id, {"photo": photo})

    def push_new_chat_members(self, chat_id: int, user_id: int) -> int:
        """Push a group service message announcing a new member."""
        user = self._user(user_id)
        message = self._message(user, chat_id, "group", {"new_chat_members": [user]})
        return self.push_update({"message": message})

    async def post_webhook(self, url: str, update: JSON, *, secret_token: str | None) -> int:
        """POST an update to a webhook URL like Telegram does; return the HTTP status."""
        self._learn(update)
        self._assign_update_id(update)
        headers = {} if secret_token is None else {"X-Telegram-Bot-Api-Secret-Token": secret_token}
        return (await self._client().post(url, json=update, headers=headers)).status_code

    # ------------------------------------------------------------------ object builders
    def _assign_update_id(self, update: JSON) -> int:
        update.setdefault("update_id", self._next_update_id)
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        return int(update["update_id"])

    def _user(self, user_id: int, **fields: Any) -> JSON:
        """The known (or a default) user, updated with ``fields`` (None removes a field)."""
        user = self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "Test",
                                            "language_code": "vi"}  # fmt: skip
        if fields:
            user = {k: v for k, v in {**user, **fields}.items() if v is not None}
            self._users[user_id] = user
        return user

    def _chat(self, chat_id: int) -> JSON:
        if chat_id not in self._chats:
            self._chats[chat_id] = (
                {"id": chat_id, "type": "private", "first_name": self._user(chat_id)["first_name"]}
                if chat_id > 0
                else {"id": chat_id, "type": "group", "title": "Test Group"}
            )
        return self._chats[chat_id]

    def _placeholder(self, chat_id: int, message_id: int) -> JSON:
        """A bot message the fake never saw (sent before the test started): known from now."""
        message = {"message_id": message_id, "date": int(time.time()),
                   "chat": self._chat(chat_id), "from": self.bot_user, "text": "..."}  # fmt: skip
        self._messages[chat_id, message_id] = message
        return message

    def _new_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] += 1
        return self._message_ids[chat_id]

    def _message(self, user: JSON, chat_id: int | None, chat_type: str, extra: JSON) -> JSON:
        chat_id = user["id"] if chat_id is None else chat_id
        chat = self._chats[chat_id] = (
            {"id": chat_id, "type": "private", "first_name": user["first_name"]}
            if chat_type == "private"
            else {"id": chat_id, "type": chat_type, "title": "Test Group"}
        )
        message = {"message_id": self._new_message_id(chat_id), "date": int(time.time()),
                   "chat": chat, "from": user, **extra}  # fmt: skip
        self._messages[chat_id, message["message_id"]] = message
        return message

    def _push_message(self, user_id: int, extra: JSON) -> int:
        message = self._message(self._user(user_id), None, "private", extra)
        return self.push_update({"message": message})

    def _store_file(self, content: bytes, file_name: str, mime_type: str) -> JSON:
        self._counter += 1
        n = self._counter
        suffix = re.sub(r"[^A-Za-z0-9]", "", file_name.rpartition(".")[2])[:8]
        path = f"documents/file_{n}" + (f".{suffix}" if "." in file_name and suffix else "")
        document = {"file_id": f"DOC{n}", "file_unique_id": f"U{n}", "file_name": file_name,
                    "mime_type": mime_type, "file_size": len(content)}  # fmt: skip
        self._files[document["file_id"]] = {**document, "file_path": path}
        self._file_bytes[path] = content
        return document
