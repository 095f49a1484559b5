"""Benchmark: one announcement to N registered delegates through the outbox, end to end.

What runs: a real `App` (SQLite database in a temporary folder, roster seeded with
`testkit.people.seed`) with a real `TelegramChannel` (python-telegram-bot, long polling) and
the real delivery worker, started by `App.run` as `delegate-bot run` does, on the real
clock. The announcement is queued the way /announce queues it (`broadcasts.create_queued`
with `handlers.announcements.build_messages`, one outbox row per recipient, a live report to
the organiser). The fake Telegram Bot API server (testkit/fake_telegram.py) runs in a process
of its own, so that it does not take CPU from the bot; the bot talks to it over 127.0.0.1
and this script steers it through its stdin/stdout (JSON lines). Every phase runs in its own
process, so the peak RSS printed is that phase's own.

(a) Throughput, no rate limit at the fake: seconds from queueing the broadcast until the
    database shows every row sent, at `telegram_rate` raised to 10000 (the worker unpaced:
    its capacity) and to 1000 (Telegram's paid-broadcast ceiling). Baseline: a bare
    python-telegram-bot `Bot.send_message` loop, same text, same concurrency (32), against
    the same fake: no outbox, no SQLite, no pacing; and at concurrency 4. Then both again
    with the fake answering each sendMessage after `--rtt` ms, as a distant Telegram would:
    the sends in flight (`[delivery] connections`, 8 by default) then bound the rate to
    in-flight / RTT.
(b) Pacing: the fake answers 429 above 30 sendMessage/editMessageText per second (sliding
    one-second window, as the fake enforces it); the bot runs at `--b-rate` (default 29).
    Figures: total time against the ideal N / 30 s, and the 429 answers, each stamped,
    counted before and after the first second of sending. The fake stamps a request when
    its loop reads it, so a pause of the fake's own process turns the bot's evenly spaced
    sends into a burst it never sent (a pause over about 35 ms at 29/s can cost a 429): the
    fake runs with Python's cyclic collector frozen and off (a full collection of its
    records took 50-75 ms), and the table prints its longest pause during the broadcast.
    `--b-without-report` runs it again without the organiser's live report (whose edits
    count against the limit too).
(c) Replies during a broadcast: N recipients queued at the default 25/s, and meanwhile
    `--helps` other users each send /help, evenly over `--window` seconds; the reply time
    (update pushed -> reply received, both stamped by the fake) as p50/p95/max. Baseline:
    the same /help with nothing queued, in the same process just before. The broadcast is
    stopped (gracefully) after the window instead of running its full N / 25 s. `--c-rtt`
    makes the fake answer each sendMessage late, as a distant Telegram would.

Run: python -m bench.broadcast [--recipients 3400] [--part a|b|c|all] [--profile]
(part b takes about N / 30 s: 2 minutes for 3,400). Figures only: nothing is asserted.
Throughput figures depend on a free CPU for the bot and one for the fake: each table ends
with the machine's load average before and after, to tell a busy machine from a slow bot.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import json
import os
import pstats
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from bench.common import (
    FakeServer,
    RunningBot,
    peak_rss_mb,
    percentile,
    print_result,
    print_table,
    run_phase,
)
from bench.common import running_bot as common_running_bot

TOKEN = "123456:BENCH-TOKEN"
ORGANISER = 9001
HELP_USERS = 950_000          # /help senders are chat ids from here on (not recipients)
CONCURRENCY = 32              # the bare baseline's concurrency
POLL = 0.02                   # seconds between two looks at the outbox for "all sent"
PAUSE_TICK = 0.01             # the fake's pause watcher sleeps this long, and sees how late
BODY = ("Phiên khai mạc Đại hội bắt đầu lúc 8 giờ 00 tại Hội trường lớn. Đề nghị các đồng chí "
        "đại biểu có mặt trước 7 giờ 45 để ổn định chỗ ngồi.")
Json = dict[str, Any]


# ---------------------------------------------------------------- the fake, in its own process
def _bench_fake() -> Any:
    """Return a FakeTelegram that stamps recipient sends, 429 answers and /help replies."""
    from testkit.fake_telegram import ApiError, FakeTelegram
    from testkit.people import SEEDED_CHATS

    class BenchFake(FakeTelegram):
        def __init__(self) -> None:
            super().__init__(TOKEN, clock=time.monotonic)  # the bot sleeps for real
            self.declare_chats(SEEDED_CHATS)  # the delegates registered: they wrote
            self.declare_chat(ORGANISER)  # the organiser wrote /announce
            self.by_chat: Counter[int] = Counter()
            self.first_at: dict[int, float] = {}
            self.last_send = 0.0
            self.limited_at: list[float] = []
            self.asked: dict[int, float] = {}
            self.latencies: dict[int, float] = {}
            self.replied = asyncio.Event()
            self.delay = 0.0
            self.longest_pause = (0.0, 0.0)  # seconds, and when (monotonic)

        async def _serve(self, handler: Any, token: str, method: str) -> None:
            if self.delay and method.lower() == "sendmessage":
                await asyncio.sleep(self.delay)  # a network round trip, as far from Telegram
            await super()._serve(handler, token, method)

        def _check_rate(self, description: str) -> None:
            try:
                super()._check_rate(description)
            except ApiError:
                self.limited_at.append(time.monotonic())
                raise

        def _m_sendMessage(self, params: Json) -> Json:
            message = super()._m_sendMessage(params)
            now, chat = time.monotonic(), params["chat_id"]
            self.by_chat[chat] += 1
            self.first_at.setdefault(chat, now)
            self.last_send = now
            if chat in self.asked and chat not in self.latencies:
                self.latencies[chat] = now - self.asked[chat]
                self.replied.set()
            return message

        def ask_help(self, user_id: int) -> None:
            self.asked[user_id] = time.monotonic()
            self.push_text(user_id, "/help", first_name=f"Khách {user_id}")

        async def wait_replies(self, users: list[int], timeout: float) -> list[float]:
            async with asyncio.timeout(timeout):
                while any(u not in self.latencies for u in users):
                    self.replied.clear()
                    await self.replied.wait()
            return [self.latencies[u] for u in users]

        def stats(self, first: int, count: int) -> Json:
            chats = range(first, first + count)
            got = [self.by_chat[c] for c in chats]
            stamps = [self.first_at[c] for c in chats if c in self.first_at]
            start = min(stamps, default=0.0)
            return {
                "reached": sum(n > 0 for n in got), "twice": sum(n > 1 for n in got),
                "sends": sum(got), "first": start,
                "last": max(stamps, default=0.0),
                "limited_after": [t - start for t in self.limited_at],
                "edits": len(self.calls_to("editMessageText")),
                "reports": self.by_chat[ORGANISER], "rss_mb": peak_rss_mb(),
                "pause": self.longest_pause[0], "pause_at": self.longest_pause[1] - start,
            }

    return BenchFake()


async def _watch_pauses(fake: Any) -> None:
    """Record the fake's longest loop pause (and when) while sends arrive: how late a
    short sleep wakes up."""
    while True:
        asked = time.monotonic()
        await asyncio.sleep(PAUSE_TICK)
        late = time.monotonic() - asked - PAUSE_TICK
        if fake.last_send and late > fake.longest_pause[0]:
            fake.longest_pause = (late, asked)


async def _serve_fake() -> None:
    """Run the fake and answer JSON-line commands from stdin until "stop"."""
    fake = _bench_fake()
    await fake.start()
    gc.collect()
    gc.freeze()  # what is alive now is never scanned again
    gc.disable()  # Telegram's rate clock does not stop: neither may the fake's (docstring, b)
    watcher = asyncio.create_task(_watch_pauses(fake))
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def answer(value: Any) -> None:
        sys.stdout.write(json.dumps(value) + "\n")
        sys.stdout.flush()

    answer({"port": fake.port})
    while line := await reader.readline():
        cmd = json.loads(line)
        op = cmd["op"]
        if op == "stop":
            break
        if op == "limit":
            fake.rate_limit = cmd["rate"]
            answer({})
        elif op == "delay":
            fake.delay = cmd["seconds"]
            answer({})
        elif op == "cpu":
            answer(time.process_time())
        elif op == "help":
            fake.ask_help(cmd["user"])
            answer({})
        elif op == "replies":
            answer(await fake.wait_replies(cmd["users"], cmd["timeout"]))
        elif op == "stats":
            answer(fake.stats(cmd["first"], cmd["count"]))
    watcher.cancel()
    await fake.stop()


@contextlib.asynccontextmanager
async def fake_server() -> AsyncIterator[FakeServer]:
    """Run the fake server process for the block."""
    server = FakeServer("bench.broadcast")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


# ---------------------------------------------------------------- the bot under test
@contextlib.asynccontextmanager
async def running_bot(port: int, recipients: int, rate: float | None) -> AsyncIterator[RunningBot]:
    """Seed `recipients` registered delegates and run the bot (App.run) against the fake."""
    delivery = {} if rate is None else {"telegram_rate": rate}
    async with common_running_bot(port, recipients, token=TOKEN, organiser=ORGANISER,
                                  delivery=delivery) as bot:
        yield bot


async def queue_announcement(bot: RunningBot, *, report: bool = True) -> int:
    """Queue the announcement to every registered delegate, as /announce does; return its id.

    With `report`, the organiser gets the live delivery report (a message edited every
    `report_interval` seconds), as after /announce.
    """
    from bot.clock import to_iso
    from handlers.announcements import build_messages
    from storage import broadcasts, registrations

    services = bot.app.services
    people = await registrations.recipients(services.db, {"type": "all"})
    queued = await broadcasts.create_queued(services.db, broadcasts.NewBroadcast(
        "announcement", {"type": "all"}, BODY, f"telegram:{ORGANISER}",
        lambda bid: build_messages(services, bid, BODY, people),
        report=("telegram", str(ORGANISER), "vi") if report else None,
    ), to_iso(services.clock.now()))
    assert queued is not None
    services.wake_delivery()
    return queued[0]


async def wait_all_sent(bot: RunningBot, broadcast_id: int, timeout: float) -> dict[str, int]:
    """Poll the outbox until nothing of the broadcast is pending or in flight."""
    from storage import outbox

    async with asyncio.timeout(timeout):
        while True:
            counts = await outbox.counts(bot.app.services.db, broadcast_id)
            if counts["pending"] + counts["sending"] == 0:
                return counts
            if bot.task.done():
                await bot.task
                raise RuntimeError("the bot stopped")
            await asyncio.sleep(POLL)


# ---------------------------------------------------------------- phases (one process each)
async def phase_throughput(recipients: int, rate: float, rtt: float, profile: bool) -> Json:
    """(a) Queue the broadcast and time it until every row is recorded sent."""
    async with fake_server() as fake, running_bot(fake.port, recipients, rate) as bot:
        await fake.call("delay", seconds=rtt)
        profiler = cProfile.Profile() if profile else None
        fake_cpu = await fake.call("cpu")
        cpu, started = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        broadcast_id = await queue_announcement(bot)
        queued = time.perf_counter()
        counts = await wait_all_sent(bot, broadcast_id, timeout=600)
        done, cpu = time.perf_counter(), time.process_time() - cpu
        fake_cpu = await fake.call("cpu") - fake_cpu
        if profiler:
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
            print(out.getvalue(), file=sys.stderr)
        stats = await fake.call("stats", first=bot.first_chat, count=recipients)
    return {"seconds": done - started, "enqueue": queued - started, "sent": counts["sent"],
            "failed": counts["failed"], "wire": stats["last"] - stats["first"], **_fake(stats),
            "cpu": cpu, "fake_cpu": fake_cpu, "seed": bot.seed_seconds, "rss_mb": peak_rss_mb(),
            "pool": _pool_size()}


def _pool_size() -> int:
    """Return the outbox's connections (and sends in flight): `[delivery] connections`."""
    from bot.config import DeliveryConfig

    return DeliveryConfig().connections


