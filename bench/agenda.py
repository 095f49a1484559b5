"""Benchmark: start-up with a full programme, and one session reminder to every delegate.

Run from the repository root (``tests`` need not be importable); it takes about 5 s::

    .venv/bin/python -m bench.agenda [--delegates 5000] [--sessions 200] [--profile]

Set-up (its own process, figures reported as extras). A database in a temporary folder gets
``--delegates`` delegates round-robin over twelve delegations (every tenth an alternate),
written with ``storage.delegates.apply_import`` in one batch; each is then registered on
Telegram with ``storage.users.touch`` + ``storage.registrations.link`` (as ``testkit.people``
does, run concurrently in batches of 500: one transaction each, as in production). The
programme is ``--sessions`` sessions over three days in four or more rooms, generated as a
TOML file (one ``[[session]]`` each, Vietnamese as organisers write it; 90 % for everyone,
the rest for official delegates or one delegation) and imported through
``handlers.agenda_import``: ``plan_from_bytes`` (parse, check, compare) then ``apply_plan``
(write, rebuild the jobs). Every phase runs on a ``FixedClock`` set to the minute the run
started, and the congress starts three days later: every reminder (default offsets: 1440 and
30 minutes) is still to come, for the product and for APScheduler (which keeps real time).

(1) Start-up: from ``App.open(config, clock=...)`` (open SQLite, check the migrations, load
    the texts, build the router) to the end of ``await app.scheduler.start()`` (APScheduler
    started, the job sources read the database, sessions x offsets jobs added), then the
    number of jobs scheduled; the job sources are wrapped (bench-only) to split the time
    between them and APScheduler; the outbox must still be empty afterwards. Baseline, in
    a process of its own: an APScheduler ``AsyncIOScheduler`` started and given the same
    number of no-op date jobs, and a bare ``sqlite3`` connect + SELECT of the sessions from
    the same file.
(2) One reminder: ``handlers.reminders.send(services, session_id, offset, starts_at)`` for
    the first session whose audience is "all": one broadcast and one outbox row per account,
    in one transaction. Figures: its time, the rows it reports, ``SELECT count(*) FROM
    outbox`` afterwards, rows/s, and the same call again (refused by its dedupe key).
    Baseline: a plain ``sqlite3`` ``executemany`` INSERT of as many similar rows (same
    columns, unique key, indexes, WAL, synchronous=NORMAL) in one transaction.
(3) Peak RSS (VmHWM) of each phase: every phase runs in a fresh interpreter.

``--profile`` adds two more processes that run phases (1) and (2) under cProfile (on a
second "all" session, since the first one's reminder is already queued) and prints the
functions that cost most. Figures only: nothing about time is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import ROOT, peak_rss_mb, print_result, print_table, run_phase

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Config

JSON = dict[str, Any]

DAYS_AHEAD = 3                                    # the congress starts in three days
EVENT_TZ = "Asia/Ho_Chi_Minh"
USER_BASE = 800_000                               # Telegram user ids of the delegates
BATCH = 500                                       # registrations written concurrently
DB_NAME = "agenda.sqlite3"
AGENDA_NAME = "agenda.toml"
DELEGATIONS = tuple(f"Đoàn {place}" for place in (
    "Yên Thành", "Diễn Châu", "Quỳnh Lưu", "Nghi Lộc", "Hưng Nguyên", "Nam Đàn",
    "Thanh Chương", "Đô Lương", "Anh Sơn", "Con Cuông", "Tân Kỳ", "Quỳ Hợp"))
ROOMS = ("Hội trường A", "Hội trường B", "Phòng họp 1", "Phòng họp 2", "Phòng họp 3",
         "Phòng họp 4", "Phòng họp 5", "Phòng họp 6")
KINDS = ("phiên toàn thể", "thảo luận", "nghi lễ", "bầu cử", "phiên toàn thể", "giải lao")
TOPICS = ("Báo cáo chính trị", "Thảo luận tổ về văn kiện", "Kiểm điểm sự lãnh đạo",
          "Chuyển đổi số trong cơ quan Đảng", "Phát triển kinh tế biển", "Bầu Ban Chấp hành",
          "Giải lao", "Tham luận của các đoàn", "Công tác cán bộ", "Thông qua Nghị quyết")
SLOT_MINUTES = 30
DAY_START = 7 * 60                                # 07:00, event time
SLOTS_PER_ROOM = (21 * 60 - DAY_START) // SLOT_MINUTES  # sessions end by 21:00
# Rows like the outbox's (storage/migrations/0003_outbox.sql) for the bare INSERT.
BARE_OUTBOX = """
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY, broadcast_id INTEGER, dedupe_key TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL, chat_id TEXT NOT NULL, delegate_id INTEGER, text TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL, last_error TEXT, created_at TEXT NOT NULL, sent_at TEXT);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at) WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, state);
"""
BARE_TEXT = ("⏰ <b>Nhắc lịch</b>: còn 30 phút nữa\n<b>Thảo luận tổ về văn kiện</b>\n"
             "🕗 07:00–07:30, 11/08/2026\n📍 Hội trường A\n\nTắt nhắc lịch: /reminders off")


# ---------------------------------------------------------------------------- the programme
def audience_of(index: int) -> str:
    """Return the audience of session `index` as written in the file (90 % everyone)."""
    if index % 10 == 9:
        return "chính thức"
    if index % 20 == 14:
        return DELEGATIONS[index // 20 % len(DELEGATIONS)]
    return "tất cả"


def first_day(now: datetime) -> date:
    """Return the congress's first day: DAYS_AHEAD days after `now`, in the event's zone."""
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo(EVENT_TZ)).date() + timedelta(days=DAYS_AHEAD)


def make_agenda_toml(sessions: int, first: date) -> str:
    """Return a TOML programme of `sessions` sessions over three days, in parallel rooms."""
    per_day = -(-sessions // 3)
    rooms = max(4, -(-per_day // SLOTS_PER_ROOM))
    if rooms > len(ROOMS):
        raise SystemExit(f"at most {3 * len(ROOMS) * SLOTS_PER_ROOM} sessions, not {sessions}")
    lines = ["# Chương trình đại hội (sinh tự động cho bench/agenda.py)", ""]
    for i in range(sessions):
        day, within = divmod(i, per_day)
        slot, room = divmod(within, rooms)
        start = DAY_START + slot * SLOT_MINUTES
        end = start + SLOT_MINUTES - 5
        lines += [
            "[[session]]",
            f'id = "S{i + 1:04d}"',
            f'day = "{(first + timedelta(days=day)).isoformat()}"',
            f'start = "{start // 60:02d}:{start % 60:02d}"',
            f'end = "{end // 60:02d}:{end % 60:02d}"',
            f'title = "{TOPICS[i % len(TOPICS)]} (phiên {i + 1})"',
            f'location = "{ROOMS[room]}"',
            f'presenter = "Đồng chí Nguyễn Văn {chr(65 + i % 26)}"',
            'description = "Đại biểu có mặt trước 10 phút; mang theo tài liệu đã phát."',
            f'kind = "{KINDS[i % len(KINDS)]}"',
            f'audience = "{audience_of(i)}"',
            "",
        ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- phases
def bench_config(folder: Path) -> Config:
    """Return the configuration of every phase: defaults, the database in `folder`."""
    from bot.config import parse_config

    return parse_config({"event": {"name": "Đại hội đại biểu Đảng bộ tỉnh", "timezone": EVENT_TZ},
                         "storage": {"path": DB_NAME}}, file="bench.toml", base_dir=folder,
                        env={})


async def open_app(folder: Path, now: datetime) -> App:
    """Open the App on the bench's database, on a FixedClock at `now`."""
    from bot.app import App
    from bot.clock import FixedClock

    return await App.open(bench_config(folder), clock=FixedClock(now))


