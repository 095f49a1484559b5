"""Session reminders: jobs from the database, delivery through the outbox, /reminders on|off.

The scheduler holds the jobs that `app.scheduler.jobs()` reports (times on the bot's clock;
APScheduler itself waits the same span of real time, so nothing fires during a test); the
tests fire a job as APScheduler would, by setting the injected clock to its time and running
the Job's coroutine. One test lets APScheduler itself fire a job. What the delegates got is
read from the fake Bot API server after the delivery worker drained the outbox on the
injected clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FixedClock, from_iso, to_iso
from bot.config import Config
from bot.scheduler import Job
from handlers import reminders
from storage import broadcasts, outbox, users
from testkit.fake_telegram import FakeTelegram
from testkit.people import Person, seed
from testkit.telegram_harness import TelegramChat, buttons, start_channel
from testkit.worker import drain
from tests.conftest import DELEGATE_ID, ORGANISER_ID, make_config
from tests.test_agenda import (
    BEFORE,
    COUNTING,
    D1,
    ELECTION,
    FINANCE_GROUP,
    HANOI,
    HEALTH,
    HEALTH_GROUP,
    OPENING,
    PROGRAMME,
    REPORT,
    TEXTS,
    WELCOME,
    Slot,
    at,
    load,
    stored,
    vi,
)

DAY, HALF_HOUR = 1440, 30


# ---------------------------------------------------------------------------- helpers
@asynccontextmanager
async def scheduler_started(app: App) -> AsyncIterator[None]:
    """Start the app's scheduler (APScheduler fires when the injected clock would reach a
    job's time: weeks ahead in real time here) and shut it down afterwards."""
    try:
        await app.scheduler.start()
        yield
    finally:
        app.scheduler.shutdown()


def job_id(session_id: int, offset: int, starts_at: str) -> str:
    """Return the scheduler id of one reminder."""
    return f"remind:r{session_id}:{offset}:{starts_at}"


async def expected_jobs(app: App, slots: tuple[Slot, ...] | list[Slot], now: datetime,
                        offsets: tuple[int, ...] = (DAY, HALF_HOUR)) -> set[tuple[str, datetime]]:
    """Return (id, UTC time) of every reminder of these sessions still to come at `now`."""
    sessions = await stored(app)
    out = set()
    for slot in slots:
        session = sessions[slot.key]
        for offset in offsets:
            when = (slot.starts - timedelta(minutes=offset)).astimezone(UTC)
            if when > now:
                out.add((job_id(session.id, offset, session.starts_at), when))
    return out


async def jobs_now(app: App) -> dict[tuple[str, int], Job]:
    """Return the Jobs the reminders source gives now, by (session key, offset).

    Asking the source also sends at once what is overdue, so tests ask once, up front."""
    sessions = {s.id: s for s in (await stored(app)).values()}
    out = {}
    for job in await reminders.jobs(app.services):
        session_id, offset = job.id.split(":")[1:3]
        out[sessions[int(session_id.removeprefix("r"))].key, int(offset)] = job
    return out


async def fire(clock: FixedClock, job: Job) -> None:
    """Run a job as APScheduler would: at its time."""
    clock.set(job.at)
    await job.run()


def reminder_text(slot: Slot, wait: str, language: str = "vi") -> str:
    """Return a reminder as the locale words it."""
    return TEXTS.t(language, "reminder.text", title=slot.title, start=slot.start,
                   end=slot.end, date=slot.day.strftime("%d/%m/%Y"),
                   location=slot.location or "—", wait=wait)


def wait_text(offset: int, language: str = "vi") -> str:
    """Return how a reminder says 'one day' or 'N minutes'."""
    if offset == DAY:
        return TEXTS.t(language, "time.days", n=1)
    return TEXTS.t(language, "time.minutes", n=offset)


def reminders_to(fake: FakeTelegram, user_id: int | None) -> list[str]:
    """Return the reminders a chat received."""
    assert user_id is not None
    return [t for t in fake.sent_texts(user_id) if t.startswith("⏰")]


def reminded(fake: FakeTelegram, people: list[Person]) -> dict[int, list[str]]:
    """Return {index of the delegate: reminders received} for those who got any."""
    got = {i: reminders_to(fake, p.user_id) for i, p in enumerate(people)}
    return {i: texts for i, texts in got.items() if texts}


