"""Benchmark: the dashboard under a congress's load, next to a bare Starlette route.

The app runs with its dashboard on 127.0.0.1 over 5,000 delegates (3,750 registered on
Telegram), 200 sessions, and a broadcast to every registered delegate being sent (a task
marks 25 of its messages sent each 0.1 s, as the delivery worker would at Telegram's rate).
Measured, each by sequential requests from one client:

- baseline: a bare Starlette route (plain text) served by uvicorn in the same process;
- the overview (`/`) and the delegates page (`/delegates`, the first 100 of 5,000, and a
  search), as a logged-in organiser;
- the bot's replies: `/help` handled (router, handler, SQLite; no platform round trip)
  with no dashboard open, then with 50 dashboards open on server-sent events.

The client runs in the same process as the server (the figures include its share of the
CPU: upper bounds). Targets of issue 16: overview p95 at most 100 ms, delegates p95 at most
150 ms, /help p95 under 1 s with 50 dashboards open.

Run: python -m bench.web [--delegates 5000] [--sessions 200] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bench.common import peak_rss_mb, percentile, print_table
from bot.app import App
from bot.clock import FixedClock, to_iso
from bot.config import parse_config
from bot.model import Incoming
from bot.web.server import HttpServer
from handlers.announcements import queue_now
from storage import agenda, outbox
from storage.agenda import SessionData
from testkit.people import seed
from testkit.web_client import token_of
from testkit.zalo_harness import free_port

START = datetime(2026, 8, 11, 0, 30, tzinfo=UTC)


async def timed(call: Callable[[], Awaitable[Any]], count: int,
                pause: float = 0.0) -> list[float]:
    """Return the milliseconds each of `count` sequential calls took (`pause` seconds apart:
    spread over the dashboards' updates)."""
    times = []
    for _ in range(count):
        began = time.perf_counter()
        await call()
        times.append((time.perf_counter() - began) * 1000)
        if pause:
            await asyncio.sleep(pause)
    return times


def row(name: str, times: list[float]) -> tuple[str, ...]:
    """Return a table row: name, requests, p50, p95, p99 (ms)."""
    return (name, str(len(times)), *(f"{percentile(times, p):.1f}" for p in (50, 95, 99)))


async def sessions(app: App, count: int) -> None:
    """Import `count` sessions of 30 minutes from the congress's first morning on."""
    rows = [SessionData(f"s{i}", to_iso(START + timedelta(minutes=30 * i)),
                        to_iso(START + timedelta(minutes=30 * i + 25)), f"Phiên {i}",
                        "Hội trường A", "", "", "plenary", "all") for i in range(count)]
    await agenda.apply_import(app.services.db, upserts=rows, cancel_keys=[], notice=None,
                              now=to_iso(app.services.clock.now()))


async def sending(app: App, stop: asyncio.Event) -> None:
    """Mark the outbox's messages sent, 25 each 0.1 s, as the delivery worker would."""
    while not stop.is_set():
        now = to_iso(app.services.clock.now())
        claimed = await outbox.claim_due(app.services.db, now, 25)
        await outbox.record(app.services.db, [outbox.Outcome(c.id, "sent", now)
                                              for c in claimed])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.1)


async def dashboard_stream(client: httpx.AsyncClient, opened: asyncio.Event,
                           events: list[int]) -> None:
    """Keep one dashboard's event stream open, counting its events."""
    async with client.stream("GET", "/events") as response:
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                events.append(1)
                opened.set()


async def main(args: argparse.Namespace) -> None:
    """Set up the congress, measure, print the table."""
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    port = free_port()
    config = parse_config({"event": {"name": "Đại hội"}, "organisers": {"telegram": [9001]},
                           "web": {"enabled": True, "port": port}},
                          file="bench.toml", base_dir=folder, env={})
    app = await App.open(config, clock=FixedClock(START - timedelta(hours=1)))
    began = time.perf_counter()
    await seed(app, args.delegates, registered=args.delegates * 3 // 4)
    await sessions(app, args.sessions)
    _, recipients, _ = await queue_now(app.services, "Khai mạc", {"type": "all"}, "bench",
                                       report=None)
    print(f"set-up: {args.delegates} delegates, {args.sessions} sessions, a broadcast to "
          f"{recipients} in {time.perf_counter() - began:.1f} s")
    await app.web.start()
    bare = HttpServer(Starlette(routes=[Route("/", lambda r: PlainTextResponse("ok"))]),
                      "127.0.0.1", 0)
    await bare.start()
    stop = asyncio.Event()
    worker = asyncio.create_task(sending(app, stop) if not args.idle else stop.wait())
    base = f"http://127.0.0.1:{port}"
    rows = []
    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client, \
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{bare.port}") as plain:
        from bot.web import auth
        link = await auth.make_link(app.services.db, app.services.clock, config.web,
                                    actor="telegram:9001")
        await client.post("/login", data={"t": token_of(link)})
        count = args.requests
        for name, call in (
            ("bare Starlette route (baseline)", lambda: plain.get("/")),
            ("overview /", lambda: client.get("/")),
            ("delegates /delegates", lambda: client.get("/delegates")),
            ("delegates, search", lambda: client.get("/delegates?q=th%E1%BB%AD+12")),
        ):
            await timed(call, 5)  # warm up
            rows.append(row(name, await timed(call, count)))
        help_msg = Incoming("telegram", "50001", "50001", "U", "vi", "/help", "help", ())
        rows.append(row("/help, no dashboard open", await timed(
            lambda: app.handle(help_msg), count)))
        opened, events = asyncio.Event(), []
        streams = [asyncio.create_task(dashboard_stream(client, opened, events))
                   for _ in range(args.dashboards)]
        await asyncio.wait_for(opened.wait(), 30)
        rows.append(row(f"/help, {args.dashboards} dashboards on SSE", await timed(
            lambda: app.handle(help_msg), count, pause=0.03)))
        rows.append(row(f"overview /, {args.dashboards} dashboards on SSE", await timed(
            lambda: client.get("/"), count)))
        for task in streams:
            task.cancel()
        await asyncio.gather(*streams, return_exceptions=True)
    stop.set()
    await worker
    await bare.stop()
    await app.web.stop()
    await app.close()
    print_table("Dashboard latency (ms)", rows, ("what", "requests", "p50", "p95", "p99"))
    print(f"events pushed to the {args.dashboards} dashboards: {len(events)}; "
          f"peak RSS {peak_rss_mb():.0f} MiB")


def parse() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delegates", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--dashboards", type=int, default=50)
    parser.add_argument("--idle", action="store_true", help="no broadcast being sent")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
