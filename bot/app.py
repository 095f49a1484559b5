"""Application assembly: open the database, build the router and services, run channels.

Resources are opened in `App.open` and closed in `App.close`, which the CLI and tests call
around the channels' lifetime (as python-telegram-bot's post_init/post_shutdown would).
Channels get from the app what they may keep besides the platform: the choices offered to
a person (`App.choices`); they never reach storage themselves.
"""

from __future__ import annotations

import asyncio
import functools
import logging

from starlette.types import ASGIApp

from bot import startup
from bot.channels.base import Channel
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.context import Services
from bot.delivery import DeliveryWorker
from bot.i18n import Translator
from bot.model import Incoming, Reply
from bot.pseudonym import Pseudonyms
from bot.scheduler import STOP_GRACE_SECONDS, Scheduler
from bot.web.server import WebHost
from handlers import FEATURES, build_router
from storage import agenda, users
from storage.db import Database

log = logging.getLogger(__name__)

WATCH_SECONDS = 30.0


class StoredChoices:
    """The choices offered to each person, kept in the database (a `ChoiceStore`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def offered(self, platform: str, user_id: str) -> list[tuple[str, str]]:
        """Return the (label, data) choices last offered to this account."""
        return await users.get_choices(self.db, platform, user_id)

    async def offer(self, platform: str, user_id: str,
                    choices: list[tuple[str, str]]) -> None:
        """Remember the choices just offered (an empty list forgets them)."""
        await users.set_choices(self.db, platform, user_id, choices)

    async def language(self, platform: str, user_id: str) -> str | None:
        """Return the language this account chose, or None."""
        account = await users.get(self.db, platform, user_id)
        return account.language if account is not None else None


class App:
    """The running bot: services shared by features, and the channels that feed them."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.channels: list[Channel] = []
        self.choices = StoredChoices(services.db)
        self.delivery = DeliveryWorker(services.db, services.clock, services.config.delivery,
                                       services.texts, organisers=services.organisers)
        self.scheduler = Scheduler(services.clock)
        self.job_grace = STOP_GRACE_SECONDS  # how long a running job may finish at stop
        self.sleep: startup.Sleep = asyncio.sleep  # the pauses between start attempts
        self._agenda_version = 0
        # The web server: the dashboard ([web] enabled) and the channels' webhooks.
        self.web = WebHost(services.config.web, self._dashboard)
        services.wake_delivery = self.delivery.wake
        services.reschedule = self.scheduler.rebuild
        for feature in FEATURES:
            jobs = getattr(feature, "jobs", None)
            if jobs is not None:
                self.scheduler.add_source(functools.partial(jobs, services))

    @classmethod
    async def open(cls, config: Config, *, clock: Clock | None = None, create: bool = True,
                   make_folder: bool = True) -> App:
        """Open the database and assemble the services and router (`create`, `make_folder`:
        as `Database.open`)."""
        db = await Database.open(config.database_path, create=create, make_folder=make_folder)
        texts = config.event.texts()
        organisers = config.organisers.by_platform()
        services = Services(db, config, texts, clock or SystemClock(), build_router(),
                            organisers, pseudonyms=await Pseudonyms.load(db))
        return cls(services)

    def _dashboard(self) -> ASGIApp:
        """Build the dashboard (its modules are loaded only when [web] is on)."""
        from bot.web.site import build

        return build(self)

    @property
    def texts(self) -> Translator:
        """Return the translator."""
        return self.services.texts

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Route one incoming message and return the replies for its sender."""
        return await self.services.router.dispatch(self.services, msg)

    def add_channel(self, channel: Channel) -> None:
        """Attach a channel; it then sends on its platform, the outbox at its rate."""
        self.channels.append(channel)
        self.services.attach(channel)
        self.delivery.add_transport(channel, channel.capabilities.rate)

    async def run(self, stop: asyncio.Event) -> None:
        """Start the channels (waiting for platforms not reachable yet), the delivery worker
        and the scheduler; stop them on `stop`. A rejected token raises TokenRejected.

        The web server ([web] enabled) starts first and stops last. On stop: no new job
        starts and the running ones finish (up to `job_grace` seconds; not when the stop is
        forced by cancelling), the worker finishes its batch, then the channels finish the
        updates in flight, in reverse order of starting.
        """
        started: list[Channel] = []
        worker: asyncio.Task[None] | None = None
        grace = self.job_grace
        try:
            await self.web.start()  # before the channels: their webhooks are served on it
            # A platform not reachable yet is waited for (retried with backoff) until stop.
            await startup.start_all(self.channels, stop, self.sleep, started)
            if stop.is_set():
                return
            worker = asyncio.create_task(self.delivery.run(stop))
            await self.scheduler.start()
            self._agenda_version = await agenda.version(self.services.db)
            self.scheduler.every(WATCH_SECONDS, self._watch_imports, "watch-imports")
            await stop.wait()
        except asyncio.CancelledError:
            grace = 0.0  # forced: no waiting for jobs
            raise
        finally:
            await self.scheduler.stop(grace)
            if worker is not None:
                stop.set()
                await worker
            for channel in reversed(started):
                try:
                    await channel.stop()
                except Exception:
                    log.exception("stopping the %s channel failed", channel.platform)
            await self.web.stop()

    async def _watch_imports(self) -> None:
        """Rebuild the jobs and wake the worker after an import made by another process."""
        version = await agenda.version(self.services.db)
        if version != self._agenda_version:
            self._agenda_version = version
            log.info("the agenda changed (version %d): rebuilding reminders", version)
            await self.scheduler.rebuild()
            self.delivery.wake()

    async def close(self) -> None:
        """Close the database."""
        await self.services.db.close()