async def reminder_broadcasts(app: App) -> list[broadcasts.Broadcast]:
    """Return the reminder broadcasts, oldest first."""
    return sorted((b for b in await broadcasts.recent(app.services.db, 1000)
                   if b.kind == "reminder"), key=lambda b: b.id)


@pytest.fixture
async def people(app: App, clock: FixedClock) -> list[Person]:
    """Seed ten delegates (0, 3, 6 Finance; 1, 4, 7 Health; 2, 5, 8 Education; 9 a Finance
    alternate) and import the programme; the clock stays before the congress."""
    seeded = await seed(app, 10)
    clock.set(BEFORE)
    await load(app, clock, PROGRAMME)
    return seeded


# ---------------------------------------------------------------------------- jobs
async def test_one_job_per_session_and_offset_at_the_right_utc_instants(
    app: App, clock: FixedClock, people: list[Person]
) -> None:
    async with scheduler_started(app):
        jobs = set(app.scheduler.jobs())
        assert len(jobs) == 2 * len(PROGRAMME)
        assert jobs == await expected_jobs(app, PROGRAMME, clock.now())
        assert {(j.id, j.at) for j in await reminders.jobs(app.services)} == jobs
        # 00:15 on 12/08 in Hanoi is 17:15 UTC on 11/08: 30 min and one day before that.
        counting = (await stored(app))[COUNTING.key]
        assert (job_id(counting.id, HALF_HOUR, counting.starts_at),
                datetime(2026, 8, 11, 16, 45, tzinfo=UTC)) in jobs
        assert (job_id(counting.id, DAY, counting.starts_at),
                datetime(2026, 8, 10, 17, 15, tzinfo=UTC)) in jobs
        # Rebuilding changes nothing; later, only what is still to come is held.
        await app.scheduler.rebuild()
        assert set(app.scheduler.jobs()) == jobs
        clock.set(at(D1, "09:00"))
        await app.scheduler.rebuild()
        assert set(app.scheduler.jobs()) == await expected_jobs(app, PROGRAMME, clock.now())
        assert {job.split(":")[2] for job, _ in app.scheduler.jobs()} == {"30", "1440"}
        clock.set(at(D1, "07:00") + timedelta(days=3))
        await app.scheduler.rebuild()
        assert app.scheduler.jobs() == []


async def test_offsets_come_from_the_config(tmp_path: Path, clock: FixedClock) -> None:
    folder = tmp_path / "custom"
    folder.mkdir()
    config = make_config(folder, reminders={"offsets_minutes": [120, 10]})
    app = await App.open(config, clock=clock)
    try:
        clock.set(BEFORE)
        await load(app, clock, [REPORT, COUNTING])
        async with scheduler_started(app):
            assert set(app.scheduler.jobs()) == await expected_jobs(
                app, [REPORT, COUNTING], clock.now(), offsets=(120, 10))
            counting = (await stored(app))[COUNTING.key]
            assert dict(app.scheduler.jobs())[job_id(counting.id, 10, counting.starts_at)] == (
                datetime(2026, 8, 11, 17, 5, tzinfo=UTC))
        await seed(app, 1)
        await fire(clock, (await jobs_now(app))[REPORT.key, 10])
        (item,) = await reminder_broadcasts(app)
        assert item.body == REPORT.title
        assert (await outbox.counts(app.services.db, item.id))["pending"] == 1
    finally:
        await app.close()


async def test_the_reminders_of_a_session_after_midnight_fire_at_the_right_instants(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock, people: list[Person]
) -> None:
    """00:15 on 12/08 in Hanoi (UTC+7): one day before is 17:15 UTC on 10/08, thirty minutes
    before is 16:45 UTC on 11/08; the reminders name the session's own local day."""
    jobs = await jobs_now(app)
    day, half = jobs[COUNTING.key, DAY], jobs[COUNTING.key, HALF_HOUR]
    assert (day.at, half.at) == (datetime(2026, 8, 10, 17, 15, tzinfo=UTC),
                                 datetime(2026, 8, 11, 16, 45, tzinfo=UTC))
    for job in (day, half):
        await fire(clock, job)
        await drain(app, clock)
    texts = reminders_to(fake, people[0].user_id)
    assert texts == [reminder_text(COUNTING, wait_text(DAY)),
                     reminder_text(COUNTING, wait_text(HALF_HOUR))]
    assert "00:15–00:45, 12/08/2026" in texts[1]