async def register_all(app: App, count: int) -> JSON:
    """Write `count` delegates and register each on Telegram; return the times."""
    from bot.clock import to_iso
    from storage import delegates, registrations, users
    from storage.delegates import DelegateData
    from storage.users import ChatUser

    db, now = app.services.db, to_iso(app.services.clock.now())
    rows = [DelegateData(f"DB{i:05d}", f"Đại biểu {i}", f"Đơn vị {i % 40}",
                         DELEGATIONS[i % len(DELEGATIONS)],
                         "alternate" if i % 10 == 9 else "official", None, f"G{i}",
                         f"BENCH{i:06d}") for i in range(count)]
    start = time.perf_counter()
    await delegates.apply_import(db, upserts=rows, remove_codes=[], now=now)
    written = time.perf_counter()
    ids = {r[0]: r[1] for r in await db.fetchall("SELECT code, id FROM delegates")}

    async def register(i: int, code: str) -> bool:
        uid = str(USER_BASE + i)
        await users.touch(db, ChatUser("telegram", uid, uid, f"U{i}"), now)
        return await registrations.link(db, "telegram", uid, ids[code], "invite_code", now)

    linked = 0
    for first in range(0, count, BATCH):
        done = await asyncio.gather(*(register(i, rows[i].code)
                                      for i in range(first, min(first + BATCH, count))))
        linked += sum(done)
    end = time.perf_counter()
    return {"roster": written - start, "register": end - written, "linked": linked}


