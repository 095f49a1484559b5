"""Drive the real Telegram channel (python-telegram-bot Application) against the fake server.

`TelegramChat` pushes an update, waits until the channel has handled it completely, and
returns the messages the bot sent to that chat meanwhile (as the fake server recorded them).
A person writes at a person's pace: before each push the fake's clock moves `PACE` seconds,
so the answers to each message start with Telegram's full burst for that chat. The channel
waits out a 429 on the fake's clock (`start_channel` gives its reply retries `fake.sleep`),
never for real.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Callable
from typing import Any

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.config import TelegramConfig
from testkit.fake_telegram import FakeTelegram

Message = dict[str, Any]
_TOKEN = re.compile(r"[0-9a-f]{10}")  # storage.staging.token_of
PACE = 5.0  # seconds between two things one person sends (reading the answer, typing)


def telegram_config(fake: FakeTelegram, **overrides: Any) -> TelegramConfig:
    """Return a Telegram config pointing at the fake server."""
    config = TelegramConfig(enabled=True, token=fake.token,
                            api_base_url=f"http://127.0.0.1:{fake.port}")
    return dataclasses.replace(config, **overrides)


async def start_channel(app: App, fake: FakeTelegram, **overrides: Any) -> TelegramChannel:
    """Start a polling Telegram channel for `app` against `fake`."""
    channel = TelegramChannel(app, telegram_config(fake, **overrides), poll_timeout=1,
                              read_timeout=5)
    channel.replies.sleep = fake.sleep  # a reply waits out a 429 on the fake's clock
    app.add_channel(channel)
    await channel.start()
    return channel


SHOWN = ("sendMessage", "editMessageText")  # the methods that show a person a text


class TelegramChat:
    """Talk to the bot as Telegram users and read its answers."""

    def __init__(self, fake: FakeTelegram, channel: TelegramChannel) -> None:
        self.fake = fake
        self.channel = channel

    async def _exchange(self, chat_id: int, push: Callable[[], int]) -> list[Message]:
        """Push an update; return what the bot showed that chat in answer, in order: the
        messages it sent and the new text of those it edited (an answer that replaced a
        question)."""
        before = len(self.fake.calls)
        target = self.channel.handled + 1
        self.fake.advance(PACE)
        push()
        await asyncio.wait_for(self.channel.wait_handled(target), 10)
        return [call.params for call in self.fake.calls[before:]
                if call.ok and call.method in SHOWN and call.params.get("chat_id") == chat_id]

    async def send(self, user_id: int, text: str, **kwargs: Any) -> list[Message]:
        """Send a text message; return the bot's messages to that chat."""
        return await self._exchange(user_id, lambda: self.fake.push_text(user_id, text, **kwargs))

    async def texts(self, user_id: int, text: str, **kwargs: Any) -> list[str]:
        """Send a text message; return the texts the bot answered with."""
        return [m["text"] for m in await self.send(user_id, text, **kwargs)]

    async def say(self, user_id: int, text: str, **kwargs: Any) -> str:
        """Send a text message; return the bot's answer as one string (as `ZaloChat.say`)."""
        return "\n\n".join(await self.texts(user_id, text, **kwargs))

    async def press(self, user_id: int, data: str, **kwargs: Any) -> list[Message]:
        """Press an inline button with this callback data.

        Buttons that act on a staged file carry its token (`roster:import:<token>`): given
        the data without it, the button of that action under the message is pressed; with
        no such button the data is sent as it is (a forged or stale press).
        """
        chat_id = kwargs.get("chat_id", user_id)
        message_id = kwargs.get("message_id") or self.fake._last_bot_message.get(chat_id)
        message = self.fake._messages.get((chat_id, message_id or 0)) or {}
        for _, button_data in buttons(message):
            if button_data.startswith(f"{data}:") and _TOKEN.fullmatch(
                    button_data[len(data) + 1:]):
                data = button_data
                break
        return await self._exchange(
            user_id, lambda: self.fake.push_callback(user_id, data, **kwargs))

    async def share_contact(self, user_id: int, phone: str,
                            contact_user_id: int | None) -> list[Message]:
        """Share a contact card."""
        return await self._exchange(user_id, lambda: self.fake.push_contact(
            user_id, phone, contact_user_id=contact_user_id))

    async def send_document(self, user_id: int, file_name: str, content: bytes, *,
                            caption: str | None = None) -> list[Message]:
        """Send a file (with a caption, if given)."""
        return await self._exchange(
            user_id, lambda: self.fake.push_document(user_id, file_name, content,
                                                     caption=caption))

    async def push(self, user_id: int, push: Callable[[], int]) -> list[Message]:
        """Push any update built by the fake server; return the bot's messages to user_id."""
        return await self._exchange(user_id, push)


def actions(message: Message) -> list[tuple[str, str]]:
    """Return (label, callback data without a staged file's token) of a message's keyboard."""
    return [(label, data.rsplit(":", 1)[0] if _TOKEN.fullmatch(data.rsplit(":", 1)[-1])
             else data) for label, data in buttons(message)]


def buttons(message: Message) -> list[tuple[str, str]]:
    """Return (label, callback data) of a message's inline keyboard."""
    markup = message.get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", [])
            for b in row]
