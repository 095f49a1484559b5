"""Benchmark: roster import (CSV and XLSX) and a burst of concurrent registrations.

Run from the repository root (``tests`` must be importable); it takes about 25 s::

    .venv/bin/python -m bench.registration [--rows 5000] [--delegates 300] [--timeout 30]
                                           [--small-pool 16]

Part 1 - roster import. A roster of ``--rows`` invented delegates (Vietnamese names,
delegations, phones in the fake 0900 range, every 8th row without an invite code so that
codes are generated) is written once as CSV (UTF-8 BOM, ``;``, Vietnamese headers) and once
as XLSX (openpyxl write-only). Each import is timed as the CLI runs it: ``read_table`` ->
``plan_from_table`` -> ``apply_plan`` into a fresh database opened by ``Database.open``, then
a second import of the same file (the update path, every row unchanged). The whole command
``python -m bot roster import`` is also timed in a new process (start-up included). Baseline:
the bare I/O without the project - ``csv.reader`` (or openpyxl's read-only reader) plus one
plain ``sqlite3`` ``executemany`` INSERT into a one-table database.

Part 2 - registrations. A real ``App`` (SystemClock, temp config and database holding a
roster of ``--delegates``) with a real ``TelegramChannel`` polls the fake Bot API server
``testkit.fake_telegram.FakeTelegram``. All delegates write at the same moment (every update
pushed before anything is awaited), in three rounds: ``/start``, then the invite code as
typed (some with hyphens or in lower case), then a press on ``reg:yes``; between two rounds
the fake's clock moves as a person's would (Telegram's limit per chat refills). Per user the
latency runs from the push to the moment the fake server recorded the bot's ``sendMessage``
(or ``editMessageText``) that answers it (the ask for the code; the confirmation carrying the
``reg:yes`` button; the "registered" answer, which replaces the question). Errors: no
answer within ``--timeout``, a wrong text, HTTP answers >= 400, ERROR log records, and
accounts linked to the wrong delegate or delegates linked twice. Baseline: a bare
python-telegram-bot ``Application`` (same fake server, same polling and concurrency
settings) whose handlers only echo the text or the callback data back, hit by
the same rounds. httpx slows down when its pool holds many connections (httpcore scans the
whole pool on every request), so the baseline is run again with a pool of ``--small-pool``
connections instead of PTB's default 256 (a bench-only patch of ``ApplicationBuilder``; the
bot brings its own small pools, which it keeps: its second run repeats the first).

Every phase runs in its own subprocess so that each peak RSS (VmHWM) belongs to one phase.
The fake server runs in a process of its own (as in bench.broadcast and bench.updates), so
that its work (parsing and checking each request as Telegram would) is not taken from the bot
on this 2-core machine; the rounds run there (every update pushed, every answer stamped) and
the bot's process waits for them; the baseline is measured the same way. Nothing about time
is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import functools
import html
import io
import json
import logging
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bench.common import (
    FakeServer,
    peak_rss_mb,
    percentile,
    print_result,
    print_table,
    run_child,
    run_phase,
)

JSON = dict[str, Any]
Verdict = Literal["match", "skip", "wrong"]
Matcher = Callable[[JSON], Verdict]

HEADERS = ("STT", "Mã đại biểu", "Họ và tên", "Đơn vị", "Đoàn", "Loại đại biểu",
           "Số điện thoại", "Số ghế", "Mã mời")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
          "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Kim", "Gia")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Hùng", "Lan", "Linh", "Mai", "Nam",
         "Nga", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Tiến", "Trang", "Tuấn", "Vy", "Yến")
PLACES = ("Yên Thành", "Diễn Châu", "Quỳnh Lưu", "Nghi Lộc", "Hưng Nguyên", "Nam Đàn",
          "Thanh Chương", "Đô Lương", "Anh Sơn", "Con Cuông", "Tân Kỳ", "Quỳ Hợp")
UNITS = ("Huyện ủy", "UBND huyện", "Mặt trận Tổ quốc huyện", "Đoàn Thanh niên huyện",
         "Hội Nông dân huyện", "Trung tâm Y tế huyện")
KINDS = ("Chính thức",) * 8 + ("Dự khuyết", "Khách mời")
USER_BASE = 700_000  # Telegram user ids of the benchmark's delegates
ORGANISER = 9001
PHASES = ("import-baseline-csv", "import-csv", "import-baseline-xlsx", "import-xlsx",
          "reg-baseline", "reg-bot")


# ---------------------------------------------------------------------------- roster files
def make_roster(count: int, seed: int = 2026) -> list[list[str]]:
    """Return a header and `count` invented delegate rows, as the cells of a roster file."""
    from bot.formats.roster import INVITE_ALPHABET, INVITE_CODE_LENGTH

    rnd = random.Random(seed)
    rows = [list(HEADERS)]
    codes: set[str] = set()
    for i in range(1, count + 1):
        place = PLACES[i % len(PLACES)]
        digits = f"0{900_000_000 + i:09d}"  # 0900 000 001, ... (a range no carrier uses)
        phone = "" if i % 10 == 0 else (
            f"{digits[:4]} {digits[4:7]} {digits[7:]}", f"{digits[:4]}.{digits[4:7]}.{digits[7:]}",
            f"+84{digits[1:]}",
        )[i % 3]
        invite = ""
        if i % 8:
            while not invite or invite in codes:
                invite = "".join(rnd.choice(INVITE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))
            codes.add(invite)
            if i % 5 == 0:  # as printed on the card: ABCD-EFGH-JK
                invite = f"{invite[:4]}-{invite[4:8]}-{invite[8:]}"
        name = f"{rnd.choice(FAMILY)} {rnd.choice(MIDDLE)} {rnd.choice(GIVEN)}"
        rows.append([str(i), f"DB{i:05d}", name, f"{rnd.choice(UNITS)} {place}",
                     f"Đoàn {place}", KINDS[i % len(KINDS)], phone,
                     f"{chr(65 + (i - 1) // 100 % 26)}{(i - 1) % 100 + 1:02d}", invite])
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> None:
    """Write rows as Excel does: UTF-8 with BOM, semicolons, CRLF."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";", lineterminator="\r\n").writerows(rows)


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    """Write rows to the first sheet of an .xlsx file (ordinals as numbers)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Đại biểu")
    sheet.append(rows[0])
    for row in rows[1:]:
        sheet.append([int(row[0]), *row[1:]])
    book.save(path)


# ---------------------------------------------------------------------------- part 1: import
def _bare_sqlite(db_path: Path, rows: list[list[str]]) -> None:
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("CREATE TABLE delegates (code TEXT PRIMARY KEY, full_name TEXT, unit TEXT,"
                     " delegation TEXT, kind TEXT, phone TEXT, seat TEXT, invite_code TEXT)")
        with conn:
            conn.executemany("INSERT INTO delegates VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             [r[1:9] for r in rows[1:]])
    finally:
        conn.close()


def import_baseline(path: Path, db_path: Path) -> JSON:
    """Time the bare read (csv.reader or openpyxl) and a plain sqlite3 INSERT of the rows."""
    start = time.perf_counter()
    if path.suffix == ".csv":
        text = path.read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    else:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        rows = [["" if v is None else str(v) for v in values]
                for values in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    read = time.perf_counter()
    _bare_sqlite(db_path, rows)
    end = time.perf_counter()
    return {"rows": len(rows) - 1, "read": read - start, "apply": end - read,
            "total": end - start, "rss": peak_rss_mb()}


async def _project_import_once(db: Any, path: Path) -> JSON:
    from bot.clock import SystemClock, to_iso
    from bot.tabular import read_table
    from handlers.roster import apply_plan, plan_from_table

    start = time.perf_counter()
    table = read_table(path)
    read = time.perf_counter()
    plan = await plan_from_table(db, table, prune=False)
    planned = time.perf_counter()
    if not plan.ok:
        raise SystemExit(f"{path.name}: the generated roster has problems: {plan.problems[:3]}")
    await apply_plan(db, plan, to_iso(SystemClock().now()))
    end = time.perf_counter()
    return {"read": read - start, "plan": planned - read, "apply": end - planned,
            "total": end - start, "added": len(plan.added), "updated": len(plan.updated),
            "unchanged": plan.unchanged, "rss": peak_rss_mb()}


async def import_project(path: Path, db_path: Path) -> JSON:
    """Import `path` into a fresh database as the CLI does, then import it again."""
    from storage.db import Database

    rss_start = peak_rss_mb()
    start = time.perf_counter()
    db = await Database.open(db_path)
    opened = time.perf_counter() - start
    try:
        first = await _project_import_once(db, path)
        second = await _project_import_once(db, path)
    finally:
        await db.close()
    return {"open": opened, "first": first, "second": second, "rss_start": rss_start}


# ---------------------------------------------------------------------------- part 2: chat
@dataclass
class Round:
    """One round of pushes: what each chat must get back, and what it got."""

    matchers: dict[int, Matcher]
    pushed: dict[int, float] = field(default_factory=dict)
    latency: dict[int, float] = field(default_factory=dict)
    wrong: set[int] = field(default_factory=set)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def settled(self) -> int:
        """Return how many chats got their answer or a wrong one."""
        return len(self.latency) + len(self.wrong)


class SendClock:
    """Stamp every sendMessage and editMessageText the fake server accepts (what a person
    sees appear), per chat, against the current round."""

    def __init__(self, fake: Any) -> None:
        self.round: Round | None = None
        for method in ("sendMessage", "editMessageText"):
            self._stamp(fake, method)

    def _stamp(self, fake: Any, method: str) -> None:
        original = getattr(fake, f"_m_{method}")

        def stamped(params: JSON) -> Any:
            result = original(params)  # raises ApiError for what Telegram would refuse
            self._seen(time.perf_counter(), params)
            return result

        # An instance attribute: the fake looks methods up by name.
        setattr(fake, f"_m_{method}", stamped)

    def _seen(self, now: float, params: JSON) -> None:
        rnd, chat = self.round, params.get("chat_id")
        if rnd is None or not isinstance(chat, int) or chat not in rnd.matchers:
            return
        if chat in rnd.latency or chat in rnd.wrong:
            return  # later messages of the same answer (e.g. the next steps)
        verdict = rnd.matchers[chat](params)
        if verdict == "match":
            rnd.latency[chat] = now - rnd.pushed[chat]
        elif verdict == "wrong":
            rnd.wrong.add(chat)
        if rnd.settled() == len(rnd.matchers):
            rnd.done.set()


class ErrorLogs(logging.Handler):
    """Count ERROR (and worse) log records from any logger."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count the record."""
        self.count += 1


