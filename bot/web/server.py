"""The bot's HTTP servers: uvicorn inside the bot's own event loop, no thread, no process.

With `[web] enabled` one server listens on `[web] listen:port`: it serves the dashboard and
takes the platforms' webhooks at their paths (`/telegram`, `/zalo`), so one reverse proxy
in front of one port does for all. With the dashboard off, a channel in webhook mode gets a
server of its own on its `[<channel>.webhook] listen:port`, serving its webhook only (as
before the dashboard existed). Polling needs no server at all.

A webhook request never passes through Starlette: `Front` sends it straight to
`bot.channels.webhook.handle`, which checks the secret before reading the body.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.channels import webhook
from bot.channels.webhook import Webhook
from bot.config import WebConfig

log = logging.getLogger(__name__)

GRACE_SECONDS = 5  # how long requests in flight may finish when a server stops


class Front:
    """The ASGI application of one server: webhooks by path, else the dashboard (or 404)."""

    def __init__(self, dashboard: ASGIApp | None) -> None:
        self.dashboard = dashboard
        self.hooks: dict[str, Webhook] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one connection's request (or the dashboard's event streams)."""
        if scope["type"] == "http":
            hook = self.hooks.get(str(scope.get("path", "")).rstrip("/"))
            if hook is not None:
                await webhook.handle(hook, scope, receive, send)
                return
        if self.dashboard is not None:
            await self.dashboard(scope, receive, send)
        elif scope["type"] == "http":
            await webhook.answer(send, 404, {"ok": False, "error_code": 404,
                                             "description": "Not Found"}, close=False)


class _Uvicorn(uvicorn.Server):
    """uvicorn's server, told when it listens, leaving the signals to the bot."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Leave SIGINT and SIGTERM alone: the bot stops its servers itself."""
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start listening, then say so."""
        await super().startup(sockets)
        self.ready.set()


def _listening(host: str, port: int) -> socket.socket:
    """Return a TCP socket listening on host:port (an OSError says why it cannot be).

    Made with the TCP protocol number: asyncio sets TCP_NODELAY only on such sockets, and
    without it each answer waits for the client's delayed ACK (40 ms a request)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(socket.SOMAXCONN)
    except OSError:
        sock.close()
        raise
    return sock


class HttpServer:
    """One uvicorn server on one address, in the running event loop."""

    def __init__(self, app: ASGIApp, listen: str, port: int) -> None:
        self.app, self.listen, self.port = app, listen, port
        self._server: _Uvicorn | None = None
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None

    async def start(self) -> None:
        """Bind the address (an OSError says why it cannot be) and start serving."""
        self._socket = _listening(self.listen, self.port)
        self.port = int(self._socket.getsockname()[1])  # the one chosen for port 0
        config = uvicorn.Config(self.app, lifespan="off", log_config=None, access_log=False,
                                server_header=False, date_header=False,
                                timeout_graceful_shutdown=GRACE_SECONDS)
        self._server = _Uvicorn(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        ready = asyncio.ensure_future(self._server.ready.wait())
        await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            ready.cancel()
            await self._task  # raises what stopped it
        log.info("web server listening on %s:%d", self.listen, self.port)

    async def stop(self) -> None:
        """Stop accepting, let the requests in flight finish (a few seconds), close."""
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        if self._socket is not None:
            self._socket.close()
        self._server = self._task = self._socket = None


class WebHost:
    """The servers of the app: the dashboard's (when on), and those of the webhooks."""

    def __init__(self, settings: WebConfig, dashboard: Callable[[], ASGIApp]) -> None:
        self.settings = settings
        self._make_dashboard = dashboard
        self._servers: dict[tuple[str, int], tuple[HttpServer, Front]] = {}
        self.on_stop: list[Callable[[], None]] = []  # told first (live pages end their streams)

    @property
    def main(self) -> HttpServer | None:
        """Return the dashboard's server once it runs."""
        found = self._servers.get((self.settings.listen, self.settings.port))
        return found[0] if found is not None and found[1].dashboard is not None else None

    async def start(self) -> None:
        """Start the dashboard's server when `[web] enabled`."""
        if self.settings.enabled:
            await self._front(self.settings.listen, self.settings.port)

    async def _front(self, listen: str, port: int) -> Front:
        found = self._servers.get((listen, port))
        if found is not None:
            return found[1]
        dashboard = self.settings.enabled and (listen, port) == (
            self.settings.listen, self.settings.port)
        front = Front(self._make_dashboard() if dashboard else None)
        server = HttpServer(front, listen, port)
        await server.start()
        self._servers[(listen, port)] = (server, front)
        return front

    async def attach(self, hook: Webhook, listen: str, port: int) -> None:
        """Serve a webhook: on the dashboard's server when it is on, else on a server of its
        own at `listen:port` (started now)."""
        if self.settings.enabled:
            listen, port = self.settings.listen, self.settings.port
        front = await self._front(listen, port)
        front.hooks[hook.route] = hook

    async def detach(self, hook: Webhook) -> None:
        """Stop serving a webhook; a server left with nothing to serve stops."""
        for address, (server, front) in list(self._servers.items()):
            if front.hooks.get(hook.route) is hook:
                del front.hooks[hook.route]
                if not front.hooks and front.dashboard is None:
                    del self._servers[address]
                    await server.stop()

    async def stop(self) -> None:
        """Stop every server (the live pages' streams are ended first)."""
        for callback in self.on_stop:
            callback()
        servers, self._servers = list(self._servers.values()), {}
        for server, _ in servers:
            await server.stop()

    def describe(self) -> dict[str, Any]:
        """Return what runs where, for logs and tests."""
        return {f"{listen}:{port}": sorted(front.hooks)
                for (listen, port), (_, front) in self._servers.items()}
