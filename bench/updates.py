"""Benchmark: N updates through the whole Telegram path, next to a bare echo bot.

Both bots are real python-telegram-bot Applications polling the same fake Bot API server on
127.0.0.1 (tests/fake_telegram.py). The full path is: getUpdates, python-telegram-bot, the
channel, the router, a feature handler, SQLite, sendMessage. The baseline is an Application
whose one MessageHandler echoes the text back. Each run is closed-loop: U simulated users
each send their share of the N messages one after another, waiting for the answer before
sending the next (commands and free text, each answered with one message). Each phase runs
in its own process so that its peak RSS is its own.

Run: python -m bench.updates [--updates 5000] [--users 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import peak_rss_mb, percentile, print_table

MESSAGES = ("/help", "xin chào ban tổ chức", "/me", "/nosuchcommand", "Phiên chiều mấy giờ?")


class _Waiters:
    """Resolve a future when the fake server records a sendMessage to a chat."""

    def __init__(self) -> None:
        self.pending: dict[int, asyncio.Future[float]] = {}

    def arm(self, chat_id: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.pending[chat_id] = future
        return future

    def fire(self, chat_id: int) -> None:
        future = self.pending.pop(chat_id, None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())


def _stamping_fake(waiters: _Waiters) -> Any:
    from tests.fake_telegram import FakeTelegram

    class StampingFake(FakeTelegram):
        def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
            message = super()._m_sendMessage(params)
            waiters.fire(params["chat_id"])
            return message

    return StampingFake()


async def _drive(fake: Any, waiters: _Waiters, updates: int, users: int) -> dict[str, float]:
    latencies: list[float] = []
    per_user = updates // users

    async def user(uid: int) -> None:
        for i in range(per_user):
            answered = waiters.arm(uid)
            sent = time.perf_counter()
            fake.push_text(uid, MESSAGES[(uid + i) % len(MESSAGES)], first_name=f"Đại biểu {uid}")
            latencies.append(await asyncio.wait_for(answered, 30) - sent)

    started = time.perf_counter()
    await asyncio.gather(*(user(10_000 + u) for u in range(users)))
    elapsed = time.perf_counter() - started
    return {"updates": len(latencies), "seconds": elapsed, "rate": len(latencies) / elapsed,
            "p50_ms": 1000 * percentile(latencies, 50), "p99_ms": 1000 * percentile(latencies, 99)}


async def _run_full(updates: int, users: int) -> dict[str, float]:
    from bot.app import App
    from bot.config import parse_config
    from tests.harness import start_channel

    waiters = _Waiters()
    fake = _stamping_fake(waiters)
    await fake.start()
    with tempfile.TemporaryDirectory() as folder:
        config = parse_config({"event": {"name": "Đại hội"}}, file="bench.toml",
                              base_dir=Path(folder), env={})
        app = await App.open(config)
        channel = await start_channel(app, fake)
        try:
            await _drive(fake, waiters, users, users)  # warm-up: one message per user
            result = await _drive(fake, waiters, updates, users)
        finally:
            await channel.stop()
            await app.close()
    await fake.stop()
    return result


async def _run_bare(updates: int, users: int) -> dict[str, float]:
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    waiters = _Waiters()
    fake = _stamping_fake(waiters)
    await fake.start()

    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(update.message.text or "")

    application = (Application.builder().token(fake.token).base_url(fake.base_url)
                   .concurrent_updates(True).build())
    application.add_handler(MessageHandler(filters.ALL, echo))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        await _drive(fake, waiters, users, users)
        result = await _drive(fake, waiters, updates, users)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
    await fake.stop()
    return result


def _phase(name: str, updates: int, users: int) -> dict[str, float]:
    """Run one phase in a child process and return its figures."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.updates", "--phase", name, "--updates", str(updates),
         "--users", str(users)], capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run both phases and print their figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--phase", choices=("full", "bare"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        runner = _run_full if args.phase == "full" else _run_bare
        result = asyncio.run(runner(args.updates, args.users))
        result["rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return
    bare = _phase("bare", args.updates, args.users)
    full = _phase("full", args.updates, args.users)
    rows = [
        ("updates", f"{full['updates']:.0f}", f"{bare['updates']:.0f}", ""),
        ("updates/s", f"{full['rate']:.0f}", f"{bare['rate']:.0f}",
         f"{full['rate'] / bare['rate']:.2f} (target ≥ 0.5; ≥ 500/s)"),
        ("p50 latency (ms)", f"{full['p50_ms']:.1f}", f"{bare['p50_ms']:.1f}", ""),
        ("p99 latency (ms)", f"{full['p99_ms']:.1f}", f"{bare['p99_ms']:.1f}", ""),
        ("peak RSS (MB)", f"{full['rss_mb']:.0f}", f"{bare['rss_mb']:.0f}", ""),
    ]
    print_table(f"{args.updates} updates, {args.users} users in closed loop",
                rows, ("figure", "delegate-bot", "bare PTB echo bot", "ratio"))


if __name__ == "__main__":
    main()