# ---------------------------------------------------------------------------- who is reminded
async def test_a_reminder_reaches_the_sessions_audience_who_have_not_muted_it(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock, people: list[Person]
) -> None:
    muted = people[3]  # an official Finance delegate
    (answer,) = await tg.texts(muted.user_id or 0, "/reminders off")
    assert answer == vi("reminders.off")
    await users.set_language(app.services.db, "telegram", str(people[2].user_id), "en")
    everyone_but_muted = {i for i in range(10) if i != 3}
    jobs = await jobs_now(app)
    for slot, offset, expected in (  # in the order of their times
        (WELCOME, DAY, everyone_but_muted),                      # for everyone
        (HEALTH_GROUP, DAY, {1, 4, 7}),                          # one delegation
        (ELECTION, HALF_HOUR, everyone_but_muted - {9}),         # official only
        (FINANCE_GROUP, HALF_HOUR, {0, 6, 9}),                   # its alternate too
    ):
        before = {i: len(reminders_to(fake, p.user_id)) for i, p in enumerate(people)}
        await fire(clock, jobs[slot.key, offset])
        await drain(app, clock)
        got = {i for i, p in enumerate(people)
               if len(reminders_to(fake, p.user_id)) > before[i]}
        assert got == expected, slot.title
        for i in got:
            language = "en" if i == 2 else "vi"
            assert reminders_to(fake, people[i].user_id)[-1] == reminder_text(
                slot, wait_text(offset, language), language)
    assert reminders_to(fake, muted.user_id) == []
    assert reminders_to(fake, ORGANISER_ID) == []  # organisers are not delegates

    # The muted delegate still gets the organisers' announcements.
    await tg.send(ORGANISER_ID, "/announce Xe đưa đón lúc 6h45")
    (preview,) = await tg.press(ORGANISER_ID, "ann:all")
    (send,) = [data for _, data in buttons(preview) if data.startswith("ann:send")]
    await tg.press(ORGANISER_ID, send)
    await drain(app, clock)
    (announcement,) = fake.sent_texts(muted.user_id)[-1:]
    assert announcement.startswith("📢") and announcement.endswith("Xe đưa đón lúc 6h45")


async def test_reminders_on_and_off_by_command_and_button(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock, people: list[Person]
) -> None:
    user_id = people[0].user_id or 0
    db = app.services.db

    async def muted() -> bool:
        user = await users.get(db, "telegram", str(user_id))
        assert user is not None
        return user.reminders_off

    (status,) = await tg.send(user_id, "/reminders")
    assert status["text"] == vi("reminders.status_on")
    assert buttons(status) == [(vi("reminders.turn_on"), "rem:on"),
                               (vi("reminders.turn_off"), "rem:off")]
    (answer,) = await tg.press(user_id, "rem:off")
    assert answer["text"] == vi("reminders.off") and await muted()
    (status,) = await tg.send(user_id, "/reminders")
    assert status["text"] == vi("reminders.status_off")
    for command, off in (("/reminders on", False), ("/reminders tắt", True),
                         ("/reminders bật", False), ("/reminders OFF", True)):
        (text,) = await tg.texts(user_id, command)
        assert text == vi("reminders.off" if off else "reminders.on"), command
        assert await muted() is off
    jobs = await jobs_now(app)
    await fire(clock, jobs[REPORT.key, DAY])
    (answer,) = await tg.press(user_id, "rem:on")
    assert answer["text"] == vi("reminders.on") and not await muted()
    await fire(clock, jobs[REPORT.key, HALF_HOUR])
    await drain(app, clock)
    assert reminders_to(fake, user_id) == [reminder_text(REPORT, wait_text(HALF_HOUR))]


async def test_a_stranger_and_an_organiser_get_no_reminders(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock, people: list[Person]
) -> None:
    await tg.send(DELEGATE_ID, "/reminders on")  # known to the bot, but not a delegate
    await tg.send(ORGANISER_ID, "/reminders on")
    await fire(clock, (await jobs_now(app))[OPENING.key, HALF_HOUR])
    await drain(app, clock)
    assert reminders_to(fake, DELEGATE_ID) == [] and reminders_to(fake, ORGANISER_ID) == []
    assert len(reminded(fake, people)) == 10


