"""Read Zalo Bot Platform updates and getMe answers in every shape the platform has been seen in.

The platform does not promise one shape (see "Zalo: the shapes of an update" in the README):
its documented getUpdates sample has no `event_name` and gives the sender's name as
`first_name`; clients written for it read `display_name` or `name`, and `event_name` such as
`message.text.received`. So a message's kind comes from `event_name` when there is one and
from what the message holds otherwise (a photo or a sticker, else text); the sender's name
from whichever of the known keys is there. Unknown fields are ignored; a missing optional
field (name, date, message id, chat type, chat id) never stops a message from being read.
The bot serves private chats only (`is_private`), as on Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TEXT = "text"
IMAGE = "image"
STICKER = "sticker"
UNSUPPORTED = "unsupported"
EVENT_KINDS = {"text": TEXT, "image": IMAGE, "sticker": STICKER, "unsupported": UNSUPPORTED}
NAME_KEYS = ("display_name", "name", "first_name")  # the sender's name, first found wins
BOT_NAME_KEYS = ("display_name", "account_name", "name")  # getMe: documented is account_name
PHOTO_KEYS = ("photo", "photo_url")
STICKER_KEYS = ("sticker",)


@dataclass(frozen=True, slots=True)
class ZaloMessage:
    """What the bot reads of one incoming message; `text` is empty unless the kind is text."""

    kind: str
    user_id: str
    chat_id: str
    name: str = ""
    text: str = ""
    chat_type: str = ""  # "PRIVATE" or "GROUP" as sent; "" when the update does not say
    is_bot: bool = False


def event_name(update: object) -> str:
    """Return the update's `event_name`, or "" when it has none."""
    name = update.get("event_name") if isinstance(update, dict) else None
    return name if isinstance(name, str) else ""


def message_kind(update: object) -> str:
    """Return the kind of message: from `event_name` when present, else from its content."""
    event = event_name(update).strip()
    if event:
        parts = event.split(".")
        kind = parts[1] if len(parts) == 3 and parts[0] == "message" else ""
        return EVENT_KINDS.get(kind, UNSUPPORTED)
    message = _field(update, "message")
    if any(_present(message.get(key)) for key in PHOTO_KEYS):
        return IMAGE
    if any(_present(message.get(key)) for key in STICKER_KEYS):
        return STICKER
    return TEXT if _text(message.get("text")) else UNSUPPORTED


def parse_update(update: object) -> ZaloMessage | None:
    """Read a message update; None when it holds no message from someone."""
    message = _field(update, "message")
    sender, chat = _field(message, "from"), _field(message, "chat")
    user_id = _id(sender.get("id"))
    if not user_id:
        return None
    kind = message_kind(update)
    chat_type = chat.get("chat_type")
    return ZaloMessage(
        kind=kind, user_id=user_id, chat_id=_id(chat.get("id")) or user_id,
        name=_first_text(sender, NAME_KEYS),
        text=_text(message.get("text")) if kind == TEXT else "",
        chat_type=chat_type.strip().upper() if isinstance(chat_type, str) else "",
        is_bot=sender.get("is_bot") is True)


def is_private(message: ZaloMessage) -> bool:
    """Tell whether a message was written in a private chat with the bot: the chat says it is
    "PRIVATE", or says nothing and is the sender's own chat. A group, or any other kind of
    chat, is not."""
    if message.chat_type:
        return message.chat_type == "PRIVATE"
    return message.chat_id == message.user_id


def message_key(update: object) -> str:
    """Return what tells one message from another (sender and message id); "" when the
    update has no message id (it cannot be told from a repeat)."""
    message = _field(update, "message")
    message_id = _id(message.get("message_id"))
    return f"{_id(_field(message, 'from').get('id'))}\x00{message_id}" if message_id else ""


def bot_name(me: object) -> str:
    """Return the bot account's name from a getMe result (or its id, or "")."""
    info = me if isinstance(me, dict) else {}
    return _first_text(info, BOT_NAME_KEYS) or _id(info.get("id"))


def _first_text(record: dict[str, Any], keys: tuple[str, ...]) -> str:
    """Return the first non-blank string among `keys` of a JSON object, stripped; else ""."""
    for key in keys:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _field(value: object, key: str) -> dict[str, Any]:
    """Return value[key] when both are JSON objects, else an empty one (malformed updates)."""
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, dict) else {}


def _id(value: object) -> str:
    """Return an id as the platform sent it: a string (numbers kept as written), else ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _text(value: object) -> str:
    """Return a message's text when it is one (a string), else ""."""
    return value if isinstance(value, str) else ""


def _present(value: object) -> bool:
    """Tell whether a content field holds something (a URL, an id, a list or object of them)."""
    return bool(value) and not isinstance(value, bool)
