"""`delegate-bot checkin screen`: the hall screen, full screen in a terminal (for a projector).

It shows a QR code drawn with characters of the link `/start hall_<code>`, whose code changes
every 30 seconds (bot/hall_code.py), the code itself for platforms without deep links (typed
as `/checkin <code>`), the seconds until it changes, and the running count of the window in
progress. `frame` renders one screen (tests call it with an injected clock); `show` repeats
it until Ctrl-C (or `stop`), then puts the terminal back as it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TextIO

import segno

from bot import attendance_now, hall_code
from bot.context import Services
from bot.i18n import Translate
from bot.text import html_to_plain

BORDER = 4  # modules of quiet zone around the QR code
CLEAR, HIDE_CURSOR, SHOW_CURSOR = "\x1b[2J\x1b[H", "\x1b[?25l", "\x1b[?25h"
# Light modules in bright white on black, whatever the terminal's own colours: a QR code
# must be dark on light to scan everywhere.
WHITE_ON_BLACK, RESET = "\x1b[97;40m", "\x1b[0m"
TICK_SECONDS = 1.0
Sleep = Callable[[float], Awaitable[None]]


def qr_lines(text: str, *, colour: bool = True) -> list[str]:
    """Return the QR code of `text` as lines of half blocks: two module rows per line, the
    light modules drawn (so that, white on black, the code is dark on light)."""
    rows = [[not bool(v) for v in row]
            for row in segno.make(text, error="m", micro=False).matrix_iter(border=BORDER)]
    if len(rows) % 2:
        rows.append([True] * len(rows[0]))
    lines = []
    for top, bottom in zip(rows[::2], rows[1::2], strict=True):
        line = "".join("█" if a and b else "▀" if a else "▄" if b else " "
                       for a, b in zip(top, bottom, strict=True))
        lines.append(f"{WHITE_ON_BLACK}{line}{RESET}" if colour else line)
    return lines


@dataclass(frozen=True, slots=True)
class Frame:
    """One screen: the text to show, the code in it, and the seconds it stays."""

    text: str
    code: str
    seconds_left: int


async def frame(services: Services, t: Translate, deep_link: Callable[[str], str | None] | None,
                *, colour: bool = True) -> Frame:
    """Render the screen as it is now."""
    secret = await hall_code.event_secret(services.db)
    now = services.clock.now()
    code = hall_code.code(secret, hall_code.period(now))
    left = hall_code.PERIOD_SECONDS - int(now.timestamp()) % hall_code.PERIOD_SECONDS
    link = deep_link(hall_code.payload(secret, now)) if deep_link else None
    lines = [html_to_plain(t("screen.title", event=services.config.event.name)), ""]
    lines += qr_lines(link, colour=colour) if link else []
    lines += ["", html_to_plain(t("screen.scan" if link else "screen.no_link", code=code,
                                  seconds=left))]
    current, upcoming = await attendance_now.window_now(services)
    if current is not None:
        counted = await attendance_now.count(services, current)
        lines.append(html_to_plain(t(
            "screen.count", window=attendance_now.window_name(services, t, current),
            present=counted.present, summoned=counted.summoned)))
    elif upcoming is not None:
        lines.append(html_to_plain(t(
            "screen.not_yet", window=attendance_now.window_name(services, t, upcoming))))
    else:
        lines.append(html_to_plain(t("screen.closed")))
    lines += ["", html_to_plain(t("screen.stop"))]
    return Frame("\n".join(lines), code, left)


async def show(services: Services, t: Translate,
               deep_link: Callable[[str], str | None] | None, *, out: TextIO = sys.stdout,
               sleep: Sleep = asyncio.sleep, stop: asyncio.Event | None = None,
               colour: bool = True) -> None:
    """Show the screen, redrawn every second, until `stop` is set or Ctrl-C."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGINT, stop.set)  # the main thread of a terminal
    out.write(HIDE_CURSOR)
    try:
        while not stop.is_set():
            shown = await frame(services, t, deep_link, colour=colour)
            out.write(CLEAR + shown.text + "\n")
            out.flush()
            waits = [asyncio.ensure_future(stop.wait()),
                     asyncio.ensure_future(sleep(TICK_SECONDS))]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in waits:
                    waiting.cancel()
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGINT)
        out.write(RESET + SHOW_CURSOR + CLEAR + html_to_plain(t("screen.stopped")) + "\n")
        out.flush()