async def phase_bare(recipients: int, concurrency: int, rtt: float) -> Json:
    """(a) baseline: a bare python-telegram-bot send loop, same text and concurrency."""
    from telegram import Bot
    from telegram.constants import ParseMode

    from bot.i18n import Translator
    from testkit.people import FIRST_USER_ID

    text = Translator.load("vi").t("vi", "announce.message", text=BODY)
    limit = asyncio.Semaphore(concurrency)
    async with fake_server() as fake:
        await fake.call("delay", seconds=rtt)
        bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{fake.port}/bot")

        async def send(chat_id: int) -> None:
            async with limit:
                await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML,
                                       disable_web_page_preview=True)

        async with bot:
            await send(ORGANISER)  # warm-up: connection, getMe
            fake_cpu = await fake.call("cpu")
            cpu, started = time.process_time(), time.perf_counter()
            await asyncio.gather(*(send(FIRST_USER_ID + i) for i in range(recipients)))
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            fake_cpu = await fake.call("cpu") - fake_cpu
        stats = await fake.call("stats", first=FIRST_USER_ID, count=recipients)
    return {"seconds": seconds, **_fake(stats), "cpu": cpu, "fake_cpu": fake_cpu,
            "rss_mb": peak_rss_mb()}


async def phase_paced(recipients: int, rate: float, report: bool) -> Json:
    """(b) The fake enforces 30/s; time the broadcast and stamp every 429."""
    async with fake_server() as fake:
        await fake.call("limit", rate=30)
        async with running_bot(fake.port, recipients, rate) as bot:
            started = time.perf_counter()
            broadcast_id = await queue_announcement(bot, report=report)
            counts = await wait_all_sent(bot, broadcast_id, timeout=recipients / 10 + 60)
            seconds = time.perf_counter() - started
            stats = await fake.call("stats", first=bot.first_chat, count=recipients)
    limited = stats["limited_after"]
    return {"seconds": seconds, "sent": counts["sent"], "failed": counts["failed"],
            "wire": stats["last"] - stats["first"], **_fake(stats),
            "limited": len(limited), "limited_late": sum(t > 1.0 for t in limited),
            "limited_at": [round(t, 3) for t in limited[:20]], "fake_pause": stats["pause"],
            "fake_pause_at": stats["pause_at"], "rss_mb": peak_rss_mb()}