async def phase_setup(folder: Path, count: int, now: datetime) -> JSON:
    """Build the database: delegates, registrations, then the programme through the import."""
    from handlers.agenda_import import apply_plan, plan_from_bytes
    from storage import agenda

    app = await open_app(folder, now)
    try:
        people = await register_all(app, count)
        data = (folder / AGENDA_NAME).read_bytes()
        start = time.perf_counter()
        plan = await plan_from_bytes(app.services, data, AGENDA_NAME)
        planned = time.perf_counter()
        if not plan.ok:
            raise SystemExit(f"the generated agenda has problems: {plan.problems[:3]}")
        await apply_plan(app.services, plan, actor="cli")
        end = time.perf_counter()
        sessions = await agenda.all_sessions(app.services.db)
        audiences = {"all": 0, "official": 0, "delegation": 0}
        for s in sessions:
            audiences[s.audience if s.audience in ("all", "official") else "delegation"] += 1
        return {**people, "plan": planned - start, "apply": end - planned, "import": end - start,
                "sessions": len(sessions), "warnings": len(plan.warnings),
                "audiences": audiences, "file_kib": len(data) / 1024, "rss": peak_rss_mb()}
    finally:
        await app.close()


async def phase_startup(folder: Path, now: datetime, profile: bool) -> JSON:
    """Time App.open -> scheduler.start() on the built database, as `App.run` starts it."""
    start = time.perf_counter()
    import bot.app  # noqa: F401  (imported before the clock starts; timed on its own)
    imported = time.perf_counter() - start
    profiler = cProfile.Profile() if profile else None
    rss_before = peak_rss_mb()
    if profiler:
        profiler.enable()
    start = time.perf_counter()
    app = await open_app(folder, now)
    opened = time.perf_counter()
    spent = [0.0]
    app.scheduler.sources = [_timed(source, spent) for source in app.scheduler.sources]
    await app.scheduler.start()
    end = time.perf_counter()
    if profiler:
        profiler.disable()
    try:
        jobs = app.scheduler.jobs()
        future = sum(1 for _, at in jobs if at is not None and at > now)
    finally:
        app.scheduler.shutdown()
        await asyncio.sleep(0.05)  # APScheduler shuts down in a loop callback: let it run
        outbox = await app.services.db.scalar("SELECT count(*) FROM outbox")
        await app.close()
    return {"total": end - start, "open": opened - start, "sources": spent[0],
            "aps": end - opened - spent[0], "jobs": len(jobs), "future": future,
            "imports": imported, "outbox": outbox, "rss_before": rss_before, "rss": peak_rss_mb(),
            "profile": _top(profiler)}


