"""A fake Zalo Bot Platform API server on 127.0.0.1 for end-to-end tests.

The Zalo channel talks to it through ``base_url`` (it appends ``/bot<token>/<method>``, as
for ``https://bot-api.zaloplatforms.com``). The fake records every request, validates
``sendMessage`` like Zalo does (text of 1..2000 characters), serves pushed updates through
``getUpdates`` (event-driven long polling), posts updates to a webhook, and injects
failures, hangs and a flood limit. Nothing is logged per request. The wire format, as
mirrored here, is described in ``zalo_wire``; the updates are built in ``zalo_updates``.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any
from urllib.parse import urlsplit

import tornado.web

from testkit.fake_server import JSON, ApiError, Call, Seconds
from testkit.zalo_updates import ZaloUpdates
from testkit.zalo_wire import (
    BY_LOWER,
    CHAT_ACTIONS,
    DEFAULT_POLL_TIMEOUT,
    DESCRIPTIONS,
    DOCUMENTED,
    DOCUMENTED_SAMPLE,
    METHODS,
    NAME_KEYS,
    NO_RESULT,
    PHOTO_KEYS,
    RATE_COUNTED,
    SECRET_HEADER,
    SHAPES,
    TEXT_LIMIT,
    Shape,
    checked_text,
    now_ms,
    parse,
    required_str,
)

__all__ = [
    "DEFAULT_POLL_TIMEOUT", "DOCUMENTED", "DOCUMENTED_SAMPLE", "NAME_KEYS", "PHOTO_KEYS",
    "SECRET_HEADER", "SHAPES", "TEXT_LIMIT", "ApiError", "Call", "FakeZalo", "Shape",
]  # fmt: skip


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


class FakeZalo(ZaloUpdates):
    """An in-process fake Zalo Bot Platform API server (see the module docstring)."""

    def __init__(self, token: str = "zalo-test-token", *, bot_name: str = "Trợ lý Đại hội",
                 shape: Shape | None = None, clock: Seconds | None = None) -> None:
        """Prepare the fake; call start() (or use ``async with``) to listen."""
        super().__init__(token, shape=shape, clock=clock)
        self.bot_info: JSON = {
            "id": hashlib.sha1(token.encode()).hexdigest()[:16], "account_name": "bot.daihoi",
            "account_type": "BASIC", "can_join_groups": False, "display_name": bot_name,
        }  # fmt: skip
        self.webhook_updated_at = 0
        self._poll_event: asyncio.Event | None = None  # set (and dropped) when polling changes
        self._polling = 0

    def _routes(self) -> list[tuple[Any, ...]]:
        return [(r"/bot([^/]+)/([^/]+)", _Handler, {"fake": self})]

    def _canonical(self, method: str) -> str:
        return BY_LOWER.get(method.lower(), method)

    @property
    def base_url(self) -> str:
        """The API root; the channel appends ``/bot<token>/<method>``."""
        return f"http://127.0.0.1:{self._port}"

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

    def fail_next(
        self, method: str, status: int, *, times: int = 1, error_code: int | None = None,
        description: str | None = None, retry_after: int | None = None,
    ) -> None:  # fmt: skip
        """Answer the next ``times`` calls of ``method`` with HTTP ``status`` and an envelope.

        The envelope's ``error_code`` defaults to ``status``; ``retry_after`` adds a
        ``Retry-After`` header (meant for 429).
        """
        description = description or DESCRIPTIONS.get(status, f"Error {status}")
        error = ApiError(status, description, error_code=error_code, retry_after=retry_after)
        self._inject(method, error, times)

    # ------------------------------------------------------------------ serving
    def _error(self, handler: _Handler, call: Call, error: ApiError) -> None:
        if error.retry_after is not None:
            handler.set_header("Retry-After", str(error.retry_after))
        body = {"ok": False, "error_code": error.error_code, "description": error.description}
        self._answer(handler, call, error.status, body)

    async def _serve(self, handler: _Handler, token: str, method: str) -> None:
        call = Call(method, {})
        self.calls.append(call)
        try:
            call.params = parse(handler.request)
            if token != self.token:
                raise ApiError(401, "Unauthorized: invalid bot token")
            if method not in METHODS:
                raise ApiError(404, f"Not Found: method {method} does not exist")
            if await self._injected(handler, method):
                return
            if self.rate_limit is not None and method in RATE_COUNTED:
                self._check_rate("Too Many Requests: rate limit exceeded")
            if method == "getUpdates":
                result: Any = await self._get_updates(handler, call.params)
                if result is None:
                    if handler.gone:  # nobody to answer (status stays 0); updates stay queued
                        return
                    raise ApiError(200, DESCRIPTIONS[408], error_code=408)
            else:
                result = getattr(self, f"_m_{method}")(call.params)
        except ApiError as error:
            self._error(handler, call, error)
        else:
            body = {"ok": True} if result is NO_RESULT else {"ok": True, "result": result}
            self._answer(handler, call, 200, body)

    # ------------------------------------------------------------------ Bot API methods
    async def _get_updates(self, handler: _Handler, params: JSON) -> JSON | None:
        """Pop the next update, long-polling up to ``timeout`` seconds; None if none came."""
        if self.webhook_url is not None:
            raise ApiError(409, DESCRIPTIONS[409])
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
        url = required_str(params, "url")
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ApiError(400, "Bad Request: url must be an HTTPS URL")
        secret = required_str(params, "secret_token")
        if not 8 <= len(secret) <= 256:
            raise ApiError(400, "Bad Request: secret_token must be 8 to 256 characters")
        self.webhook_url, self.webhook_secret = url, secret
        self.webhook_updated_at = now_ms()
        return self._webhook_info()

    def _m_deleteWebhook(self, params: JSON) -> JSON:
        self.webhook_url = self.webhook_secret = None
        self.webhook_updated_at = now_ms()
        return self._webhook_info()

    def _sent_result(self) -> JSON:
        return {"message_id": self._hex_id(), "date": now_ms()}

    def _m_sendMessage(self, params: JSON) -> JSON:
        required_str(params, "chat_id")
        checked_text(params, "text", required=True)
        self._sent.append(params)
        return self._sent_result()

    def _m_sendPhoto(self, params: JSON) -> JSON:
        required_str(params, "chat_id")
        required_str(params, "photo")
        checked_text(params, "caption", required=False)
        return self._sent_result()

    def _m_sendSticker(self, params: JSON) -> JSON:
        required_str(params, "chat_id")
        required_str(params, "sticker")
        return self._sent_result()

    def _m_sendChatAction(self, params: JSON) -> object:
        required_str(params, "chat_id")
        if params.get("action") not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: action must be typing or upload_photo")
        return NO_RESULT
