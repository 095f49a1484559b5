"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests and benchmarks.

The real ``telegram.Bot`` / ``telegram.ext.Application`` talk to it via ``base_url`` and
``base_file_url``. It records every request, validates ``sendMessage`` like Telegram does
(strict HTML, text length, callback data), serves injected updates through ``getUpdates``
(with event-driven long polling), serves files for ``getFile`` and injects failures, hangs
and a flood limit. Per-request work is small and nothing is logged per request.

Wire format (python-telegram-bot 22): every call is a POST; without files the body is
``application/x-www-form-urlencoded`` where strings are sent raw and every other value
(ints, bools, dicts, lists) is JSON-encoded; with files it is ``multipart/form-data``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

import httpx
import tornado.httpserver
import tornado.httputil
import tornado.netutil
import tornado.web

JSON = dict[str, Any]
_TRUE_METHODS = frozenset({
    "answerCallbackQuery", "deleteMyCommands", "close", "logOut", "sendChatAction",
    "deleteMessage", "setMyDescription", "setMyShortDescription", "setChatMenuButton",
})  # fmt: skip
_METHOD_NAMES = {name.lower(): name for name in _TRUE_METHODS | {
    "getMe", "getUpdates", "sendMessage", "editMessageText", "editMessageReplyMarkup",
    "setMyCommands", "getMyCommands", "setWebhook", "deleteWebhook", "getWebhookInfo", "getFile",
    "sendDocument",
}}  # fmt: skip
_RATE_COUNTED = frozenset({"sendMessage", "editMessageText", "sendDocument"})
# Form fields kept as raw strings (PTB does not JSON-encode str values, so "123" stays text).
_RAW_KEYS = frozenset({
    "text", "caption", "parse_mode", "callback_query_id", "file_id", "url", "secret_token",
    "action", "language_code", "description", "short_description", "inline_message_id",
})  # fmt: skip
_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_NOT_MODIFIED = (
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


@dataclass
class Call:
    """One request received: canonical method name, decoded params, HTTP status (0 = hung)."""

    method: str
    params: JSON
    status: int = 0


@dataclass
class UploadedFile:
    """A file part of a multipart request (e.g. ``params["document"]`` of sendDocument)."""

    filename: str
    content: bytes
    content_type: str


class ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        """Store HTTP status, description and the optional retry_after parameter."""
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


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


def _decode(key: str, raw: str) -> Any:
    """Decode one form value: PTB JSON-encodes every value that is not a str."""
    if key in _RAW_KEYS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _visible_text(params: JSON, key: str, limit: int, *, required: bool) -> str | None:
    """Validate a text/caption like Telegram (HTML parse, 1..limit chars); return visible text."""
    if key not in params and not required:
        return None
    text = str(params.get(key, ""))
    if str(params.get("parse_mode", "")).lower() == "html":
        text = html_to_text(text)
    text = text.strip()
    if required and not text:
        raise ApiError(400, "Bad Request: message text is empty")
    if len(text) > limit:
        what = "message is" if key == "text" else "message caption is"
        raise ApiError(400, f"Bad Request: {what} too long")
    return text


def _inline_markup(params: JSON) -> JSON | None:
    """Validate reply_markup; return it when it is an inline keyboard."""
    markup = params.get("reply_markup")
    if markup is not None and not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if not markup or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


class _Handler(tornado.web.RequestHandler):
    """Routes ``/bot<token>/<method>`` and ``/file/bot<token>/<path>`` to the fake."""

    def initialize(self, fake: FakeTelegram, files: bool) -> None:
        """Keep a reference to the fake and the route kind."""
        self.fake, self.files = fake, files

    def compute_etag(self) -> None:
        """Skip ETag hashing of every response."""
        return None

    async def post(self, token: str, rest: str) -> None:
        """Serve one Bot API call or file download."""
        if self.files:
            self.fake._serve_file(self, token, rest)
        else:
            await self.fake._serve(self, token, rest)

    get = post


class FakeTelegram:
    """An in-process fake Telegram Bot API server (see the module docstring)."""

    def __init__(
        self, token: str = "123456:TEST-TOKEN", *, bot_username: str = "delegate_test_bot"
    ) -> None:
        """Prepare the fake; call start() (or use ``async with``) to listen."""
        self.token = token
        bot_id = token.split(":", 1)[0]
        self.bot_user: JSON = {
            "id": int(bot_id) if bot_id.isdigit() else 123456, "is_bot": True,
            "first_name": "Delegate Test Bot", "username": bot_username, "can_join_groups": True,
            "can_read_all_group_messages": False, "supports_inline_queries": False,
        }  # fmt: skip
        self.calls: list[Call] = []
        self.rate_limit: float | None = None
        self.rate_limited_count = 0
        self.commands: list[JSON] = []
        self.webhook_url = ""  # set by setWebhook; getUpdates answers 409 while it is set
        self._server: tornado.httpserver.HTTPServer | None = None
        self._port = 0
        self._stop_event = asyncio.Event()
        self._http: httpx.AsyncClient | None = None
        self._updates: list[JSON] = []
        self._next_update_id = 1
        self._update_event: asyncio.Event | None = None  # set (and dropped) on each push
        self._call_event: asyncio.Event | None = None  # set (and dropped) on each 200 answer
        self._ok_counts: Counter[str] = Counter()
        self._sent: list[JSON] = []
        self._injections: dict[str, deque[ApiError | None]] = {}  # None = hang
        self._rate_window: deque[float] = deque()
        self._message_ids: Counter[int] = Counter()
        self._messages: dict[tuple[int, int], JSON] = {}
        self._last_bot_message: dict[int, int] = {}
        self._chats: dict[int, JSON] = {}
        self._users: dict[int, JSON] = {}
        self._files: dict[str, JSON] = {}
        self._file_bytes: dict[str, bytes] = {}
        self._counter = 0

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        app = tornado.web.Application(
            [
                (r"/bot([^/]+)/([^/]+)", _Handler, {"fake": self, "files": False}),
                (r"/file/bot([^/]+)/(.+)", _Handler, {"fake": self, "files": True}),
            ],
            log_function=lambda handler: None,
        )
        self._stop_event = asyncio.Event()
        self._server = tornado.httpserver.HTTPServer(app)
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self._server.add_sockets(sockets)
        self._port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Release hung requests and long polls, then close the server and its connections."""
        if self._server is None:
            return
        self._stop_event.set()
        self._wake("_update_event")
        self._server.stop()
        await asyncio.sleep(0)  # let released handlers answer before connections are closed
        await self._server.close_all_connections()
        self._server = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> FakeTelegram:
        """Start the server."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop the server."""
        await self.stop()

    @property
    def port(self) -> int:
        """The bound TCP port."""
        return self._port

    @property
    def base_url(self) -> str:
        """Value for ``Bot(base_url=...)`` / ``ApplicationBuilder().base_url(...)``."""
        return f"http://127.0.0.1:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``Bot(base_file_url=...)`` / ``ApplicationBuilder().base_file_url(...)``."""
        return f"http://127.0.0.1:{self._port}/file/bot"

    # ------------------------------------------------------------------ inspection
    def calls_to(self, method: str) -> list[Call]:
        """All recorded calls of ``method`` (case-insensitive), whatever their status."""
        name = _METHOD_NAMES.get(method.lower(), method)
        return [call for call in self.calls if call.method == name]

    def sent_messages(self, chat_id: int | None = None) -> list[JSON]:
        """Params of successful sendMessage calls, in order, optionally for one chat."""
        return [p for p in self._sent if chat_id is None or p.get("chat_id") == chat_id]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Texts (as sent, markup included) of successful sendMessage calls."""
        return [str(p["text"]) for p in self.sent_messages(chat_id)]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``count`` calls of ``method`` got a 200 answer; return those calls."""
        name = _METHOD_NAMES.get(method.lower(), method)
        try:
            async with asyncio.timeout(timeout):
                while self._ok_counts[name] < count:
                    if self._call_event is None:
                        self._call_event = asyncio.Event()
                    await self._call_event.wait()
        except TimeoutError:
            summary = ", ".join(f"{c.method}:{c.status}" for c in self.calls[-40:])
            raise AssertionError(
                f"timed out after {timeout}s waiting for {count} successful {name} "
                f"(got {self._ok_counts[name]}); last calls: [{summary}]"
            ) from None
        return [c for c in self.calls if c.method == name and c.status == 200]

    # ------------------------------------------------------------------ failure injection
    def fail_next(
        self, method: str, status: int, *, times: int = 1, retry_after: int | None = None,
        description: str | None = None,
    ) -> None:  # fmt: skip
        """Answer the next ``times`` calls of ``method`` with HTTP ``status``."""
        if status == 429:
            retry_after = 5 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        description = description or _DESCRIPTIONS.get(status, f"Error {status}")
        self._queue(method).extend([ApiError(status, description, retry_after)] * times)

    def hang_next(self, method: str, *, times: int = 1) -> None:
        """Hold the next ``times`` calls of ``method`` unanswered until stop()."""
        self._queue(method).extend([None] * times)

    def _queue(self, method: str) -> deque[ApiError | None]:
        return self._injections.setdefault(_METHOD_NAMES.get(method.lower(), method), deque())

    # ------------------------------------------------------------------ update injection
    def push_update(self, update: JSON) -> int:
        """Queue a raw update for getUpdates (update_id assigned if missing); return its id."""
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
        mime_type: str = "application/octet-stream",
    ) -> int:  # fmt: skip
        """Push a message with a document whose bytes are served by getFile + download."""
        document = self._store_file(content, file_name, mime_type)
        return self._push_message(user_id, {"document": document})

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
        self._assign_update_id(update)
        headers = {} if secret_token is None else {"X-Telegram-Bot-Api-Secret-Token": secret_token}
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=10)
        return (await self._http.post(url, json=update, headers=headers)).status_code

    # ------------------------------------------------------------------ object builders
    def _assign_update_id(self, update: JSON) -> int:
        update.setdefault("update_id", self._next_update_id)
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        return update["update_id"]

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
        """A bot message the fake never saw (e.g. sent before the test started)."""
        return {"message_id": message_id, "date": int(time.time()), "chat": self._chat(chat_id),
                "from": self.bot_user, "text": "..."}  # fmt: skip

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

    # ------------------------------------------------------------------ serving
    def _wake(self, attr: str) -> None:
        event = getattr(self, attr)
        if event is not None:
            setattr(self, attr, None)
            event.set()

    @staticmethod
    def _parse(request: tornado.httputil.HTTPServerRequest) -> JSON:
        params: JSON = {}
        for source in (request.query_arguments, request.body_arguments):
            for key, values in source.items():
                params[key] = _decode(key, values[-1].decode("utf-8", "replace"))
        for key, parts in request.files.items():
            params[key] = UploadedFile(parts[-1].filename, parts[-1].body, parts[-1].content_type)
        if request.body and request.headers.get("Content-Type", "").startswith("application/json"):
            with contextlib.suppress(ValueError):
                params.update(json.loads(request.body))
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            params["chat_id"] = int(chat_id)
        return params

    def _answer(self, handler: _Handler, call: Call, status: int, body: JSON) -> None:
        call.status = status
        if status == 200:
            self._ok_counts[call.method] += 1
            self._wake("_call_event")
        handler.set_status(status)
        handler.set_header("Content-Type", "application/json")
        handler.finish(json.dumps(body, ensure_ascii=False, separators=(",", ":")))

    def _error(self, handler: _Handler, call: Call, error: ApiError) -> None:
        body = {"ok": False, "error_code": error.status, "description": error.description}
        if error.retry_after is not None:
            body["parameters"] = {"retry_after": error.retry_after}
        self._answer(handler, call, error.status, body)

    async def _serve(self, handler: _Handler, token: str, method: str) -> None:
        name = _METHOD_NAMES.get(method.lower(), method)
        call = Call(name, {})
        self.calls.append(call)
        try:
            call.params = self._parse(handler.request)
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            queue = self._injections.get(name)
            if queue:
                if (injected := queue.popleft()) is not None:
                    raise injected
                await self._stop_event.wait()  # hung: the client's timeout fires first
                handler.request.connection.close()
                return
            if self.rate_limit is not None and name in _RATE_COUNTED:
                self._check_rate()
            if name == "getUpdates":
                result: Any = await self._get_updates(call.params)
            elif (impl := getattr(self, f"_m_{name}", None)) is not None:
                result = impl(call.params)
            elif name in _TRUE_METHODS:
                result = True
            else:
                raise ApiError(404, "Not Found")
        except ApiError as error:
            self._error(handler, call, error)
        except (ValueError, TypeError) as exc:  # malformed parameters, e.g. offset="abc"
            self._error(handler, call, ApiError(400, f"Bad Request: {exc}"))
        else:
            self._answer(handler, call, 200, {"ok": True, "result": result})

    def _serve_file(self, handler: _Handler, token: str, file_path: str) -> None:
        call = Call("downloadFile", {"file_path": file_path})
        self.calls.append(call)
        content = self._file_bytes.get(file_path) if token == self.token else None
        if content is None:
            return self._error(handler, call, ApiError(404, "Not Found"))
        call.status = 200
        handler.set_header("Content-Type", "application/octet-stream")
        handler.finish(content)
        return None

    def _check_rate(self) -> None:
        now, window = time.monotonic(), self._rate_window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= (self.rate_limit or 0):
            self.rate_limited_count += 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        window.append(now)

    # ------------------------------------------------------------------ Bot API methods
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
            raise ApiError(400, "Bad Request: chat not found")
        markup = _inline_markup(params)
        message = {"message_id": self._new_message_id(chat_id), "date": int(time.time()),
                   "chat": self._chat(chat_id), "from": self.bot_user, **extra}  # fmt: skip
        if markup is not None:
            message["reply_markup"] = markup
        self._messages[chat_id, message["message_id"]] = message
        self._last_bot_message[chat_id] = message["message_id"]
        return message

    def _m_sendMessage(self, params: JSON) -> JSON:
        text = _visible_text(params, "text", 4096, required=True)
        message = self._bot_message(params, {"text": text})
        self._sent.append(params)
        return message

    def _m_sendDocument(self, params: JSON) -> JSON:
        caption = _visible_text(params, "caption", 1024, required=False)
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
        markup = _inline_markup(params)
        if "inline_message_id" in params:
            return True
        if "chat_id" not in params or "message_id" not in params:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        if not isinstance(params["chat_id"], int):
            raise ApiError(400, "Bad Request: chat not found")
        key = (params["chat_id"], int(params["message_id"]))
        old = self._messages.get(key) or self._placeholder(*key)
        new = {k: v for k, v in old.items() if k != "reply_markup"}
        if text is not None:
            new["text"] = text
        if markup is not None:
            new["reply_markup"] = markup
        if new.get("text") == old.get("text") and markup == old.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        self._messages[key] = new = {**new, "edit_date": int(time.time())}
        return new

    def _m_editMessageText(self, params: JSON) -> JSON | bool:
        return self._edit(params, _visible_text(params, "text", 4096, required=True))

    def _m_editMessageReplyMarkup(self, params: JSON) -> JSON | bool:
        return self._edit(params, None)

    def _m_getFile(self, params: JSON) -> JSON:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {k: stored[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}
