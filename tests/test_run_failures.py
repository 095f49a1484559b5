"""`delegate-bot run` when the platform refuses the token, cannot be reached, or never answers.

A rejected token is one line without the token and exit 2 (the real entry point as a
subprocess, against the fake servers). A platform that cannot be reached (connection
refused) or never answers (the fake holds getMe) is tried again after pauses that double,
one log line per attempt, until it comes up: the pauses go through the App's injected
`sleep`, and the platform "comes up" when the test says so (a forwarder to the fake starts
listening on the port the channel was given, or the fake stops holding getMe). SIGTERM
during the wait ends the process with status 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.base import Channel
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from testkit.fake_telegram import FakeTelegram
from testkit.fake_zalo import FakeZalo
from testkit.telegram_harness import TelegramChat, telegram_config
from testkit.zalo_harness import zalo_config
from tests.cli_runner import ROOT, failure
from tests.conftest import DELEGATE_ID

TIMEOUT = 30.0  # only reached when something is broken


def closed_port() -> int:
    """Return a port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def forwarder(port: int, target: int) -> AsyncIterator[None]:
    """Listen on `port` and pass every connection through to `target`: the network is up."""
    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(serve, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()


class Pauses:
    """The App's injected sleep: notes each pause, and brings the platform up at the n-th."""

    def __init__(self, up_after: int, bring_up: Callable[[], Awaitable[None]]) -> None:
        self.seconds: list[float] = []
        self.up_after, self.bring_up = up_after, bring_up

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        if len(self.seconds) == self.up_after:
            await self.bring_up()


async def run_until_started(app: App, channel: Channel, pauses: Pauses,
                            wait_started: Callable[[], Awaitable[object]]) -> asyncio.Event:
    """Run the app with the channel until `wait_started` says it is up; return its stop."""
    app.add_channel(channel)
    app.sleep = pauses
    stop = asyncio.Event()
    running = asyncio.create_task(app.run(stop))
    waiting = asyncio.ensure_future(wait_started())
    done, _ = await asyncio.wait({running, waiting}, timeout=TIMEOUT,
                                 return_when=asyncio.FIRST_COMPLETED)
    assert waiting in done, f"not started; app.run: {running}"
    app.test_running = running  # type: ignore[attr-defined]
    return stop


async def finish(app: App, stop: asyncio.Event) -> None:
    """Stop the app and wait for it."""
    stop.set()
    await asyncio.wait_for(app.test_running, TIMEOUT)  # type: ignore[attr-defined]


def attempt_lines(caplog: pytest.LogCaptureFixture, platform: str) -> list[str]:
    """Return the start-up retry lines logged for a platform."""
    return [r.getMessage() for r in caplog.records
            if r.name == "bot.startup" and r.getMessage().startswith(f"{platform}: cannot")]


# ---------------------------------------------------------------------------- Telegram


async def test_telegram_network_down_then_up(app: App, fake: FakeTelegram,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    port = closed_port()
    async with contextlib.AsyncExitStack() as stack:
        async def up() -> None:
            await stack.enter_async_context(forwarder(port, fake.port))

        pauses = Pauses(3, up)
        channel = TelegramChannel(app, telegram_config(
            fake, api_base_url=f"http://127.0.0.1:{port}"), poll_timeout=1, read_timeout=5)
        stop = await run_until_started(app, channel, pauses,
                                       lambda: fake.wait_for("getUpdates", timeout=TIMEOUT))
        try:
            assert pauses.seconds == [1.0, 2.0, 4.0]
            lines = attempt_lines(caplog, "telegram")
            assert [line.split("attempt ")[1] for line in lines] == [
                "1; trying again in 1 s", "2; trying again in 2 s", "3; trying again in 4 s"]
            assert all("(ConnectError)" in line for line in lines)
            fake.push_text(DELEGATE_ID, "/help")
            await asyncio.wait_for(channel.wait_handled(1), TIMEOUT)
            assert "Các lệnh" in fake.sent_texts(DELEGATE_ID)[0]
        finally:
            await finish(app, stop)


async def test_telegram_server_that_never_answers_then_does(
    app: App, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake.hang_next("getMe", times=2)

    async def up() -> None:
        """Nothing to do: the fake answers once its two held calls are used up."""

    pauses = Pauses(2, up)
    channel = TelegramChannel(app, telegram_config(fake), poll_timeout=1, read_timeout=0.3)
    stop = await run_until_started(app, channel, pauses,
                                   lambda: fake.wait_for("getUpdates", timeout=TIMEOUT))
    try:
        assert pauses.seconds == [1.0, 2.0]
        lines = attempt_lines(caplog, "telegram")
        assert len(lines) == 2 and all("(no answer in time)" in line for line in lines)
    finally:
        await finish(app, stop)


async def test_stop_while_waiting_for_the_platform(app: App, fake: FakeTelegram) -> None:
    """A stop (SIGTERM) during a pause ends the wait at once: nothing more is tried."""
    stop = asyncio.Event()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            stop.set()
            await asyncio.Event().wait()  # a long pause: only the stop ends it

    channel = TelegramChannel(app, telegram_config(
        fake, api_base_url=f"http://127.0.0.1:{closed_port()}"), poll_timeout=1)
    app.add_channel(channel)
    app.sleep = sleep
    await asyncio.wait_for(app.run(stop), TIMEOUT)
    assert waits == [1.0, 2.0]
    assert fake.calls == []


async def test_polling_failure_while_running_is_one_line(
    app: App, fake: FakeTelegram, tg: TelegramChat, caplog: pytest.LogCaptureFixture
) -> None:
    """Once running, a failed getUpdates (here a 502) is one log line, no traceback, and
    polling goes on (python-telegram-bot waits a second, then asks again)."""
    caplog.set_level(logging.WARNING)
    fake.fail_next("getUpdates", 502)
    answer = await tg.texts(DELEGATE_ID, "/help")
    assert "Các lệnh" in answer[0]
    failed = [r for r in caplog.records if "getUpdates failed" in r.getMessage()]
    assert [r.getMessage() for r in failed] == [
        "telegram: getUpdates failed (Bad Gateway); trying again"]
    assert failed[0].exc_info is None and not failed[0].exc_text


# ---------------------------------------------------------------------------- Zalo


@pytest.fixture
async def zfake() -> AsyncIterator[FakeZalo]:
    """Return a running fake Zalo Bot API server."""
    async with FakeZalo() as server:
        yield server


async def test_zalo_network_down_then_up(app: App, zfake: FakeZalo,
                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    port = closed_port()
    async with contextlib.AsyncExitStack() as stack:
        async def up() -> None:
            await stack.enter_async_context(forwarder(port, zfake.port))

        pauses = Pauses(2, up)
        channel = ZaloChannel(app, zalo_config(zfake, api_base_url=f"http://127.0.0.1:{port}"),
                              poll_timeout=1, request_timeout=5)
        stop = await run_until_started(app, channel, pauses, lambda: zfake.wait_polling())
        try:
            assert pauses.seconds == [1.0, 2.0]
            lines = attempt_lines(caplog, "zalo")
            assert len(lines) == 2 and all("(ConnectError)" in line for line in lines)
            zfake.push_text("a1b2c3", "/help")
            await asyncio.wait_for(channel.wait_handled(1), TIMEOUT)
            assert zfake.sent_texts("a1b2c3")[0].startswith("Các lệnh")
        finally:
            await finish(app, stop)


async def test_zalo_server_that_never_answers_or_fails_then_does(
    app: App, zfake: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    zfake.hang_next("getMe")
    zfake.fail_next("getMe", 502)
    zfake.fail_next("getMe", 429, retry_after=7)

    async def up() -> None:
        """The fake answers once its held and failing calls are used up."""

    pauses = Pauses(3, up)
    channel = ZaloChannel(app, zalo_config(zfake), poll_timeout=1, request_timeout=0.3)
    stop = await run_until_started(app, channel, pauses, lambda: zfake.wait_polling())
    try:
        assert pauses.seconds == [1.0, 2.0, 7.0]  # a 429 waits its Retry-After
        reasons = [line.split("(")[1].split(")")[0] for line in attempt_lines(caplog, "zalo")]
        assert reasons == ["ReadTimeout", "502 Bad Gateway", "429 Too Many Requests"]
    finally:
        await finish(app, stop)


# ---------------------------------------------------------------------------- the command line


def write_config(tmp_path: Path, section: str, token: str, base_url: str) -> Path:
    """Write a config enabling one channel with this token and API address."""
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\npath = "bot.sqlite3"\n\n[{section}]\nenabled = true\n'
                    f'token = "{token}"\napi_base_url = "{base_url}"\n', encoding="utf-8")
    return path


async def start_bot(config: Path, *args: str) -> asyncio.subprocess.Process:
    """Start `python -m bot --config FILE run` (no DELEGATE_BOT_* from outside)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DELEGATE_BOT_")}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), "run", *args,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env, cwd=ROOT)


@pytest.mark.parametrize("platform", ["telegram", "zalo"])
async def test_run_with_a_rejected_token_is_one_line_without_it(
    tmp_path: Path, fake: FakeTelegram, zfake: FakeZalo, platform: str
) -> None:
    wrong = "987654:THIS-TOKEN-IS-WRONG-abcdef" if platform == "telegram" else "zalo-wrong-token"
    base = f"http://127.0.0.1:{(fake if platform == 'telegram' else zfake).port}"
    config = write_config(tmp_path, platform, wrong, base)
    proc = await start_bot(config, "-v")  # even the debug log holds no token
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode == 2
    env = f"DELEGATE_BOT_{platform.upper()}_TOKEN"
    last = err.decode().splitlines()[-1] + "\n"
    assert last == failure("cli.token.rejected", platform=platform, config=config, env=env)
    assert wrong not in err.decode() and wrong not in out.decode()
    assert "Traceback" not in err.decode()
    quiet = await start_bot(config)
    _, err = await asyncio.wait_for(quiet.communicate(), TIMEOUT)
    assert quiet.returncode == 2
    assert err.decode() == last  # without -v: that one line only


async def test_run_with_the_network_down_logs_each_attempt_and_stops_on_sigterm(
    tmp_path: Path
) -> None:
    token = "123456:NETWORK-DOWN-TOKEN"
    config = write_config(tmp_path, "telegram", token, f"http://127.0.0.1:{closed_port()}")
    proc = await start_bot(config)
    assert proc.stderr is not None
    line = await asyncio.wait_for(proc.stderr.readline(), TIMEOUT)
    assert b"telegram: cannot reach the platform (ConnectError), attempt 1; trying again in 1 s" \
        in line
    proc.send_signal(signal.SIGTERM)
    _, rest = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode == 0
    log = (line + rest).decode()
    assert token not in log and "Traceback" not in log
    assert all("cannot reach the platform" in x or "stopping" in x for x in log.splitlines())
