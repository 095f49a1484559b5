"""Benchmark: the congress-day door, 1,600 delegates checked in by 4 checkers at once.

Run from the repository root (``testkit`` must be importable); it takes about a minute::

    .venv/bin/python -m bench.checkin [--delegates 1600] [--checkers 4] [--attendance 30]

A real ``App`` with a real ``TelegramChannel`` polls the fake Bot API server
(``testkit.fake_telegram.FakeTelegram``, sharing the process and event loop, as in the
end-to-end tests). The roster holds ``--delegates`` official delegates and the two-day
programme of ``testkit.congress_day``; the injected clock stands in day one's morning
window. ``--checkers`` checkers scan at the same time, each the next badge as soon as the
previous answer appeared (a closed loop, as a person at a door works): ``/start ci_<token>``.
Per scan the latency runs from the push of the update to the moment the fake server recorded
the bot's answer (``sendMessage``). Then an organiser asks ``/attendance`` ``--attendance``
times with every delegate present (the report reads the whole roster).

Baseline, in the same run and the same process: the same number of ``/help`` answers by the
same checkers, the same closed loop, then as many ``/help`` from the organiser. Telegram's
limit of about one message a second per chat is switched off in the fake (a checker scans
a badge every few seconds; here they scan as fast as the bot answers). Figures are of a
shared machine: compare the rows with each other, not with another day's run. Nothing about
time is asserted; the run checks that every scan made one check-in and got its answer.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import peak_rss_mb, percentile, print_result, print_table, run_phase

CHECKER_BASE, ORGANISER = 70_000, 9_001
MORNING = datetime(2026, 8, 11, 1, 30, tzinfo=UTC)  # 08:30 on day one, in the am window


class Answers:
    """Stamp the first sendMessage to each chat after a push: what the person sees appear."""

    def __init__(self, fake: Any) -> None:
        self.waiting: dict[int, tuple[float, asyncio.Future[tuple[float, str]]]] = {}
        original = fake._m_sendMessage

        def stamped(params: dict[str, Any]) -> Any:
            result = original(params)
            pending = self.waiting.pop(params.get("chat_id"), None)  # type: ignore[arg-type]
            if pending is not None and not pending[1].done():
                pending[1].set_result((time.perf_counter() - pending[0], str(params["text"])))
            return result

        fake._m_sendMessage = stamped  # an instance attribute: the fake looks methods up by name

    async def ask(self, fake: Any, chat: int, text: str) -> tuple[float, str]:
        """Push `text` from `chat`; return (seconds until the answer, its text)."""
        future: asyncio.Future[tuple[float, str]] = asyncio.get_running_loop().create_future()
        self.waiting[chat] = (time.perf_counter(), future)
        fake.push_text(chat, text)
        return await asyncio.wait_for(future, 30)


async def closed_loop(answers: Answers, fake: Any, work: dict[int, list[str]]
                      ) -> tuple[list[float], list[str]]:
    """Each chat sends its texts one after the other, all chats at once; return the
    latencies and the answers."""
    latencies: list[float] = []
    texts: list[str] = []

    async def person(chat: int, items: list[str]) -> None:
        for text in items:
            latency, answer = await answers.ask(fake, chat, text)
            latencies.append(latency)
            texts.append(answer)

    await asyncio.gather(*(person(chat, items) for chat, items in work.items()))
    return latencies, texts


def figures(latencies: list[float], span: float) -> dict[str, float]:
    """Return p50, p99 and max in milliseconds, and the answers per second."""
    return {"p50": 1000 * percentile(latencies, 50), "p99": 1000 * percentile(latencies, 99),
            "max": 1000 * max(latencies), "per_s": len(latencies) / span if span else 0.0,
            "count": len(latencies)}


async def run(count: int, checkers: int, reports: int) -> dict[str, Any]:
    """Run the whole benchmark in this process; return its figures."""
    from bot.app import App
    from bot.checkin_link import checkin_payload
    from bot.clock import FixedClock, to_iso
    from bot.config import parse_config
    from storage import attendance, broadcasts, delegates
    from storage.delegates import DelegateData
    from testkit.congress_day import DAY_ONE_AM, load_programme
    from testkit.fake_telegram import FakeTelegram
    from testkit.telegram_harness import start_channel

    logging.getLogger("httpx").setLevel(logging.WARNING)
    staff = [CHECKER_BASE + i for i in range(checkers)]
    with tempfile.TemporaryDirectory() as folder:
        config = parse_config({"event": {"name": "Đại hội"}, "storage": {"path": "b.sqlite3"},
                               "organisers": {"telegram": [ORGANISER],
                                              "checkers": {"telegram": staff}}},
                              file="bench.toml", base_dir=Path(folder), env={})
        clock = FixedClock(MORNING)
        app = await App.open(config, clock=clock)
        fake = FakeTelegram()
        await fake.start()
        fake.chat_limit = None
        fake.declare_chats([*staff, ORGANISER])
        try:
            await load_programme(app)
            db = app.services.db
            await delegates.apply_import(db, upserts=[
                DelegateData(f"D{i:05d}", f"Đại biểu Số {i}", f"Đơn vị {i % 40}",
                             f"Đoàn {i % 25}", "official", None, f"S{i}", f"INV{i:07d}")
                for i in range(count)], remove_codes=[], now=to_iso(clock.now()))
            tokens = list((await delegates.checkin_tokens(db)).values())
            channel = await start_channel(app, fake)
            answers = Answers(fake)
            try:
                per = {c: ["/help"] * (count // checkers) for c in staff}
                start = time.perf_counter()
                help_lat, _ = await closed_loop(answers, fake, per)
                help_fig = figures(help_lat, time.perf_counter() - start)
                scans = {c: [f"/start {checkin_payload(t)}" for t in tokens[i::checkers]]
                         for i, c in enumerate(staff)}
                start = time.perf_counter()
                scan_lat, scan_texts = await closed_loop(answers, fake, scans)
                scan_fig = figures(scan_lat, time.perf_counter() - start)
                start = time.perf_counter()
                report_lat, report_texts = await closed_loop(
                    answers, fake, {ORGANISER: ["/attendance"] * reports})
                report_fig = figures(report_lat, time.perf_counter() - start)
                start = time.perf_counter()
                ohelp_lat, _ = await closed_loop(answers, fake, {ORGANISER: ["/help"] * reports})
                ohelp_fig = figures(ohelp_lat, time.perf_counter() - start)
            finally:
                await channel.stop()
            made = len(await attendance.checkins(db, DAY_ONE_AM))
            quorum = sum(1 for b in await broadcasts.recent(db, 50) if b.kind == "quorum")
        finally:
            await fake.stop()
            await app.close()
    return {"help": help_fig, "scan": scan_fig, "attendance": report_fig,
            "organiser_help": ohelp_fig, "checked_in": made, "quorum_messages": quorum,
            "scan_answers_ok": sum("Đã điểm danh" in t for t in scan_texts),
            "attendance_ok": sum(f"Có mặt {count}/{count}" in t for t in report_texts),
            "rss": peak_rss_mb()}


def main() -> None:
    """Run the benchmark in a child process and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delegates", type=int, default=1600)
    parser.add_argument("--checkers", type=int, default=4)
    parser.add_argument("--attendance", type=int, default=30, help="/attendance asked this often")
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print_result(asyncio.run(run(args.delegates, args.checkers, args.attendance)))
        return
    result = run_phase("bench.checkin", "--phase", "--delegates", str(args.delegates),
                       "--checkers", str(args.checkers), "--attendance", str(args.attendance))
    rows = [(name, f"{f['count']}", f"{f['p50']:.1f}", f"{f['p99']:.1f}", f"{f['max']:.1f}",
             f"{f['per_s']:.0f}") for name, f in (
        ("/help by the checkers (baseline)", result["help"]),
        ("scan /start ci_… → answer", result["scan"]),
        ("/help by the organiser (baseline)", result["organiser_help"]),
        (f"/attendance, {args.delegates} present", result["attendance"]))]
    print_table(f"Check-in: {args.delegates} delegates, {args.checkers} checkers at once "
                "(shared machine: compare rows within this run)", rows,
                ("what", "answers", "p50 ms", "p99 ms", "max ms", "per s"))
    print(f"checked in: {result['checked_in']}/{args.delegates}, scan answers ok: "
          f"{result['scan_answers_ok']}, /attendance ok: {result['attendance_ok']}/"
          f"{args.attendance}, quorum messages: {result['quorum_messages']}, peak RSS "
          f"{result['rss']:.0f} MiB, wall {result['wall']:.1f} s")
    if result["checked_in"] != args.delegates or result["quorum_messages"] != 1:
        sys.exit("check-ins or quorum messages are not what they should be")


if __name__ == "__main__":
    main()
