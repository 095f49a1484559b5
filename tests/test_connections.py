"""The pooled HTTP connections of bot/channels/connections.py: the pool still notices a
connection the server closed while it was idle, and python-telegram-bot talks through it."""

from __future__ import annotations

import asyncio

import httpcore
import httpx
from telegram import Bot

from bot.channels.connections import COALESCE_BYTES, _Stream, request, transport
from testkit.fake_telegram import FakeTelegram

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


class ClosingServer:
    """Answers one request per connection, then closes it (as a server whose keep-alive
    ran out); counts the connections and tells when each is closed."""

    def __init__(self) -> None:
        self.connections = 0
        self.closed = asyncio.Event()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read one request's head, answer it, close the connection."""
        self.connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(ANSWER)
        await writer.drain()
        writer.close()
        await writer.wait_closed()
        self.closed.set()


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    server = ClosingServer()
    listening = await asyncio.start_server(server.serve, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(transport=transport(2)) as client:
            first = await client.get(f"http://127.0.0.1:{port}/")
            await server.closed.wait()
            server.closed.clear()
            second = await client.get(f"http://127.0.0.1:{port}/")  # the idle one is gone
        assert (first.text, second.text) == ("ok", "ok")
        assert server.connections == 2
    finally:
        listening.close()
        await listening.wait_closed()


async def test_python_telegram_bot_talks_through_the_pool() -> None:
    async with FakeTelegram() as fake:
        bot = Bot(fake.token, base_url=fake.base_url,
                  request=request(2, pool_timeout=1.0, read_timeout=5.0))
        async with bot:
            fake.declare_chat(42)
            sent = await asyncio.gather(*(bot.send_message(42, f"tin {i}") for i in range(3)))
        assert [m.text for m in sent] == ["tin 0", "tin 1", "tin 2"]
        assert fake.sent_texts(42) == ["tin 0", "tin 1", "tin 2"]


class RecordingStream(httpcore.AsyncNetworkStream):
    """The network underneath: records each write, answers reads with a canned answer."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return ANSWER

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.writes.append(buffer)

    async def aclose(self) -> None:
        self.writes.append(b"<closed>")


async def test_a_request_goes_out_in_one_write_when_its_answer_is_read() -> None:
    network = RecordingStream()
    stream = _Stream(network, None)
    await stream.write(b"POST /x HTTP/1.1\r\nContent-Length: 4\r\n\r\n")
    await stream.write(b"body")
    await stream.write(b"")
    assert network.writes == []                       # nothing sent before the answer is read
    assert await stream.read(65536) == ANSWER
    assert network.writes == [b"POST /x HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"]


async def test_a_large_upload_goes_in_pieces_and_an_abandoned_request_is_dropped() -> None:
    network = RecordingStream()
    stream = _Stream(network, None)
    piece = b"x" * (COALESCE_BYTES // 2)
    for _ in range(4):
        await stream.write(piece)
    assert [len(w) for w in network.writes] == [COALESCE_BYTES, COALESCE_BYTES]
    await stream.write(b"tail")
    await stream.aclose()
    assert network.writes[-1] == b"<closed>" and b"tail" not in network.writes


class BodyServer:
    """Answers each request with the length of the body it received."""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length")))
        body = await reader.readexactly(length)
        text = str(len(body)).encode() + b":" + body[:5] + body[-5:]
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(text), text))
        await writer.drain()
        writer.close()


async def test_small_and_large_bodies_arrive_whole() -> None:
    listening = await asyncio.start_server(BodyServer().serve, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(transport=transport(2)) as client:
            for size in (3, COALESCE_BYTES - 1, 5 * COALESCE_BYTES + 7):
                body = b"start" + b"-" * size + b"final"
                answer = await client.post(f"http://127.0.0.1:{port}/", content=body)
                assert answer.content == f"{len(body)}:startfinal".encode()
    finally:
        listening.close()
        await listening.wait_closed()