async def run_round(clock: SendClock, fake: Any, matchers: dict[int, Matcher],
                    push: Callable[[int], object], wait_handled: Callable[[], Any],
                    timeout: float) -> JSON:
    """Push one update per chat back to back, then wait for every answer; return figures."""
    from testkit.telegram_harness import PACE

    rnd = Round(matchers)
    clock.round = rnd
    fake.advance(PACE)  # people answer at a person's pace: Telegram's limit per chat refills
    first_call = len(fake.calls)
    for chat in matchers:
        rnd.pushed[chat] = time.perf_counter()
        push(chat)
    try:
        await asyncio.wait_for(rnd.done.wait(), timeout)
        await asyncio.wait_for(wait_handled(), timeout)  # let every handler finish
    except TimeoutError:
        pass
    clock.round = None
    latencies = list(rnd.latency.values())
    last = max((rnd.pushed[c] + v for c, v in rnd.latency.items()), default=0.0)
    span = last - min(rnd.pushed.values()) if latencies else 0.0
    return {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
            "max": max(latencies, default=float("nan")), "span": span,
            "answered": len(latencies), "wrong": len(rnd.wrong),
            "missing": len(matchers) - rnd.settled(),
            "http_errors": sum(1 for c in fake.calls[first_call:] if c.status >= 400),
            "api_calls": sum(1 for c in fake.calls[first_call:] if c.method != "getUpdates")}


