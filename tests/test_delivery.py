"""The outbox and the delivery worker, through the real Telegram channel and the fake Bot API.

Failures are injected at the fake server (429 with retry_after, 403, 400, 500, a hung request)
and the worker sleeps on the injected clock. A thin wrapper around the channel's transport
notes the injected time of each send attempt, so spacing, pacing and back-off are measured on
that clock; what arrived is read from the fake server's records and the outbox rows.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.clock import FixedClock, from_iso, to_iso
from bot.delivery import DeliveryError, Transport, messages_for
from bot.text import visible_length
from storage import audit, broadcasts, outbox, users
from storage.outbox import Outcome
from testkit.fake_telegram import FakeTelegram, html_to_text
from testkit.people import Person, seed
from testkit.telegram_harness import TelegramChat, buttons, start_channel, telegram_config
from testkit.worker import on_injected_time
from tests.conftest import ORGANISER_ID, make_config

HEADER_VI = "📢 <b>Thông báo của Ban Tổ chức</b>\n\n"
HEADER_EN = "📢 <b>Announcement from the organisers</b>\n\n"


# ---------------------------------------------------------------------------- helpers
@dataclass
class Attempt:
    """One send the worker made: to whom, when it started and ended (injected clock), how."""

    chat_id: int
    text: str
    started: datetime
    ended: datetime | None = None
    error: str | None = None  # DeliveryError kind, None when it went through


class ClockedTransport:
    """Wraps the channel's transport and notes every send attempt on the injected clock."""

    platform = "telegram"

    def __init__(self, inner: Transport, clock: FixedClock) -> None:
        self.inner, self.clock = inner, clock
        self.attempts: list[Attempt] = []

    async def deliver(self, chat_id: str, text: str) -> str:
        """Send through the real channel, noting the attempt."""
        attempt = Attempt(int(chat_id), text, self.clock.now())
        self.attempts.append(attempt)
        try:
            return await self.inner.deliver(chat_id, text)
        except DeliveryError as exc:
            attempt.error = exc.kind
            raise
        finally:
            attempt.ended = self.clock.now()

    async def edit(self, chat_id: str, message_id: str, text: str) -> None:
        """Edit through the real channel."""
        await self.inner.edit(chat_id, message_id, text)

    def to(self, chat_id: int) -> list[Attempt]:
        """Return the attempts to one chat, in order."""
        return [a for a in self.attempts if a.chat_id == chat_id]

    def to_delegates(self) -> list[Attempt]:
        """Return the attempts to everyone but the organiser (whose are reports)."""
        return [a for a in self.attempts if a.chat_id != ORGANISER_ID]


def run_on_injected_time(app: App, clock: FixedClock) -> ClockedTransport:
    """Make the worker sleep on the injected clock and note its sends; return the notes.

    The fake sleep yields before moving the clock, so a send started just before a pause is
    noted at the time it was paced for.
    """
    on_injected_time(app, clock)
    recorder = ClockedTransport(app.delivery.transports["telegram"], clock)
    app.delivery.transports["telegram"] = recorder
    return recorder


def seconds(a: datetime, b: datetime) -> float:
    """Return b - a in seconds."""
    return (b - a).total_seconds()


def gaps(attempts: list[Attempt]) -> list[float]:
    """Return the seconds between successive attempts' starts, rounded to milliseconds."""
    return [round(seconds(a.started, b.started), 3) for a, b in itertools.pairwise(attempts)]


async def queue(tg: TelegramChat, body: str, *presses: str) -> str:
    """As the organiser: /announce, choose the audience (default all), send now; return the
    bot's answer."""
    await tg.send(ORGANISER_ID, f"/announce {body}")
    for data in presses or ("ann:all",):
        *_, shown = await tg.press(ORGANISER_ID, data)
    (answer,) = await tg.press(ORGANISER_ID, send_button(shown))
    return str(answer["text"])


def send_button(preview: dict[str, Any]) -> str:
    """Return the callback data of a preview's 'send now' button."""
    (data,) = [d for _, d in buttons(preview) if d.split(":")[:2] == ["ann", "send"]]
    return data