def _timed(source: Callable[[], Awaitable[Any]], spent: list[float]) -> Callable[[], Any]:
    """Wrap a job source so that the time spent in it is added to spent[0]."""
    async def run() -> Any:
        start = time.perf_counter()
        try:
            return await source()
        finally:
            spent[0] += time.perf_counter() - start
    return run


async def phase_startup_baseline(folder: Path, count: int, now: datetime) -> JSON:
    """Time an AsyncIOScheduler given `count` no-op date jobs, and a bare SELECT."""
    start = time.perf_counter()
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    imported = time.perf_counter() - start

    async def noop() -> None:
        return None

    start = time.perf_counter()
    conn = sqlite3.connect(folder / DB_NAME)
    rows = conn.execute("SELECT * FROM sessions WHERE cancelled = 0"
                        " ORDER BY starts_at, id").fetchall()
    conn.close()
    selected = time.perf_counter()
    aps = AsyncIOScheduler(timezone=UTC)
    aps.start()
    first = datetime.combine(first_day(now), datetime.min.time(), tzinfo=UTC)
    for i in range(count):
        aps.add_job(noop, "date", run_date=first + timedelta(minutes=i), id=f"job{i}",
                    replace_existing=True)
    end = time.perf_counter()
    jobs = len(aps.get_jobs())
    aps.shutdown(wait=False)
    await asyncio.sleep(0.05)  # let the deferred shutdown run
    return {"select": selected - start, "sessions": len(rows), "aps": end - selected,
            "total": end - start, "jobs": jobs, "imports": imported, "rss": peak_rss_mb()}


async def phase_reminder(folder: Path, now: datetime, which: int, profile: bool) -> JSON:
    """Queue the reminder of the `which`-th session for everyone (0: first); time it."""
    from handlers import reminders
    from storage import agenda, registrations

    app = await open_app(folder, now)
    try:
        services, db = app.services, app.services.db
        session = [s for s in await agenda.all_sessions(db) if s.audience == "all"][which]
        offset = services.config.reminders.offsets_minutes[-1]
        before = await db.scalar("SELECT count(*) FROM outbox")
        rss_before = peak_rss_mb()
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        start = time.perf_counter()
        queued = await reminders.send(services, session.id, offset, session.starts_at)
        end = time.perf_counter()
        if profiler:
            profiler.disable()
        rss = peak_rss_mb()
        rows = await db.scalar("SELECT count(*) FROM outbox")
        again_start = time.perf_counter()
        again = await reminders.send(services, session.id, offset, session.starts_at)
        again_end = time.perf_counter()
        start_recipients = time.perf_counter()
        people = await registrations.recipients(db, {"type": "all"})
        recipients = time.perf_counter() - start_recipients
        text_chars = await db.scalar("SELECT avg(length(text)) FROM outbox WHERE dedupe_key"
                                     " LIKE ?", (f"r{session.id}:{offset}:%",))
    finally:
        await app.close()
    return {"seconds": end - start, "queued": queued, "before": before, "rows": rows,
            "again": again, "again_seconds": again_end - again_start, "recipients": len(people),
            "recipients_seconds": recipients, "text_chars": text_chars or 0,
            "session": f"{session.key} {session.title}", "offset": offset,
            "rss_before": rss_before, "rss_send": rss, "rss": peak_rss_mb(),
            "profile": _top(profiler)}