def _is(expected: str, *, skip: tuple[str, ...] = (), button: str | None = None) -> Matcher:
    def verdict(params: JSON) -> Verdict:
        text = str(params.get("text"))
        if text in skip:
            return "skip"
        data = [b.get("callback_data") for row in
                (params.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        ok = text == expected and (button is None or button in data)
        return "match" if ok else "wrong"

    return verdict


# ---------------------------------------------------------------- the fake, in its own process
# As in bench.broadcast: the fake Bot API server runs in a process of its own, so that its
# CPU (parsing and checking every request as Telegram would) is not taken from the bot under
# test; the rounds (push every update, stamp every answer) run there, steered by JSON lines.
async def _nothing() -> None:
    return None


def _push_from(fake: Any, pushes: dict[int, JSON], chat: int) -> None:
    what = pushes[chat]
    if "callback" in what:
        fake.push_callback(chat, what["callback"])
    else:
        fake.push_text(chat, what["text"], first_name=what.get("first_name", "Test"))


async def _serve_fake() -> None:
    """Run the fake and the rounds it is told to run, until "stop"."""
    from testkit.fake_telegram import FakeTelegram

    fake = FakeTelegram()
    await fake.start()
    clock = SendClock(fake)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)  # a round names every chat
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def answer(value: Any) -> None:
        sys.stdout.write(json.dumps(value) + "\n")
        sys.stdout.flush()

    answer({"port": fake.port, "token": fake.token})
    while line := await reader.readline():
        cmd = json.loads(line)
        if cmd["op"] == "stop":
            break
        if cmd["op"] == "round":
            expect = {int(c): _is(e["text"], skip=tuple(e.get("skip", ())), button=e.get("button"))
                      for c, e in cmd["expect"].items()}
            pushes = {int(c): p for c, p in cmd["push"].items()}
            answer(await run_round(clock, fake, expect, functools.partial(_push_from, fake, pushes),
                                   _nothing, cmd["timeout"]))
    await fake.stop()


class RemoteFake:
    """The fake in its own process, as the bot and the baseline see it: an address, a token,
    and rounds to run."""

    def __init__(self) -> None:
        self.server = FakeServer("bench.registration")
        self.sleep = asyncio.sleep  # the channel's retries wait for real (no 429 expected)

    async def start(self) -> None:
        """Start the fake's process."""
        await self.server.start()
        self.token: str = self.server.info["token"]
        self.port: int = self.server.port
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        self.base_file_url = f"http://127.0.0.1:{self.port}/file/bot"

    async def round(self, expect: dict[int, JSON], push: dict[int, JSON],
                    wait_handled: Callable[[], Any], timeout: float) -> JSON:
        """Run one round in the fake's process; then let every handler here finish."""
        figures: JSON = await self.server.call("round", expect=expect, push=push,
                                               timeout=timeout)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wait_handled(), timeout)
        return figures

    async def stop(self) -> None:
        """Stop the fake's process."""
        await self.server.stop()


