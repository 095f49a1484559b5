"""What the fake Telegram reads off the wire and how it checks it: the request's encoding,
Telegram's HTML, text lengths in UTF-16 units, inline keyboards and command menus.

Wire format (python-telegram-bot 22): every call is a POST; without files the body is
``application/x-www-form-urlencoded`` where strings are sent raw and every other value
(ints, bools, dicts, lists) is JSON-encoded; with files it is ``multipart/form-data``.
Query strings and JSON bodies are read too.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass

import tornado.httputil

from testkit.fake_server import JSON, ApiError
from testkit.telegram_spec import (
    CALLBACK_ANSWER_LIMIT,
    CALLBACK_DATA_BYTES,
    COMMAND_DESCRIPTION_LIMIT,
    COMMAND_LENGTH,
    COMMANDS_LIMIT,
    METHODS,
    decode,
)

TRUE_METHODS = frozenset({  # answered True, with no more checks than the fields'
    "deleteMyCommands", "close", "logOut", "setMyDescription", "setMyShortDescription",
    "setChatMenuButton",
})  # fmt: skip
METHOD_NAMES = {name.lower(): name for name in METHODS}
# rate_limit counts these
RATE_COUNTED = frozenset({"sendMessage", "editMessageText", "sendDocument", "sendPhoto"})
DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
CHAT_NOT_FOUND = "Bad Request: chat not found"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_HTML_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
    "pre", "blockquote", "tg-emoji",
})  # fmt: skip
_SPECIAL = re.compile(r"[<&]")
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTRS = r"""(?:\s+[a-zA-Z0-9_-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?)*"""
_TAG = re.compile(rf"<(/?)([a-zA-Z0-9-]*)({_ATTRS})\s*(>?)")  # groups: "/", name, attrs, ">"
_SPOILER_CLASS = re.compile(r"""\bclass\s*=\s*["']?tg-spoiler\b""")
_COMMAND = re.compile(rf"[a-z0-9_]{{1,{COMMAND_LENGTH}}}")


@dataclass
class UploadedFile:
    """A file part of a multipart request (e.g. ``params["document"]`` of sendDocument)."""

    filename: str
    content: bytes
    content_type: str


def utf16_length(text: str) -> int:
    """Return the length Telegram counts: UTF-16 code units (an emoji may count 2)."""
    return len(text.encode("utf-16-le")) // 2


def html_to_text(markup: str) -> str:
    """Parse Telegram HTML strictly and return the visible text; raise ApiError(400) if bad."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0

    def fail(message: str, at: int | None = None, detail: str = "") -> ApiError:
        where = "" if at is None else f" at byte offset {len(markup[:at].encode())}"
        return ApiError(400, f"Bad Request: can't parse entities: {message}{where}{detail}")

    while (special := _SPECIAL.search(markup, pos)) is not None:
        start = special.start()
        out.append(markup[pos:start])
        if markup[start] == "&":  # unknown entities and a bare "&" stay literal, as in Telegram
            code = 0
            if ent := _ENTITY.match(markup, start):
                code = ord(_NAMED[ent[1]]) if ent[1] else int(ent[2]) if ent[2] else int(ent[3], 16)
            valid = ent is not None and 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
            out.append(chr(code) if valid else "&")
            pos = ent.end() if ent is not None and valid else start + 1
            continue
        tag = _TAG.match(markup, start)  # always matches, at least "<"
        assert tag is not None
        closing, name, attrs, pos = tag[1], tag[2].lower(), tag[3], tag.end()
        if closing and not stack:
            raise fail("Unexpected end tag", start)
        if closing and (attrs or not tag[4]):
            raise fail("Can't find end of tag", start)
        if closing and name != stack[-1]:
            found = f', expected "</{stack[-1]}>", found "</{name}>"'
            raise fail("Unmatched end tag", start, found)
        if not closing and name not in _HTML_TAGS:
            raise fail(f'Unsupported start tag "{name}"', start)
        if not closing and not tag[4]:
            raise fail("Unclosed start tag", start)
        if name == "span" and not closing and not _SPOILER_CLASS.search(attrs):
            raise fail('Tag "span" must have class "tg-spoiler"', start)
        if closing:
            stack.pop()
        else:
            stack.append(name)
    out.append(markup[pos:])
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def visible_text(params: JSON, key: str, limit: int, *, required: bool) -> str | None:
    """Validate a text/caption like Telegram (HTML parse, 1..limit UTF-16 units after
    parsing); return the visible text (None when absent and not required)."""
    if key not in params and not required:
        return None
    text = str(params.get(key, ""))
    if str(params.get("parse_mode", "")).lower() == "html":
        text = html_to_text(text)
    text = text.strip()
    if required and not text:
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_length(text) > limit:
        what = "message is" if key == "text" else "message caption is"
        raise ApiError(400, f"Bad Request: {what} too long")
    return text


def inline_markup(params: JSON) -> JSON | None:
    """Validate reply_markup; return it when it is an inline keyboard."""
    markup = params.get("reply_markup")
    if markup is not None and not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if not markup or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_DATA_BYTES:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def check_commands(commands: list[JSON]) -> None:
    """Validate a command menu as setMyCommands does."""
    if len(commands) > COMMANDS_LIMIT:
        raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.fullmatch(str(command.get("command"))):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        description = str(command.get("description") or "").strip()
        if not 1 <= utf16_length(description) <= COMMAND_DESCRIPTION_LIMIT:
            raise ApiError(400, "Bad Request: command description is empty or too long")


def check_callback_answer(params: JSON) -> None:
    """Validate answerCallbackQuery's optional notification text (0..200 characters)."""
    if utf16_length(str(params.get("text") or "")) > CALLBACK_ANSWER_LIMIT:
        raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")


def parse(method: str, request: tornado.httputil.HTTPServerRequest) -> JSON:
    """Decode a request's query, form, multipart and JSON parameters."""
    params: JSON = {}
    for source in (request.query_arguments, request.body_arguments):
        for key, values in source.items():
            params[key] = decode(method, key, values[-1].decode("utf-8", "replace"))
    for key, parts in request.files.items():
        params[key] = UploadedFile(parts[-1].filename, parts[-1].body, parts[-1].content_type)
    if request.body and request.headers.get("Content-Type", "").startswith("application/json"):
        with contextlib.suppress(ValueError):
            params.update(json.loads(request.body))
    chat_id = params.get("chat_id")
    if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
        params["chat_id"] = int(chat_id)
    return params
