"""The pooled HTTP connections of bot/channels/connections.py: the pool still notices a
connection the server closed while it was idle, and python-telegram-bot talks through it."""

from __future__ import annotations

import asyncio

import httpx
from telegram import Bot

from bot.channels.connections import request, transport
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
