"""/forget leaves no trace of the account, and the logs never name an account by its id.

Through the real Telegram channel against the fake Bot API: a delegate registers, gets one
announcement, has a second one waiting in the outbox, and asks to be forgotten. The waiting
message never goes, and no table of the database holds the account's id, its delegate or
the text sent to it any more (the roster row stays, as documented). The log lines of the
whole flow name the account by its pseudonym only, never beside a delegate's code.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.clock import FixedClock
from bot.config import Config
from bot.pseudonym import Pseudonyms
from storage import broadcasts, delegates, outbox, registrations, users
from testkit.fake_telegram import FakeTelegram
from testkit.people import seed
from testkit.telegram_harness import TelegramChat, buttons
from testkit.worker import drain
from tests.conftest import ORGANISER_ID, make_config

FORGETTER = 7_314_159_265  # a Telegram id no timestamp or counter can contain by chance
STRANGER = 7_271_828_182


# ---------------------------------------------------------------------------- helpers


async def announce(tg: TelegramChat, body: str, audience: str = "ann:all") -> None:
    """Queue an announcement as the organiser: text, audience, send now."""
    await tg.send(ORGANISER_ID, f"/announce {body}")
    (preview,) = await tg.press(ORGANISER_ID, audience)
    (send,) = [d for _, d in buttons(preview) if d.startswith("ann:send:")]
    (answer,) = await tg.press(ORGANISER_ID, send)
    assert answer["text"].startswith("✅")


async def register(tg: TelegramChat, user_id: int, invite_code: str) -> None:
    """Register through the deep link and the confirmation button."""
    await tg.send(user_id, f"/start {invite_code}")
    done = await tg.press(user_id, "reg:yes")
    assert "Đăng ký thành công" in done[-1]["text"]


async def forget(tg: TelegramChat, user_id: int) -> None:
    """Ask to be forgotten and confirm."""
    await tg.send(user_id, "/forget")
    (done,) = await tg.press(user_id, "forget:yes")
    assert done["text"].startswith("Đã hủy liên kết")


def announcements_to(fake: FakeTelegram, chat_id: int) -> list[str]:
    """Return the announcements a chat received."""
    return [t for t in fake.sent_texts(chat_id) if t.startswith("📢")]


def cells_holding(path: Path, needle: str) -> list[tuple[str, str]]:
    """Return (table, column) of every cell of the database file that contains `needle`."""
    conn = sqlite3.connect(path)
    try:
        found = []
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            for column in columns:
                hits = conn.execute(f"SELECT count(*) FROM {table} WHERE instr(CAST({column}"
                                    " AS TEXT), ?) > 0", (needle,)).fetchone()[0]
                if hits:
                    found.append((table, column))
        return found
    finally:
        conn.close()


def outbox_rows(path: Path, broadcast_id: int) -> list[dict[str, Any]]:
    """Return a broadcast's outbox rows as dicts."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(
            "SELECT * FROM outbox WHERE broadcast_id = ? ORDER BY id", (broadcast_id,))]
    finally:
        conn.close()


# ---------------------------------------------------------------------------- /forget


async def test_forget_cancels_waiting_messages_and_leaves_no_trace_of_the_account(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock, config: Config
) -> None:
    db, path = app.services.db, config.database_path
    people = await seed(app, 3, registered=2)
    mine = people[2].delegate
    await register(tg, FORGETTER, mine.invite_code)
    await announce(tg, "Thông báo thứ nhất: họp lúc 8 giờ")
    await drain(app, clock)
    await announce(tg, "Thông báo thứ hai: đổi phòng họp")  # waiting in the outbox
    assert (await outbox.counts(db, 2))["pending"] == 3

    await forget(tg, FORGETTER)
    await drain(app, clock)

    assert announcements_to(fake, FORGETTER) == [announcements_to(fake, FORGETTER)[0]]
    assert "thứ nhất" in announcements_to(fake, FORGETTER)[0]
    for person in people[:2]:
        assert len(announcements_to(fake, person.user_id or 0)) == 2
    # Nothing in any table holds the account's id; no outbox row its delegate or its text.
    assert cells_holding(path, str(FORGETTER)) == []
    first, second = outbox_rows(path, 1), outbox_rows(path, 2)
    assert mine.id not in [r["delegate_id"] for r in first + second]
    assert [(r["state"], r["chat_id"], r["text"], r["delegate_id"]) for r in first
            if r["chat_id"] == ""] == [("sent", "", "", None)]
    assert len(second) == 2 and all(r["state"] == "sent" for r in second)
    assert (await outbox.counts(db, 1))["sent"] == 3  # the first broadcast's count stays
    item = await broadcasts.get(db, 2)
    assert item is not None and item.status == "done"
    # What is kept: the roster row, so the delegate can register again.
    kept = await delegates.find_by_code(db, mine.code)
    assert kept == mine
    assert await registrations.delegate_id_of(db, "telegram", str(FORGETTER)) is None
    await register(tg, FORGETTER, mine.invite_code)
    assert await registrations.delegate_id_of(db, "telegram", str(FORGETTER)) == mine.id