async def phase_replies(recipients: int, helps: int, window: float, rtt: float) -> Json:
    """(c) /help from other users while the broadcast goes out at the default rate."""
    async with fake_server() as fake, running_bot(fake.port, recipients, None) as bot:
        await fake.call("delay", seconds=rtt)
        idle = await _ask_help(fake, HELP_USERS, 20, 2.0)
        broadcast_id = await queue_announcement(bot)
        busy = await _ask_help(fake, HELP_USERS + 1000, helps, window)
        stats = await fake.call("stats", first=bot.first_chat, count=recipients)
    return {"idle": idle, "busy": busy, "broadcast": broadcast_id, **_fake(stats),
            "wire": stats["last"] - stats["first"],
            "rate": bot.app.services.config.delivery.telegram_rate, "rss_mb": peak_rss_mb()}


async def _ask_help(fake: FakeServer, first: int, count: int, window: float) -> list[float]:
    """Send /help from `count` new users evenly over `window` s; return their reply times."""
    users = [first + i for i in range(count)]
    started = time.perf_counter()
    for i, user in enumerate(users):
        await asyncio.sleep(max(0.0, started + i * window / count - time.perf_counter()))
        await fake.call("help", user=user)
    return list(await fake.call("replies", users=users, timeout=60))


def _fake(stats: Json) -> Json:
    return {k: stats[k] for k in ("reached", "twice", "sends", "edits", "reports")} | {
        "fake_rss_mb": stats["rss_mb"]}