def _expect(text: str, *, skip: tuple[str, ...] = (), button: str | None = None) -> JSON:
    return {"text": text, "skip": list(skip), "button": button}


async def _seed_roster(db: Any, folder: Path, count: int) -> list[Any]:
    from bot.clock import SystemClock, to_iso
    from bot.tabular import read_table
    from handlers.roster import apply_plan, plan_from_table
    from storage import delegates

    path = folder / "roster-registration.csv"
    write_csv(path, make_roster(count, seed=7))
    plan = await plan_from_table(db, read_table(path), prune=False)
    await apply_plan(db, plan, to_iso(SystemClock().now()))
    return await delegates.all_delegates(db)


async def registration_bot(folder: Path, count: int, timeout: float) -> JSON:
    """Register `count` delegates at once through the real App and Telegram channel."""
    from bot.app import App
    from bot.config import parse_config
    from testkit.telegram_harness import start_channel

    errors = ErrorLogs()
    logging.getLogger().addHandler(errors)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    config = parse_config({"event": {"name": "Đại hội đại biểu Đảng bộ tỉnh"},
                           "organisers": {"telegram": [ORGANISER]}},
                          file="bench.toml", base_dir=folder, env={})
    app = await App.open(config)  # the real SystemClock
    fake = RemoteFake()
    await fake.start()
    try:
        roster = await _seed_roster(app.services.db, folder, count)
        if len(roster) < count:
            raise SystemExit(f"only {len(roster)} delegates imported, {count} wanted")
        by_chat = {USER_BASE + i: d for i, d in enumerate(roster[:count])}
        channel = await start_channel(app, fake)  # type: ignore[arg-type]
        t = app.texts.t
        event, name = config.event.name, "Đại biểu"
        asks = (t("vi", "registration.ask_code_or_phone"), t("vi", "registration.ask_code"))
        welcome = t("vi", "start.welcome", event=event, hello=t("vi", "start.hello", name=name))

        def handled(rounds: int) -> Callable[[], Any]:
            return lambda: channel.wait_handled(rounds * count)

        try:
            start = await fake.round(
                {c: _expect(asks[0], skip=(welcome,)) for c in by_chat},
                {c: {"text": "/start", "first_name": name} for c in by_chat}, handled(1), timeout)
            confirm = {c: _expect(t("vi", "registration.confirm", name=d.full_name,
                                    unit=d.unit or "—", delegation=d.delegation or "—"),
                                  button="reg:yes") for c, d in by_chat.items()}
            code = await fake.round(
                confirm, {c: {"text": _as_typed(d.invite_code, c), "first_name": name}
                          for c, d in by_chat.items()}, handled(2), timeout)
            next_steps = t("vi", "registration.next_steps")
            done = {c: _expect(f"{t('vi', 'registration.done', name=d.full_name)}\n\n{next_steps}")
                    for c, d in by_chat.items()}
            yes = await fake.round(done, {c: {"callback": "reg:yes"} for c in by_chat},
                                   handled(3), timeout)
        finally:
            await channel.stop()
        links = await app.services.db.fetchall(
            "SELECT user_id, delegate_id FROM registrations WHERE platform = 'telegram'")
        wanted = {str(c): d.id for c, d in by_chat.items()}
        linked = [(u, d) for u, d in links]
        bad_links = sum(1 for u, d in linked if wanted.get(u) != d)
        twice = len(linked) - len({d for _, d in linked})
    finally:
        await fake.stop()
        await app.close()
    return {"rounds": {"start": start, "code": code, "yes": yes}, "linked": len(linked),
            "bad_links": bad_links, "twice": twice, "error_logs": errors.count,
            "rss": peak_rss_mb()}


