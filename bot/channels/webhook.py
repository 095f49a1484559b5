"""The webhook server of a channel: the secret is checked before the body is read.

A platform posts each update with the secret it was given at `setWebhook` in a header. A
request without it gets 403 as soon as its headers are in, before one byte of its body is
read; a body over `MAX_BODY` (1 MB; an update is a few KB) gets 413, read no further; a body
that is not JSON gets 400. Only then is the update handed to the channel (`take`). Telegram's
and Zalo's webhooks are both this handler, each with its header and its `take`.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import tornado.httpserver
import tornado.web

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
Take = Callable[[Any], Awaitable[bool]]  # True: taken; False: not an update (400)


@tornado.web.stream_request_body
class GuardedHandler(tornado.web.RequestHandler):
    """Checks the secret header first, reads at most MAX_BODY bytes, then calls `take`."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, secret: str, header: str, take: Take) -> None:
        """Keep what every request is checked against and who takes the update."""
        self.secret, self.header, self.take = secret.encode(), header, take
        self.chunks: list[bytes] = []
        self.size = 0

    def compute_etag(self) -> None:
        """Skip hashing the tiny answers."""
        return None

    def prepare(self) -> None:
        """Refuse, from the headers alone, a request without the secret or too big."""
        given = self.request.headers.get(self.header, "").encode()
        if not hmac.compare_digest(given, self.secret):
            log.info("webhook: refused a request without the right secret (%s)",
                     self.request.remote_ip)
            self._answer(403, "Forbidden")
            return
        length = self.request.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            self._answer(413, "Payload Too Large")
            return
        # A body sent in chunks has no length up front: stop reading well past the limit.
        self.request.connection.set_max_body_size(2 * MAX_BODY)  # type: ignore[union-attr]

    def data_received(self, chunk: bytes) -> None:
        """Keep the body while it stays within the limit; answer 413 once it does not."""
        if self._finished:
            return
        self.size += len(chunk)
        if self.size > MAX_BODY:
            self.chunks.clear()
            self._answer(413, "Payload Too Large")
            return
        self.chunks.append(chunk)

    async def post(self) -> None:
        """Read the JSON body and hand it over."""
        if self._finished:
            return
        try:
            update = json.loads(b"".join(self.chunks) or b"{}")
        except (ValueError, RecursionError):
            self._answer(400, "Bad Request")
            return
        if not await self.take(update):
            self._answer(400, "Bad Request")
            return
        self.finish({"ok": True})

    def _answer(self, status: int, description: str) -> None:
        self.set_status(status)
        self.finish({"ok": False, "error_code": status, "description": description})


def serve(listen: str, port: int, path: str, secret: str, header: str,
          take: Take) -> tornado.httpserver.HTTPServer:
    """Start serving a webhook at `path` (with or without a trailing slash); return the
    server (call `stop` on it, then `close_all_connections`)."""
    app = tornado.web.Application(
        [(rf"{path.rstrip('/')}/?", GuardedHandler,
          {"secret": secret, "header": header, "take": take})],
        log_function=lambda handler: None)
    server = tornado.httpserver.HTTPServer(app, max_body_size=2 * MAX_BODY)
    server.listen(port, address=listen)
    return server
