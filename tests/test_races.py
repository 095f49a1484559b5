"""Races and shutdown (issue 11.5): things that happen at the same moment, on real storage.

(a) Two drafts of one title published at the same moment: the publishing transaction
decides that the second corrects the first; a unique index keeps one published result per
title, and the migration that adds it settles titles published twice before.
(b) Overlapping `Scheduler.rebuild`s install the newest read, never an older one.
(c) On stop, a job that is running finishes (within a bound) before the database closes.
(d) The Zalo webhook takes a platform's retry of a message once, and nothing after stop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.app import App
from bot.channels.recent import RecentIds
from bot.channels.zalo import WEBHOOK_PATH, ZaloChannel
from bot.clock import FixedClock, to_iso
from bot.config import ZaloWebhookConfig
from bot.formats.results import read_results
from bot.i18n import Translator
from bot.scheduler import Job, Scheduler
from handlers import results as result_notices
from storage import audit, results
from storage.db import Database, migrations
from testkit.fake_telegram import FakeTelegram
from testkit.fake_zalo import FakeZalo
from testkit.people import seed
from testkit.telegram_harness import TelegramChat
from testkit.worker import drain
from testkit.zalo_harness import free_port, start_zalo
from tests.conftest import ORGANISER_ID, make_config

TEXTS = Translator.load()
TITLE = "Bầu Ban Kiểm tra"
ORGANISER = f"telegram:{ORGANISER_ID}"
CORRECTION_VI = TEXTS.t("vi", "results.correction_head")


def election(votes: int, *, title: str = TITLE) -> bytes:
    """Return a small election file (3 seats, 96 valid ballots, 100 delegates summoned) in
    the minutes' layout."""
    return "\n".join([
        f"Tiêu đề,{title}", "Loại,bầu cử", "Số lượng bầu,3", "Số đại biểu được triệu tập,100",
        "Số phiếu phát ra,100",
        "Số phiếu thu về,98", "Số phiếu hợp lệ,96", "Số phiếu không hợp lệ,2", "",
        "Họ và tên,Số phiếu", "Lê Kim Nga,90", "Phạm Gia Huy,81", "Vũ Văn Khang,49",
        f"Đặng Mỹ Trang,{votes}", ""]).encode()


async def draft(app: App, content: bytes) -> int:
    """Import a result file as a draft; return its id."""
    parsed, result_id = await result_notices.import_file(app.services, content, "kq.csv",
                                                         ORGANISER)
    assert result_id is not None, parsed.problems
    return result_id


async def statuses(app: App) -> dict[int, tuple[str, int | None]]:
    """Return every result's (status, corrects) by id."""
    found = {}
    for status in ("draft", "published", "superseded", "discarded"):
        for item in await results.with_status(app.services.db, status):
            found[item.id] = (item.status, item.corrects)
    return found


