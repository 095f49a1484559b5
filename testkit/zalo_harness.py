"""Drive the real Zalo channel (httpx, long polling or webhook) against the fake Zalo server.

`ZaloChat` pushes an update, waits until the channel has handled it completely (replies
sent), and returns the texts the bot sent to that chat meanwhile, as the fake server
recorded them. `start_zalo` builds, registers (as a delivery transport too) and starts a
channel for an App, long polling or (`deliver_by_webhook`) receiving every update the fake
pushes at its webhook; `ClockedZalo` notes the injected time of every outbox send, so pacing
is measured on the test clock, never on the wall clock.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.app import App
from bot.channels.zalo import WEBHOOK_PATH, ZaloChannel
from bot.clock import FixedClock
from bot.config import ZaloConfig, ZaloWebhookConfig
from bot.delivery import DeliveryError, Transport
from testkit.fake_zalo import FakeZalo


def zalo_config(fake: FakeZalo, **overrides: Any) -> ZaloConfig:
    """Return an enabled Zalo config pointing at the fake server."""
    config = ZaloConfig(enabled=True, token=fake.token, api_base_url=fake.base_url)
    return dataclasses.replace(config, **overrides)


async def start_zalo(app: App, fake: FakeZalo, *, request_timeout: float = 5.0,
                     deliver_by_webhook: bool = False, **overrides: Any) -> ZaloChannel:
    """Start a Zalo channel for `app` against `fake` (polling unless overridden).

    With `deliver_by_webhook` the channel runs in webhook mode on a free local port, and the
    fake POSTs every update pushed from then on to it, as Zalo does once a webhook is set.
    """
    port = free_port() if deliver_by_webhook else 0
    if deliver_by_webhook:
        overrides = {"mode": "webhook", "webhook": ZaloWebhookConfig(
            url="https://bot.example.org/zalo", listen="127.0.0.1", port=port,
            secret_token="s3cret-token"), **overrides}
    channel = ZaloChannel(app, zalo_config(fake, **overrides), poll_timeout=1,
                          request_timeout=request_timeout)
    app.add_channel(channel)
    await channel.start()
    if deliver_by_webhook:
        fake.webhook_delivery_url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    return channel


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ZaloChat:
    """Talk to the bot as Zalo users and read its answers."""

    def __init__(self, fake: FakeZalo, channel: ZaloChannel) -> None:
        self.fake = fake
        self.channel = channel

    async def push(self, chat_id: str, push: Callable[[], object]) -> list[str]:
        """Push any update built by the fake; return the bot's texts to `chat_id`."""
        before = len(self.fake.sent_texts(chat_id))
        target = self.channel.handled + 1
        push()
        await asyncio.wait_for(self.channel.wait_handled(target), 10)
        return self.fake.sent_texts(chat_id)[before:]

    async def send(self, user_id: str, text: str, **kwargs: Any) -> list[str]:
        """Send a text message; return the texts the bot answered with."""
        return await self.push(kwargs.get("chat_id") or user_id,
                               lambda: self.fake.push_text(user_id, text, **kwargs))

    async def say(self, user_id: str, text: str, **kwargs: Any) -> str:
        """Send a text message; return the bot's answer as one string."""
        return "\n\n".join(await self.send(user_id, text, **kwargs))


@dataclass
class Attempt:
    """One outbox send on Zalo: to which chat, at what injected time, and how it ended."""

    chat_id: str
    at: datetime
    error: str | None = None  # the DeliveryError kind; None when it went through


class ClockedZalo:
    """Wraps the Zalo transport of an App's worker and notes every send on the clock."""

    platform = "zalo"

    def __init__(self, app: App, clock: FixedClock) -> None:
        self.inner: Transport = app.delivery.transports["zalo"]
        self.clock = clock
        self.attempts: list[Attempt] = []
        app.delivery.transports["zalo"] = self

    async def deliver(self, chat_id: str, text: str) -> str:
        """Send through the real channel, noting the attempt."""
        attempt = Attempt(chat_id, self.clock.now())
        self.attempts.append(attempt)
        try:
            return await self.inner.deliver(chat_id, text)
        except DeliveryError as exc:
            attempt.error = exc.kind
            raise

    async def edit(self, chat_id: str, message_id: str, text: str) -> None:
        """Edit through the real channel."""
        await self.inner.edit(chat_id, message_id, text)
