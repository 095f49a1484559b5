"""The delivery worker lives through a failing database: locked, read-only, full.

The real worker loop (`DeliveryWorker.run`) runs against the real Telegram channel and the
fake Bot API server. The database fails for real where SQLite allows it: another connection
holds the write lock (`BEGIN IMMEDIATE`, as a CLI import does), or the bot's connection is
made read-only (`PRAGMA query_only`: file modes do not stop root). A full disk is injected at
the storage call that writes the outcomes (`outbox.record`), as no tiny file system is at
hand. The worker's back-off pauses wait on the test (`Sleeper`), and move the injected clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import timedelta

import pytest

from bot.app import App
from bot.clock import FixedClock
from bot.delivery import Transport
from storage import broadcasts, outbox
from storage.db import Database
from storage.outbox import Outcome
from testkit.fake_telegram import FakeTelegram
from testkit.people import seed
from testkit.telegram_harness import TelegramChat
from tests.conftest import ORGANISER_ID
from tests.test_delivery import HEADER_VI, announcements_to, outbox_rows, queue, user_ids

STALLED = "⚠️ <b>Bot đã không gửi được tin nhắn cho đại biểu trong 1 phút</b>"
RESUMED = "✅ Bot đã gửi tin nhắn cho đại biểu trở lại"
FINISHED = "🏁 Đã gửi xong thông báo"


class Sleeper:
    """The worker's injected waits: pacing and 429s (`sleep`) move the clock at once; a
    pause after a failed step (`pause`) is noted and waits for `go()`, then moves the clock."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.pauses: list[float] = []
        self._go = asyncio.Semaphore(0)
        self._paused = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        """Yield to the loop, then move the clock."""
        await asyncio.sleep(0)
        self.clock.advance(timedelta(seconds=seconds))

    async def pause(self, seconds: float) -> None:
        """Note the pause, wait for the test's go, then move the clock."""
        self.pauses.append(seconds)
        self._paused.set()
        await self._go.acquire()
        self.clock.advance(timedelta(seconds=seconds))

    async def paused(self, count: int) -> None:
        """Wait until the worker asked for its `count`-th back-off pause."""
        async with asyncio.timeout(10):
            while len(self.pauses) < count:
                self._paused.clear()
                await self._paused.wait()

    def go(self) -> None:
        """End the pause the worker waits in."""
        self._go.release()


@contextlib.asynccontextmanager
async def worker_running(app: App, clock: FixedClock) -> AsyncIterator[
        tuple[Sleeper, asyncio.Task[None]]]:
    """Run the worker's loop, as `App.run` does, with the test's sleep; stop it after."""
    sleeper = Sleeper(clock)
    app.delivery.sleep, app.delivery.pause = sleeper.sleep, sleeper.pause
    stop = asyncio.Event()
    task = asyncio.create_task(app.delivery.run(stop))
    try:
        yield sleeper, task
    finally:
        stop.set()
        sleeper.go()
        await asyncio.wait_for(task, 10)


async def until(fake: FakeTelegram, done: Callable[[], bool]) -> None:
    """Wait, woken by each message the fake server takes, until `done()` holds."""
    while not done():
        await fake.wait_for("sendMessage", count=len(fake.sent_messages()) + 1, timeout=10)


def organiser_texts(fake: FakeTelegram, start: str) -> list[str]:
    """Return the organiser's messages that start with `start`."""
    return [t for t in fake.sent_texts(ORGANISER_ID) if t.startswith(start)]


def failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Return the worker's failure lines, checking each is one line without a traceback."""
    lines = [r for r in caplog.records
             if r.name == "bot.delivery" and "trying again in" in r.getMessage()]
    for record in lines:
        assert "\n" not in record.getMessage() and record.exc_info is None
    return lines


async def hold_write_lock(app: App) -> sqlite3.Connection:
    """Take the database's write lock from another connection, as a CLI import does.

    Never blocks the event loop: while the bot is inside a write (whose steps need the loop),
    yield to it and try again.
    """
    blocker = sqlite3.connect(app.services.db.path, isolation_level=None, timeout=0)
    while True:
        try:
            blocker.execute("BEGIN IMMEDIATE")
            return blocker
        except sqlite3.OperationalError:
            await asyncio.sleep(0)


async def fail_fast(app: App) -> None:
    """Make the bot's writer give up on a lock at once (it waits 5 s) so no test waits."""
    await app.services.db.conn.execute("PRAGMA busy_timeout = 0")