async def queue_direct(app: App, people: list[Person], text: str) -> int:
    """Queue `text` to people straight in storage, with no organiser (so no live report)."""
    db, now = app.services.db, to_iso(app.services.clock.now())
    broadcast_id = await broadcasts.create(
        db, kind="announcement", audience={"type": "all"}, body=text, status="queued",
        send_at=None, created_by="cli", report=None, now=now)
    rows = [m for p in people if p.user_id is not None for m in messages_for(
        f"b{broadcast_id}:telegram:{p.user_id}", "telegram", str(p.user_id), text,
        delegate_id=p.delegate.id, broadcast_id=broadcast_id)]
    await outbox.enqueue(db, rows, now)
    return broadcast_id


async def outbox_rows(app: App) -> list[dict[str, Any]]:
    """Return every outbox row, by id (a read-only look at the table)."""
    rows = await app.services.db.fetchall(
        "SELECT id, broadcast_id, dedupe_key, chat_id, state, attempts, last_error, sent_at, text"
        " FROM outbox ORDER BY id")
    return [dict(row) for row in rows]


def announcements_to(fake: FakeTelegram, chat_id: int) -> list[str]:
    """Return the announcements (not replies or reports) a chat received, in order."""
    return [t for t in fake.sent_texts(chat_id) if t.startswith("📢")]


def statuses_to(fake: FakeTelegram, chat_id: int) -> list[int]:
    """Return the HTTP statuses of the sendMessage calls to a chat, in order."""
    return [c.status for c in fake.calls_to("sendMessage") if c.params.get("chat_id") == chat_id]


def chat_that_got(fake: FakeTelegram, status: int) -> int:
    """Return the chat whose sendMessage got the injected `status`."""
    (chat_id,) = [c.params["chat_id"] for c in fake.calls_to("sendMessage") if c.status == status]
    return int(chat_id)


def user_ids(people: list[Person]) -> list[int]:
    """Return the Telegram user ids of registered people."""
    return [p.user_id for p in people if p.user_id is not None]


@asynccontextmanager
async def bot_with(tmp_path: Path, clock: FixedClock, fake: FakeTelegram,
                   **delivery: Any) -> AsyncIterator[tuple[App, TelegramChat]]:
    """Open an App whose [delivery] section has these values, with a Telegram channel."""
    app = await App.open(make_config(tmp_path, delivery=delivery), clock=clock)
    try:
        channel = await start_channel(app, fake)
        try:
            yield app, TelegramChat(fake, channel)
        finally:
            await channel.stop()
    finally:
        await app.close()


# ---------------------------------------------------------------------------- the outbox
async def test_a_dedupe_key_is_enqueued_only_once(app: App, clock: FixedClock) -> None:
    now = to_iso(clock.now())
    rows = messages_for("reminder:7:50000", "telegram", "50000", "Sắp đến giờ họp")
    assert await outbox.enqueue(app.services.db, rows, now) == 1
    assert await outbox.enqueue(app.services.db, rows, now) == 0
    again = messages_for("reminder:7:50000", "telegram", "50000", "Nội dung khác")
    assert await outbox.enqueue(app.services.db, again, now) == 0
    assert [(r["dedupe_key"], r["text"], r["state"]) for r in await outbox_rows(app)] == [
        ("reminder:7:50000", "Sắp đến giờ họp", "pending")]


async def test_rows_move_through_every_state(app: App, clock: FixedClock) -> None:
    db, now = app.services.db, to_iso(clock.now())
    broadcast_id = await broadcasts.create(
        db, kind="announcement", audience={"type": "all"}, body="x", status="queued",
        send_at=None, created_by="cli", report=None, now=now)
    rows = [m for chat in ("1", "2", "3", "4") for m in messages_for(
        f"b{broadcast_id}:{chat}", "telegram", chat, "Xin chào", broadcast_id=broadcast_id)]
    assert await outbox.enqueue(db, rows, now) == 4
    assert await outbox.counts(db, broadcast_id) == {
        "pending": 4, "sending": 0, "sent": 0, "failed": 0, "blocked": 0}
    claimed = await outbox.claim_due(db, now, 10)
    assert [c.chat_id for c in claimed] == ["1", "2", "3", "4"]
    assert await outbox.claim_due(db, now, 10) == []  # claimed rows are not handed out twice
    assert (await outbox.counts(db, broadcast_id))["sending"] == 4
    later = to_iso(clock.now() + timedelta(seconds=2))
    await outbox.record(db, [
        Outcome(claimed[0].id, "sent", now), Outcome(claimed[1].id, "failed", now, error="x"),
        Outcome(claimed[2].id, "blocked", now, error="y"),
        Outcome(claimed[3].id, "pending", now, next_attempt_at=later, error="z"),
    ])
    assert await outbox.counts(db, broadcast_id) == {
        "pending": 1, "sending": 0, "sent": 1, "failed": 1, "blocked": 1}
    assert await outbox.claim_due(db, now, 10) == []  # the retry is not due yet
    assert await outbox.next_due(db) == later
    (retry,) = await outbox.claim_due(db, later, 10)
    assert (retry.chat_id, retry.attempts) == ("4", 1)


