"""Live updates without reloading: server-sent events with the overview's figures.

One `Pulse` per dashboard reads the figures every `interval` seconds while at least one page
listens (50 open dashboards cost one read, not 50), and hands each listener the new figures
when they changed. `GET /events` streams them as `event: overview` with the values keyed as
the page marks its elements (static/live.js puts them in place); `?once=1` ends the stream
after the first event (tests, scripts). The streams end when the server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from bot.web import overview_data
from bot.web.overview_data import Overview
from bot.web.render import Web, organiser_only, session_of, web_of

INTERVAL = 2.0
PING_SECONDS = 15.0
Sleep = Callable[[float], Awaitable[None]]


class Pulse:
    """Reads the overview while someone listens; tells every listener what changed."""

    def __init__(self, web: Web, interval: float = INTERVAL, sleep: Sleep = asyncio.sleep) -> None:
        self.web, self.interval, self.sleep = web, interval, sleep
        self.listeners: set[asyncio.Queue[Overview]] = set()
        self.latest: Overview | None = None
        self.reads = 0  # how many times the figures were read (tests, benchmarks)
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def listen(self) -> asyncio.Queue[Overview]:
        """Start listening; the figures come at once (read afresh when nobody was
        listening), then whenever they change."""
        queue: asyncio.Queue[Overview] = asyncio.Queue(maxsize=1)
        if not self.listeners:
            self.latest = None  # not kept up to date while nobody listened
            self._wake.set()
        elif self.latest is not None:
            queue.put_nowait(self.latest)
        self.listeners.add(queue)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        return queue

    def leave(self, queue: asyncio.Queue[Overview]) -> None:
        """Stop listening (the last one to leave stops the reading)."""
        self.listeners.discard(queue)
        if not self.listeners:
            self._wake.set()

    async def _run(self) -> None:
        while self.listeners and not self.web.closing.is_set():
            self._wake.clear()
            view = await overview_data.read(self.web.services)
            self.reads += 1
            if view != self.latest:
                self.latest = view
                for queue in list(self.listeners):
                    with contextlib.suppress(asyncio.QueueEmpty):
                        queue.get_nowait()  # an old one not taken yet: only the newest counts
                    queue.put_nowait(view)
            await self._pause()
        self.latest = None

    async def _pause(self) -> None:
        """Wait `interval` seconds, or less when woken (a first listener, the last gone)."""
        napping = asyncio.ensure_future(self.sleep(self.interval))
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({napping, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (napping, woken):
                task.cancel()


def pulse_of(web: Web) -> Pulse:
    """Return the dashboard's pulse (made on first use)."""
    found = web.kept.get("pulse")
    if not isinstance(found, Pulse):
        found = Pulse(web)
        web.kept["pulse"] = found
    return found


async def _stream(web: Web, lang: str, once: bool) -> AsyncIterator[str]:
    pulse = pulse_of(web)
    t = web.translate(lang)
    queue = pulse.listen()
    closing = asyncio.ensure_future(web.closing.wait())
    try:
        yield f"retry: {int(INTERVAL * 2000)}\n\n"
        while not web.closing.is_set():
            getting = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getting, closing}, timeout=PING_SECONDS,
                                         return_when=asyncio.FIRST_COMPLETED)
            if getting not in done:
                getting.cancel()
                if closing in done:
                    break
                yield ": ping\n\n"
                continue
            values = overview_data.live_values(getting.result(), t)
            yield f"event: overview\ndata: {json.dumps(values, ensure_ascii=False)}\n\n"
            if once:
                break
    finally:
        closing.cancel()
        pulse.leave(queue)


@organiser_only
async def events(request: Request) -> Response:
    """Stream the overview's figures as server-sent events."""
    web = web_of(request)
    lang = web.language(session_of(request))
    once = request.query_params.get("once") == "1"
    return StreamingResponse(_stream(web, lang, once), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def routes(web: Web) -> list[BaseRoute]:
    """Return the event stream's route."""
    return [Route("/events", events)]
