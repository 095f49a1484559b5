"""HTTP connections to a platform's API, kept in a pool that is cheap to look through.

httpcore (under httpx, under python-telegram-bot) looks through its whole pool on every
request and every answer, and asks each idle connection whether the server has closed it
("is the socket readable?"). Through anyio that question builds a dict of the socket's
attributes (and asks the kernel for the peer's address) each time: about 5 µs, some 25 times
a request with a pool of 8, a tenth of the bot's CPU per message in bench/broadcast.py. The
streams here keep their socket and answer with one poll of it, as httpcore itself does once
it has the socket; everything else is anyio's, unchanged.

They also send a request in one piece: httpcore writes a request's head and its body
separately, two system calls and two packets for the server to take in (a tenth of the
bot's CPU per message again); the streams here hold what is written until httpcore starts
reading the answer (or until `COALESCE_BYTES` are held, for uploads), then send it at once.

`request()` builds a python-telegram-bot request object over such a pool; `transport()` the
httpx transport for any other client.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
from telegram.request import HTTPXRequest

__all__ = ["request", "transport"]

COALESCE_BYTES = 64 * 1024  # held at most before sending (a large upload goes in pieces)


def _readable(sock: socket.socket | None) -> bool:
    """Tell whether a socket has something to read (for an idle connection: the server
    closed it); True when it is gone, so that the pool drops the connection."""
    if sock is None or sock.fileno() == -1:
        return True
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([sock], [], [], 0)[0])
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    """anyio's stream, answering "socket" and "is_readable" from the socket it keeps, and
    sending what is written in one piece when the answer is read."""

    def __init__(self, stream: httpcore.AsyncNetworkStream, sock: socket.socket | None) -> None:
        self._stream = stream
        self._socket = sock
        self._held: list[bytes] = []
        self._held_bytes = 0

    async def _flush(self, timeout: float | None) -> None:
        if self._held:
            data = b"".join(self._held)
            self._held.clear()
            self._held_bytes = 0
            await self._stream.write(data, timeout)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Send what is held, then read up to `max_bytes`."""
        await self._flush(timeout)
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write all of `buffer` (held until the answer is read, or enough is held)."""
        if not buffer:
            return
        self._held.append(buffer)
        self._held_bytes += len(buffer)
        if self._held_bytes >= COALESCE_BYTES:
            await self._flush(timeout)

    async def aclose(self) -> None:
        """Close the stream (what is held is dropped: its request was given up)."""
        self._held.clear()
        self._held_bytes = 0
        await self._stream.aclose()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        """Wrap the connection in TLS; the socket underneath stays the same."""
        await self._flush(timeout)
        tls = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        return _Stream(tls, self._socket)

    def get_extra_info(self, info: str) -> Any:
        """Answer from the kept socket what httpcore asks of every pooled connection."""
        if info == "is_readable":
            return _readable(self._socket)
        if info == "socket":
            return self._socket
        return self._stream.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    """anyio's network backend, its streams wrapped in `_Stream`."""

    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:  # fmt: skip
        """Open a TCP connection."""
        stream = await self._backend.connect_tcp(host, port, timeout, local_address,
                                                 socket_options)
        return _Stream(stream, stream.get_extra_info("socket"))

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:  # fmt: skip
        """Open a Unix socket connection."""
        stream = await self._backend.connect_unix_socket(path, timeout, socket_options)
        return _Stream(stream, stream.get_extra_info("socket"))

    async def sleep(self, seconds: float) -> None:
        """Sleep (httpcore's retries)."""
        await self._backend.sleep(seconds)


def transport(connections: int) -> httpx.AsyncHTTPTransport:
    """Return an HTTP/1.1 transport of at most `connections` connections (the limits
    python-telegram-bot sets: 20 kept alive, for 5 s) over the cheap streams."""
    made = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=connections))
    pool = made._pool  # httpx builds the pool and has no parameter for its backend
    if not isinstance(pool, httpcore.AsyncConnectionPool):
        raise TypeError(f"unexpected httpx connection pool {type(pool).__name__}")
    pool._network_backend = _Backend()
    return made


def request(connections: int, *, pool_timeout: float, read_timeout: float) -> HTTPXRequest:
    """Return a python-telegram-bot request object over `transport(connections)`."""
    return HTTPXRequest(connection_pool_size=connections, pool_timeout=pool_timeout,
                        read_timeout=read_timeout,
                        httpx_kwargs={"transport": transport(connections)})
