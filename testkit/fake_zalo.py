"""A fake Zalo Bot Platform API server on 127.0.0.1 for end-to-end tests.

The Zalo channel talks to it through ``base_url`` (it appends ``/bot<token>/<method>``, as
for ``https://bot-api.zaloplatforms.com``). The fake records every request, validates
``sendMessage`` like Zalo does (text of 1..2000 characters), serves pushed updates through
``getUpdates`` (event-driven long polling), posts updates to a webhook, and injects
failures, hangs and a flood limit. Nothing is logged per request.

Wire format of the real API, as mirrored here:

- every call is ``POST {base}/bot<TOKEN>/<method>`` with a JSON object body (form-encoded
  bodies and query strings are accepted too; their values stay strings); method names are
  case-sensitive, so ``sendmessage`` is an unknown method (404);
- every answer is an envelope: ``{"ok": true, "result": ...}`` or
  ``{"ok": false, "error_code": N, "description": "..."}`` (HTTP status N, except below);
- ``getUpdates`` has no offset: each call returns ONE update (an object, not a list) and
  consumes it; when none arrives within ``timeout`` seconds (default 30) it answers HTTP 200
  with ``{"ok": false, "error_code": 408, "description": "Request timeout"}``;
- an update is ``{"event_name": "message.text.received", "message": {"from": {...},
  "chat": {...}, "text": ..., "message_id": <hex>, "date": <ms>}}``; ids are hex strings
  and ``date`` is in milliseconds since the epoch;
- the platform promises no one shape of update (see the README's "Zalo: the shapes of an
  update"), so the fake writes the updates it builds in the ``shape`` it is given: with or
  without ``event_name`` (the documented getUpdates sample has none), the sender's name under
  ``display_name``, ``name`` or ``first_name`` (the documented sample), with or without
  ``is_bot``; ``DOCUMENTED`` is the sample's shape and ``SHAPES`` every combination seen;
- with ``webhook_delivery_url`` set (the tests' local listener standing in for the public
  HTTPS url given to ``setWebhook``), updates pushed while a webhook is set are POSTed there,
  in order, as Zalo does, instead of waiting for ``getUpdates``;
- a webhook delivery is a POST of ``{"ok": true, "result": <update>}`` carrying the header
  ``X-Bot-Api-Secret-Token``; ``getUpdates`` answers 409 while a webhook is set;
- ``sendChatAction`` answers ``{"ok": true}`` without a result, as documented.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import tornado.httpserver
import tornado.httputil
import tornado.netutil
import tornado.web

JSON = dict[str, Any]
TEXT_LIMIT = 2000  # Zalo's limit for sendMessage text and sendPhoto captions
SECRET_HEADER = "X-Bot-Api-Secret-Token"
DEFAULT_POLL_TIMEOUT = 30.0  # seconds, when getUpdates is called without ``timeout``
_METHODS = frozenset({
    "getMe", "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo", "sendMessage",
    "sendPhoto", "sendSticker", "sendChatAction",
})  # fmt: skip
_BY_LOWER = {name.lower(): name for name in _METHODS}
_RATE_COUNTED = frozenset({"sendMessage"})
_CHAT_ACTIONS = frozenset({"typing", "upload_photo"})
_NO_RESULT = object()  # a method whose success envelope has no "result" (sendChatAction)
NAME_KEYS = ("display_name", "name", "first_name")  # where senders' names have been seen
PHOTO_KEYS = ("photo", "photo_url")  # where an image message's picture has been seen
_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: the user has blocked the bot or is not reachable",
    404: "Not Found",
    408: "Request timeout",
    409: "Conflict: getUpdates is not available while a webhook is set; call deleteWebhook",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class Shape:
    """How the fake writes the updates it builds: which of the seen variants it uses."""

    event_name: bool = True  # "event_name": "message.<kind>.received" (observed clients)
    name_key: str = "display_name"  # one of NAME_KEYS
    is_bot: bool = True  # "from" carries "is_bot": false

    def __post_init__(self) -> None:
        if self.name_key not in NAME_KEYS:
            raise ValueError(f"name_key must be one of {NAME_KEYS}, got {self.name_key!r}")

    @property
    def label(self) -> str:
        """A short name for test ids, e.g. "event-display_name" or "bare-first_name"."""
        return f"{'event' if self.event_name else 'bare'}-{self.name_key}"


DOCUMENTED = Shape(event_name=False, name_key="first_name", is_bot=False)  # getUpdates sample
SHAPES = tuple(Shape(event, key) for event in (True, False) for key in NAME_KEYS)
DOCUMENTED_SAMPLE: JSON = {  # the documented getUpdates sample's result, as published
    "message": {
        "chat": {"id": "e4ea2cd5189df1c3a88c", "chat_type": "PRIVATE"},
        "text": "Xin chào", "message_id": "16f6366b3f02645a3d15", "date": 1766619597466,
        "from": {"id": "e4ea2cd5189df1c3a88c", "first_name": "Nguyen Van A"},
    },
}  # fmt: skip


@dataclass
class Call:
    """One request: method name (as sent), decoded params, HTTP status (0 = never answered).

    ``error_code`` is the envelope's error code of a failed answer (None when ``ok``); it
    differs from ``status`` for a long poll that timed out (HTTP 200, error_code 408).
    """

    method: str
    params: JSON
    status: int = 0
    error_code: int | None = None


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, envelope error code and description."""

    def __init__(
        self, status: int, description: str, *, error_code: int | None = None,
        retry_after: int | None = None,
    ) -> None:  # fmt: skip
        """Store the HTTP status, envelope fields and the optional Retry-After seconds."""
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after
        self.error_code = status if error_code is None else error_code


