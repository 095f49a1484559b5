"""Timed jobs with APScheduler 3: it only holds what is pending; the database is the truth.

Features add a *source*: a coroutine that returns the jobs it wants (id, UTC time, coroutine
to run). `rebuild()` replaces every job with what the sources say now; it runs at start-up
and after every change (a scheduled announcement, a new agenda). Jobs are added with
`misfire_grace_time=None` and `coalesce=True`: a job that fires late (a busy loop, a
suspended laptop) still runs, once; what to do with something missed while the bot was down
is each source's policy, applied when it rebuilds.

Rebuilds take turns (a lock around reading the sources and installing what they said), so
of a handler's rebuild and the watcher's at the same moment, the last to read installs.
`stop()` starts no new job and lets the running ones finish, up to a bound, before the app
closes the database; what still runs after the bound is cancelled, and logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock, SystemClock

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 10.0  # how long stop() lets running jobs finish


@dataclass(frozen=True)
class Job:
    """One thing to do at one time."""

    id: str
    at: datetime
    run: Callable[[], Awaitable[None]]


Source = Callable[[], Awaitable[list[Job]]]


class Scheduler:
    """Keeps APScheduler's jobs equal to what the sources ask for."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.aps = AsyncIOScheduler(timezone=UTC, job_defaults={
            "misfire_grace_time": None, "coalesce": True, "max_instances": 1})
        self.clock: Clock = clock or SystemClock()
        self.sources: list[Source] = []
        self._managed: dict[str, datetime] = {}
        self._rebuilding = asyncio.Lock()
        self._running: set[asyncio.Task[object]] = set()  # jobs under way
        self._stopping = False

    def add_source(self, source: Source) -> None:
        """Register a feature's job source."""
        self.sources.append(source)

    async def start(self) -> None:
        """Start APScheduler and schedule what the sources ask for."""
        if not self.aps.running:
            self.aps.start()
        await self.rebuild()

    async def rebuild(self) -> None:
        """Replace every job with the sources' current list (one rebuild at a time: a slow
        read never installs over a newer one)."""
        async with self._rebuilding:
            jobs = [job for source in self.sources for job in await source()]
            self._install(jobs)

    def _install(self, jobs: list[Job]) -> None:
        for job_id in self._managed:
            if self.aps.get_job(job_id) is not None:
                self.aps.remove_job(job_id)
        self._managed = {}
        # APScheduler runs on the wall clock; the bot's clock may be shifted (the demo) or
        # fixed (tests): a job runs when the bot's clock reaches its time.
        offset = datetime.now(UTC) - self.clock.now()
        for job in jobs:
            if job.at.tzinfo is None:
                raise ValueError(f"job {job.id} has a naive time")
            self.aps.add_job(self._run, "date", args=[job.run], run_date=job.at + offset,
                             id=job.id, replace_existing=True)
            self._managed[job.id] = job.at
        log.info("scheduled %d jobs", len(jobs))

    def every(self, seconds: float, run: Callable[[], Awaitable[None]], job_id: str) -> None:
        """Run `run` every `seconds` (a job that rebuilds leave alone)."""
        self.aps.add_job(self._run, "interval", args=[run], seconds=seconds, id=job_id,
                         replace_existing=True)

    def jobs(self) -> list[tuple[str, datetime]]:
        """Return (id, time on the bot's clock) of every job still waiting, by time."""
        waiting = {job.id for job in self.aps.get_jobs()}
        return sorted(((job_id, at) for job_id, at in self._managed.items()
                       if job_id in waiting), key=lambda item: (item[1], item[0]))

    @property
    def running_jobs(self) -> int:
        """Return how many jobs are under way."""
        return len(self._running)

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Start no new job, let the running ones finish (up to `grace` seconds), then shut
        down; a job still running after that is cancelled, and logged."""
        self._stopping = True
        if self.aps.running:
            self.aps.pause()
        await asyncio.sleep(0)  # a job handed to the loop just now registers itself
        running = set(self._running)
        if running:
            log.info("letting %d running jobs finish", len(running))
            _, late = await asyncio.wait(running, timeout=grace)
            if late:
                log.warning("%d jobs still running %.0f s after stop: cancelled", len(late),
                            grace)
                for task in late:
                    task.cancel()
                await asyncio.wait(late)
        self.shutdown()

    def shutdown(self) -> None:
        """Stop without running what is pending (the database keeps it); cancels any job
        still running (see `stop`)."""
        if self.aps.running:
            self.aps.shutdown(wait=False)

    async def _run(self, run: Callable[[], Awaitable[None]]) -> None:
        """Run a job on the event loop, noted as under way: APScheduler awaits only
        coroutine functions (anything else goes to a thread pool, where a returned coroutine
        would never run)."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await run()
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # Cancelled by stop() after its bound, which logged it: end quietly (APScheduler
            # would log a traceback for a job that raised).
        finally:
            if task is not None:
                self._running.discard(task)