# ---------------------------------------------------------------- orchestration and tables
def _phase(*args: str) -> Json:
    """Run one phase in a child process and return the figures it prints last."""
    return run_phase("bench.broadcast", *args, show_stderr="--profile" in args)


HEADERS = ("figure", "value", "target", "baseline")


def machine_row(load_before: float) -> tuple[str, ...]:
    """Return a row with the CPUs and the load average before and after a part."""
    return ("machine: CPUs, load average (1 min) before -> after",
            f"{os.cpu_count()}, {load_before:.1f} -> {os.getloadavg()[0]:.1f}", "", "")


def report_throughput(recipients: int, rtt: float, profile: bool) -> None:
    """Run and print part (a)."""
    n = str(recipients)
    load = os.getloadavg()[0]
    delay = str(rtt / 1000)
    bare = _phase("--phase", "bare", "--recipients", n)
    bare_few = _phase("--phase", "bare", "--recipients", n, "--concurrency", "4")
    unpaced = _phase("--phase", "a", "--recipients", n, "--rate", "10000",
                     *(["--profile"] if profile else []))
    paid = _phase("--phase", "a", "--recipients", n, "--rate", "1000")
    far = _phase("--phase", "a", "--recipients", n, "--rate", "10000", "--delay", delay)
    bare_far = _phase("--phase", "bare", "--recipients", n, "--delay", delay)
    base = f"{recipients / bare['seconds']:,.0f} msg/s"
    rows = [
        (f"bare PTB send_message loop (concurrency {CONCURRENCY}, pool 256)", base, "", base),
        ("bare PTB send_message loop (concurrency 4)",
         f"{recipients / bare_few['seconds']:,.0f} msg/s", "", ""),
        ("outbox, telegram_rate 10000 (unpaced): msg/s end to end",
         f"{recipients / unpaced['seconds']:,.0f} msg/s", "≥ 1,000 msg/s", base),
        ("  seconds, queue -> all recorded sent", f"{unpaced['seconds']:.2f} s", "",
         f"{bare['seconds']:.2f} s"),
        ("  of which queueing (create_queued)", f"{unpaced['enqueue'] * 1000:.0f} ms", "", ""),
        ("  first -> last send at the fake", f"{unpaced['wire']:.2f} s", "", ""),
        ("outbox, telegram_rate 1000 (paid ceiling): msg/s end to end",
         f"{recipients / paid['seconds']:,.0f} msg/s", "≥ 1,000 msg/s", base),
        ("  seconds, queue -> all recorded sent", f"{paid['seconds']:.2f} s",
         f"{recipients / 1000:.2f} s", ""),
    ]
    rows += [
        ("CPU per message in the bot, unpaced / rate 1000",
         f"{_per(unpaced, 'cpu', recipients)} / {_per(paid, 'cpu', recipients)}", "",
         _per(bare, "cpu", recipients)),
        ("  = msg/s the bot could send on one free core, unpaced / rate 1000",
         f"{_free(unpaced, recipients)} / {_free(paid, recipients)}", "≥ 1,000 msg/s",
         _free(bare, recipients)),
        ("CPU per message in the fake server (own process)",
         _per(unpaced, "fake_cpu", recipients), "", _per(bare, "fake_cpu", recipients)),
    ]
    rows += _delivery_rows(unpaced, recipients, "unpaced") + _delivery_rows(paid, recipients,
                                                                           "rate 1000")
    rows += [
        (f"outbox, unpaced, sendMessage answered after {rtt:g} ms (a round trip)",
         f"{recipients / far['seconds']:,.0f} msg/s", "≥ 1,000 msg/s",
         f"{recipients / bare_far['seconds']:,.0f} msg/s"),
        (f"  bound: {far['pool']} sends in flight (\\[delivery] connections) / {rtt:g} ms",
         f"{far['pool'] / (rtt / 1000):,.0f} msg/s", "",
         f"{CONCURRENCY / (rtt / 1000):,.0f} msg/s"),
    ]
    rows += [("peak RSS of the bot, unpaced / rate 1000",
              f"{unpaced['rss_mb']:.0f} / {paid['rss_mb']:.0f} MiB", "",
              f"{bare['rss_mb']:.0f} MiB"),
             ("peak RSS of the fake server (own process)", f"{unpaced['fake_rss_mb']:.0f} MiB",
              "", ""),
             ("seeding the roster (not timed above)", f"{unpaced['seed']:.1f} s", "", ""),
             machine_row(load)]
    print_table(f"(a) {recipients:,} recipients, fake server without a rate limit", rows, HEADERS)