def _now_ms() -> int:
    """Milliseconds since the epoch, the unit of Zalo's ``date`` fields."""
    return int(time.time() * 1000)


def _utf16_length(text: str) -> int:
    """Length in UTF-16 code units (conservative: an emoji counts 2, as in bot.text)."""
    return len(text.encode("utf-16-le")) // 2


def _required_str(params: JSON, key: str) -> str:
    """Return a required non-empty string parameter; raise ApiError(400) otherwise."""
    value = params.get(key)
    if value is None or value == "":
        raise ApiError(400, f"Bad Request: {key} is required")
    if not isinstance(value, str):
        raise ApiError(400, f"Bad Request: {key} must be a string")
    return value


def _checked_text(params: JSON, key: str, *, required: bool) -> str | None:
    """Validate a text or caption of 1..TEXT_LIMIT characters; return it (None if absent)."""
    if key not in params and not required:
        return None
    value = params.get(key)
    if not isinstance(value, str):
        raise ApiError(400, f"Bad Request: {key} must be a string")
    if not value.strip():
        raise ApiError(400, f"Bad Request: {key} is empty")
    if _utf16_length(value) > TEXT_LIMIT:
        raise ApiError(400, f"Bad Request: {key} is too long (at most {TEXT_LIMIT} characters)")
    return value


class _Handler(tornado.web.RequestHandler):
    """Routes ``/bot<token>/<method>`` to the fake and notices clients that go away."""

    def initialize(self, fake: FakeZalo) -> None:
        """Keep a reference to the fake."""
        self.fake = fake
        self.gone = False

    def compute_etag(self) -> None:
        """Skip ETag hashing of every response."""
        return None

    async def post(self, token: str, method: str) -> None:
        """Serve one Bot API call."""
        await self.fake._serve(self, token, method)

    get = post

    def on_connection_close(self) -> None:
        """The client closed the connection: a pending long poll must not consume an update."""
        self.gone = True
        self.fake._wake("_update_event")