# ---------------------------------------------------------------------------- never twice
async def test_a_reminder_is_sent_once_whatever_runs_it_again(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    people = await seed(app, 10)
    clock.set(BEFORE)
    await load(app, clock, [REPORT])
    async with scheduler_started(app):
        jobs = await jobs_now(app)
        for offset in (DAY, HALF_HOUR):
            job = jobs[REPORT.key, offset]
            await fire(clock, job)
            await fire(clock, job)  # the same job run again
            clock.advance(timedelta(minutes=5))
            await job.run()  # and again, late
            await app.scheduler.rebuild()  # overdue, session not started: "send late"
            await app.scheduler.rebuild()
            assert job.id not in dict(app.scheduler.jobs())
            await drain(app, clock)
            assert [j for j in await reminders.jobs(app.services) if j.id == job.id] == []
    got = reminded(fake, people)
    assert set(got) == set(range(10))
    for texts in got.values():
        assert texts == [reminder_text(REPORT, wait_text(DAY)),
                         reminder_text(REPORT, wait_text(HALF_HOUR))]
    items = await reminder_broadcasts(app)
    assert [b.body for b in items] == [REPORT.title, REPORT.title]
    for item in items:
        assert (await outbox.counts(app.services.db, item.id))["sent"] == 10


async def test_a_restart_between_scheduling_and_firing_sends_once(
    config: Config, clock: FixedClock, fake: FakeTelegram
) -> None:
    app = await App.open(config, clock=clock)
    people = await seed(app, 4)
    clock.set(BEFORE)
    await load(app, clock, [REPORT])
    async with scheduler_started(app):
        held = dict(app.scheduler.jobs())
        report = (await stored(app))[REPORT.key]
        assert held == {job_id(report.id, DAY, report.starts_at):
                        datetime(2026, 8, 10, 1, 30, tzinfo=UTC),
                        job_id(report.id, HALF_HOUR, report.starts_at):
                        datetime(2026, 8, 11, 1, 0, tzinfo=UTC)}
    await app.close()  # stopped before either reminder fired

    for restart in range(2):  # back up before the jobs' times; then once more after them
        app = await App.open(config, clock=clock)
        channel = await start_channel(app, fake)
        try:
            async with scheduler_started(app):
                if restart == 0:
                    assert dict(app.scheduler.jobs()) == held
                    jobs = await jobs_now(app)
                    await fire(clock, jobs[REPORT.key, DAY])
                    await drain(app, clock)
                    await fire(clock, jobs[REPORT.key, HALF_HOUR])
                else:
                    assert app.scheduler.jobs() == []
                    await app.scheduler.rebuild()
                await drain(app, clock)
        finally:
            await channel.stop()
            await app.close()
    for person in people:
        assert reminders_to(fake, person.user_id) == [
            reminder_text(REPORT, wait_text(DAY)), reminder_text(REPORT, wait_text(HALF_HOUR))]


# ---------------------------------------------------------------------------- missed while down
async def test_a_reminder_missed_while_down_is_sent_late_or_skipped_once_started(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock,
    caplog: pytest.LogCaptureFixture, people: list[Person]
) -> None:
    """Down from before the congress until 07:50 on its first day: the opening (07:30) has
    begun, its 30-minute reminder (07:00) is skipped; the report (08:30) has not, its
    one-day reminder is sent at once and its 30-minute one (08:00) stays scheduled."""
    sessions = await stored(app)
    clock.set(at(D1, "07:50"))
    with caplog.at_level(logging.INFO, logger="handlers.reminders"):
        async with scheduler_started(app):
            jobs = dict(app.scheduler.jobs())
    opening, report = sessions[OPENING.key], sessions[REPORT.key]
    assert job_id(report.id, HALF_HOUR, report.starts_at) in jobs
    assert job_id(report.id, DAY, report.starts_at) not in jobs
    assert not any(f"r{opening.id}:" in job for job in jobs)
    messages = [r.getMessage() for r in caplog.records]
    assert any(f"r{opening.id}:30:" in m and "skipped" in m for m in messages), messages
    assert any(f"r{report.id}:1440:" in m and "late" in m for m in messages), messages
    await drain(app, clock)
    got = reminded(fake, people)
    assert set(got) == set(range(10))
    assert all(REPORT.title in texts[0] for texts in got.values())
    assert not any(OPENING.title in t or WELCOME.title in t for ts in got.values() for t in ts)


async def test_a_reminder_sent_late_says_how_long_is_really_left(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    """A reminder sent late (missed while the bot was down, or due when the programme was
    imported on the congress morning) says the time really left, not its nominal offset
    ("còn 1 ngày nữa" for a session 40 minutes away was a bug)."""
    people = await seed(app, 2)
    await load(app, clock, [REPORT])
    clock.set(at(D1, "07:50"))  # back after being down since before the congress
    async with scheduler_started(app):
        await drain(app, clock)
    for person in people:
        assert reminders_to(fake, person.user_id) == [
            reminder_text(REPORT, vi("time.minutes", n=40))]


async def test_two_overdue_reminders_of_one_session_make_one_message(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    """Back at 08:10 after being down since the day before, both the one-day (08:30 on
    10/08) and the 30-minute (08:00) reminders of the 08:30 session are overdue: each
    delegate gets one "còn 20 phút nữa", not the same reminder twice."""
    people = await seed(app, 2)
    await load(app, clock, [REPORT])
    clock.set(at(D1, "08:10"))
    async with scheduler_started(app):
        assert app.scheduler.jobs() == []
        await drain(app, clock)
    for person in people:
        assert reminders_to(fake, person.user_id) == [
            reminder_text(REPORT, vi("time.minutes", n=20))]


async def test_a_reminder_for_a_session_that_has_started_or_moved_does_nothing(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock, people: list[Person]
) -> None:
    job = (await jobs_now(app))[REPORT.key, HALF_HOUR]
    clock.set(at(D1, "08:30"))  # APScheduler fired it very late: the session has begun
    await job.run()
    assert await reminder_broadcasts(app) == []
    assert await reminders.send(app.services, 999, HALF_HOUR, "2026-08-11T01:30:00.000+00:00") == 0


# ---------------------------------------------------------------------------- nobody to tell
async def test_a_reminder_with_nobody_to_tell_leaves_no_endless_broadcast(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock, people: list[Person]
) -> None:
    """A reminder whose audience has no registered, unmuted delegate is still recorded (it
    must not be made again) but finished at once: a 'queued' broadcast without outbox rows
    would never finish (and show as still sending in /deliveries)."""
    for person in people:
        if person.delegate.delegation == HEALTH:
            await tg.send(person.user_id or 0, "/reminders off")
    await fire(clock, (await jobs_now(app))[HEALTH_GROUP.key, HALF_HOUR])
    await drain(app, clock)
    assert reminded(fake, people) == {}
    assert await broadcasts.with_status(app.services.db, "queued") == []
    (item,) = await reminder_broadcasts(app)
    assert (item.body, item.status) == (HEALTH_GROUP.title, "done")


# ---------------------------------------------------------------------------- APScheduler itself
async def test_apscheduler_fires_a_reminder_job_when_the_bots_clock_reaches_it(
    app: App, clock: FixedClock
) -> None:
    """The bot's clock runs 100 days behind the wall clock (as the demo's does): APScheduler
    waits the real span until the job's time on the bot's clock, then runs it."""
    clock.set(datetime.now(UTC).replace(microsecond=0) - timedelta(days=100))
    later = (clock.now() + timedelta(days=2)).astimezone(HANOI).date()
    session = Slot("later", later, "10:00", "11:00", "Phiên hai ngày sau")
    await seed(app, 2)
    await load(app, clock, [session], at=None)
    await app.scheduler.start()
    try:
        stored_session = (await stored(app))[session.key]
        wanted = job_id(stored_session.id, HALF_HOUR, stored_session.starts_at)
        due = from_iso(stored_session.starts_at) - timedelta(minutes=30)
        assert dict(app.scheduler.jobs())[wanted] == due
        aps_job = app.scheduler.aps.get_job(wanted)
        assert aps_job is not None
        real_wait = aps_job.next_run_time - datetime.now(UTC)
        assert abs(real_wait - (due - clock.now())) < timedelta(seconds=5)
        # Make APScheduler fire the job now, as it would then.
        app.scheduler.aps.modify_job(wanted, next_run_time=datetime.now(UTC))
        for _ in range(100):  # at most 1 s of real time; a working job takes milliseconds
            if await reminder_broadcasts(app):
                break
            await asyncio.sleep(0.01)
        (item,) = await reminder_broadcasts(app)
        assert item.body == session.title and item.queued_at == to_iso(clock.now())
        assert (await outbox.counts(app.services.db, item.id))["pending"] == 2
        assert wanted not in dict(app.scheduler.jobs())  # a date job runs once
    finally:
        app.scheduler.shutdown()
