"""`delegate-bot demo`: chat with the sample event in the terminal, as a delegate or an organiser.

It stops cleanly, whatever stops it: the end of input (Ctrl+D, or the end of piped lines),
Ctrl+C (SIGINT, or a KeyboardInterrupt where signals cannot be caught), SIGTERM. The line
being answered is answered, the bot stops, the database is closed, and one line says where
the demo's data is kept and how to start again; the exit status is 0. A second Ctrl+C while
stopping cuts the stop short (the database is still closed). `--reset` deletes the demo's
database first, so the demo starts fresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.app import App
from bot.channels.console import PLATFORM, ConsoleChannel
from bot.clock import Clock, ShiftedClock
from bot.config import WebConfig
from bot.demo import (
    CONSOLE_DELEGATE,
    CONSOLE_ORGANISER,
    NotADemoDatabase,
    default_database,
    demo_clock,
    demo_config,
    keep_clock,
    reset,
    sample_invite_code,
    seed,
)
from bot.text import html_to_plain
from bot.web import auth

EXIT_USAGE = 2
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def chat(organiser: bool, database: Path | None = None, *, fresh: bool = False,
               stdin: TextIO | None = None, stdout: TextIO | None = None,
               base_clock: Clock | None = None, handle_signals: bool = True,
               stop: asyncio.Event | None = None, web: bool = False) -> int:
    """Run the demo until its input ends or it is stopped; return the exit status.

    `fresh` deletes the demo database first (`--reset`). Tests pass their own streams, a
    clock under the demo's offset, and `stop` instead of a signal. `web` also serves the
    dashboard on 127.0.0.1 (a free port) and prints a login link; the demo then runs until
    it is stopped, even after its input ends.
    """
    out = stdout or sys.stdout
    stop = stop or asyncio.Event()
    path = (database or default_database()).resolve()
    texts = demo_config(path).event.texts()
    if fresh:
        try:
            reset(path)
        except NotADemoDatabase:
            return _refuse(texts.t(None, "demo.not_demo", database=path))
        except OSError as exc:
            return _refuse(texts.t(None, "demo.cannot_reset", database=path,
                                   reason=exc.strerror or type(exc).__name__))
    remove = _catch_signals(stop) if handle_signals else _nothing
    language: str | None = None
    heard = True  # someone still reads the output
    try:
        config = demo_config(path)
        if web:
            config = dataclasses.replace(config, web=WebConfig(enabled=True, port=0))
        app = await App.open(config, clock=(clock := demo_clock(base_clock)))
        try:
            language, heard = await _converse(app, organiser, out, stdin, stop, clock, web)
        finally:
            await app.close()
    except (asyncio.CancelledError, KeyboardInterrupt):
        pass  # stopped by force, or where signals are not caught (Windows)
    finally:
        remove()
    if heard:
        interactive = (stdin or sys.stdin).isatty()
        heard = _say(out, ("\n" if interactive else "")
                     + html_to_plain(texts.t(language, "demo.stopped", database=path)) + "\n")
    if not heard and out is sys.stdout:
        _silence_stdout()
    return 0


def _refuse(text: str) -> int:
    """Print why the demo does not start, on one line; return the exit status."""
    print(f"delegate-bot: {html_to_plain(text)}", file=sys.stderr)
    return EXIT_USAGE


def _say(out: TextIO, text: str) -> bool:
    """Print text; return False when nobody reads the output any more."""
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        return False
    return True


def _silence_stdout() -> None:
    """Point standard output at the null device, so that the exit does not complain about
    the text it could not flush into a closed pipe."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


async def _converse(app: App, organiser: bool, out: TextIO, stdin: TextIO | None,
                    stop: asyncio.Event, clock: ShiftedClock,
                    web: bool = False) -> tuple[str | None, bool]:
    """Seed, chat until the input ends or `stop` is set (with `web`: until `stop`), stop
    the bot; return the person's language for the last line, and whether anyone still
    reads the output."""
    await keep_clock(app, clock)
    await seed(app)
    user = CONSOLE_ORGANISER if organiser else CONSOLE_DELEGATE
    name = app.texts.t(None, f"demo.name.{user}")
    channel = ConsoleChannel(app, user_id=user, display_name=name, stdin=stdin, stdout=out)
    app.add_channel(channel)
    if channel.stdin.isatty():
        now = clock.now().astimezone(app.services.config.event.tz)
        intro = app.texts.t(None, "demo.intro", database=app.services.db.path,
                            code=await sample_invite_code(app),
                            now=now.strftime("%H:%M %d/%m/%Y"))
        channel.write(html_to_plain(intro) + "\n\n")
    if web:
        await _open_dashboard(app, channel)
    halt = asyncio.Event()
    running = asyncio.create_task(app.run(halt))
    try:
        if not stop.is_set() and await channel.run(stop=stop):
            while not stop.is_set() and await app.delivery.step():
                pass  # the input ended: send what its last lines queued, then leave
            if web:
                await stop.wait()  # the dashboard stays open until Ctrl+C
    finally:
        halt.set()
        await running
    return await app.choices.language(PLATFORM, user), not channel.output_closed


async def _open_dashboard(app: App, channel: ConsoleChannel) -> None:
    """Start the dashboard's server and print a login link to it (an organiser's)."""
    await app.web.start()
    server = app.web.main
    assert server is not None
    # The port is the one chosen at start: links made from now on (the login link, and the
    # download links of documents, which the console cannot carry as files) name it.
    local = dataclasses.replace(app.services.config.web, port=server.port)
    settings = dataclasses.replace(local, public_url=local.base_url)
    app.services.config = dataclasses.replace(app.services.config, web=settings)
    link = await auth.make_link(app.services.db, app.services.clock, settings,
                                actor=f"{PLATFORM}:{CONSOLE_ORGANISER}")
    text = app.texts.t(None, "web.demo_link", link=link, minutes=auth.LINK_MINUTES)
    channel.write(html_to_plain(text) + "\n\n")


def _catch_signals(stop: asyncio.Event) -> Callable[[], None]:
    """Make SIGINT and SIGTERM set `stop` (a second one cancels the demo's task); return
    what ends that: from then on they are ignored, the demo being over but for its exit
    (a late Ctrl+C must not turn a clean stop into a traceback). Where the loop cannot catch
    signals, Ctrl+C stays asyncio's (it cancels the demo) or a KeyboardInterrupt."""
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()

    def on_signal() -> None:
        if stop.is_set() and main is not None:
            main.cancel()
        stop.set()

    caught = []
    for sig in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, on_signal)
            caught.append(sig)

    def remove() -> None:
        for sig in caught:
            loop.remove_signal_handler(sig)
            signal.signal(sig, signal.SIG_IGN)

    return remove


def _nothing() -> None:
    return None