def phase_reminder_baseline(folder: Path, count: int, now: datetime) -> JSON:
    """Time a plain sqlite3 executemany INSERT of `count` outbox-like rows, one transaction."""
    conn = sqlite3.connect(folder / "baseline.sqlite3", isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.executescript(BARE_OUTBOX)
        stamp = now.isoformat(timespec="milliseconds")
        start = time.perf_counter()
        rows = [(1, f"r1:30:{stamp}:telegram:{USER_BASE + i}", "telegram", str(USER_BASE + i),
                 i + 1, BARE_TEXT, stamp, stamp) for i in range(count)]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT OR IGNORE INTO outbox (broadcast_id, dedupe_key, platform,"
                         " chat_id, delegate_id, text, next_attempt_at, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
        end = time.perf_counter()
        counted = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    finally:
        conn.close()
    return {"seconds": end - start, "rows": counted, "rss": peak_rss_mb()}


def _top(profiler: cProfile.Profile | None, lines: int = 25) -> str:
    """Return the costliest functions of a profile (by own time, then cumulative)."""
    if profiler is None:
        return ""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(lines)
    stats.sort_stats("cumulative").print_stats(lines)
    return out.getvalue().replace(str(ROOT) + os.sep, "")


def one_phase(args: argparse.Namespace) -> JSON:
    """Run one phase in this process and return its figures."""
    folder, jobs, now = args.dir, args.sessions * 2, datetime.fromisoformat(args.now)
    phases: dict[str, Callable[[], JSON]] = {
        "setup": lambda: asyncio.run(phase_setup(folder, args.delegates, now)),
        "startup-baseline": lambda: asyncio.run(phase_startup_baseline(folder, jobs, now)),
        "startup": lambda: asyncio.run(phase_startup(folder, now, False)),
        "startup-profile": lambda: asyncio.run(phase_startup(folder, now, True)),
        "reminder-baseline": lambda: phase_reminder_baseline(folder, args.delegates, now),
        "reminder": lambda: asyncio.run(phase_reminder(folder, now, 0, False)),
        "reminder-profile": lambda: asyncio.run(phase_reminder(folder, now, 1, True)),
    }
    return phases[args.phase]()


# ---------------------------------------------------------------------------- orchestration
def in_subprocess(phase: str, folder: Path, args: argparse.Namespace) -> JSON:
    """Run one phase in a fresh interpreter (its peak RSS its own); return its figures."""
    return run_phase("bench.agenda", "--phase", phase, "--dir", str(folder), "--delegates",
                     str(args.delegates), "--sessions", str(args.sessions), "--now", args.now)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _mib(value: float) -> str:
    return f"{value:.0f} MiB"


def setup_rows(s: JSON, args: argparse.Namespace) -> list[tuple[str, ...]]:
    """Return the set-up table's rows."""
    a = s["audiences"]
    return [
        ("delegates.apply_import (one batch)", _ms(s["roster"]), f"{args.delegates} delegates"),
        (f"users.touch + registrations.link ({BATCH} at a time)", _ms(s["register"]),
         f"{s['linked']} linked on Telegram"),
        ("agenda import: plan_from_bytes (parse, check, compare)", _ms(s["plan"]),
         f"TOML {s['file_kib']:.0f} KiB, {s['warnings']} warnings"),
        ("agenda import: apply_plan (write, rebuild the jobs)", _ms(s["apply"]),
         f"{s['sessions']} sessions"),
        ("agenda import, total", _ms(s["import"]),
         f"audience all {a['all']} / official {a['official']} / "
         f"delegation {a['delegation']}"),
        ("peak RSS / process wall time", _mib(s["rss"]), f"{s['wall']:.2f} s"),
    ]


def startup_rows(p: JSON, b: JSON, args: argparse.Namespace) -> list[tuple[str, ...]]:
    """Return the start-up table's rows."""
    jobs = args.sessions * 2
    return [
        ("App.open -> scheduler.start() done", _ms(p["total"]), "<= 2 s",
         f"{_ms(b['total'])} (SELECT + APScheduler)"),
        ("  App.open (SQLite, migrations check, texts, router)", _ms(p["open"]), "",
         f"{_ms(b['select'])} (connect + SELECT {b['sessions']} sessions)"),
        ("  job sources (read the sessions, reminders.jobs)", _ms(p["sources"]), "", ""),
        (f"  APScheduler start + {p['jobs']} add_job", _ms(p["aps"]), "",
         f"{_ms(b['aps'])} ({b['jobs']} no-op date jobs)"),
        ("jobs scheduled (all in the future)", f"{p['jobs']} ({p['future']})", str(jobs),
         str(b["jobs"])),
        ("outbox rows after start-up (nothing was due)", str(p["outbox"]), "0", ""),
        ("imports before the clock starts (bot.app | apscheduler)", _ms(p["imports"]), "",
         _ms(b["imports"])),
        ("whole process, wall (interpreter start-up included)", f"{p['wall']:.2f} s", "",
         f"{b['wall']:.2f} s"),
        ("peak RSS (after imports -> end)",
         f"{p['rss_before']:.0f} -> {p['rss']:.0f} MiB", "", _mib(b["rss"])),
    ]


def reminder_rows(r: JSON, b: JSON, args: argparse.Namespace) -> list[tuple[str, ...]]:
    """Return the reminder table's rows."""
    def per_s(rows: int, seconds: float) -> str:
        return f"{rows / seconds:,.0f}" if seconds else "-"

    return [
        ("reminders.send -> outbox (one transaction)", _ms(r["seconds"]), "<= 1 s",
         f"{_ms(b['seconds'])} (sqlite3 executemany)"),
        ("rows queued: send's count | outbox count(*) before -> after",
         f"{r['queued']} | {r['before']} -> {r['rows']}", str(args.delegates), str(b["rows"])),
        ("rows / s", per_s(r["queued"], r["seconds"]), "", per_s(b["rows"], b["seconds"])),
        ("  registrations.recipients() alone, after", _ms(r["recipients_seconds"]), "",
         f"{r['recipients']} accounts"),
        ("same reminder again (dedupe key): rows | time",
         f"{r['again']} | {_ms(r['again_seconds'])}", "0", ""),
        ("average text length (chars)", f"{r['text_chars']:.0f}", "", str(len(BARE_TEXT))),
        ("peak RSS (before -> after send)", f"{r['rss_before']:.0f} -> {r['rss_send']:.0f} MiB",
         "", _mib(b["rss"])),
    ]


def main(argv: list[str] | None = None) -> None:
    """Build the database, run every phase in its own process and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.agenda", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delegates", type=int, default=5000, help="registered delegates")
    parser.add_argument("--sessions", type=int, default=200, help="sessions over three days")
    parser.add_argument("--profile", action="store_true",
                        help="also run start-up and one reminder under cProfile and print it")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print_result(one_phase(args))
        return
    with tempfile.TemporaryDirectory(prefix="bench-agenda-") as tmp:
        folder = Path(tmp)
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        args.now = now.isoformat()
        (folder / AGENDA_NAME).write_text(make_agenda_toml(args.sessions, first_day(now)),
                                          encoding="utf-8")
        phases = ["setup", "startup-baseline", "startup", "reminder-baseline", "reminder"]
        if args.profile:
            phases += ["startup-profile", "reminder-profile"]
        got = {phase: in_subprocess(phase, folder, args) for phase in phases}
    print_table(f"Set-up (extra figures): {args.delegates} registered delegates, "
                f"{args.sessions} sessions imported from TOML",
                setup_rows(got["setup"], args), ("figure", "value", "note"))
    print_table(f"Start-up with {args.sessions} sessions x 2 reminder offsets; "
                "one process per column", startup_rows(got["startup"],
                                                        got["startup-baseline"], args),
                ("figure", "value", "target", "baseline: APScheduler alone + sqlite3"))
    r = got["reminder"]
    print_table(f"One reminder ({r['offset']} min before {r['session']!r}, audience all) "
                f"to {args.delegates} delegates", reminder_rows(r, got["reminder-baseline"], args),
                ("figure", "value", "target", "baseline: bare sqlite3 INSERT"))
    for phase in ("startup-profile", "reminder-profile"):
        if phase in got:
            print(f"\n===== cProfile: {phase} =====\n{got[phase]['profile']}")


if __name__ == "__main__":
    main()
