"""Crash safety of broadcasts: the real `delegate-bot run` process, killed and started again.

The fake Telegram Bot API server runs in the test process; the bot runs as a subprocess
(`python -m bot --config FILE run`) on a database prepared here with a roster of registered
delegates and one queued announcement to all of them. Waits are driven by the fake's events
and by the subprocess's exit, never by fixed sleeps.

- SIGKILL about a third of the way through, then a restart: every recipient gets the
  announcement, and exactly the recipients whose message was in flight at the kill (reached
  Telegram but not yet recorded as sent) get it twice, at most one worker batch of them.
- SIGTERM during the broadcast: the bot finishes and records its batch and exits 0, and a
  restart finishes the broadcast without sending anything twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from bot.app import App
from bot.clock import to_iso
from bot.config import load_config
from bot.delivery import DeliveryWorker
from handlers.announcements import build_messages
from storage import broadcasts, registrations
from testkit.fake_telegram import FakeTelegram
from testkit.people import seed
from tests.conftest import ORGANISER_ID, running_fake

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = 300
RATE = 100.0            # messages per second: the whole broadcast takes about 3 s
STOP_AFTER = 110        # about a third, and not on a batch boundary (a batch is 100 here)
BODY = "Phiên khai mạc bắt đầu lúc 8 giờ tại Hội trường A. Đề nghị đại biểu có mặt trước 7 giờ 45."
TIMEOUT = 60.0          # generous: only reached when something is broken

T = TypeVar("T")


@dataclass
class Prepared:
    """A database with a queued announcement, and the config that runs the bot on it."""

    config_path: Path
    database: Path
    broadcast_id: int
    chats: set[int]
    batch: int


class _NoTransport:
    """Stands for the Telegram channel when asking the worker for its batch size."""

    platform = "telegram"

    async def deliver(self, chat_id: str, text: str) -> str:
        raise AssertionError("not used")

    async def edit(self, chat_id: str, message_id: str, text: str) -> None:
        raise AssertionError("not used")


async def _prepare(tmp_path: Path, fake: FakeTelegram) -> Prepared:
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        f'[event]\nname = "Đại hội thử nghiệm"\n\n'
        f'[storage]\npath = "bot.sqlite3"\n\n'
        f"[organisers]\ntelegram = [{ORGANISER_ID}]\n\n"
        f"[delivery]\ntelegram_rate = {RATE}\n\n"
        f'[telegram]\nenabled = true\ntoken = "{fake.token}"\n'
        f'api_base_url = "http://127.0.0.1:{fake.port}"\n',
        encoding="utf-8",
    )
    config = load_config(config_path, env={})
    app = await App.open(config)
    try:
        await seed(app, RECIPIENTS)
        services = app.services
        people = await registrations.recipients(services.db, {"type": "all"})
        queued = await broadcasts.create_queued(services.db, broadcasts.NewBroadcast(
            "announcement", {"type": "all"}, BODY, f"telegram:{ORGANISER_ID}",
            lambda bid: build_messages(services, bid, BODY, people),
            report=("telegram", str(ORGANISER_ID), "vi"),
        ), to_iso(services.clock.now()))
        assert queued is not None
        broadcast_id, added = queued
        assert added == len(people) == RECIPIENTS
        # The in-flight bound is the worker's batch, computed by the worker from this config.
        worker = DeliveryWorker(services.db, services.clock, config.delivery, services.texts)
        worker.add_transport(_NoTransport(), config.delivery.telegram_rate)
        batch = worker.batch
    finally:
        await app.close()
    return Prepared(config_path, config.database_path, broadcast_id,
                    {int(p.chat_id) for p in people}, batch)


class BotProcess:
    """`python -m bot --config FILE run` as a subprocess, its output kept in a log file."""

    def __init__(self, config_path: Path, log_path: Path) -> None:
        self.config_path, self.log_path = config_path, log_path
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the bot: stdin closed, no DELEGATE_BOT_* variables from the environment."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("DELEGATE_BOT_")}
        with self.log_path.open("ab") as log:
            log.write(b"----- start -----\n")
            log.flush()
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "--config", str(self.config_path), "run",
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=asyncio.subprocess.STDOUT,
                env=env, cwd=ROOT,
            )

    def log(self) -> str:
        """Return the last lines the bot printed, for failure messages."""
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-40:])

    async def until(self, waiting: Awaitable[T]) -> T:
        """Await `waiting`; fail at once (with the bot's log) if the bot exits meanwhile."""
        assert self.proc is not None
        task = asyncio.ensure_future(waiting)
        exited = asyncio.ensure_future(self.proc.wait())
        try:
            await asyncio.wait({task, exited}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            exited.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            pytest.fail(f"the bot exited with {self.proc.returncode} too early:\n{self.log()}")
        return task.result()

    async def signal(self, sig: signal.Signals) -> int:
        """Send `sig` and wait for the exit; return the exit status."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        try:
            return await asyncio.wait_for(self.proc.wait(), TIMEOUT)
        except TimeoutError:
            pytest.fail(f"the bot did not exit within {TIMEOUT}s of {sig.name}:\n{self.log()}")

    async def kill_if_running(self) -> None:
        """Kill the bot if a failed test left it running."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Telegram on the real clock: the bot under test runs in another process, on
    the real clock, and waits out a 429 for real."""
    async with running_fake(time.monotonic) as server:
        yield server


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotProcess]:
    """Return the bot process driver (killed at the end if still running)."""
    process = BotProcess(tmp_path / "config.toml", tmp_path / "bot.log")
    try:
        yield process
    finally:
        await process.kill_if_running()


def _received(fake: FakeTelegram, chats: set[int]) -> Counter[int]:
    """Return how many copies each recipient chat got (organiser reports left out)."""
    return Counter(p["chat_id"] for p in fake.sent_messages() if p["chat_id"] in chats)


async def _wait_every_chat_reached(fake: FakeTelegram, chats: set[int]) -> None:
    """Wait until every chat got at least one message, woken by the fake's answers."""
    while missing := len(chats - set(_received(fake, chats))):
        # Each answer reaches at most one missing chat: wait for at least that many more.
        await fake.wait_for("sendMessage", count=len(fake.sent_messages()) + missing,
                            timeout=TIMEOUT)


def _outbox_states(database: Path, broadcast_id: int) -> dict[int, str]:
    """Return {chat id: outbox state} of the broadcast, read straight from SQLite."""
    conn = sqlite3.connect(database)
    try:
        rows = conn.execute("SELECT chat_id, state FROM outbox WHERE broadcast_id = ?",
                            (broadcast_id,)).fetchall()
    finally:
        conn.close()
    return {int(chat): state for chat, state in rows}


def _broadcast_status(database: Path, broadcast_id: int) -> tuple[str, str | None]:
    conn = sqlite3.connect(database)
    try:
        row = conn.execute("SELECT status, finished_at FROM broadcasts WHERE id = ?",
                           (broadcast_id,)).fetchone()
    finally:
        conn.close()
    return row[0], row[1]


async def _restart_and_finish(bot: BotProcess, fake: FakeTelegram, ready: Prepared) -> None:
    """Start the bot again, wait until every recipient has a copy, stop it with SIGTERM."""
    await bot.start()
    await bot.until(_wait_every_chat_reached(fake, ready.chats))
    code = await bot.signal(signal.SIGTERM)
    assert code == 0, bot.log()
    states = _outbox_states(ready.database, ready.broadcast_id)
    assert Counter(states.values()) == {"sent": RECIPIENTS}, bot.log()
    status, finished_at = _broadcast_status(ready.database, ready.broadcast_id)
    assert status == "done" and finished_at is not None, bot.log()


async def test_sigkill_halfway_then_restart_finishes_the_broadcast(
    tmp_path: Path, fake: FakeTelegram, bot: BotProcess
) -> None:
    ready = await _prepare(tmp_path, fake)
    await bot.start()
    await bot.until(fake.wait_for("sendMessage", count=STOP_AFTER, timeout=TIMEOUT))
    code = await bot.signal(signal.SIGKILL)
    assert code == -signal.SIGKILL

    before = _received(fake, ready.chats)
    assert 0 < len(before) < RECIPIENTS, "the kill did not land halfway through"
    assert max(before.values()) == 1
    states = _outbox_states(ready.database, ready.broadcast_id)
    # Reached Telegram but not recorded as sent: the sends in flight at the kill.
    in_flight = {chat for chat in before if states[chat] != "sent"}
    assert all(states[chat] == "sending" for chat in in_flight)
    assert len(in_flight) <= ready.batch
    assert not any(states[c] == "sent" for c in ready.chats - set(before)), "sent, never seen"

    await _restart_and_finish(bot, fake, ready)

    after = _received(fake, ready.chats)
    twice = {chat for chat, n in after.items() if n > 1}
    print(f"\nSIGKILL after {len(before)} of {RECIPIENTS} delivered: {len(in_flight)} in flight,"
          f" {len(twice)} recipients got it twice (bound: one batch = {ready.batch})")
    assert set(after) == ready.chats, "a recipient was missed"
    assert max(after.values()) <= 2
    assert twice == in_flight, "only the sends in flight at the kill may go out twice"
    assert len(twice) <= ready.batch


async def test_sigterm_during_broadcast_stops_cleanly_and_restart_finishes(
    tmp_path: Path, fake: FakeTelegram, bot: BotProcess
) -> None:
    ready = await _prepare(tmp_path, fake)
    await bot.start()
    await bot.until(fake.wait_for("sendMessage", count=STOP_AFTER, timeout=TIMEOUT))
    code = await bot.signal(signal.SIGTERM)
    assert code == 0, bot.log()

    before = _received(fake, ready.chats)
    assert 0 < len(before) < RECIPIENTS, "the stop did not land halfway through"
    states = _outbox_states(ready.database, ready.broadcast_id)
    # A graceful stop finishes and records the batch in hand: nothing is left in flight.
    assert "sending" not in states.values()
    assert {chat for chat, state in states.items() if state == "sent"} == set(before)

    await _restart_and_finish(bot, fake, ready)

    after = _received(fake, ready.chats)
    print(f"\nSIGTERM after {len(before)} of {RECIPIENTS} delivered;"
          f" duplicates after the restart: {sum(n > 1 for n in after.values())}")
    assert set(after) == ready.chats, "a recipient was missed"
    assert max(after.values()) == 1, "a graceful stop must not send anything twice"