# ---------------------------------------------------------------------------- at start
async def test_worker_started_while_an_import_holds_the_lock_sends_once_it_is_released(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    people = await seed(app, 5)
    await queue(tg, "Khai mạc lúc 8 giờ")
    await fail_fast(app)
    blocker = await hold_write_lock(app)
    caplog.set_level(logging.INFO, logger="bot.delivery")
    async with worker_running(app, clock) as (sleeper, task):
        await sleeper.paused(1)
        for count in (2, 3):
            sleeper.go()
            await sleeper.paused(count)
            assert not task.done()
        assert sleeper.pauses == [1.0, 2.0, 4.0]  # backing off
        lines = failures(caplog)
        assert len(lines) == 3  # one line per failure
        assert "database is locked" in lines[0].getMessage()
        assert "in flight at the last stop" in lines[0].getMessage()  # recover() failed
        assert all(announcements_to(fake, u) == [] for u in user_ids(people))

        blocker.execute("ROLLBACK")  # the import is done
        blocker.close()
        sleeper.go()
        await until(fake, lambda: bool(organiser_texts(fake, FINISHED)))
        assert not task.done()
    for user_id in user_ids(people):
        assert announcements_to(fake, user_id) == [HEADER_VI + "Khai mạc lúc 8 giờ"]
    assert {r["state"] for r in await outbox_rows(app)} == {"sent"}
    item = await broadcasts.get(app.services.db, 1)
    assert item is not None and item.status == "done"
    assert organiser_texts(fake, "⚠️") == []  # less than a minute: nobody was alarmed
    assert any("working again" in r.getMessage() for r in caplog.records)


async def test_read_only_database_at_start_alerts_the_organisers_once_after_a_minute(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    people = await seed(app, 3)
    await queue(tg, "Đổi phòng họp")
    writer = app.services.db.conn
    await writer.execute("PRAGMA query_only = 1")  # the database refuses every write
    caplog.set_level(logging.WARNING, logger="bot.delivery")
    async with worker_running(app, clock) as (sleeper, task):
        # Failures at 0, 1, 3, 7, 15, 31 and 61 s: the seventh is past a minute.
        for count in range(1, 7):
            await sleeper.paused(count)
            sleeper.go()
        assert organiser_texts(fake, "⚠️") == []
        await sleeper.paused(7)
        (alert,) = organiser_texts(fake, "⚠️")
        assert alert.startswith(STALLED)
        assert "attempt to write a readonly database" in alert
        for count in range(8, 11):  # still failing: not told again
            sleeper.go()
            await sleeper.paused(count)
        assert sleeper.pauses == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0, 30.0]
        assert len(organiser_texts(fake, "⚠️")) == 1
        assert len(failures(caplog)) == 10
        assert not task.done()
        assert all(announcements_to(fake, u) == [] for u in user_ids(people))

        await writer.execute("PRAGMA query_only = 0")  # someone fixed the file
        sleeper.go()
        await until(fake, lambda: bool(organiser_texts(fake, RESUMED)))
        (resumed,) = organiser_texts(fake, RESUMED)
        assert "sau khoảng 3 phút gián đoạn" in resumed  # 181 s on the injected clock
    for user_id in user_ids(people):
        assert announcements_to(fake, user_id) == [HEADER_VI + "Đổi phòng họp"]
    assert len(organiser_texts(fake, "⚠️")) == 1


async def test_the_alert_follows_the_organisers_language(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    await tg.send(ORGANISER_ID, "/language en")
    await seed(app, 1)
    await queue(tg, "Hello")
    await app.services.db.conn.execute("PRAGMA query_only = 1")
    async with worker_running(app, clock) as (sleeper, _):
        for count in range(1, 7):
            await sleeper.paused(count)
            sleeper.go()
        await sleeper.paused(7)
        (alert,) = organiser_texts(fake, "⚠️")
        assert alert.startswith("⚠️ <b>The bot has not been able to send messages to delegates"
                                " for 1 min</b>")
        await app.services.db.conn.execute("PRAGMA query_only = 0")


# ---------------------------------------------------------------------------- mid-broadcast
class LockAfter:
    """The channel's transport, which takes the database's write lock (as an import starting
    would) right after the n-th message went out, before the worker hears the answer."""

    platform = "telegram"

    def __init__(self, inner: Transport, app: App, after: int) -> None:
        self.inner, self.app, self.after = inner, app, after
        self.sent = 0
        self.blocker: sqlite3.Connection | None = None

    async def deliver(self, chat_id: str, text: str) -> str:
        """Send through the real channel; take the lock after the n-th send."""
        message_id = await self.inner.deliver(chat_id, text)
        self.sent += chat_id != str(ORGANISER_ID)
        if self.sent == self.after and self.blocker is None:
            self.blocker = await hold_write_lock(self.app)
        return message_id

    async def edit(self, chat_id: str, message_id: str, text: str) -> None:
        """Edit through the real channel."""
        await self.inner.edit(chat_id, message_id, text)


async def test_a_lock_taken_mid_broadcast_delays_it_without_doubling_or_restart(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    people = await seed(app, 30)  # 25 a second: two batches
    await queue(tg, "Giữa chừng")
    await fail_fast(app)
    locker = LockAfter(app.delivery.transports["telegram"], app, after=10)
    app.delivery.transports["telegram"] = locker
    caplog.set_level(logging.WARNING, logger="bot.delivery")
    async with worker_running(app, clock) as (sleeper, task):
        await sleeper.paused(1)
        assert locker.blocker is not None
        reached = {u for u in user_ids(people) if announcements_to(fake, u)}
        assert len(reached) == 25  # the batch in hand went out
        states = Counter(r["state"] for r in await outbox_rows(app))
        assert states["sent"] < 10 < states["sending"]  # outcomes since the lock: in memory
        assert len(app.delivery.ledger) == states["sending"]
        assert "database is locked" in failures(caplog)[0].getMessage()

        locker.blocker.execute("ROLLBACK")
        locker.blocker.close()
        sleeper.go()
        await until(fake, lambda: bool(organiser_texts(fake, FINISHED)))
        assert not task.done()
    for user_id in user_ids(people):
        assert announcements_to(fake, user_id) == [HEADER_VI + "Giữa chừng"]
    rows = await outbox_rows(app)
    assert [(r["state"], r["attempts"]) for r in rows] == [("sent", 1)] * 30
    (summary,) = organiser_texts(fake, FINISHED)
    assert "30/30 đến nơi" in summary


# ---------------------------------------------------------------------------- disk full
class FullDisk:
    """`outbox.record` while the disk is full: it raises the error SQLite or the OS gives."""

    def __init__(self, error: Exception) -> None:
        self.error, self.full, self.refused = error, True, 0
        self._record = outbox.record

    async def __call__(self, db: Database, outcomes: Sequence[Outcome]) -> None:
        if self.full:
            self.refused += 1
            raise self.error
        await self._record(db, outcomes)


@pytest.mark.parametrize("error", [
    sqlite3.OperationalError("database or disk is full"),
    OSError(errno.ENOSPC, "No space left on device"),
], ids=["sqlite-full", "oserror-enospc"])
async def test_chats_whose_outcome_could_not_be_written_still_get_their_next_message(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock,
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, error: Exception,
) -> None:
    people = await seed(app, 25)
    await queue(tg, "Kết quả phiên sáng")
    await queue(tg, "Kết quả phiên chiều")  # the next message to the same 25 chats
    disk = FullDisk(error)
    monkeypatch.setattr(outbox, "record", disk)
    caplog.set_level(logging.WARNING, logger="bot.delivery")
    async with worker_running(app, clock) as (sleeper, task):
        await sleeper.paused(1)  # the morning went out; its outcomes could not be written
        sleeper.go()
        await sleeper.paused(2)  # ... and the afternoon went out after it all the same
        for user_id in user_ids(people):
            assert announcements_to(fake, user_id) == [HEADER_VI + "Kết quả phiên sáng",
                                                       HEADER_VI + "Kết quả phiên chiều"]
        assert {r["state"] for r in await outbox_rows(app)} == {"sending"}
        assert len(app.delivery.ledger) == 50 and disk.refused >= 2
        assert str(error) in failures(caplog)[0].getMessage()

        disk.full = False  # space was freed; no restart
        sleeper.go()
        await until(fake, lambda: len(organiser_texts(fake, FINISHED)) == 2)
        assert not task.done()
    for user_id in user_ids(people):  # nothing doubled
        assert announcements_to(fake, user_id) == [HEADER_VI + "Kết quả phiên sáng",
                                                   HEADER_VI + "Kết quả phiên chiều"]
    rows = await outbox_rows(app)
    assert [(r["state"], r["attempts"]) for r in rows] == [("sent", 1)] * 50
    assert len(app.delivery.ledger) == 0
    for broadcast_id in (1, 2):
        item = await broadcasts.get(app.services.db, broadcast_id)
        assert item is not None and item.status == "done"


async def test_a_block_that_could_not_be_written_still_holds_the_chat(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 403 while the disk is full: the chat's next message is not sent, and the block is
    written with everything else once the disk has room."""
    people = await seed(app, 2)
    await queue(tg, "Một")
    await queue(tg, "Hai")
    disk = FullDisk(sqlite3.OperationalError("database or disk is full"))
    monkeypatch.setattr(outbox, "record", disk)
    fake.fail_next("sendMessage", 403)
    async with worker_running(app, clock) as (sleeper, _):
        await sleeper.paused(1)
        sleeper.go()
        await sleeper.paused(2)
        statuses = [(c.params["chat_id"], c.status) for c in fake.calls_to("sendMessage")
                    if c.params["chat_id"] != ORGANISER_ID]
        (blocked,) = [chat for chat, status in statuses if status == 403]
        assert [s for chat, s in statuses if chat == blocked] == [403]  # never tried again
        disk.full = False
        sleeper.go()
        await until(fake, lambda: len(organiser_texts(fake, FINISHED)) == 2)
    other = next(u for u in user_ids(people) if u != blocked)
    assert announcements_to(fake, other) == [HEADER_VI + "Một", HEADER_VI + "Hai"]
    states = {(r["chat_id"], r["state"]) for r in await outbox_rows(app)}
    assert states == {(str(other), "sent"), (str(blocked), "blocked")}