async def test_forgetting_the_only_recipient_finishes_the_broadcast(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    people = await seed(app, 1, registered=0)
    await register(tg, FORGETTER, people[0].delegate.invite_code)
    await announce(tg, "Chỉ một người nhận")
    await forget(tg, FORGETTER)
    item = await broadcasts.get(app.services.db, 1)
    assert item is not None and item.status == "done" and item.finished_at is not None
    assert await outbox.counts(app.services.db, 1) == {
        "pending": 0, "sending": 0, "sent": 0, "failed": 0, "blocked": 0}
    await drain(app, clock)
    assert announcements_to(fake, FORGETTER) == []


async def test_a_forged_or_refused_forget_changes_nothing(
    app: App, tg: TelegramChat, fake: FakeTelegram
) -> None:
    """A "forget:yes" pressed without /forget before it (forged, or from an old message) and
    a "forget:no" delete nothing and cancel no message."""
    people = await seed(app, 1, registered=0)
    await register(tg, FORGETTER, people[0].delegate.invite_code)
    await announce(tg, "Đang chờ gửi")
    (stale,) = await tg.press(FORGETTER, "forget:yes")
    assert "hết hiệu lực" in stale["text"]
    await tg.send(FORGETTER, "/forget")
    await tg.press(FORGETTER, "forget:no")
    db = app.services.db
    assert await registrations.delegate_id_of(db, "telegram", str(FORGETTER)) is not None
    assert (await outbox.counts(db, 1))["pending"] == 1
    assert await users.get(db, "telegram", str(FORGETTER)) is not None


async def test_forget_keeps_only_the_failed_attempts_that_can_still_lock_out(
    app: App, tg: TelegramChat, clock: FixedClock, config: Config
) -> None:
    """Wrong codes older than the window and the lock-out (15 + 15 minutes by default) go
    with /forget; a recent one stays, or /forget would lift a lock-out."""
    db = app.services.db

    async def failures() -> int:
        return len(await registrations.failures_since(db, "telegram", str(STRANGER), ""))

    await tg.send(STRANGER, "/start")
    await tg.send(STRANGER, "SAI-MA-MOT")
    clock.advance(timedelta(hours=2))
    await tg.send(STRANGER, "/start")
    await tg.send(STRANGER, "SAI-MA-HAI")
    assert await failures() == 2
    await forget(tg, STRANGER)
    assert await failures() == 1
    clock.advance(timedelta(minutes=31))
    await forget(tg, STRANGER)
    assert await failures() == 0
    assert cells_holding(config.database_path, str(STRANGER)) == []


# ---------------------------------------------------------------------------- logs


async def test_logs_name_accounts_by_pseudonym_never_by_id_or_beside_a_code(
    app: App, tg: TelegramChat, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    people = await seed(app, 2, registered=1)
    codes = [p.delegate.code for p in people]
    await tg.send(FORGETTER, "/start")
    await tg.send(FORGETTER, "SAI-MA-MOI")                     # a wrong code
    await register(tg, FORGETTER, people[1].delegate.invite_code)
    await tg.send(FORGETTER, "/announce tin giả")              # refused: organisers only
    await tg.send(STRANGER, f"/start {people[1].delegate.invite_code}")  # a taken seat
    await forget(tg, FORGETTER)
    (ask,) = await tg.send(ORGANISER_ID, f"/unlink {codes[0]}")
    await tg.press(ORGANISER_ID, buttons(ask)[0][1])  # asked first: tests/test_confirm.py

    lines = [r.getMessage() for r in caplog.records]
    for secret in (str(FORGETTER), str(STRANGER), str(ORGANISER_ID), *codes,
                   *(p.delegate.invite_code for p in people)):
        assert [line for line in lines if secret in line] == []
    me = app.services.pseudonyms.account("telegram", str(FORGETTER))
    about_me = [line for line in lines if me in line]
    assert len(about_me) == 4, lines  # failed attempt, registered, refused, forgotten
    assert any(app.services.pseudonyms.account("telegram", str(STRANGER)) in line
               for line in lines)
    assert any(app.services.pseudonyms.account("telegram", str(ORGANISER_ID)) in line
               for line in lines)


async def test_a_pseudonym_is_stable_per_database_and_differs_between_databases(
    tmp_path: Path, clock: FixedClock
) -> None:
    first = make_config(tmp_path / "a")
    app = await App.open(first, clock=clock)
    name = app.services.pseudonyms.account("telegram", str(FORGETTER))
    await app.close()
    app = await App.open(first, clock=clock)
    try:
        assert app.services.pseudonyms.account("telegram", str(FORGETTER)) == name
        assert app.services.pseudonyms.account("zalo", str(FORGETTER)) != name
        assert app.services.pseudonyms.actor("cli") == "cli"
        assert app.services.pseudonyms.actor(f"telegram:{FORGETTER}") == name
    finally:
        await app.close()
    other = await App.open(make_config(tmp_path / "b"), clock=clock)
    try:
        assert other.services.pseudonyms.account("telegram", str(FORGETTER)) != name
    finally:
        await other.close()
    assert str(FORGETTER) not in name and name.startswith("telegram-")
    assert Pseudonyms.ephemeral().account("telegram", "1") != Pseudonyms.ephemeral().account(
        "telegram", "1")
