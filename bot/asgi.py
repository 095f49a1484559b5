"""What the dashboard's guard and the webhooks both do with a raw ASGI request: read its body
within a limit, without trusting what it declares."""

from __future__ import annotations

from starlette.types import Receive


class ClientGone(Exception):
    """The client disconnected before its body was read whole: there is no one to answer."""


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """Read a request's whole body; None as soon as it is over `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
