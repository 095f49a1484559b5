"""Shared helpers for the benchmarks in `bench/`: the phase runner, peak memory,
percentiles, a table printer, the bot running against a fake Telegram.

Every benchmark runs each phase in a fresh interpreter (so that its peak RSS is its own):
the parent calls `run_phase("bench.NAME", "--phase", ...)`, the child does its work and ends
with `print_result(figures)`, one JSON line that `run_phase` reads back (adding the child's
wall time). `run_child` runs any command that way (e.g. the CLI) and gives its own peak RSS.

Stable API (other benchmarks import these): `run_phase`, `run_child`, `print_result`,
`peak_rss_mb`, `percentile`, `print_table` (which notes the machine's load and speed under
each table), `running_bot`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Child", "RunningBot", "machine_note", "peak_rss_mb", "percentile", "print_result",
           "print_table", "python_speed", "run_child", "run_phase", "running_bot"]

ROOT = Path(__file__).resolve().parent.parent
_STATUS = Path("/proc/self/status")
SPEED_STEPS = 1_000_000  # steps of the plain loop python_speed times


@dataclass(frozen=True)
class Child:
    """What a finished child process left: its output, wall time and peak RSS (MiB)."""

    stdout: str
    stderr: str
    wall: float
    rss_mb: float


def run_child(command: list[str]) -> Child:
    """Run a command from the repository root and wait for it; exit when it fails (its
    stderr shown). The peak RSS is the child's own ru_maxrss, read with os.wait4."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode(errors="replace")
    if proc.returncode != 0:
        sys.stderr.write(stderr[-5000:])
        raise SystemExit(f"{' '.join(command[1:])} failed with exit code {proc.returncode}")
    return Child(stdout, stderr, wall, usage.ru_maxrss / 1024)


def run_phase(module: str, *args: str, show_stderr: bool = False) -> dict[str, Any]:
    """Run `python -m module *args` in a fresh interpreter; return the figures it printed
    last (with `print_result`), plus "wall": the seconds the whole process took."""
    child = run_child([sys.executable, "-m", module, *args])
    if show_stderr:
        sys.stderr.write(child.stderr)
    return {**json.loads(child.stdout.strip().splitlines()[-1]), "wall": child.wall}


def print_result(figures: Mapping[str, Any]) -> None:
    """Print a phase's figures as the one JSON line `run_phase` reads back."""
    print(json.dumps(figures), flush=True)


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MiB (VmHWM, else ru_maxrss)."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes vs kB


def percentile(values: list[float], p: float) -> float:
    """Return the p-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, not {p}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def python_speed() -> float:
    """Return this machine's speed as nanoseconds of CPU per step of a plain Python loop
    (best of three): shared hosts differ by a factor of two or three from day to day, and
    figures from two days compare only beside this one."""
    best = math.inf
    for _ in range(3):
        started, total = time.process_time(), 0
        for i in range(SPEED_STEPS):
            total += i
        best = min(best, time.process_time() - started)
    return best / SPEED_STEPS * 1e9


def machine_note() -> str:
    """Describe the machine a table was measured on: CPUs, load, speed."""
    one, five, _ = os.getloadavg()
    return (f"machine: {os.cpu_count()} CPUs, load average {one:.2f} / {five:.2f} (1 / 5 min),"
            f" plain Python loop {python_speed():.0f} ns per step")


def print_table(title: str, rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> None:
    """Print rows under headers as a rich table (first column left, others right), with
    the machine it ran on (`machine_note`) under it."""
    from rich.console import Console  # imported here: measured children skip its start-up
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, header in enumerate(headers):
        table.add_column(header, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=132)  # piped or captured: do not squeeze into 80 columns
    console.print(table)
    console.print(machine_note(), highlight=False)


@dataclass
class RunningBot:
    """An App running its Telegram channel and delivery worker, with a seeded roster."""

    app: Any
    channel: Any
    stop: asyncio.Event
    task: asyncio.Task[None]
    first_chat: int
    seed_seconds: float


@contextlib.asynccontextmanager
async def running_bot(port: int, recipients: int, *, token: str, organiser: int,
                      delivery: Mapping[str, Any]) -> AsyncIterator[RunningBot]:
    """Seed `recipients` registered delegates in a database in a temporary folder and run
    the bot as `delegate-bot run` does (App.run: a long-polling `TelegramChannel` and the
    delivery worker) against the fake Telegram on `port`, with `delivery` as its
    [delivery] section; the bot stops when the block ends."""
    from bot.app import App
    from bot.channels.telegram import TelegramChannel
    from bot.config import parse_config
    from testkit.people import FIRST_USER_ID, seed

    with tempfile.TemporaryDirectory() as folder:
        config = parse_config({
            "event": {"name": "Đại hội"}, "organisers": {"telegram": [organiser]},
            "delivery": dict(delivery),
            "telegram": {"enabled": True, "token": token,
                         "api_base_url": f"http://127.0.0.1:{port}"},
        }, file="bench.toml", base_dir=Path(folder), env={})
        app = await App.open(config)
        try:
            started = time.perf_counter()
            await seed(app, recipients)
            seed_seconds = time.perf_counter() - started
            channel = TelegramChannel(app, config.telegram)
            app.add_channel(channel)
            stop = asyncio.Event()
            task = asyncio.create_task(app.run(stop))
            while not (channel.application.updater and channel.application.updater.running):
                if task.done():
                    await task
                await asyncio.sleep(0.01)
            try:
                yield RunningBot(app, channel, stop, task, FIRST_USER_ID, seed_seconds)
            finally:
                stop.set()
                await task
        finally:
            await app.close()


class FakeServer:
    """Steer a benchmark's fake server process (`python -m MODULE --phase fake`, answering
    JSON-line commands on stdin): start it, send it commands, stop it."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.port = 0
        self.info: dict[str, Any] = {}
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Start the process and learn its port."""
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", self.module, "--phase", "fake",
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.info = await self._read()
        self.port = self.info["port"]

    async def _read(self) -> Any:
        assert self._proc is not None and self._proc.stdout is not None
        line = await self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the fake server process ended")
        return json.loads(line)

    async def call(self, op: str, **args: Any) -> Any:
        """Send one command and return its answer."""
        assert self._proc is not None and self._proc.stdin is not None
        async with self._lock:
            self._proc.stdin.write((json.dumps({"op": op, **args}) + "\n").encode())
            await self._proc.stdin.drain()
            return await self._read()

    async def stop(self) -> None:
        """Stop the process."""
        if self._proc is None or self._proc.stdin is None:
            return
        self._proc.stdin.write(b'{"op": "stop"}\n')
        await self._proc.stdin.drain()
        self._proc.stdin.close()
        try:
            await asyncio.wait_for(self._proc.wait(), 10)
        except TimeoutError:
            self._proc.kill()
            await self._proc.wait()
