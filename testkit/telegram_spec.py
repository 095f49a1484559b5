"""The Bot API's methods and fields, as the fake Telegram checks requests against them.

Derived by hand from the machine-readable description of the Bot API 10.1 (June 2026;
the public project PaulSonOfLars/telegram-bot-api-spec, which scrapes the official
documentation) for the methods the fake serves; the tests never read that description.
Each method lists ``name:Type`` per field, ``!`` marking a required one, ``A|B`` a choice
and ``[]T`` an array. Limits that the description gives only in prose are constants here.
Known quirk kept: ``editMessageText.text`` is listed optional, yet Telegram requires it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from testkit.fake_server import ApiError

TEXT_LIMIT = 4096  # sendMessage/editMessageText text, UTF-16 units after entity parsing
CAPTION_LIMIT = 1024  # captions, the same way
CALLBACK_DATA_BYTES = 64  # InlineKeyboardButton.callback_data, 1-64 bytes
CALLBACK_ANSWER_LIMIT = 200  # answerCallbackQuery.text, 0-200 characters
COMMANDS_LIMIT = 100  # setMyCommands: at most 100 commands
COMMAND_LENGTH = 32  # BotCommand.command: 1-32 of a-z, 0-9 and _
COMMAND_DESCRIPTION_LIMIT = 256  # BotCommand.description: 1-256 characters
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})  # fmt: skip

_METHODS = {
    "answerCallbackQuery": (
        "callback_query_id:String! text:String show_alert:Boolean url:String "
        "cache_time:Integer"
    ),
    "close": "",
    "deleteMessage": "chat_id:Integer|String! message_id:Integer!",
    "deleteMyCommands": "scope:BotCommandScope language_code:String",
    "deleteWebhook": "drop_pending_updates:Boolean",
    "editMessageReplyMarkup": (
        "business_connection_id:String chat_id:Integer|String message_id:Integer "
        "inline_message_id:String reply_markup:InlineKeyboardMarkup"
    ),
    "editMessageText": (
        "business_connection_id:String chat_id:Integer|String message_id:Integer "
        "inline_message_id:String text:String parse_mode:String entities:[]MessageEntity "
        "link_preview_options:LinkPreviewOptions rich_message:InputRichMessage "
        "reply_markup:InlineKeyboardMarkup"
    ),
    "getFile": "file_id:String!",
    "getMe": "",
    "getMyCommands": "scope:BotCommandScope language_code:String",
    "getUpdates": "offset:Integer limit:Integer timeout:Integer allowed_updates:[]String",
    "getWebhookInfo": "",
    "logOut": "",
    "sendChatAction": (
        "business_connection_id:String chat_id:Integer|String! message_thread_id:Integer "
        "action:String!"
    ),
    "sendDocument": (
        "business_connection_id:String chat_id:Integer|String! message_thread_id:Integer "
        "direct_messages_topic_id:Integer document:InputFile|String! "
        "thumbnail:InputFile|String caption:String parse_mode:String "
        "caption_entities:[]MessageEntity disable_content_type_detection:Boolean "
        "disable_notification:Boolean protect_content:Boolean allow_paid_broadcast:Boolean "
        "message_effect_id:String suggested_post_parameters:SuggestedPostParameters "
        "reply_parameters:ReplyParameters "
        "reply_markup:InlineKeyboardMarkup|ReplyKeyboardMarkup|ReplyKeyboardRemove|ForceReply"
    ),
    "sendPhoto": (
        "business_connection_id:String chat_id:Integer|String! message_thread_id:Integer "
        "direct_messages_topic_id:Integer photo:InputFile|String! caption:String "
        "parse_mode:String caption_entities:[]MessageEntity show_caption_above_media:Boolean "
        "has_spoiler:Boolean disable_notification:Boolean protect_content:Boolean "
        "allow_paid_broadcast:Boolean message_effect_id:String "
        "suggested_post_parameters:SuggestedPostParameters reply_parameters:ReplyParameters "
        "reply_markup:InlineKeyboardMarkup|ReplyKeyboardMarkup|ReplyKeyboardRemove|ForceReply"
    ),
    "sendMessage": (
        "business_connection_id:String chat_id:Integer|String! message_thread_id:Integer "
        "direct_messages_topic_id:Integer text:String! parse_mode:String "
        "entities:[]MessageEntity link_preview_options:LinkPreviewOptions "
        "disable_notification:Boolean protect_content:Boolean allow_paid_broadcast:Boolean "
        "message_effect_id:String suggested_post_parameters:SuggestedPostParameters "
        "reply_parameters:ReplyParameters "
        "reply_markup:InlineKeyboardMarkup|ReplyKeyboardMarkup|ReplyKeyboardRemove|ForceReply"
    ),
    "setChatMenuButton": "chat_id:Integer menu_button:MenuButton",
    "setMyCommands": "commands:[]BotCommand! scope:BotCommandScope language_code:String",
    "setMyDescription": "description:String language_code:String",
    "setMyShortDescription": "short_description:String language_code:String",
    "setWebhook": (
        "url:String! certificate:InputFile ip_address:String max_connections:Integer "
        "allowed_updates:[]String drop_pending_updates:Boolean secret_token:String"
    ),
}


@dataclass(frozen=True)
class Field:
    """One parameter of a method: its name, the types it may have, and whether required."""

    name: str
    types: tuple[str, ...]
    required: bool

    @property
    def raw(self) -> bool:
        """Whether a form value stays text (python-telegram-bot sends str values as they
        are and JSON-encodes every other value)."""
        return self.types == ("String",)


def _fields(spec: str) -> dict[str, Field]:
    fields = {}
    for item in spec.split():
        name, _, types = item.partition(":")
        fields[name] = Field(name, tuple(types.rstrip("!").split("|")), types.endswith("!"))
    return fields


METHODS: dict[str, dict[str, Field]] = {name: _fields(spec) for name, spec in _METHODS.items()}


def decode(method: str, key: str, raw: str) -> Any:
    """Decode one form value of ``method``: text for a String field, else JSON if it parses."""
    field = METHODS.get(method, {}).get(key)
    if field is not None and field.raw:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _is(value: Any, kind: str) -> bool:
    if kind.startswith("[]"):
        return isinstance(value, list)
    if kind == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "Boolean":
        return isinstance(value, bool)
    if kind == "String":
        return isinstance(value, str)
    if kind == "InputFile":
        return not isinstance(value, str | int | float | bool | list | dict)  # an upload
    return isinstance(value, dict)  # an object type


_MISSING = {  # Telegram's own words where a required field is missing
    "text": "Bad Request: message text is empty",
    "document": "Bad Request: there is no document in the request",
}


def check(method: str, params: dict[str, Any]) -> list[str]:
    """Answer 400 for a missing required field or a value of the wrong type, as Telegram
    does; return the names of the fields the method does not have (Telegram ignores them)."""
    fields = METHODS.get(method)
    if fields is None:
        return []
    for field in fields.values():
        if field.required and params.get(field.name) is None:
            raise ApiError(400, _MISSING.get(field.name, f"Bad Request: {field.name} is empty"))
    for key, value in params.items():
        known = fields.get(key)
        if known is not None and not any(_is(value, kind) for kind in known.types):
            raise ApiError(400, f'Bad Request: field "{key}" must be of type '
                           f'{" or ".join(known.types)}')  # fmt: skip
    return [key for key in params if key not in fields]