def _per(result: Json, key: str, recipients: int) -> str:
    return f"{1e6 * result[key] / recipients:,.0f} µs"


def _free(result: Json, recipients: int) -> str:
    return f"{recipients / result['cpu']:,.0f}"


def _delivery_rows(result: Json, recipients: int, label: str) -> list[tuple[str, ...]]:
    return [(f"  reached / twice ({label})", f"{result['reached']:,} / {result['twice']}",
             f"{recipients:,} / 0", "")]


def report_paced(recipients: int, rate: float, without_report: bool) -> None:
    """Run and print part (b), and again without the live report if asked."""
    load = os.getloadavg()[0]
    result = _phase("--phase", "b", "--recipients", str(recipients), "--rate", str(rate))
    bare = None
    if without_report:
        bare = _phase("--phase", "b", "--recipients", str(recipients), "--rate", str(rate),
                      "--no-report")
    ideal = recipients / 30
    over = 100 * (result["seconds"] / ideal - 1)
    rows = [
        (f"total time, telegram_rate {rate:g}", f"{result['seconds']:.1f} s",
         f"≤ {ideal * 1.05:.1f} s (+5%)", f"{ideal:.1f} s (ideal N/30)"),
        ("  against the ideal", f"{over:+.1f} %", "≤ +5 %", ""),
        ("  first -> last send at the fake", f"{result['wire']:.1f} s", "", ""),
        ("429 answers in all", str(result["limited"]), "", ""),
        ("429 answers after the first second", str(result["limited_late"]), "0", ""),
        ("  first 429s, seconds after the first send",
         ", ".join(f"{t:.2f}" for t in result["limited_at"][:8]) or "-", "", ""),
        ("  the fake's longest pause, and when (a pause bunches arrivals)",
         f"{1000 * result['fake_pause']:.0f} ms at {result['fake_pause_at']:.0f} s", "", ""),
        ("reached / twice", f"{result['reached']:,} / {result['twice']}",
         f"{recipients:,} / 0", ""),
        ("report edits to the organiser (count against the limit)", str(result["edits"]),
         "", ""),
        ("peak RSS of the bot", f"{result['rss_mb']:.0f} MiB", "", ""),
    ]
    if bare is not None:
        rows += [
            ("without the organiser's live report: total time", f"{bare['seconds']:.1f} s",
             f"≤ {ideal * 1.05:.1f} s (+5%)", f"{ideal:.1f} s (ideal N/30)"),
            ("  429 answers in all / after the first second",
             f"{bare['limited']} / {bare['limited_late']}", "- / 0", ""),
        ]
    rows.append(machine_row(load))
    print_table(f"(b) {recipients:,} recipients, fake server enforcing 30 msg/s", rows, HEADERS)