# ---------------------------------------------------------------------------- (a) results
async def test_two_drafts_of_one_title_published_at_once_make_one_a_correction(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    people = await seed(app, 2)
    first, second = await draft(app, election(60)), await draft(app, election(61))
    done = await asyncio.gather(result_notices.publish(app.services, first, ORGANISER),
                                result_notices.publish(app.services, second, ORGANISER))
    assert all(d is not None for d in done)
    # Whichever went first is the result; the other corrects (and supersedes) it.
    assert await statuses(app) == {first: ("superseded", None), second: ("published", first)}
    assert [r.id for r in await results.with_status(app.services.db, "published")] == [second]
    await drain(app, clock)
    for person in people:
        plain, correction = fake.sent_texts(person.user_id)
        assert CORRECTION_VI not in plain
        assert correction.startswith(CORRECTION_VI)
        assert "• Đặng Mỹ Trang: 60 → 61 phiếu" in correction
    logged = await audit.entries(app.services.db, action="results.published")
    assert sorted((e.details["result"], e.details["corrects"]) for e in logged) == [
        (first, None), (second, first)]


async def test_two_publish_presses_handled_at_once_through_telegram(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    """Both presses answered "published"; one result stays; delegates get a plain notice,
    then a correction."""
    (person,) = await seed(app, 1)
    first, second = await draft(app, election(60)), await draft(app, election(62))
    target = tg.channel.handled + 2
    fake.push_callback(ORGANISER_ID, f"resp:publish:{first}")
    fake.push_callback(ORGANISER_ID, f"resp:publish:{second}")
    await asyncio.wait_for(tg.channel.wait_handled(target), 10)
    answers = set(fake.sent_texts(ORGANISER_ID))
    assert answers in ({TEXTS.t("vi", "results.published", id=i, count=1, broadcast=b)
                        for i, b in zip((first, second), order, strict=True)}
                       for order in ((1, 2), (2, 1)))
    published = await results.with_status(app.services.db, "published")
    assert len(published) == 1
    await drain(app, clock)
    texts = fake.sent_texts(person.user_id)
    assert len(texts) == 2 and [CORRECTION_VI in t for t in texts] == [False, True]


async def test_a_draft_with_the_same_figures_as_one_published_at_once_is_refused(
    app: App, tg: TelegramChat
) -> None:
    await seed(app, 1)
    first, second = await draft(app, election(60)), await draft(app, election(60))
    done = await asyncio.gather(result_notices.publish(app.services, first, ORGANISER),
                                result_notices.publish(app.services, second, ORGANISER))
    assert done[0] is not None and done[1] is None  # nothing to correct
    assert await statuses(app) == {first: ("published", None), second: ("draft", None)}
    assert await result_notices.why_not_published(app.services, second) == "results.unchanged"


async def test_titles_differing_only_in_case_are_one_title(app: App, tg: TelegramChat) -> None:
    await seed(app, 1)
    first = await draft(app, election(60, title="BẦU BAN KIỂM TRA"))
    second = await draft(app, election(61))
    await asyncio.gather(result_notices.publish(app.services, first, ORGANISER),
                         result_notices.publish(app.services, second, ORGANISER))
    assert await statuses(app) == {first: ("superseded", None), second: ("published", first)}


async def test_the_unique_index_refuses_a_second_published_result_of_a_title(
    app: App
) -> None:
    """The backstop: even a write that skipped the publishing transaction's decision."""
    first, second = await draft(app, election(60)), await draft(app, election(61))
    db = app.services.db
    await db.execute("UPDATE results SET status = 'published' WHERE id = ?", (first,))
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        await db.execute("UPDATE results SET status = 'published' WHERE id = ?", (second,))
    assert await statuses(app) == {first: ("published", None), second: ("draft", None)}


def legacy_database(path: Path, rows: list[tuple[int, str, str]]) -> None:
    """Write a database at schema version 8 (before the index) holding these results."""
    conn = sqlite3.connect(path)
    for version, sql in migrations()[:8]:
        conn.executescript(sql)
        conn.execute(f"PRAGMA user_version = {version}")
    data = result_notices.to_data(read_results(election(60), "kq.csv"))
    conn.executemany(
        "INSERT INTO results (id, title, kind, status, data, file_name, imported_by,"
        " imported_at) VALUES (?, ?, 'election', ?, ?, 'kq.csv', 'cli', 'x')",
        [(i, title, status, json.dumps({**data, "title": title})) for i, title, status in rows])
    conn.commit()
    conn.close()


async def test_the_migration_keeps_the_newest_of_a_title_published_twice(
    tmp_path: Path
) -> None:
    path = tmp_path / "old.sqlite3"
    legacy_database(path, [(1, TITLE, "published"), (2, TITLE, "published"),
                           (3, "bầu ban kiểm tra", "published"), (4, TITLE, "draft"),
                           (5, "Khác", "published")])
    db = await Database.open(path)
    try:
        got = {r[0]: r[1] for r in await db.fetchall("SELECT id, status FROM results")}
    finally:
        await db.close()
    assert got == {1: "superseded", 2: "superseded", 3: "published", 4: "draft",
                   5: "published"}


async def test_a_title_left_twice_by_the_migration_is_settled_by_its_next_correction(
    tmp_path: Path, clock: FixedClock
) -> None:
    """SQLite folds ASCII letters only: "BẦU" and "Bầu" both stay published through the
    migration; the next publication of that title supersedes them both."""
    config = make_config(tmp_path)
    legacy_database(config.database_path, [(1, TITLE.upper(), "published"),
                                           (2, TITLE, "published")])
    app = await App.open(config, clock=clock)
    try:
        assert [r.id for r in await results.with_status(app.services.db, "published")] == [
            1, 2]
        third = await draft(app, election(61))
        assert await result_notices.publish(app.services, third, ORGANISER) is not None
        assert await statuses(app) == {1: ("superseded", None), 2: ("superseded", None),
                                       third: ("published", 2)}
    finally:
        await app.close()


# ---------------------------------------------------------------------------- (b) rebuilds
async def test_overlapping_rebuilds_install_the_newest_read(clock: FixedClock) -> None:
    """A rebuild whose read is slow (the old programme) and one started meanwhile (after an
    import): the jobs left are the newer read's, whichever read finishes last."""
    scheduler = Scheduler(clock)
    programme = {"version": "old"}
    first_read_may_end = asyncio.Event()
    reads: list[str] = []

    async def source() -> list[Job]:
        seen = programme["version"]
        reads.append(seen)
        if len(reads) == 1:
            await first_read_may_end.wait()  # the slow read of the old programme

        async def remind() -> None:
            return None

        return [Job(f"reminder:{seen}", clock.now() + timedelta(hours=1), remind)]

    scheduler.add_source(source)
    scheduler.aps.start(paused=True)
    try:
        slow = asyncio.create_task(scheduler.rebuild())  # e.g. the 30-second watcher
        await asyncio.sleep(0)
        programme["version"] = "new"  # an import lands
        fast = asyncio.create_task(scheduler.rebuild())  # the import handler's rebuild
        await asyncio.sleep(0)
        first_read_may_end.set()
        await asyncio.gather(slow, fast)
        assert [job_id for job_id, _ in scheduler.jobs()] == ["reminder:new"]
        assert reads == ["old", "new"]  # the second read waited for the first rebuild
    finally:
        scheduler.shutdown()


async def test_many_rebuilds_at_once_leave_one_set_of_jobs(clock: FixedClock) -> None:
    scheduler = Scheduler(clock)
    calls = 0

    async def source() -> list[Job]:
        nonlocal calls
        calls += 1
        mine = calls
        await asyncio.sleep(0)

        async def remind() -> None:
            return None

        return [Job(f"job:{mine}:{i}", clock.now() + timedelta(hours=1 + i), remind)
                for i in range(3)]

    scheduler.add_source(source)
    scheduler.aps.start(paused=True)
    try:
        await asyncio.gather(*(scheduler.rebuild() for _ in range(10)))
        assert [job_id for job_id, _ in scheduler.jobs()] == [f"job:10:{i}" for i in range(3)]
        assert len(scheduler.aps.get_jobs()) == 3  # nothing left over from earlier reads
    finally:
        scheduler.shutdown()


# ---------------------------------------------------------------------------- (c) stop
async def test_a_job_running_at_stop_finishes_before_the_database_closes(
    app: App, clock: FixedClock
) -> None:
    started, may_finish = asyncio.Event(), asyncio.Event()

    async def job() -> None:
        started.set()
        await may_finish.wait()
        await audit.record(app.services.db, actor="scheduler", action="test.job",
                           now=to_iso(clock.now()), details={})

    async def source() -> list[Job]:
        return [Job("slow-job", clock.now(), job)]

    app.scheduler.add_source(source)
    stop = asyncio.Event()
    running = asyncio.create_task(app.run(stop))
    await asyncio.wait_for(started.wait(), 10)
    stop.set()  # what SIGTERM does
    await asyncio.sleep(0)
    assert not running.done()  # waiting for the job
    may_finish.set()
    await asyncio.wait_for(running, 10)
    (entry,) = await audit.entries(app.services.db, action="test.job")  # it did its work
    assert entry.actor == "scheduler"
    assert app.scheduler.running_jobs == 0


async def test_a_job_still_running_after_the_bound_is_cancelled_and_logged(
    app: App, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    started = asyncio.Event()
    cancelled = False

    async def job() -> None:
        nonlocal cancelled
        started.set()
        try:
            await asyncio.Event().wait()  # never ends by itself
        except asyncio.CancelledError:
            cancelled = True
            raise

    async def source() -> list[Job]:
        return [Job("stuck-job", clock.now(), job)]

    app.scheduler.add_source(source)
    app.job_grace = 0.0  # the bound, without waiting for it in a test
    stop = asyncio.Event()
    running = asyncio.create_task(app.run(stop))
    await asyncio.wait_for(started.wait(), 10)
    stop.set()
    await asyncio.wait_for(running, 10)
    for _ in range(3):
        await asyncio.sleep(0)
    assert cancelled
    (line,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert line.getMessage() == "1 jobs still running 0 s after stop: cancelled"


async def test_a_forced_stop_does_not_wait_for_jobs(app: App, clock: FixedClock) -> None:
    started = asyncio.Event()

    async def job() -> None:
        started.set()
        await asyncio.Event().wait()

    async def source() -> list[Job]:
        return [Job("stuck-job", clock.now(), job)]

    app.scheduler.add_source(source)
    running = asyncio.create_task(app.run(asyncio.Event()))
    await asyncio.wait_for(started.wait(), 10)
    running.cancel()  # the second signal
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(running, 10)


# ---------------------------------------------------------------------------- (d) Zalo
ZALO_USER = "a1b2c3d4e5"
SECRET = "s3cret-token"


@pytest.fixture
async def zfake() -> AsyncIterator[FakeZalo]:
    """Return a running fake Zalo Bot API server on 127.0.0.1."""
    async with FakeZalo() as server:
        yield server


async def webhook_channel(app: App, zfake: FakeZalo) -> tuple[ZaloChannel, str]:
    """Start a Zalo channel in webhook mode on a free port; return it and its URL."""
    port = free_port()
    hook = ZaloWebhookConfig(url="https://bot.example.org/zalo", listen="127.0.0.1",
                             port=port, secret_token=SECRET)
    channel = await start_zalo(app, zfake, mode="webhook", webhook=hook)
    return channel, f"http://127.0.0.1:{port}{WEBHOOK_PATH}"


async def test_a_webhook_retry_of_a_message_is_handled_once(
    app: App, zfake: FakeZalo
) -> None:
    channel, url = await webhook_channel(app, zfake)
    try:
        update = zfake.make_update(ZALO_USER, "/help")
        # The platform did not get the first answer in time and posts again meanwhile,
        # then once more after the first was answered.
        codes = await asyncio.gather(zfake.post_webhook(url, update, secret_token=SECRET),
                                     zfake.post_webhook(url, update, secret_token=SECRET))
        assert codes == [200, 200]  # taken: the platform must stop retrying
        assert await zfake.post_webhook(url, update, secret_token=SECRET) == 200
        await channel.wait_handled(1)
        # The same words in a new message (a new id) are a new message.
        again = zfake.make_update(ZALO_USER, "/help")
        assert await zfake.post_webhook(url, again, secret_token=SECRET) == 200
        await channel.wait_handled(2)
    finally:
        await channel.stop()  # lets anything dispatched finish
    assert channel.handled == 2
    assert len(zfake.sent_texts(ZALO_USER)) == 2
    assert all(t.startswith("Các lệnh đồng chí có thể dùng") for t in zfake.sent_texts(ZALO_USER))


async def test_a_message_without_an_id_is_never_dropped_as_a_repeat(
    app: App, zfake: FakeZalo
) -> None:
    channel, url = await webhook_channel(app, zfake)
    try:
        update = zfake.make_update(ZALO_USER, "/help")
        del update["message"]["message_id"]
        for count in (1, 2):
            assert await zfake.post_webhook(url, update, secret_token=SECRET) == 200
            await channel.wait_handled(count)
    finally:
        await channel.stop()
    assert len(zfake.sent_texts(ZALO_USER)) == 2


async def test_the_ids_remembered_are_bounded() -> None:
    recent = RecentIds(size=3)
    assert [recent.first_time(k) for k in ("a", "b", "a", "c", "d")] == [
        True, True, False, True, True]
    assert len(recent) == 3
    assert recent.first_time("a")  # forgotten: the oldest went first
    assert not recent.first_time("d")
    with pytest.raises(ValueError, match="at least one id"):
        RecentIds(size=0)


async def test_a_delivery_after_stop_is_refused_and_not_handled(
    app: App, zfake: FakeZalo
) -> None:
    channel, url = await webhook_channel(app, zfake)
    update = zfake.make_update(ZALO_USER, "/help")
    assert await zfake.post_webhook(url, update, secret_token=SECRET) == 200  # kept alive
    await channel.wait_handled(1)
    await channel.stop()
    late = zfake.make_update(ZALO_USER, "/me")
    try:
        status = await zfake.post_webhook(url, late, secret_token=SECRET)
    except httpx.TransportError:  # the connection is closed: refused too
        status = 0
    assert status in (0, 503)
    assert channel.dispatch(late) is False  # whatever way it comes in
    for _ in range(3):
        await asyncio.sleep(0)
    assert channel.handled == 1
    assert len(zfake.sent_texts(ZALO_USER)) == 1
    assert len(zfake.calls_to("sendMessage")) == 1


async def test_the_webhook_answers_503_while_stopping(app: App, zfake: FakeZalo) -> None:
    """A post that reaches the server once the channel stopped taking updates (a kept-alive
    connection, before the server closes it) gets 503: the platform posts it again later."""
    channel, url = await webhook_channel(app, zfake)
    try:
        channel._running = False  # the first thing stop() does
        late = zfake.make_update(ZALO_USER, "/help")
        assert await zfake.post_webhook(url, late, secret_token=SECRET) == 503
        assert channel.handled == 0 and zfake.calls_to("sendMessage") == []
    finally:
        await channel.stop()
