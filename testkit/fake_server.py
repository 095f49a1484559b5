"""What both fake platform servers share: a tornado server on 127.0.0.1, the calls it
recorded, waiting for answers, injected failures and hangs, a flood limit over all chats,
and the fake's own clock.

The clock is a function returning seconds (``time.monotonic`` for a client that sleeps for
real, e.g. a benchmark or a bot in another process; a test's injected clock), plus what
``advance()`` and ``sleep()`` added; without one, the fake's time moves only by those two,
so that no test waits for real time to pass.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

JSON = dict[str, Any]
Seconds = Callable[[], float]


@dataclass
class Call:
    """One request: method name, decoded params, HTTP status (0 = never answered) and the
    error code of a failed answer (None when ``ok``; it differs from ``status`` for a Zalo
    long poll that timed out: HTTP 200, error_code 408)."""

    method: str
    params: JSON
    status: int = 0
    error_code: int | None = None

    @property
    def ok(self) -> bool:
        """Whether the call was answered with success."""
        return self.status != 0 and self.error_code is None


class ApiError(Exception):
    """An error answer: HTTP status, description, envelope error code and retry_after."""

    def __init__(
        self, status: int, description: str, *, error_code: int | None = None,
        retry_after: int | None = None,
    ) -> None:  # fmt: skip
        """Store the HTTP status, description, error code (default: the status) and the
        optional seconds to wait (for a 429)."""
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after
        self.error_code = status if error_code is None else error_code


class FakeServer:
    """The base of FakeTelegram and FakeZalo: lifecycle, inspection, injection, clock."""

    def __init__(self, token: str, *, clock: Seconds | None = None) -> None:
        """Prepare the fake; call start() (or use ``async with``) to listen."""
        self.token = token
        self.calls: list[Call] = []
        self.rate_limit: float | None = None  # counted calls per second over all chats
        self.rate_limited_count = 0
        self._clock = clock
        self._elapsed = 0.0
        self._server: tornado.httpserver.HTTPServer | None = None
        self._port = 0
        self._stop_event = asyncio.Event()
        self._http: httpx.AsyncClient | None = None
        self._update_event: asyncio.Event | None = None  # set (and dropped) on each push
        self._call_event: asyncio.Event | None = None  # set (and dropped) on each ok answer
        self._ok_counts: Counter[str] = Counter()
        self._sent: list[JSON] = []
        self._injections: dict[str, deque[ApiError | None]] = {}  # None = hang
        self._rate_window: deque[float] = deque()

    # ------------------------------------------------------------------ clock
    def now(self) -> float:
        """Return the fake's time in seconds (its clock, plus what advance() added)."""
        return (self._clock() if self._clock is not None else 0.0) + self._elapsed

    def advance(self, seconds: float) -> None:
        """Move the fake's time forward."""
        self._elapsed += seconds

    async def sleep(self, seconds: float) -> None:
        """Sleep on the fake's clock (advance it, then yield): inject it as a client's sleep."""
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)

    # ------------------------------------------------------------------ lifecycle
    def _routes(self) -> list[tuple[Any, ...]]:
        """Return the tornado routes of the platform's API."""
        raise NotImplementedError

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        app = tornado.web.Application(self._routes(), log_function=lambda handler: None)
        self._stop_event = asyncio.Event()
        self._server = tornado.httpserver.HTTPServer(app)
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self._server.add_sockets(sockets)
        self._port = sockets[0].getsockname()[1]

    async def _before_stop(self) -> None:
        """Finish what the platform has in flight (hung calls are released already)."""

    async def stop(self) -> None:
        """Release hung requests and long polls, then close the server and its connections."""
        if self._server is None:
            return
        self._stop_event.set()
        self._wake("_update_event")
        await self._before_stop()
        self._server.stop()
        await asyncio.sleep(0)  # let released handlers answer before connections are closed
        await self._server.close_all_connections()
        self._server = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> Any:
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

    def _client(self) -> httpx.AsyncClient:
        """The HTTP client the fake posts webhooks with."""
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=10)
        return self._http

    # ------------------------------------------------------------------ inspection
    def _canonical(self, method: str) -> str:
        """Return the platform's spelling of a method name given in any case."""
        return method

    def calls_to(self, method: str) -> list[Call]:
        """All recorded calls of ``method`` (given in any case), whatever their status."""
        name = self._canonical(method)
        return [call for call in self.calls if call.method == name]

    def sent_messages(self, chat_id: object = None) -> list[JSON]:
        """Params of successful sendMessage calls, in order, optionally for one chat."""
        return [p for p in self._sent if chat_id is None or p.get("chat_id") == chat_id]

    def sent_texts(self, chat_id: object = None) -> list[str]:
        """Texts (as sent, markup included) of successful sendMessage calls."""
        return [str(p["text"]) for p in self.sent_messages(chat_id)]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``count`` calls of ``method`` got an ``ok`` answer; return those calls."""
        name = self._canonical(method)
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
        return [c for c in self.calls if c.method == name and c.ok]

    # ------------------------------------------------------------------ failure injection
    def _inject(self, method: str, error: ApiError, times: int) -> None:
        """Answer the next ``times`` calls of ``method`` with ``error``."""
        self._queue(method).extend([error] * times)

    def hang_next(self, method: str, *, times: int = 1) -> None:
        """Hold the next ``times`` calls of ``method`` unanswered until stop()."""
        self._queue(method).extend([None] * times)

    def _queue(self, method: str) -> deque[ApiError | None]:
        return self._injections.setdefault(self._canonical(method), deque())

    async def _injected(self, handler: tornado.web.RequestHandler, method: str) -> bool:
        """Raise the failure injected for ``method``, or hold a hung call until stop() and
        drop its connection (True); False when nothing was injected."""
        queue = self._injections.get(method)
        if not queue:
            return False
        if (injected := queue.popleft()) is not None:
            raise injected
        await self._stop_event.wait()  # hung: the client's timeout fires first
        handler.request.connection.close()
        return True

    # ------------------------------------------------------------------ serving
    def _wake(self, attr: str) -> None:
        event = getattr(self, attr)
        if event is not None:
            setattr(self, attr, None)
            event.set()

    def _check_rate(self, description: str) -> None:
        """Count one call against ``rate_limit`` (sliding one-second window); 429 above it."""
        now, window = self.now(), self._rate_window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= (self.rate_limit or 0):
            self.rate_limited_count += 1
            raise ApiError(429, description, retry_after=1)
        window.append(now)

    def _answer(
        self, handler: tornado.web.RequestHandler, call: Call, status: int, body: JSON
    ) -> None:
        """Send a JSON envelope and record how the call ended."""
        call.status = status
        if body["ok"]:
            self._ok_counts[call.method] += 1
            self._wake("_call_event")
        else:
            call.error_code = body["error_code"]
        handler.set_status(status)
        handler.set_header("Content-Type", "application/json")
        handler.finish(json.dumps(body, ensure_ascii=False, separators=(",", ":")))