def _as_typed(invite_code: str, chat: int) -> str:
    """Return the invite code as a delegate might type it (some with hyphens, lower case)."""
    if chat % 4 == 1:
        return f"{invite_code[:4]}-{invite_code[4:8]}-{invite_code[8:]}"
    return invite_code.lower() if chat % 4 == 2 else invite_code


async def registration_baseline(count: int, timeout: float) -> JSON:
    """Run the same rounds against a bare PTB Application that only echoes."""
    from telegram import Update
    from telegram.constants import ParseMode
    from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler
    from telegram.ext import filters as flt

    errors = ErrorLogs()
    logging.getLogger().addHandler(errors)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    fake = RemoteFake()
    await fake.start()
    handled = 0
    changed = asyncio.Condition()

    async def count_one() -> None:
        nonlocal handled
        async with changed:
            handled += 1
            changed.notify_all()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await context.bot.send_message(update.message.chat.id, html.escape(update.message.text
                                       or ""), parse_mode=ParseMode.HTML)
        await count_one()

    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.from_user is not None
        await query.answer()
        await context.bot.send_message(query.from_user.id, html.escape(query.data or ""),
                                       parse_mode=ParseMode.HTML)
        await count_one()

    application = (
        Application.builder().token(fake.token).base_url(fake.base_url)
        .base_file_url(fake.base_file_url).concurrent_updates(True)
        .read_timeout(5).get_updates_read_timeout(6).build()  # as testkit.telegram_harness does
    )
    application.add_handler(MessageHandler(flt.ChatType.PRIVATE & flt.UpdateType.MESSAGE, echo))
    application.add_handler(CallbackQueryHandler(press))
    chats = [USER_BASE + i for i in range(count)]

    def wait(rounds: int) -> Callable[[], Any]:
        async def until() -> None:
            async with changed:
                await changed.wait_for(lambda: handled >= rounds * count)
        return until

    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1,
                                            allowed_updates=["message", "callback_query"])
    try:
        start = await fake.round({c: _expect("/start") for c in chats},
                                 {c: {"text": "/start"} for c in chats}, wait(1), timeout)
        code = await fake.round({c: _expect(f"CODE{c}") for c in chats},
                                {c: {"text": f"CODE{c}"} for c in chats}, wait(2), timeout)
        yes = await fake.round({c: _expect("reg:yes") for c in chats},
                               {c: {"callback": "reg:yes"} for c in chats}, wait(3), timeout)
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        await fake.stop()
    return {"rounds": {"start": start, "code": code, "yes": yes}, "linked": 0, "bad_links": 0,
            "twice": 0, "error_logs": errors.count, "rss": peak_rss_mb()}


