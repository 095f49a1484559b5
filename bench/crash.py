"""Benchmark: recipients who get an announcement twice after a SIGKILL during a broadcast.

What runs: the real bot process (`delegate-bot run`, started as `python -m bench.crash
--phase bot`) on a database with N registered delegates (`testkit.people.seed`) and one
announcement queued to all of them as /announce queues it (with the organiser's live
report), against the fake Telegram Bot API server (testkit/fake_telegram.py) in this process,
at the default 25 messages a second. When the broadcast reaches 10 %, 50 % and 90 %, the bot
is killed with SIGKILL, then started again and left to send what the kill left in flight
(rows 'sending' go back to pending at start); then it is stopped with SIGTERM and the fake
counts the recipients who got the announcement twice. Each point is run `--runs` times
(default 5) on a fresh copy of the database, and the maximum is printed.

Baseline, in the same run: the worker as it was before (every outcome of a claimed batch
written once, after the whole batch came back: `DeliveryWorker.record_each = False`), and
the bound the worker keeps, `[delivery] connections` (8 by default).

Fast-forward: reaching 90 % at 25/s takes two minutes, so the rows before the kill point
less `--warmup` (default 60) messages are marked sent in the database before the bot starts
(through `storage.outbox`, as the worker would); the bot sends the last `warmup` messages
itself at full pace, and the kill lands exactly at the point. The warm-up grows by a
fraction of a batch from run to run, so the kills land at different places within a batch.
`--warmup 3400` sends everything from the start.

`--rtt` makes the fake answer each sendMessage late, as a distant Telegram would, so that
several sends are in flight at the kill (the bound is then what limits the duplicates).

Run: python -m bench.crash [--recipients 3400] [--runs 5] [--rate 25] [--rtt 0]
Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import print_table

TOKEN = "123456:BENCH-TOKEN"
ORGANISER = 9001
POINTS = (0.10, 0.50, 0.90)
BODY = ("Phiên khai mạc Đại hội bắt đầu lúc 8 giờ 00 tại Hội trường lớn. Đề nghị các đồng chí "
        "đại biểu có mặt trước 7 giờ 45 để ổn định chỗ ngồi.")
TIMEOUT = 120.0   # seconds; only reached when something is broken
POLL = 0.05       # seconds between two looks at the outbox while the restarted bot resends


@dataclass
class Prepared:
    """A folder with a database template holding the queued announcement."""

    folder: Path
    template: Path
    broadcast_id: int
    rate: float
    connections: int


def _write_config(folder: Path, port: int, rate: float) -> Path:
    path = folder / "config.toml"
    path.write_text(
        f'[event]\nname = "Đại hội"\n\n[storage]\npath = "bot.sqlite3"\n\n'
        f"[organisers]\ntelegram = [{ORGANISER}]\n\n[delivery]\ntelegram_rate = {rate}\n\n"
        f'[telegram]\nenabled = true\ntoken = "{TOKEN}"\n'
        f'api_base_url = "http://127.0.0.1:{port}"\n', encoding="utf-8")
    return path


async def prepare(folder: Path, recipients: int, rate: float) -> Prepared:
    """Seed the roster and queue the announcement once; keep the database as a template."""
    from bot.app import App
    from bot.clock import to_iso
    from bot.config import load_config
    from handlers.announcements import build_messages
    from storage import broadcasts, registrations
    from testkit.people import seed

    config = load_config(_write_config(folder, 1, rate), env={})
    app = await App.open(config)
    try:
        await seed(app, recipients)
        services = app.services
        people = await registrations.recipients(services.db, {"type": "all"})
        queued = await broadcasts.create_queued(services.db, broadcasts.NewBroadcast(
            "announcement", {"type": "all"}, BODY, f"telegram:{ORGANISER}",
            lambda bid: build_messages(services, bid, BODY, people),
            report=("telegram", str(ORGANISER), "vi"),
        ), to_iso(services.clock.now()))
        assert queued is not None
    finally:
        await app.close()
    template = folder / "template.sqlite3"
    shutil.copyfile(config.database_path, template)
    return Prepared(folder, template, queued[0], rate, config.delivery.connections)


async def _mark_sent(database: Path, count: int) -> None:
    """Mark the first `count` rows sent, as the worker records them (the fast-forward)."""
    from bot.clock import SystemClock, to_iso
    from storage import outbox
    from storage.db import Database

    db = await Database.open(database)
    try:
        now = to_iso(SystemClock().now())
        claimed = await outbox.claim_due(db, now, count)
        await outbox.record(db, [outbox.Outcome(row.id, "sent", now) for row in claimed])
    finally:
        await db.close()


async def _counts(database: Path, broadcast_id: int) -> dict[str, int]:
    from storage import outbox
    from storage.db import Database

    db = await Database.open(database)
    try:
        return await outbox.counts(db, broadcast_id)
    finally:
        await db.close()


class Bot:
    """The bot process (`--phase bot`), its output in a log file."""

    def __init__(self, folder: Path, old: bool) -> None:
        self.folder, self.old = folder, old
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the bot on the folder's config."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("DELEGATE_BOT_")}
        with (self.folder / "bot.log").open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.crash", "--phase", "bot",
                "--config", str(self.folder / "config.toml"), *(["--old"] if self.old else []),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env)

    async def signal(self, sig: signal.Signals) -> int:
        """Send `sig`; return the exit status."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), TIMEOUT)

    def check_running(self) -> None:
        """Fail with the end of the log if the bot has exited."""
        if self.proc is not None and self.proc.returncode is not None:
            tail = (self.folder / "bot.log").read_text(errors="replace").splitlines()[-30:]
            raise SystemExit("the bot exited early:\n" + "\n".join(tail))


