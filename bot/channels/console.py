"""The console channel: chat with the bot in a terminal, or pipe lines through it.

Choices are shown as a numbered list and accept the number or the text of the choice (kept
in memory: the console is one person's session). With piped input it reads lines until the
end, answers each one, and returns. It is built by the demo, not from a config section.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.app import App
from bot.channels import numbered
from bot.channels.base import Capabilities, ChannelSpec
from bot.model import Choice, Incoming, Reply, parse_command
from bot.text import TELEGRAM_LIMIT

PLATFORM = "console"

# A terminal takes any length, but messages stay as short as on the platforms; the outbox
# goes at Telegram's default pace, so the demo shows a broadcast as delegates would see it.
DECLARED = Capabilities(buttons=False, contact_sharing=False, text_limit=TELEGRAM_LIMIT,
                        rate=25.0, files=False, pictures=False)


class ConsoleChannel:
    """One person chatting through standard input and output."""

    platform = PLATFORM

    def __init__(self, app: App, *, user_id: str, display_name: str,
                 stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        self.app = app
        self.user_id = user_id
        self.display_name = display_name
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self._choices: tuple[Choice, ...] = ()
        self._sent = 0

    @property
    def capabilities(self) -> Capabilities:
        """Return what the console can do."""
        return DECLARED

    async def start(self) -> None:
        """Nothing to connect: the console is always there."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def deliver(self, chat_id: str, text: str) -> str:
        """Print an outbox message meant for this console's person; others are simulated."""
        self._sent += 1
        if chat_id == self.user_id:
            await self.send(PLATFORM, chat_id, Reply(text))
        return str(self._sent)

    async def edit(self, chat_id: str, message_id: str, text: str) -> None:
        """Leave printed text as it is: a terminal cannot change what it printed (the final
        summary of a delivery is printed as a message of its own)."""

    async def send(self, platform: str, chat_id: str, reply: Reply) -> None:
        """Print a reply as plain text with its choices numbered."""
        if reply.choices:
            self._choices = reply.choices
        self.stdout.write(numbered.render(reply, self.app.texts, self.app.texts.default)
                          + "\n\n")
        self.stdout.flush()

    def to_incoming(self, line: str) -> Incoming:
        """Turn one typed line into an Incoming (a pending choice by number or by text)."""
        text = line.strip()
        base = Incoming(PLATFORM, self.user_id, self.user_id, self.display_name, None, text)
        command, args = parse_command(text)
        if command is not None:
            return Incoming(PLATFORM, self.user_id, self.user_id, self.display_name, None,
                            text, command, args)
        chosen = self._match_choice(text)
        if chosen is not None:
            return Incoming(PLATFORM, self.user_id, self.user_id, self.display_name, None,
                            text, choice=chosen.data)
        return base

    def _match_choice(self, text: str) -> Choice | None:
        return numbered.match(text, [(c.label, c.data) for c in self._choices])

    async def handle_line(self, line: str) -> None:
        """Answer one line of input."""
        if not line.strip():
            return
        msg = self.to_incoming(line)
        if msg.choice is not None or msg.command is not None:
            self._choices = ()
        for reply in await self.app.handle(msg):
            await self.send(PLATFORM, self.user_id, reply)

    async def run(self, *, prompt: bool | None = None) -> None:
        """Read lines until the end of input and answer each."""
        interactive = self.stdin.isatty() if prompt is None else prompt
        while True:
            if interactive:
                self.stdout.write("> ")
                self.stdout.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                return
            await self.handle_line(line)


SPEC = ChannelSpec(PLATFORM, DECLARED)
