"""SIGKILL during a broadcast doubles at most the sends whose outcome was not written yet.

The real `delegate-bot run` process (tests/test_crash.py's `BotProcess`) sends a queued
announcement to 300 registered delegates through the fake Telegram Bot API server at 100
messages a second, is killed with SIGKILL at 10 %, 50 % or 90 % of it, and started again.
The worker writes each outcome as soon as its answer arrives and keeps the connection until
then, so the recipients who get the announcement twice are at most `[delivery] connections`
(before: every answered send of the batch in hand, up to a second's worth), and they are
among the rows the kill left 'sending'.
"""

from __future__ import annotations

import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import load_config
from testkit.fake_telegram import FakeTelegram
from tests.conftest import running_fake
from tests.test_crash import (
    RECIPIENTS,
    TIMEOUT,
    BotProcess,
    _outbox_states,
    _prepare,
    _received,
    _restart_and_finish,
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Telegram on the real clock: the bot runs in another process, on it too."""
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


@pytest.mark.parametrize("share", [0.1, 0.5, 0.9])
async def test_sigkill_doubles_at_most_the_sends_in_flight(
    tmp_path: Path, fake: FakeTelegram, bot: BotProcess, share: float
) -> None:
    ready = await _prepare(tmp_path, fake)
    connections = load_config(ready.config_path, env={}).delivery.connections
    assert connections < ready.batch  # the bound below is tighter than a batch
    await bot.start()
    await bot.until(fake.wait_for("sendMessage", count=round(RECIPIENTS * share),
                                  timeout=TIMEOUT))
    code = await bot.signal(signal.SIGKILL)
    assert code == -signal.SIGKILL

    before = _received(fake, ready.chats)
    assert 0 < len(before) < RECIPIENTS, "the kill did not land during the broadcast"
    states = _outbox_states(ready.database, ready.broadcast_id)
    left_sending = {chat for chat, state in states.items() if state == "sending"}
    unwritten = {chat for chat in before if states[chat] != "sent"}
    assert unwritten <= left_sending
    assert len(unwritten) <= connections
    assert not any(states[c] == "sent" for c in ready.chats - set(before)), "sent, never seen"

    await _restart_and_finish(bot, fake, ready)

    after = _received(fake, ready.chats)
    twice = {chat for chat, n in after.items() if n > 1}
    print(f"\nSIGKILL at {share:.0%} ({len(before)} of {RECIPIENTS} delivered): "
          f"{len(twice)} got it twice (bound: [delivery] connections = {connections})")
    assert set(after) == ready.chats, "a recipient was missed"
    assert max(after.values()) <= 2
    assert twice <= left_sending
    assert len(twice) <= connections
