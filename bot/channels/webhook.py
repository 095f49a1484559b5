"""The webhook endpoint of a channel: the secret is checked before the body is read.

A platform posts each update with the secret it was given at `setWebhook` in a header. A
request without it gets 403 as soon as its headers are in, before one byte of its body is
read; a body declared over `MAX_BODY` (1 MB; an update is a few KB) gets 413 at once, and one
sent in chunks that grows past it gets 413 as soon as it does, read no further; a body that
is not JSON gets 400. Only then is the update handed to the channel (`take`). Telegram's and
Zalo's webhooks are both a `Webhook`, each with its path, header and `take`; the web server
(`bot/web/server.py`) calls `handle` for the requests to their paths, as plain ASGI (nothing
reads the body before this code does).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Receive, Scope, Send

from bot.asgi import ClientGone, read_body

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
Take = Callable[[Any], Awaitable[bool]]  # True: taken; False: not an update (400)


def _always() -> bool:
    return True


@dataclass(frozen=True)
class Webhook:
    """One platform's webhook: where it is served, the secret and its header, who takes the
    updates, and whether they are taken now (`accepting`; 503 when not: posted again later)."""

    path: str
    secret: str = field(repr=False)
    header: str
    take: Take
    accepting: Callable[[], bool] = _always

    @property
    def route(self) -> str:
        """Return the path without a trailing slash (both forms are served)."""
        return self.path.rstrip("/")


async def answer(send: Send, status: int, body: dict[str, Any], *, close: bool) -> None:
    """Send a JSON answer; `close` ends the connection (a body was left unread)."""
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def _refuse(send: Send, status: int, description: str, *, close: bool = True) -> None:
    await answer(send, status, {"ok": False, "error_code": status, "description": description},
                 close=close)


async def handle(hook: Webhook, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer one request to the webhook: check, read at most MAX_BODY, hand over."""
    if scope.get("method") != "POST":
        await _refuse(send, 405, "Method Not Allowed")
        return
    if not hook.accepting():
        await _refuse(send, 503, "Service Unavailable")
        return
    headers = {k.lower(): v for k, v in scope.get("headers", [])}
    given = headers.get(hook.header.lower().encode(), b"")
    if not hmac.compare_digest(given, hook.secret.encode()):
        client = scope.get("client") or ("?", 0)
        log.info("webhook: refused a request without the right secret (%s)", client[0])
        await _refuse(send, 403, "Forbidden")
        return
    length = headers.get(b"content-length", b"0")
    if not length.isdigit() or int(length) > MAX_BODY:
        await _refuse(send, 413, "Payload Too Large")
        return
    try:
        body = await read_body(receive, MAX_BODY)
    except ClientGone:
        return
    if body is None:
        await _refuse(send, 413, "Payload Too Large")
        return
    try:
        update = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        await _refuse(send, 400, "Bad Request", close=False)
        return
    if not await hook.take(update):
        await _refuse(send, 400, "Bad Request", close=False)
        return
    await answer(send, 200, {"ok": True}, close=False)
