"""Benchmark: N updates through the whole Telegram path, next to a bare echo bot.

Both bots are real python-telegram-bot Applications polling the fake Bot API server of the
tests (testkit/fake_telegram.py). The full path is: getUpdates, python-telegram-bot, the
channel, the router, a feature handler, SQLite, sendMessage. The baseline is an Application
whose one MessageHandler echoes the text back.

The fake server and the load run in a driver process of their own, the bot in another, so
that each has a core (the machine has two) and the figures are the bot's, not the fake's.
The load is closed-loop: U simulated users each send their share of the N messages one after
another (commands and free text, each answered by one message), waiting for the answer
before sending the next. The driver stamps each push and the sendMessage that answers it.
Each process's CPU time per update (time.process_time, all threads) and the getUpdates calls
per update tell a slow bot from a busy fake.

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

from bench.common import peak_rss_mb, percentile, print_result, print_table, run_phase

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
    from testkit.fake_telegram import FakeTelegram

    class StampingFake(FakeTelegram):
        def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
            message = super()._m_sendMessage(params)
            waiters.fire(params["chat_id"])
            return message

    fake = StampingFake()
    fake.chat_limit = None  # each simulated user writes far faster than a person could
    return fake


async def _drive(fake: Any, waiters: _Waiters, updates: int, users: int) -> dict[str, float]:
    latencies: list[float] = []
    per_user = max(1, updates // users)

    async def user(uid: int) -> None:
        for i in range(per_user):
            answered = waiters.arm(uid)
            sent = time.perf_counter()
            fake.push_text(uid, MESSAGES[(uid + i) % len(MESSAGES)], first_name=f"Đại biểu {uid}")
            latencies.append(await asyncio.wait_for(answered, 60) - sent)

    started = time.perf_counter()
    await asyncio.gather(*(user(10_000 + u) for u in range(users)))
    elapsed = time.perf_counter() - started
    return {"updates": len(latencies), "seconds": elapsed, "rate": len(latencies) / elapsed,
            "p50_ms": 1000 * percentile(latencies, 50), "p99_ms": 1000 * percentile(latencies, 99)}


async def _driver(updates: int, users: int) -> None:
    """Run the fake server; when the bot is up (a line on stdin), load it and print figures."""
    waiters = _Waiters()
    fake = _stamping_fake(waiters)
    await fake.start()
    print(json.dumps({"port": fake.port, "token": fake.token}), flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    await _drive(fake, waiters, users, users)  # warm-up: one message per user
    cpu, polls = time.process_time(), len(fake.calls_to("getUpdates"))
    result = await _drive(fake, waiters, updates, users)
    result["polls"] = (len(fake.calls_to("getUpdates")) - polls) / result["updates"]
    result["driver_cpu_us"] = 1e6 * (time.process_time() - cpu) / result["updates"]
    print(json.dumps(result), flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # the bot stops first, then the fake
    await fake.stop()


async def _start_full(port: int, token: str, folder: Path) -> Any:
    from bot.app import App
    from bot.channels.telegram import TelegramChannel
    from bot.config import TelegramConfig, parse_config

    config = parse_config({"event": {"name": "Đại hội"}}, file="bench.toml",
                          base_dir=folder, env={})
    app = await App.open(config)
    channel = TelegramChannel(app, TelegramConfig(
        enabled=True, token=token, api_base_url=f"http://127.0.0.1:{port}"), poll_timeout=1)
    app.add_channel(channel)
    await channel.start()

    async def stop() -> None:
        await channel.stop()
        await app.close()
    return stop


async def _start_bare_pooled(port: int, token: str, folder: Path) -> Any:
    from bot.channels.telegram import POOL_SIZE

    return await _start_bare(port, token, folder, pool=POOL_SIZE)


async def _start_bare(port: int, token: str, folder: Path, pool: int | None = None) -> Any:
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(update.message.text or "")

    builder = (Application.builder().token(token)
               .base_url(f"http://127.0.0.1:{port}/bot").concurrent_updates(True))
    if pool is not None:  # the same small connection pool as the bot's
        builder = builder.connection_pool_size(pool).pool_timeout(30.0)
    application = builder.build()
    application.add_handler(MessageHandler(filters.ALL, echo))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)

    async def stop() -> None:
        assert application.updater is not None
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
    return stop


async def _bot_phase(name: str, updates: int, users: int) -> dict[str, float]:
    """Start the driver, run one bot against it, and return the driver's figures."""
    driver = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.updates", "--driver", "--updates", str(updates),
        "--users", str(users), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert driver.stdin is not None and driver.stdout is not None
    hello = json.loads(await driver.stdout.readline())
    with tempfile.TemporaryDirectory() as folder:
        starter = {"full": _start_full, "bare": _start_bare,
                   "bare-pooled": _start_bare_pooled}[name]
        stop = await starter(hello["port"], hello["token"], Path(folder))
        driver.stdin.write(b"go\n")
        await driver.stdin.drain()
        cpu = time.process_time()
        result = json.loads(await driver.stdout.readline())
        result["bot_cpu_us"] = 1e6 * (time.process_time() - cpu) / result["updates"]
        await stop()
    driver.stdin.write(b"stop\n")
    await driver.stdin.drain()
    await driver.wait()
    result["rss_mb"] = peak_rss_mb()
    return result


def _phase(name: str, updates: int, users: int) -> dict[str, float]:
    """Run one bot phase in a child process and return its figures."""
    return run_phase("bench.updates", "--phase", name, "--updates", str(updates), "--users",
                     str(users))


def main() -> None:
    """Run both bots against the driver and print their figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--phase", choices=("full", "bare", "bare-pooled"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--driver", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver:
        asyncio.run(_driver(args.updates, args.users))
        return
    if args.phase:
        print_result(asyncio.run(_bot_phase(args.phase, args.updates, args.users)))
        return
    bare = _phase("bare", args.updates, args.users)
    pooled = _phase("bare-pooled", args.updates, args.users)
    full = _phase("full", args.updates, args.users)
    runs = (full, bare, pooled)
    rows = [
        ("updates", *(f"{r['updates']:.0f}" for r in runs)),
        ("updates/s (target ≥ 500)", *(f"{r['rate']:.0f}" for r in runs)),
        ("delegate-bot / baseline (target ≥ 0.5)", "",
         f"{full['rate'] / bare['rate']:.2f}", f"{full['rate'] / pooled['rate']:.2f}"),
        ("p50 latency (ms)", *(f"{r['p50_ms']:.1f}" for r in runs)),
        ("p99 latency (ms)", *(f"{r['p99_ms']:.1f}" for r in runs)),
        ("getUpdates calls per update", *(f"{r['polls']:.2f}" for r in runs)),
        ("CPU per update, bot process (µs)", *(f"{r['bot_cpu_us']:.0f}" for r in runs)),
        ("CPU per update, fake server and load (µs)",
         *(f"{r['driver_cpu_us']:.0f}" for r in runs)),
        ("peak RSS of the bot (MB)", *(f"{r['rss_mb']:.0f}" for r in runs)),
    ]
    print_table(f"{args.updates} updates, {args.users} users in closed loop; the fake Bot API "
                "server in its own process", rows,
                ("figure", "delegate-bot", "bare PTB echo bot",
                 "bare echo bot, same pool as delegate-bot"))


if __name__ == "__main__":
    main()