def set_pool_size(size: int) -> None:
    """Make every Application built in this process with python-telegram-bot's own request
    objects use an httpx pool of `size` connections (the baseline echo bot).

    The product's TelegramChannel brings its own small pools (bot/channels/connections.py),
    which python-telegram-bot then refuses to resize: it keeps them.
    """
    from telegram.ext import ApplicationBuilder

    build = ApplicationBuilder.build

    def sized(self: ApplicationBuilder) -> Any:  # type: ignore[type-arg]
        with contextlib.suppress(RuntimeError):  # a request instance of its own was set
            self.connection_pool_size(size)
        return build(self)

    ApplicationBuilder.build = sized  # type: ignore[method-assign]


# ---------------------------------------------------------------------------- orchestration
def one_phase(phase: str, folder: Path, args: argparse.Namespace) -> JSON:
    """Run one phase in this process and return its figures."""
    if phase == "import-baseline-csv":
        return import_baseline(folder / "roster.csv", folder / "baseline-csv.sqlite3")
    if phase == "import-baseline-xlsx":
        return import_baseline(folder / "roster.xlsx", folder / "baseline-xlsx.sqlite3")
    if phase in ("import-csv", "import-xlsx"):
        suffix = phase.removeprefix("import-")
        return asyncio.run(import_project(folder / f"roster.{suffix}",
                                          folder / f"project-{suffix}.sqlite3"))
    if phase == "reg-baseline":
        return asyncio.run(registration_baseline(args.delegates, args.timeout))
    if phase == "reg-bot":
        sub = folder / f"registration-pool-{args.pool or 'default'}"
        sub.mkdir()
        return asyncio.run(registration_bot(sub, args.delegates, args.timeout))
    raise SystemExit(f"unknown phase {phase}")


