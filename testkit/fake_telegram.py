"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests and benchmarks.

The real ``telegram.Bot`` / ``telegram.ext.Application`` talk to it via ``base_url`` and
``base_file_url``. It records every request, checks each against the Bot API's methods and
fields (``telegram_spec``) and validates messages as Telegram does (strict HTML, text
lengths, callback data: ``telegram_wire``), serves pushed updates through ``getUpdates``
(event-driven long polling: ``telegram_updates``, ``telegram_methods``), serves files for
``getFile``, and injects failures, hangs and a flood limit. Per-request work is small and
nothing is logged per request.
"""

from __future__ import annotations

from typing import Any

import tornado.web

from testkit.chat_limit import ChatLimit
from testkit.fake_server import ApiError, Call, Seconds
from testkit.telegram_methods import TelegramMethods
from testkit.telegram_spec import check
from testkit.telegram_wire import (
    DESCRIPTIONS,
    METHOD_NAMES,
    RATE_COUNTED,
    TRUE_METHODS,
    UploadedFile,
    html_to_text,
    parse,
)

__all__ = ["ApiError", "Call", "ChatLimit", "FakeTelegram", "UploadedFile", "html_to_text"]


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


class FakeTelegram(TelegramMethods):
    """An in-process fake Telegram Bot API server (see the module docstring)."""

    def __init__(
        self, token: str = "123456:TEST-TOKEN", *, bot_username: str = "delegate_test_bot",
        clock: Seconds | None = None,
    ) -> None:  # fmt: skip
        """Prepare the fake; call start() (or use ``async with``) to listen.

        ``clock`` gives the seconds the per-chat limit counts on (see ``fake_server``).
        """
        super().__init__(token, bot_username=bot_username, clock=clock)
        self.unknown_params: list[tuple[str, str]] = []  # (method, field) Telegram ignored

    def _routes(self) -> list[tuple[Any, ...]]:
        return [
            (r"/bot([^/]+)/([^/]+)", _Handler, {"fake": self, "files": False}),
            (r"/file/bot([^/]+)/(.+)", _Handler, {"fake": self, "files": True}),
        ]

    def _canonical(self, method: str) -> str:
        return METHOD_NAMES.get(method.lower(), method)

    @property
    def base_url(self) -> str:
        """Value for ``Bot(base_url=...)`` / ``ApplicationBuilder().base_url(...)``."""
        return f"http://127.0.0.1:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``Bot(base_file_url=...)`` / ``ApplicationBuilder().base_file_url(...)``."""
        return f"http://127.0.0.1:{self._port}/file/bot"

    def fail_next(
        self, method: str, status: int, *, times: int = 1, retry_after: int | None = None,
        description: str | None = None,
    ) -> None:  # fmt: skip
        """Answer the next ``times`` calls of ``method`` with HTTP ``status``."""
        if status == 429:
            retry_after = 5 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        description = description or DESCRIPTIONS.get(status, f"Error {status}")
        self._inject(method, ApiError(status, description, retry_after=retry_after), times)

    # ------------------------------------------------------------------ serving
    def _error(self, handler: _Handler, call: Call, error: ApiError) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": error.status,
                                "description": error.description}  # fmt: skip
        if error.retry_after is not None:
            body["parameters"] = {"retry_after": error.retry_after}
        self._answer(handler, call, error.status, body)

    async def _serve(self, handler: _Handler, token: str, method: str) -> None:
        name = self._canonical(method)
        call = Call(name, {})
        self.calls.append(call)
        try:
            call.params = parse(name, handler.request)
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            if await self._injected(handler, name):
                return
            self.unknown_params += [(name, key) for key in check(name, call.params)]
            if self.rate_limit is not None and name in RATE_COUNTED:
                self._check_rate("Too Many Requests: retry after 1")
            if name == "getUpdates":
                result: Any = await self._get_updates(call.params)
            elif (impl := getattr(self, f"_m_{name}", None)) is not None:
                result = impl(call.params)
            elif name in TRUE_METHODS:
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