class FakeZalo:
    """An in-process fake Zalo Bot Platform API server (see the module docstring)."""

    def __init__(self, token: str = "zalo-test-token", *, bot_name: str = "Trợ lý Đại hội",
                 shape: Shape | None = None) -> None:
        """Prepare the fake; call start() (or use ``async with``) to listen."""
        self.token = token
        self.shape = shape or Shape()  # how the updates built by make_update/push_* look
        self.bot_info: JSON = {
            "id": hashlib.sha1(token.encode()).hexdigest()[:16], "account_name": "bot.daihoi",
            "account_type": "BASIC", "can_join_groups": False, "display_name": bot_name,
        }  # fmt: skip
        self.calls: list[Call] = []
        self.rate_limit: float | None = None  # sendMessage per second (sliding 1 s window)
        self.rate_limited_count = 0
        self.webhook_url: str | None = None  # set by setWebhook; getUpdates answers 409 then
        self.webhook_secret: str | None = None
        self.webhook_updated_at = 0
        self.webhook_delivery_url: str | None = None  # where pushed updates are POSTed then
        self.webhook_statuses: list[int] = []  # HTTP status of each such delivery, in order
        self._delivery: asyncio.Task[None] | None = None  # the latest webhook delivery
        self._server: tornado.httpserver.HTTPServer | None = None
        self._port = 0
        self._stop_event = asyncio.Event()
        self._http: httpx.AsyncClient | None = None
        self._updates: deque[JSON] = deque()
        self._update_event: asyncio.Event | None = None  # set (and dropped) on each push
        self._call_event: asyncio.Event | None = None  # set (and dropped) on each ok answer
        self._poll_event: asyncio.Event | None = None  # set (and dropped) when polling changes
        self._polling = 0
        self._ok_counts: Counter[str] = Counter()
        self._sent: list[JSON] = []
        self._injections: dict[str, deque[ApiError | None]] = {}  # None = hang
        self._rate_window: deque[float] = deque()
        self._counter = 0

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        app = tornado.web.Application(
            [(r"/bot([^/]+)/([^/]+)", _Handler, {"fake": self})], log_function=lambda h: None
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
        if self._delivery is not None:
            await asyncio.gather(self._delivery, return_exceptions=True)
        self._server.stop()
        await asyncio.sleep(0)  # let released handlers answer before connections are closed
        await self._server.close_all_connections()
        self._server = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> FakeZalo:
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
        """The API root; the channel appends ``/bot<token>/<method>``."""
        return f"http://127.0.0.1:{self._port}"

    # ------------------------------------------------------------------ inspection
    def calls_to(self, method: str) -> list[Call]:
        """All recorded calls of ``method`` (given in any case), whatever their status."""
        name = _BY_LOWER.get(method.lower(), method)
        return [call for call in self.calls if call.method == name]

    def sent_messages(self, chat_id: str | None = None) -> list[JSON]:
        """Params of successful sendMessage calls, in order, optionally for one chat."""
        return [p for p in self._sent if chat_id is None or p.get("chat_id") == chat_id]

    def sent_texts(self, chat_id: str | None = None) -> list[str]:
        """Texts of successful sendMessage calls, in order, optionally for one chat."""
        return [str(p["text"]) for p in self.sent_messages(chat_id)]

    @property
    def pending_updates(self) -> int:
        """How many pushed updates no getUpdates call has consumed yet."""
        return len(self._updates)

    @property
    def polling(self) -> int:
        """How many getUpdates calls are waiting for an update right now."""
        return self._polling

    async def wait_polling(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until exactly ``count`` getUpdates calls are long-polling (0: none is)."""
        try:
            async with asyncio.timeout(timeout):
                while self._polling != count:
                    if self._poll_event is None:
                        self._poll_event = asyncio.Event()
                    await self._poll_event.wait()
        except TimeoutError:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {count} pending getUpdates "
                f"(got {self._polling})"
            ) from None

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``count`` calls of ``method`` got an ``ok`` answer; return those calls.

        For getUpdates this counts delivered updates (long polls that timed out do not count).
        """
        name = _BY_LOWER.get(method.lower(), method)
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
        return [c for c in self.calls if c.method == name and c.error_code is None]

    # ------------------------------------------------------------------ failure injection
    def fail_next(
        self, method: str, status: int, *, times: int = 1, error_code: int | None = None,
        description: str | None = None, retry_after: int | None = None,
    ) -> None:  # fmt: skip
        """Answer the next ``times`` calls of ``method`` with HTTP ``status`` and an envelope.

        The envelope's ``error_code`` defaults to ``status``; ``retry_after`` adds a
        ``Retry-After`` header (meant for 429).
        """
        description = description or _DESCRIPTIONS.get(status, f"Error {status}")
        error = ApiError(status, description, error_code=error_code, retry_after=retry_after)
        self._queue(method).extend([error] * times)

    def hang_next(self, method: str, *, times: int = 1) -> None:
        """Hold the next ``times`` calls of ``method`` unanswered until stop()."""
        self._queue(method).extend([None] * times)

    def _queue(self, method: str) -> deque[ApiError | None]:
        return self._injections.setdefault(_BY_LOWER.get(method.lower(), method), deque())

    # ------------------------------------------------------------------ update injection
    def push_update(self, update: JSON) -> JSON:
        """Queue a raw update for getUpdates (or POST it to the webhook, see above); return it."""
        if self.webhook_url is not None and self.webhook_delivery_url is not None:
            self._delivery = asyncio.create_task(self._deliver(self._delivery, update))
            return update
        self._updates.append(update)
        self._wake("_update_event")
        return update

    async def _deliver(self, previous: asyncio.Task[None] | None, update: JSON) -> None:
        """POST an update to the webhook after the ones pushed before it."""
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        assert self.webhook_delivery_url is not None
        status = await self.post_webhook(self.webhook_delivery_url, update,
                                         secret_token=self.webhook_secret)
        self.webhook_statuses.append(status)

    def make_update(
        self, user_id: str, text: str, *, display_name: str = "Đại biểu",
        chat_id: str | None = None,
    ) -> JSON:  # fmt: skip
        """Build a text update (without queueing it), e.g. for post_webhook."""
        return self._update("message.text.received", user_id, display_name, chat_id, {"text": text})

    def push_text(
        self, user_id: str, text: str, *, display_name: str = "Đại biểu",
        chat_id: str | None = None,
    ) -> JSON:  # fmt: skip
        """Queue a text message from ``user_id`` (in its private chat unless ``chat_id``)."""
        return self.push_update(self.make_update(user_id, text, display_name=display_name,
                                                 chat_id=chat_id))  # fmt: skip

    def push_sticker(self, user_id: str, *, display_name: str = "Đại biểu") -> JSON:
        """Queue a sticker message (no text)."""
        sticker = self._hex_id()
        extra = {"sticker": sticker, "url": f"https://zalo.example/sticker/{sticker}.png"}
        update = self._update("message.sticker.received", user_id, display_name, None, extra)
        return self.push_update(update)

    def push_image(
        self, user_id: str, *, caption: str | None = None, display_name: str = "Đại biểu",
        photo_key: str = "photo",
    ) -> JSON:  # fmt: skip
        """Queue an image message (no text; an optional caption; the URL under `photo_key`)."""
        if photo_key not in PHOTO_KEYS:
            raise ValueError(f"photo_key must be one of {PHOTO_KEYS}, got {photo_key!r}")
        extra: JSON = {photo_key: f"https://zalo.example/photo/{self._hex_id()}.jpg"}
        if caption is not None:
            extra["caption"] = caption
        update = self._update("message.image.received", user_id, display_name, None, extra)
        return self.push_update(update)

    async def post_webhook(
        self, url: str, update: JSON, *, secret_token: str | None, envelope: bool = True
    ) -> int:
        """POST an update to a webhook URL like Zalo does; return the HTTP status.

        The body is ``{"ok": true, "result": update}`` (the documented webhook shape), or the
        bare update with ``envelope=False``; the secret goes in ``X-Bot-Api-Secret-Token``.
        """
        headers = {} if secret_token is None else {SECRET_HEADER: secret_token}
        body = {"ok": True, "result": update} if envelope else update
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=10)
        return (await self._http.post(url, json=body, headers=headers)).status_code

    # ------------------------------------------------------------------ object builders
    def _hex_id(self) -> str:
        """A fresh 20-digit hex id, like Zalo's message ids."""
        self._counter += 1
        return f"{0x5A10 << 64 | self._counter:020x}"

    def _update(
        self, event_name: str, user_id: str, display_name: str, chat_id: str | None, extra: JSON
    ) -> JSON:
        chat_id = user_id if chat_id is None else chat_id
        shape = self.shape
        sender: JSON = {"id": user_id, shape.name_key: display_name}
        if shape.is_bot:
            sender["is_bot"] = False
        message = {
            "from": sender,
            "chat": {"id": chat_id, "chat_type": "PRIVATE" if chat_id == user_id else "GROUP"},
            **extra, "message_id": self._hex_id(), "date": _now_ms(),
        }  # fmt: skip
        return {"event_name": event_name, "message": message} if shape.event_name else {
            "message": message}

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
                params[key] = values[-1].decode("utf-8", "replace")
        if request.body and request.headers.get("Content-Type", "").startswith("application/json"):
            try:
                body = json.loads(request.body)
            except ValueError:
                raise ApiError(400, "Bad Request: the body is not valid JSON") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: the body must be a JSON object")
            params.update(body)
        return params

    def _answer(self, handler: _Handler, call: Call, status: int, body: JSON) -> None:
        call.status = status
        if body["ok"]:
            self._ok_counts[call.method] += 1
            self._wake("_call_event")
        else:
            call.error_code = body["error_code"]
        handler.set_status(status)
        handler.set_header("Content-Type", "application/json")
        handler.finish(json.dumps(body, ensure_ascii=False, separators=(",", ":")))

    def _error(self, handler: _Handler, call: Call, error: ApiError) -> None:
        if error.retry_after is not None:
            handler.set_header("Retry-After", str(error.retry_after))
        body = {"ok": False, "error_code": error.error_code, "description": error.description}
        self._answer(handler, call, error.status, body)

    async def _serve(self, handler: _Handler, token: str, method: str) -> None:
        call = Call(method, {})
        self.calls.append(call)
        try:
            call.params = self._parse(handler.request)
            if token != self.token:
                raise ApiError(401, "Unauthorized: invalid bot token")
            if method not in _METHODS:
                raise ApiError(404, f"Not Found: method {method} does not exist")
            queue = self._injections.get(method)
            if queue:
                if (injected := queue.popleft()) is not None:
                    raise injected
                await self._stop_event.wait()  # hung: the client's timeout fires first
                handler.request.connection.close()
                return
            if self.rate_limit is not None and method in _RATE_COUNTED:
                self._check_rate()
            if method == "getUpdates":
                result: Any = await self._get_updates(handler, call.params)
                if result is None:
                    if handler.gone:  # nobody to answer (status stays 0); updates stay queued
                        return
                    raise ApiError(200, _DESCRIPTIONS[408], error_code=408)
            else:
                result = getattr(self, f"_m_{method}")(call.params)
        except ApiError as error:
            self._error(handler, call, error)
        else:
            body = {"ok": True} if result is _NO_RESULT else {"ok": True, "result": result}
            self._answer(handler, call, 200, body)

    def _check_rate(self) -> None:
        now, window = time.monotonic(), self._rate_window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= (self.rate_limit or 0):
            self.rate_limited_count += 1
            raise ApiError(429, "Too Many Requests: rate limit exceeded", retry_after=1)
        window.append(now)

    # ------------------------------------------------------------------ Bot API methods
    async def _get_updates(self, handler: _Handler, params: JSON) -> JSON | None:
        """Pop the next update, long-polling up to ``timeout`` seconds; None if none came."""
        if self.webhook_url is not None:
            raise ApiError(409, _DESCRIPTIONS[409])
        raw = params.get("timeout", DEFAULT_POLL_TIMEOUT)
        try:
            timeout = float(raw)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: timeout must be a number of seconds") from None
        if not timeout >= 0:  # also refuses NaN
            raise ApiError(400, "Bad Request: timeout must not be negative")
        self._set_polling(+1)
        try:
            async with asyncio.timeout(timeout):
                while not self._updates and not handler.gone and not self._stop_event.is_set():
                    if self._update_event is None:
                        self._update_event = asyncio.Event()
                    await self._update_event.wait()
        except TimeoutError:
            pass
        finally:
            self._set_polling(-1)
        if handler.gone or not self._updates:
            return None
        return self._updates.popleft()

    def _set_polling(self, delta: int) -> None:
        self._polling += delta
        self._wake("_poll_event")

    def _m_getMe(self, params: JSON) -> JSON:
        return self.bot_info

    def _webhook_info(self) -> JSON:
        return {"url": self.webhook_url or "", "updated_at": self.webhook_updated_at}

    def _m_getWebhookInfo(self, params: JSON) -> JSON:
        return self._webhook_info()

    def _m_setWebhook(self, params: JSON) -> JSON:
        url = _required_str(params, "url")
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ApiError(400, "Bad Request: url must be an HTTPS URL")
        secret = _required_str(params, "secret_token")
        if not 8 <= len(secret) <= 256:
            raise ApiError(400, "Bad Request: secret_token must be 8 to 256 characters")
        self.webhook_url, self.webhook_secret = url, secret
        self.webhook_updated_at = _now_ms()
        return self._webhook_info()

    def _m_deleteWebhook(self, params: JSON) -> JSON:
        self.webhook_url = self.webhook_secret = None
        self.webhook_updated_at = _now_ms()
        return self._webhook_info()

    def _sent_result(self) -> JSON:
        return {"message_id": self._hex_id(), "date": _now_ms()}

    def _m_sendMessage(self, params: JSON) -> JSON:
        _required_str(params, "chat_id")
        _checked_text(params, "text", required=True)
        self._sent.append(params)
        return self._sent_result()

    def _m_sendPhoto(self, params: JSON) -> JSON:
        _required_str(params, "chat_id")
        _required_str(params, "photo")
        _checked_text(params, "caption", required=False)
        return self._sent_result()

    def _m_sendSticker(self, params: JSON) -> JSON:
        _required_str(params, "chat_id")
        _required_str(params, "sticker")
        return self._sent_result()

    def _m_sendChatAction(self, params: JSON) -> object:
        _required_str(params, "chat_id")
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: action must be typing or upload_photo")
        return _NO_RESULT