def _fake(rtt: float) -> Any:
    """Return a fake Telegram server that answers each sendMessage after `rtt` seconds."""
    from testkit.fake_telegram import FakeTelegram
    from testkit.people import SEEDED_CHATS

    class FarFake(FakeTelegram):
        async def _serve(self, handler: Any, token: str, method: str) -> None:
            if rtt and method.lower() == "sendmessage":
                await asyncio.sleep(rtt)  # the round trip to a distant Telegram
            await super()._serve(handler, token, method)

    fake = FarFake(TOKEN, clock=time.monotonic)  # the bot runs on the real clock
    fake.declare_chats(SEEDED_CHATS)  # the delegates registered: they wrote to the bot
    fake.declare_chat(ORGANISER)  # the organiser wrote /announce
    return fake


async def one_run(ready: Prepared, kill_at: int, warmup: int, old: bool,
                  rtt: float) -> dict[str, int]:
    """Kill the bot when `kill_at` recipients have the announcement; return the duplicates."""
    database = ready.folder / "bot.sqlite3"
    for leftover in ready.folder.glob("bot.sqlite3*"):
        leftover.unlink()
    shutil.copyfile(ready.template, database)
    await _mark_sent(database, kill_at - warmup)
    async with _fake(rtt) as fake:
        _write_config(ready.folder, fake.port, ready.rate)

        def reached() -> int:
            return sum(1 for p in fake.sent_messages() if p["chat_id"] != ORGANISER)

        bot = Bot(ready.folder, old)
        await bot.start()
        while reached() < warmup:
            bot.check_running()
            await fake.wait_for("sendMessage", count=len(fake.sent_messages()) + 1,
                                timeout=TIMEOUT)
        await bot.signal(signal.SIGKILL)
        at_kill = reached()
        counts = await _counts(database, ready.broadcast_id)
        await bot.start()  # puts the rows left 'sending' back and sends them first
        started = time.monotonic()
        while (await _counts(database, ready.broadcast_id))["sent"] < (
                counts["sent"] + counts["sending"]):
            bot.check_running()
            if time.monotonic() - started > TIMEOUT:
                raise SystemExit("the restarted bot did not resend what was in flight")
            await asyncio.sleep(POLL)
        if await bot.signal(signal.SIGTERM) != 0:
            raise SystemExit("the bot did not stop cleanly on SIGTERM")
        copies = Counter(p["chat_id"] for p in fake.sent_messages()
                         if p["chat_id"] != ORGANISER)
    return {"twice": sum(n > 1 for n in copies.values()),
            "more": sum(n > 2 for n in copies.values()),
            "at_kill": at_kill + kill_at - warmup, "left_sending": counts["sending"]}