def in_subprocess(phase: str, folder: Path, args: argparse.Namespace, pool: int = 0) -> JSON:
    """Run one phase in a fresh interpreter (so its peak RSS is its own); return its figures."""
    return run_phase("bench.registration", "--phase", phase, "--dir", str(folder), "--rows",
                     str(args.rows), "--delegates", str(args.delegates), "--timeout",
                     str(args.timeout), "--pool", str(pool))


def cli_import(folder: Path, suffix: str) -> JSON:
    """Time `delegate-bot roster import` as an organiser runs it, start-up included."""
    config = folder / f"cli-{suffix}.toml"
    config.write_text(f'[event]\nname = "Đại hội"\n\n[storage]\npath = "cli-{suffix}.sqlite3"\n',
                      encoding="utf-8")
    command = [sys.executable, "-m", "bot", "--config", str(config), "roster", "import",
               str(folder / f"roster.{suffix}")]
    child = run_child(command)
    return {"wall": child.wall, "rss": child.rss_mb}


def _s(seconds: float) -> str:
    return f"{seconds:.3f} s"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def import_rows(kind: str, project: JSON, bare: JSON, cli: JSON) -> list[tuple[str, ...]]:
    """Return the table rows for one file format."""
    first, second = project["first"], project["second"]
    return [
        (f"{kind}: `delegate-bot roster import`, wall", _s(cli["wall"]), "<= 3 s",
         _s(bare["wall"])),
        ("  (new process, fresh database) peak RSS", f"{cli['rss']:.0f} MiB", "",
         f"{bare['rss']:.0f} MiB"),
        (f"{kind}: read + plan + apply, in process", _s(first["total"]), "<= 3 s",
         _s(bare["total"])),
        ("  read_table | bare read", _s(first["read"]), "", _s(bare["read"])),
        ("  plan_from_table (parse, match, codes)", _s(first["plan"]), "", "-"),
        ("  apply_plan | bare INSERT", _s(first["apply"]), "", _s(bare["apply"])),
        ("  rows added", str(first["added"]), str(bare["rows"]), str(bare["rows"])),
        (f"{kind}: re-import, all unchanged", _s(second["total"]), "", "-"),
        ("  rows unchanged / updated", f"{second['unchanged']} / {second['updated']}", "", "-"),
        ("  Database.open (migrations)", _s(project["open"]), "", "-"),
        ("  peak RSS: imports -> 1st -> 2nd",
         f"{project['rss_start']:.0f} -> {first['rss']:.0f} -> {second['rss']:.0f} MiB", "",
         "-"),
    ]


ROUNDS = {"start": "/start -> ask for the code", "code": "code -> confirmation (reg:yes)",
          "yes": "reg:yes -> registered"}


def _errors(figures: JSON, linked_wanted: int) -> int:
    """Return every kind of error of one registration phase, added up."""
    rounds = figures["rounds"].values()
    return (sum(r["missing"] + r["wrong"] + r["http_errors"] for r in rounds)
            + figures["error_logs"] + figures["bad_links"] + figures["twice"]
            + abs(linked_wanted - figures["linked"]))