async def test_rows_left_sending_by_a_crash_are_sent_after_restart(
    tmp_path: Path, clock: FixedClock, fake: FakeTelegram
) -> None:
    async with bot_with(tmp_path, clock, fake) as (app, tg):
        people = await seed(app, 5)
        await queue(tg, "Sau sự cố vẫn đến nơi")
        claimed = await outbox.claim_due(app.services.db, to_iso(clock.now()), 3)
        assert len(claimed) == 3  # the process dies here: claimed, never sent nor recorded
        assert (await outbox.counts(app.services.db, 1))["sending"] == 3
    async with bot_with(tmp_path, clock, fake) as (app, _):
        assert await app.delivery.recover() == 3
        assert (await outbox.counts(app.services.db, 1))["pending"] == 5
        run_on_injected_time(app, clock)
        await app.delivery.drain()
        for user_id in user_ids(people):
            assert announcements_to(fake, user_id) == [HEADER_VI + "Sau sự cố vẫn đến nơi"]
        assert (await outbox.counts(app.services.db, 1))["sent"] == 5
        assert await app.delivery.recover() == 0


# ---------------------------------------------------------------------------- content
async def test_each_recipient_gets_it_in_their_own_language(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    people = await seed(app, 4)
    english = set(user_ids(people)[1::2])
    for user_id in english:
        await users.set_language(app.services.db, "telegram", str(user_id), "en")
    await queue(tg, "Hội trường A — 8:00")
    run_on_injected_time(app, clock)
    await app.delivery.drain()
    for user_id in user_ids(people):
        header = HEADER_EN if user_id in english else HEADER_VI
        assert announcements_to(fake, user_id) == [header + "Hội trường A — 8:00"]


async def test_user_text_is_escaped_and_accepted_by_telegram(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    (person,) = await seed(app, 1)
    body = 'Giá <200k> & "miễn phí" <b>chưa đóng <script>alert(1)</script> &amp; a<b'
    await queue(tg, body)
    run_on_injected_time(app, clock)
    await app.delivery.drain()
    assert person.user_id is not None
    (raw,) = announcements_to(fake, person.user_id)
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    assert html_to_text(raw) == html_to_text(HEADER_VI) + body  # reads exactly as written
    assert statuses_to(fake, person.user_id) == [200]


# ---------------------------------------------------------------------------- failures
async def test_429_pauses_for_retry_after_then_delivers_exactly_once(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    people = await seed(app, 30)  # more than one batch (25/s)
    await queue(tg, "Chậm lại")
    recorder = run_on_injected_time(app, clock)
    fake.fail_next("sendMessage", 429, retry_after=7)
    await app.delivery.drain()
    limited = chat_that_got(fake, 429)
    first, second = recorder.to(limited)
    assert first.error == DeliveryError.RETRY_AFTER and second.error is None
    assert first.ended is not None
    assert seconds(first.ended, second.started) >= 7
    # The whole platform paused: nothing started between the 429 and the end of the wait.
    assert not [a for a in recorder.to_delegates()
                if first.ended < a.started < first.ended + timedelta(seconds=7)]
    for user_id in user_ids(people):
        assert announcements_to(fake, user_id) == [HEADER_VI + "Chậm lại"], user_id
    row = next(r for r in await outbox_rows(app) if r["chat_id"] == str(limited))
    assert (row["state"], row["attempts"]) == ("sent", 1)  # a 429 is not a failed attempt


async def test_server_errors_back_off_exponentially_then_succeed(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    (person,) = await seed(app, 1)
    await queue_direct(app, [person], "Thử lại nhé")
    recorder = run_on_injected_time(app, clock)
    fake.fail_next("sendMessage", 500, times=2)
    fake.fail_next("sendMessage", 502)
    await app.delivery.drain()
    assert person.user_id is not None
    attempts = recorder.to(person.user_id)
    assert [a.error for a in attempts] == ["transient"] * 3 + [None]
    assert gaps(attempts) == [2.0, 4.0, 8.0]  # backoff_seconds = 2, doubling
    assert statuses_to(fake, person.user_id) == [500, 500, 502, 200]
    assert fake.sent_texts(person.user_id) == ["Thử lại nhé"]
    (row,) = await outbox_rows(app)
    assert (row["state"], row["attempts"], row["last_error"]) == ("sent", 4, None)


async def test_server_errors_fail_with_the_reason_after_max_attempts(
    tmp_path: Path, clock: FixedClock, fake: FakeTelegram
) -> None:
    async with bot_with(tmp_path, clock, fake, max_attempts=4, backoff_seconds=2.0,
                        backoff_max_seconds=3.0) as (app, tg):
        (person,) = await seed(app, 1)
        await queue_direct(app, [person], "Sẽ không đến")
        recorder = run_on_injected_time(app, clock)
        fake.fail_next("sendMessage", 500, times=4)
        await app.delivery.drain()
        assert person.user_id is not None
        attempts = recorder.to(person.user_id)
        assert gaps(attempts) == [2.0, 3.0, 3.0]  # capped at backoff_max_seconds
        assert statuses_to(fake, person.user_id) == [500] * 4
        (row,) = await outbox_rows(app)
        assert (row["state"], row["attempts"]) == ("failed", 4)
        assert row["last_error"] == "Internal Server Error"
        (details,) = await tg.texts(ORGANISER_ID, "/deliveries 1")
        assert "• lỗi: 1" in details
        assert "❌ Đại biểu Thử 0 (T0000, telegram): Internal Server Error" in details


async def test_a_timeout_is_retried(
    app: App, fake: FakeTelegram, clock: FixedClock
) -> None:
    channel = TelegramChannel(app, telegram_config(fake), poll_timeout=1, read_timeout=0.5)
    app.add_channel(channel)
    await channel.start()
    try:
        (person,) = await seed(app, 1)
        await queue(TelegramChat(fake, channel), "Mạng chậm")
        recorder = run_on_injected_time(app, clock)
        fake.hang_next("sendMessage")
        await app.delivery.drain()
        assert person.user_id is not None
        first, second = recorder.to(person.user_id)
        assert (first.error, second.error) == ("transient", None)
        assert seconds(first.started, second.started) >= 2.0
        assert statuses_to(fake, person.user_id) == [0, 200]  # 0: never answered
        assert announcements_to(fake, person.user_id) == [HEADER_VI + "Mạng chậm"]
        (row,) = await outbox_rows(app)
        assert (row["state"], row["attempts"]) == ("sent", 2)
    finally:
        await channel.stop()


async def test_403_marks_the_recipient_blocked_until_they_write_again(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    people = await seed(app, 3)
    await queue(tg, "Lần một")
    run_on_injected_time(app, clock)
    fake.fail_next("sendMessage", 403)
    await app.delivery.drain()
    blocked = chat_that_got(fake, 403)
    assert statuses_to(fake, blocked) == [403]  # not retried
    account = await users.get(app.services.db, "telegram", str(blocked))
    assert account is not None and account.blocked_at is not None
    assert from_iso(account.blocked_at) <= clock.now()
    row = next(r for r in await outbox_rows(app) if r["chat_id"] == str(blocked))
    assert (row["state"], row["attempts"]) == ("blocked", 1)
    name = next(p.delegate for p in people if p.user_id == blocked)
    (details,) = await tg.texts(ORGANISER_ID, "/deliveries 1")
    assert f"🚫 {name.full_name} ({name.code}, telegram): đã chặn bot" in details

    await tg.send(ORGANISER_ID, "/announce Lần hai")
    (shown,) = await tg.press(ORGANISER_ID, "ann:all")
    assert "— 2 tài khoản." in shown["text"]  # the blocked account is left out
    await tg.press(ORGANISER_ID, send_button(shown))
    await app.delivery.drain()
    assert announcements_to(fake, blocked) == []
    assert statuses_to(fake, blocked) == [403]

    await tg.send(blocked, "/help")  # they unblocked the bot and wrote to it
    account = await users.get(app.services.db, "telegram", str(blocked))
    assert account is not None and account.blocked_at is None
    assert "vào hàng gửi: 3 tài khoản," in await queue(tg, "Lần ba")
    await app.delivery.drain()
    assert announcements_to(fake, blocked) == [HEADER_VI + "Lần ba"]


async def test_rows_already_queued_for_a_chat_that_blocked_the_bot_are_not_sent(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    """After a 403 the account is not sent to again until it writes: that includes what was
    already queued for it (a second announcement, the next part of a long one)."""
    people = await seed(app, 2)
    await queue(tg, "Thông báo một")
    await queue(tg, "Thông báo hai")
    recorder = run_on_injected_time(app, clock)
    fake.fail_next("sendMessage", 403)
    await app.delivery.drain()
    blocked = chat_that_got(fake, 403)
    other = next(u for u in user_ids(people) if u != blocked)
    assert announcements_to(fake, other) == [HEADER_VI + "Thông báo một",
                                             HEADER_VI + "Thông báo hai"]
    assert [a.error for a in recorder.to(blocked)] == ["blocked"]  # nothing after the 403
    assert announcements_to(fake, blocked) == []
    states = [r["state"] for r in await outbox_rows(app) if r["chat_id"] == str(blocked)]
    assert states == ["blocked", "blocked"]


async def test_400_fails_at_once_with_the_reason(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    people = await seed(app, 2)
    await queue(tg, "Không hợp lệ")
    run_on_injected_time(app, clock)
    fake.fail_next("sendMessage", 400, description="Bad Request: chat not found")
    await app.delivery.drain()
    refused = chat_that_got(fake, 400)
    assert statuses_to(fake, refused) == [400]
    row = next(r for r in await outbox_rows(app) if r["chat_id"] == str(refused))
    assert (row["state"], row["attempts"], row["last_error"]) == ("failed", 1, "Chat not found")
    other = next(u for u in user_ids(people) if u != refused)
    assert announcements_to(fake, other) == [HEADER_VI + "Không hợp lệ"]
    account = await users.get(app.services.db, "telegram", str(refused))
    assert account is not None and account.blocked_at is None  # a 400 is not a block


# ---------------------------------------------------------------------------- pacing
async def test_one_chat_gets_back_to_back_announcements_at_least_an_interval_apart(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    people = await seed(app, 3)
    await queue(tg, "Thứ nhất")
    await queue(tg, "Thứ hai")
    recorder = run_on_injected_time(app, clock)
    await app.delivery.drain()
    interval = app.services.config.delivery.per_chat_interval
    for user_id in user_ids(people):
        assert announcements_to(fake, user_id) == [HEADER_VI + "Thứ nhất",
                                                   HEADER_VI + "Thứ hai"]
        first, second = recorder.to(user_id)
        assert seconds(first.started, second.started) >= interval


async def test_overall_pace_follows_the_platform_rate(
    tmp_path: Path, clock: FixedClock, fake: FakeTelegram
) -> None:
    async with bot_with(tmp_path, clock, fake, telegram_rate=10.0) as (app, tg):
        people = await seed(app, 40)
        await queue(tg, "Nhịp gửi")
        recorder = run_on_injected_time(app, clock)
        await app.delivery.drain()
        sends = recorder.to_delegates()
        assert len(sends) == 40 and all(a.error is None for a in sends)
        span = seconds(sends[0].started, max(a.started for a in sends))
        assert 3.9 - 0.01 <= span <= 4.0  # 40 messages at 10/s: 39 gaps of 0.1 s
        starts = sorted(a.started for a in sends)
        assert all(seconds(a, b) >= 1.0 - 0.001 for a, b in zip(starts, starts[10:],
                                                                 strict=False))
        assert sum(len(announcements_to(fake, u)) for u in user_ids(people)) == 40


# ---------------------------------------------------------------------------- the report
async def test_the_report_and_the_summary_wait_out_the_organisers_chat_limit(
    tmp_path: Path, clock: FixedClock, fake: FakeTelegram
) -> None:
    """The organiser's chat also gets the bot's replies, and Telegram takes about one
    message a second there: the report and the summary wait their turn, none is lost."""
    async with bot_with(tmp_path, clock, fake, telegram_rate=10.0,
                        report_interval=0.5) as (app, tg):
        await seed(app, 5)
        await queue(tg, "Báo cáo chờ lượt")
        run_on_injected_time(app, clock)
        assert fake.chat_limit is not None
        while fake.chat_limit.take(ORGANISER_ID, fake.now()) is None:
            pass  # the organiser's chat has just had its burst of messages
        await app.delivery.drain()
        refused = [c for c in fake.calls_to("sendMessage")
                   if c.status == 429 and c.params["chat_id"] == ORGANISER_ID]
        assert refused, "the report should have met the chat's limit"
        texts = fake.sent_texts(ORGANISER_ID)
        assert [t for t in texts if t.startswith("📤")] == [texts[-2]]  # the report, once
        assert texts[-1] == ("🏁 Đã gửi xong thông báo #1: 5/5 đến nơi, 0 lỗi, "
                             "0 bị chặn (người nhận đã chặn bot). Xem chi tiết: /deliveries 1")


async def test_the_organiser_sees_a_live_report_and_a_final_summary(
    tmp_path: Path, clock: FixedClock, fake: FakeTelegram
) -> None:
    async with bot_with(tmp_path, clock, fake, telegram_rate=10.0,
                        report_interval=0.5) as (app, tg):
        people = await seed(app, 30)
        await queue(tg, "Báo cáo trực tiếp")
        run_on_injected_time(app, clock)
        fake.fail_next("sendMessage", 403)
        fake.fail_next("sendMessage", 400, description="Bad Request: chat not found")
        await app.delivery.drain()
        blocked, failed = chat_that_got(fake, 403), chat_that_got(fake, 400)

        reports = [t for t in fake.sent_texts(ORGANISER_ID) if t.startswith("📤")]
        assert len(reports) == 1  # one report message, then edits
        assert reports[0].startswith("📤 <b>Thông báo #1</b>: đã gửi 8/30")
        item = await broadcasts.get(app.services.db, 1)
        assert item is not None and item.report_message_id is not None
        edits = [c.params for c in fake.calls_to("editMessageText") if c.status == 200]
        assert {e["message_id"] for e in edits} == {int(item.report_message_id)}
        assert {e["chat_id"] for e in edits} == {ORGANISER_ID}
        assert [e["text"].split("\n")[0] for e in edits] == [
            "📤 <b>Thông báo #1</b>: đã gửi 18/30", "📤 <b>Thông báo #1</b>: đã gửi 28/30"]
        assert edits[-1]["text"].endswith("• chưa gửi: 0\n• lỗi: 1\n• đã chặn bot: 1")
        assert fake.sent_texts(ORGANISER_ID)[-1] == (
            "🏁 Đã gửi xong thông báo #1: 28/30 đến nơi, 1 lỗi, "
            "1 bị chặn (người nhận đã chặn bot). "
            "Xem chi tiết: /deliveries 1")
        assert item.status == "done" and item.finished_at is not None
        (finished,) = await audit.entries(app.services.db, action="broadcast.finished")
        assert finished.details == {"broadcast": 1, "pending": 0, "sending": 0, "sent": 28,
                                    "failed": 1, "blocked": 1}

        (listing,) = await tg.texts(ORGANISER_ID, "/deliveries")
        assert listing == ("<b>Các lần gửi gần đây</b>\n"
                           "#1 thông báo (xong): 28/30 đã gửi, 1 lỗi, 1 chặn bot")
        (details,) = await tg.texts(ORGANISER_ID, "/deliveries 1")
        by_id = {p.user_id: p.delegate for p in people}
        assert details.split("\n") == [
            "📤 <b>Thông báo #1</b>: đã gửi 28/30", "• chưa gửi: 0", "• lỗi: 1",
            "• đã chặn bot: 1",
            f"🚫 {by_id[blocked].full_name} ({by_id[blocked].code}, telegram): đã chặn bot",
            f"❌ {by_id[failed].full_name} ({by_id[failed].code}, telegram): Chat not found",
        ]
        (same,) = await tg.texts(ORGANISER_ID, "/deliveries #1")
        assert same == details
        for arg in ("99", "abc"):
            (unknown,) = await tg.texts(ORGANISER_ID, f"/deliveries {arg}")
            assert unknown == (f"Không có lần gửi #{arg}. "
                               "Gõ /deliveries để xem danh sách.")


async def test_deliveries_with_nothing_sent_yet(tg: TelegramChat) -> None:
    (answer,) = await tg.texts(ORGANISER_ID, "/deliveries")
    assert answer == "Chưa gửi thông báo nào."


# ---------------------------------------------------------------------------- long texts
def paragraphs(count: int, size: int) -> list[str]:
    """Return numbered paragraphs of about `size` characters, some with markup-like text."""
    return [(f"Đoạn {i}: <ghi chú> & " + "nội dung đại hội " * size)[:size].rstrip()
            for i in range(count)]


async def test_a_long_announcement_is_split_at_paragraphs_and_arrives_in_order(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    people = await seed(app, 2)
    parts = paragraphs(9, 452)
    body = "\n\n".join(parts)
    assert 4000 < len(body) <= 4096  # a message Telegram lets the organiser send
    await tg.send(ORGANISER_ID, "/announce")
    await tg.send(ORGANISER_ID, body)
    *_, shown = await tg.press(ORGANISER_ID, "ann:all")  # a long preview comes in two parts
    (answer,) = await tg.press(ORGANISER_ID, send_button(shown))
    assert "vào hàng gửi: 2 tài khoản, 4 tin nhắn." in answer["text"]  # the header pushes it over
    keys = [r["dedupe_key"] for r in await outbox_rows(app)]
    assert keys == ["b1:telegram:50000", "b1:telegram:50000#2",
                    "b1:telegram:50001", "b1:telegram:50001#2"]
    recorder = run_on_injected_time(app, clock)
    await app.delivery.drain()
    for user_id in user_ids(people):
        received = fake.sent_texts(user_id)
        assert len(received) == 2
        assert all(visible_length(t) <= 4096 for t in received)
        assert received[0].startswith(HEADER_VI)
        # Whole paragraphs on each side of the cut, in the original order.
        visible = [html_to_text(t) for t in received]
        chunks = [p for t in visible for p in t.split("\n\n")][1:]  # after the header
        assert chunks == parts
        first, second = recorder.to(user_id)
        assert seconds(first.started, second.started) >= 1.0
    assert {r["state"] for r in await outbox_rows(app)} == {"sent"}


async def test_long_html_is_split_into_valid_parts_sent_in_order(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    text = "<i>" + "\n\n".join(f"<b>Mục {i}</b>: " + "ý kiến &amp; kiến nghị " * 20
                               for i in range(40)) + "</i>"
    rows = messages_for("notice:1:50000", "telegram", "50000", text)
    assert [r.dedupe_key for r in rows] == ["notice:1:50000", "notice:1:50000#2",
                                           "notice:1:50000#3", "notice:1:50000#4"]
    assert await outbox.enqueue(app.services.db, rows, to_iso(clock.now())) == 4
    run_on_injected_time(app, clock)
    await app.delivery.drain()
    received = fake.sent_texts(50_000)
    assert received == [r.text for r in rows]  # in order, each accepted by the fake server
    assert statuses_to(fake, 50_000) == [200] * 4
    assert all(t.startswith("<i><b>Mục") and t.endswith("</i>") for t in received)
    assert " ".join(html_to_text("".join(received)).split()) == " ".join(
        html_to_text(text).split())  # nothing lost, nothing repeated


async def test_split_parts_stay_in_order_when_the_first_part_is_retried(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    """The parts of one long message must arrive in order even when one send is retried."""
    text = "\n\n".join(f"<b>Phần {i}</b> " + "nội dung " * 60 for i in range(16))
    rows = messages_for("notice:2:50000", "telegram", "50000", text)
    assert len(rows) == 3
    await outbox.enqueue(app.services.db, rows, to_iso(clock.now()))
    run_on_injected_time(app, clock)
    fake.fail_next("sendMessage", 500)  # the first part's first attempt
    await app.delivery.drain()
    assert statuses_to(fake, 50_000) == [500, 200, 200, 200]
    sent = fake.sent_texts(50_000)
    assert [t.split("</b>")[0] for t in sent] == [r.text.split("</b>")[0] for r in rows]
    assert sent == [r.text for r in rows]