async def measure(recipients: int, runs: int, rate: float, warmup: int, rtt: float) -> None:
    """Run every point in both modes and print the table."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        ready = await prepare(Path(tmp), recipients, rate)
        batch = max(1, min(200, int(rate)))
        results: dict[tuple[float, bool], list[dict[str, int]]] = {}
        for point in POINTS:
            kill_at = round(recipients * point)
            for old in (False, True):
                results[point, old] = [
                    await one_run(ready, kill_at,
                                  min(kill_at, warmup + round(r * batch / runs)), old, rtt)
                    for r in range(runs)]
    rows: list[tuple[str, ...]] = []
    for point in POINTS:
        rows.append((
            f"SIGKILL at {point:.0%} ({round(recipients * point):,} of {recipients:,})",
            _figure(results[point, False]), f"≤ {ready.connections}",
            _figure(results[point, True])))
    def most(key: str, old: bool) -> str:
        return str(max(r[key] for (_, o), rs in results.items() if o == old for r in rs))

    rows += [
        ("rows left 'sending' by a kill, max (claimed: sent or not yet)",
         most("left_sending", False), "", most("left_sending", True)),
        ("recipients who got it three times or more, max", most("more", False), "0",
         most("more", True)),
        ("bound: \\[delivery] connections; before: one claimed batch (1 s of sending)",
         str(ready.connections), "", str(batch)),
        ("telegram_rate; sendMessage answered after; messages the bot sent before a kill",
         f"{rate:g}/s; {rtt * 1000:g} ms; {warmup} to {warmup + batch}", "", ""),
        ("machine: CPUs, load average (1 min) before -> after",
         f"{os.cpu_count()}, {load:.1f} -> {os.getloadavg()[0]:.1f}", "", ""),
    ]
    print_table(f"Recipients who got the announcement twice after SIGKILL ({recipients:,} "
                f"recipients, max of {runs} runs; runs in brackets)", rows,
                ("figure", "duplicates", "target", "baseline: the worker before"))


def _figure(runs: list[dict[str, int]]) -> str:
    values = [r["twice"] for r in runs]
    return f"{max(values)} ({', '.join(map(str, values))})"


def _run_bot(config: str, old: bool) -> int:
    """Run `delegate-bot run`; with `old`, as the worker wrote outcomes before."""
    from bot import cli
    from bot.delivery import DeliveryWorker

    if old:
        DeliveryWorker.record_each = False
    return cli.main(["--config", config, "run"])


def main() -> None:
    """Measure, or run the bot (the child processes)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--recipients", type=int, default=3400)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rate", type=float, default=25.0, help="telegram_rate (default 25)")
    parser.add_argument("--warmup", type=int, default=60,
                        help="messages the bot sends itself before each kill (default 60)")
    parser.add_argument("--rtt", type=float, default=0.0,
                        help="milliseconds the fake waits before answering a sendMessage, as "
                             "a distant Telegram would (default 0)")
    parser.add_argument("--phase", choices=("bot",), help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--old", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "bot":
        sys.exit(_run_bot(args.config, args.old))
    asyncio.run(measure(args.recipients, args.runs, args.rate, args.warmup, args.rtt / 1000))


if __name__ == "__main__":
    main()