def registration_rows(runs: list[tuple[JSON, bool]], count: int) -> list[tuple[str, ...]]:
    """Return the registration table rows; `runs` are (figures, is the bot) per column."""

    def row(label: str, target: str, cell: Callable[[JSON, bool], str]) -> tuple[str, ...]:
        cells = [cell(figures, bot) for figures, bot in runs]
        return (label, cells[0], target, *cells[1:])

    def per_s(r: JSON) -> str:
        return f"{r['answered'] / r['span']:.0f}" if r["span"] else "-"

    rows: list[tuple[str, ...]] = []
    for key, label in ROUNDS.items():
        target = "<= 1 s" if key in ("code", "yes") else ""  # yes: issue 13, point 3
        rows += [
            row(label, "", lambda f, _b, k=key: f"p50 {_ms(f['rounds'][k]['p50'])}"),
            row("  p99", target, lambda f, _b, k=key: _ms(f["rounds"][k]["p99"])),
            row(f"  all {count} answered after", "", lambda f, _b, k=key:
                _s(f["rounds"][k]["span"])),
            row("  answers / s", "", lambda f, _b, k=key: per_s(f["rounds"][k])),
            row("  Bot API calls / update", "", lambda f, _b, k=key:
                f"{f['rounds'][k]['api_calls'] / count:.1f}"),
        ]
    rows += [
        row("errors (all rounds)", "0", lambda f, b: str(_errors(f, count if b else 0))),
        row("  no answer in time / wrong text", "", lambda f, _b: "{} / {}".format(
            *(sum(r[k] for r in f["rounds"].values()) for k in ("missing", "wrong")))),
        row("  HTTP >= 400 / ERROR log records", "", lambda f, _b: "{} / {}".format(
            sum(r["http_errors"] for r in f["rounds"].values()), f["error_logs"])),
        row("  linked / wrong delegate / twice", f"{count} / 0 / 0", lambda f, b:
            f"{f['linked']} / {f['bad_links']} / {f['twice']}" if b else "-"),
        row("peak RSS", "", lambda f, _b: f"{f['rss']:.0f} MiB"),
    ]
    return rows


def main(argv: list[str] | None = None) -> None:
    """Generate the files, run every phase in its own process and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.registration", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000, help="roster rows to import")
    parser.add_argument("--delegates", type=int, default=300, help="concurrent registrations")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per round")
    parser.add_argument("--small-pool", type=int, default=16, metavar="N",
                        help="also run both registration phases with an httpx pool of N "
                        "connections instead of PTB's 256 (0: skip)")
    parser.add_argument("--pool", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=(*PHASES, "fake"), help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pool:
        set_pool_size(args.pool)
    if args.phase == "fake":
        asyncio.run(_serve_fake())
        return
    if args.phase:
        print_result(one_phase(args.phase, args.dir, args))
        return
    with tempfile.TemporaryDirectory(prefix="bench-registration-") as tmp:
        folder = Path(tmp)
        rows = make_roster(args.rows)
        write_csv(folder / "roster.csv", rows)
        write_xlsx(folder / "roster.xlsx", rows)
        sizes = {s: (folder / f"roster.{s}").stat().st_size / 1024 for s in ("csv", "xlsx")}
        got = {phase: in_subprocess(phase, folder, args) for phase in PHASES}
        clis = {suffix: cli_import(folder, suffix) for suffix in ("csv", "xlsx")}
        small = args.small_pool
        if small:
            got |= {f"{p}-small": in_subprocess(p, folder, args, small) for p in PHASES[-2:]}
    print_table(
        f"Roster import: {args.rows} rows (CSV {sizes['csv']:.0f} KiB, XLSX "
        f"{sizes['xlsx']:.0f} KiB) into a fresh database; one process per phase",
        import_rows("CSV", got["import-csv"], got["import-baseline-csv"], clis["csv"])
        + import_rows("XLSX", got["import-xlsx"], got["import-baseline-xlsx"], clis["xlsx"]),
        ("figure", "value", "target", "baseline: csv/openpyxl + sqlite3"),
    )
    runs = [(got["reg-bot"], True), (got["reg-baseline"], False)]
    headers = ("figure", "bot", "target", "baseline: bare PTB echo")
    if small:
        runs += [(got["reg-bot-small"], True), (got["reg-baseline-small"], False)]
        headers += (f"bot, pool {small}", f"baseline, pool {small}")
    print_table(
        f"Registration: {args.delegates} delegates at the same moment; PTB polling the fake "
        "Bot API server in a process of its own; httpx pool: PTB's default 256 for the baseline, "
        "delegate-bot's own 8, unless stated",
        registration_rows(runs, args.delegates), headers,
    )


if __name__ == "__main__":
    main()