def report_replies(recipients: int, helps: int, window: float, rtt: float) -> None:
    """Run and print part (c)."""
    load = os.getloadavg()[0]
    result = _phase("--phase", "c", "--recipients", str(recipients), "--helps", str(helps),
                    "--window", str(window), "--delay", str(rtt / 1000))
    idle, busy = result["idle"], result["busy"]

    def ms(values: list[float], p: float) -> str:
        return f"{1000 * percentile(values, p):.0f} ms"

    rows = [
        ("/help reply time p50", ms(busy, 50), "", ms(idle, 50) + " (idle)"),
        ("/help reply time p95", ms(busy, 95), "< 1000 ms", ms(idle, 95) + " (idle)"),
        ("/help reply time max", ms(busy, 100), "", ms(idle, 100) + " (idle)"),
        ("/help asked during the broadcast", f"{len(busy)} over {window:g} s", "",
         f"{len(idle)} (idle)"),
        (f"broadcast messages sent meanwhile (rate {result['rate']:g}/s)",
         f"{result['sends']:,} of {recipients:,}", "", ""),
        ("  their rate at the fake (first -> last send)",
         f"{(result['sends'] - 1) / max(result['wire'], 1e-9):.1f} msg/s",
         f"{result['rate']:g} msg/s", ""),
        ("peak RSS of the bot", f"{result['rss_mb']:.0f} MiB", "", ""),
        machine_row(load),
    ]
    far = f", sendMessage answered after {rtt:g} ms" if rtt else ""
    print_table(f"(c) /help while {recipients:,} messages are queued at "
                f"{result['rate']:g}/s{far} (broadcast stopped after the window)", rows, HEADERS)


def main() -> None:
    """Run the chosen parts, each phase in its own process, and print their tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--recipients", type=int, default=3400)
    parser.add_argument("--part", choices=("a", "b", "c", "all"), default="all")
    parser.add_argument("--b-rate", type=float, default=29.0,
                        help="telegram_rate of the bot in part b (default 29)")
    parser.add_argument("--b-without-report", action="store_true",
                        help="run part b a second time without the organiser's live report")
    parser.add_argument("--helps", type=int, default=50, help="/help senders in part c")
    parser.add_argument("--window", type=float, default=20.0, help="seconds of part c")
    parser.add_argument("--c-rtt", type=float, default=0.0,
                        help="milliseconds the fake waits before answering a sendMessage in "
                             "part c (default 0)")
    parser.add_argument("--rtt", type=float, default=100.0,
                        help="milliseconds the fake waits before answering a sendMessage, in "
                             "the extra round-trip runs of part a (default 100)")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of the unpaced run of part a")
    parser.add_argument("--phase", choices=("fake", "bare", "a", "b", "c"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=30.0, help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help=argparse.SUPPRESS)
    parser.add_argument("--delay", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--no-report", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "fake":
        asyncio.run(_serve_fake())
        return
    if args.phase:
        import logging

        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
        for noisy in ("httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        runner = {
            "bare": lambda: phase_bare(args.recipients, args.concurrency, args.delay),
            "a": lambda: phase_throughput(args.recipients, args.rate, args.delay, args.profile),
            "b": lambda: phase_paced(args.recipients, args.rate, not args.no_report),
            "c": lambda: phase_replies(args.recipients, args.helps, args.window, args.delay),
        }[args.phase]
        print_result(asyncio.run(runner()))
        return
    if args.part in ("a", "all"):
        report_throughput(args.recipients, args.rtt, args.profile)
    if args.part in ("c", "all"):
        report_replies(args.recipients, args.helps, args.window, args.c_rtt)
    if args.part in ("b", "all"):
        report_paced(args.recipients, args.b_rate, args.b_without_report)


if __name__ == "__main__":
    main()
