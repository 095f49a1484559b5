"""The webhooks check the secret before reading a body, and read at most 1 MB of it.

For Telegram's webhook and Zalo's, over a raw connection: a request that declares a 90 MB
body but sends only its headers and a little of it gets 403 at once when the secret is
missing or wrong (the old server read the whole body first: four such requests took the bot
from 56 to 410 MB), and 413 at once when the secret is right but the body too big; a
chunked body that grows past the limit gets 413 too. Nothing reaches the bot from any of
them; a real update just under the limit still does, and a body nested too deeply is 400.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import App
from bot.channels.telegram import SECRET_HEADER as TELEGRAM_HEADER
from bot.channels.webhook import MAX_BODY
from bot.channels.zalo import SECRET_HEADER as ZALO_HEADER
from bot.channels.zalo import ZaloChannel
from bot.config import WebhookConfig, ZaloWebhookConfig
from testkit.fake_telegram import FakeTelegram
from testkit.fake_zalo import FakeZalo
from testkit.telegram_harness import start_channel
from testkit.zalo_harness import free_port, start_zalo
from tests.conftest import DELEGATE_ID

SECRET = "s3cret-token_1"
HUGE = 90 * 1024 * 1024
TIMEOUT = 10.0


@dataclass
class Hook:
    """A channel in webhook mode: where it listens, its header, a valid update, its count."""

    channel: Any
    path: str
    header: str
    update: dict[str, Any]

    @property
    def port(self) -> int:
        """Return the port the webhook listens on."""
        return int(self.channel.config.webhook.port)


def telegram_update(text: str) -> dict[str, Any]:
    """Return a Telegram update carrying a private text message."""
    return {"update_id": 1, "message": {
        "message_id": 1, "date": 0, "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        "chat": {"id": DELEGATE_ID, "type": "private"},
        "from": {"id": DELEGATE_ID, "is_bot": False, "first_name": "A"}}}


@pytest.fixture(params=["telegram", "zalo"])
async def hook(request: pytest.FixtureRequest, app: App, fake: FakeTelegram
               ) -> AsyncIterator[Hook]:
    """Start the Telegram or the Zalo channel in webhook mode on a free port."""
    port = free_port()
    if request.param == "telegram":
        config = WebhookConfig(url="https://bot.example.org/telegram", listen="127.0.0.1",
                               port=port, secret_token=SECRET)
        channel: Any = await start_channel(app, fake, mode="webhook", webhook=config)
        made = Hook(channel, "/telegram", TELEGRAM_HEADER, telegram_update("/help"))
        try:
            yield made
        finally:
            await channel.stop()
        return
    async with FakeZalo() as zfake:
        config = ZaloWebhookConfig(url="https://bot.example.org/zalo", listen="127.0.0.1",
                                   port=port, secret_token=SECRET)
        zalo: ZaloChannel = await start_zalo(app, zfake, mode="webhook", webhook=config)
        try:
            yield Hook(zalo, "/zalo", ZALO_HEADER, zfake.make_update("a1b2", "/help"))
        finally:
            await zalo.stop()


async def post(hook: Hook, *, secret: str | None, length: int | None, body: bytes,
               chunked: bool = False) -> int:
    """Send a request over a raw connection; return the status of the answer (0: the
    connection was closed without one). `length` is what is declared, `body` what is sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", hook.port)
    head = [f"POST {hook.path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    if secret is not None:
        head.append(f"{hook.header}: {secret}")
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}")
    try:
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        if chunked:
            for start in range(0, len(body), 65536):
                part = body[start:start + 65536]
                writer.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            writer.write(b"0\r\n\r\n")
        else:
            writer.write(body)
        await writer.drain()
    except ConnectionError:
        pass  # the server closed the connection while the body was still coming
    try:
        status = await asyncio.wait_for(reader.readline(), TIMEOUT)
    except ConnectionError:
        return 0
    finally:
        writer.close()
    return int(status.split()[1]) if status else 0


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x"])
async def test_a_huge_body_without_the_secret_is_refused_before_it_is_read(
    hook: Hook, secret: str | None
) -> None:
    assert await post(hook, secret=secret, length=HUGE, body=b"{" * 65536) == 403
    assert hook.channel.handled == 0


async def test_a_body_declared_over_the_limit_is_refused_before_it_is_read(hook: Hook) -> None:
    assert await post(hook, secret=SECRET, length=MAX_BODY + 1, body=b" " * 1024) == 413
    assert await post(hook, secret=SECRET, length=HUGE, body=b" " * 65536) == 413
    assert hook.channel.handled == 0


async def test_a_chunked_body_growing_over_the_limit_is_refused(hook: Hook) -> None:
    body = b" " * (MAX_BODY + 200_000) + json.dumps(hook.update).encode()
    assert await post(hook, secret=SECRET, length=None, body=body, chunked=True) in (413, 0)
    assert hook.channel.handled == 0


async def test_an_update_just_under_the_limit_is_handled(hook: Hook) -> None:
    data = json.dumps(hook.update).encode()
    body = b" " * (MAX_BODY - len(data)) + data
    assert await post(hook, secret=SECRET, length=len(body), body=body) == 200
    await asyncio.wait_for(hook.channel.wait_handled(1), TIMEOUT)


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b"{not json", b"[1, 2]"])
async def test_a_body_that_is_no_update_is_400(hook: Hook, body: bytes) -> None:
    status = await post(hook, secret=SECRET, length=len(body), body=body)
    assert status == (200 if body == b"[1, 2]" and hook.path == "/zalo" else 400)
    assert hook.channel.handled == 0
