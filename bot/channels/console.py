"""The console channel: chat with the bot in a terminal, or pipe lines through it.

One console is one person's session. It prints only what is meant for that person: its
replies, and the outbox messages addressed to it. What goes to anyone else (a broadcast's
other recipients, a notice to a delegate an organiser unlinked, an alert to the organisers)
is delivered to nobody and printed nowhere: those people are not at this terminal, and the
organiser learns how many were reached from the broadcast's report, as on the platforms.

Choices are shown as a numbered list and accept the number or the text of the choice. As on
Zalo, the list last offered is kept by the app (a `ChoiceStore`, in the database), so "1"
still answers it after a restart. Input is read by a daemon thread, so that neither the end
of input nor a stop (Ctrl+C) waits for a line that never comes. It is built by the demo, not
from a config section.
"""

from __future__ import annotations

import asyncio
import codecs
import io
import sys
import threading
from collections.abc import Iterator
from typing import Any, TextIO

from bot.app import App
from bot.channels import numbered
from bot.channels.base import Capabilities, ChannelSpec, ChoiceStore
from bot.model import Incoming, Reply, parse_command
from bot.text import TELEGRAM_LIMIT

PLATFORM = "console"
CHUNK = 65536

# A terminal takes any length, but messages stay as short as on the platforms; the outbox
# goes at Telegram's default pace, so the demo shows a broadcast as delegates would see it.
DECLARED = Capabilities(buttons=False, contact_sharing=False, text_limit=TELEGRAM_LIMIT,
                        rate=25.0, files=False, pictures=False)


class ConsoleChannel:
    """One person chatting through standard input and output."""

    platform = PLATFORM

    def __init__(self, app: App, *, user_id: str, display_name: str,
                 stdin: TextIO | None = None, stdout: TextIO | None = None,
                 choices: ChoiceStore | None = None) -> None:
        self.app = app
        self.user_id = user_id
        self.display_name = display_name
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.choices = choices or app.choices
        self.output_closed = False  # whoever read the output went away (a closed pipe)
        self._sent = 0
        self._stop: asyncio.Event | None = None

    @property
    def capabilities(self) -> Capabilities:
        """Return what the console can do."""
        return DECLARED

    async def start(self) -> None:
        """Nothing to connect: the console is always there."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def deliver(self, chat_id: str, text: str) -> str:
        """Print an outbox message meant for this console's person; one meant for anyone
        else counts as delivered and is not printed (that person is not at this terminal)."""
        self._sent += 1
        if chat_id == self.user_id:
            await self._show(Reply(text))
        return str(self._sent)

    async def edit(self, chat_id: str, message_id: str, text: str) -> None:
        """Leave printed text as it is: a terminal cannot change what it printed (the final
        summary of a delivery is printed as a message of its own)."""

    async def send(self, platform: str, chat_id: str, reply: Reply) -> None:
        """Print a reply for this console's person (choices numbered); others' are not
        printed."""
        if chat_id == self.user_id:
            await self._show(reply)

    async def _show(self, reply: Reply) -> None:
        """Print a reply in the person's language and keep the choices it offers (a reply
        without choices forgets the last list, as on Zalo)."""
        language = await self.choices.language(PLATFORM, self.user_id)
        await self.choices.offer(PLATFORM, self.user_id,
                                 [(c.label, c.data) for c in reply.choices])
        self.write(numbered.render(reply, self.app.texts, language) + "\n\n")

    def write(self, text: str) -> None:
        """Print text; when nobody reads the output any more (`| head`), stop reading input
        and print nothing more."""
        if self.output_closed:
            return
        try:
            self.stdout.write(text)
            self.stdout.flush()
        except BrokenPipeError:
            self.output_closed = True
            if self._stop is not None:
                self._stop.set()

    async def to_incoming(self, line: str) -> Incoming:
        """Turn one typed line into an Incoming (a pending choice by number or by text)."""
        text = line.strip()
        command, args = parse_command(text)
        if command is not None:
            return Incoming(PLATFORM, self.user_id, self.user_id, self.display_name, None,
                            text, command, args)
        offered = await self.choices.offered(PLATFORM, self.user_id)
        chosen = numbered.match(text, offered) if text and offered else None
        if chosen is not None:
            return Incoming(PLATFORM, self.user_id, self.user_id, self.display_name, None,
                            text, choice=chosen.data)
        return Incoming(PLATFORM, self.user_id, self.user_id, self.display_name, None, text)

    async def handle_line(self, line: str) -> None:
        """Answer one line of input."""
        if not line.strip():
            return
        for reply in await self.app.handle(await self.to_incoming(line)):
            await self._show(reply)

    async def run(self, *, prompt: bool | None = None,
                  stop: asyncio.Event | None = None) -> bool:
        """Read lines and answer each, until the end of input (return True) or until `stop`
        is set (return False; a line being answered is answered first)."""
        interactive = self.stdin.isatty() if prompt is None else prompt
        lines = _LineReader(self.stdin, asyncio.get_running_loop())
        stop = self._stop = stop or asyncio.Event()
        while not stop.is_set():
            if interactive:
                self.write("> ")
            line = await _first(lines.next(), stop)
            if line is None:
                return not stop.is_set()
            await self.handle_line(line)
        return False


async def _first(line: asyncio.Future[str | None], stop: asyncio.Event) -> str | None:
    """Return the next line, or None when `stop` is set first (the line is kept for later:
    the reader queue is not consumed by a cancelled wait)."""
    stopped = asyncio.ensure_future(stop.wait())
    waiting: set[asyncio.Future[Any]] = {line, stopped}
    done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if line not in done:
        line.cancel()
        return None
    return line.result()


class _LineReader:
    """Reads lines in a daemon thread and hands them to the event loop: the process can end
    while the thread still waits for input (an executor thread would hold the exit)."""

    def __init__(self, stream: TextIO, loop: asyncio.AbstractEventLoop) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._loop = loop
        threading.Thread(target=self._read, args=(stream,), name="console-input",
                         daemon=True).start()

    def next(self) -> asyncio.Future[str | None]:
        """Return a future of the next line (None at the end of input)."""
        return asyncio.ensure_future(self._queue.get())

    def _put(self, line: str | None) -> bool:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, line)
        except RuntimeError:  # the loop is closed: nobody waits for input any more
            return False
        return True

    def _read(self, stream: TextIO) -> None:
        try:
            for line in _lines(stream):
                if not self._put(line):
                    return
        except (OSError, ValueError):  # a closed terminal or stream ends the input
            pass
        self._put(None)


def _lines(stream: TextIO) -> Iterator[str]:
    """Return the stream's lines: from its raw file when it has one (unbuffered, so no lock
    is held at exit), else by reading the text stream itself (tests' StringIO)."""
    raw = getattr(getattr(stream, "buffer", None), "raw", None)
    if raw is None:
        return iter(stream.readline, "")
    return _RawLines(raw, stream.encoding or "utf-8")


class _RawLines(Iterator[str]):
    """Iterate over the lines of a raw binary stream, decoding as they come."""

    def __init__(self, raw: io.RawIOBase, encoding: str) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._pending = ""

    def __next__(self) -> str:
        while "\n" not in self._pending:
            data = self._raw.read(CHUNK)
            if not data:
                rest, self._pending = self._pending + self._decoder.decode(b"", final=True), ""
                if rest:
                    return rest
                raise StopIteration
            self._pending += self._decoder.decode(data)
        line, _, self._pending = self._pending.partition("\n")
        return line + "\n"


SPEC = ChannelSpec(PLATFORM, DECLARED)
