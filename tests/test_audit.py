"""Every organiser action that changes data writes its audit entry in the same transaction.

Each action runs the way organisers run it: the command line in-process, or chat through the
real Telegram channel against the fake Bot API. First its entry is checked (who, what, the
details). Then the same action runs while the audit log refuses every new entry (a trigger
the test adds): the action fails, and the data it would have changed is exactly as before,
which can only be when the change and its entry are one transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.cli import main
from bot.clock import FixedClock
from bot.config import Config
from handlers import announcements
from storage import audit, broadcasts
from testkit.people import seed
from testkit.telegram_harness import TelegramChat, buttons
from tests.conftest import DELEGATE_ID, ORGANISER_ID

ORGANISER = f"telegram:{ORGANISER_ID}"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RESULT = (EXAMPLES / "results-resolution.csv").read_bytes()
AGENDA = """
[[session]]
id = "khai-mac"
day = "2026-08-12"
start = "08:00"
end = "09:00"
title = "Phiên khai mạc"
location = "Hội trường A"

[[session]]
id = "thao-luan"
day = "2026-08-12"
start = "09:00"
end = "10:30"
title = "Thảo luận văn kiện"
""".encode()
TABLES = ("delegates", "registrations", "broadcasts", "outbox", "results", "sessions", "meta")


def roster_csv(*codes: str) -> bytes:
    """Return a roster file holding these delegate codes."""
    lines = ["Mã đại biểu;Họ và tên;Loại"] + [f"{c};Đại biểu {c};Chính thức" for c in codes]
    return "\n".join(lines).encode("utf-8-sig")


@dataclass
class Env:
    """What an action needs: the app, the chat, the command line's config and a folder."""

    app: App
    tg: TelegramChat
    config_path: Path
    tmp_path: Path

    async def cli(self, *args: str) -> int:
        """Run `delegate-bot --config FILE ARGS...` in-process; return its status."""
        return await asyncio.to_thread(main, ["--config", str(self.config_path), *args])

    def file(self, name: str, content: bytes) -> Path:
        """Write a file for the command line."""
        path = self.tmp_path / name
        path.write_bytes(content)
        return path

    async def entries(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Return the audit log, oldest first, as (actor, action, details)."""
        return [(e.actor, e.action, e.details)
                for e in reversed(await audit.entries(self.app.services.db, limit=1000))]


@pytest.fixture
def env(app: App, tg: TelegramChat, config: Config, clock: FixedClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Env:
    """Return the environment; the command line shares the App's database and clock."""
    monkeypatch.setattr("bot.app.SystemClock", lambda: clock)
    path = tmp_path / "cli.toml"
    path.write_text(f"[storage]\npath = '{config.database_path}'\n\n[organisers]\n"
                    f"telegram = [{ORGANISER_ID}]\n", encoding="utf-8")
    return Env(app, tg, path, tmp_path)


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Return every row of the tables organisers' actions change."""
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in TABLES}
    finally:
        conn.close()


async def refuse_audit_entries(app: App) -> None:
    """Make every new audit entry fail, as a full disk or a bug would."""
    await app.services.db.execute(
        "CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log"
        " BEGIN SELECT RAISE(ABORT, 'audit refused'); END")


async def press_offer(tg: TelegramChat, action: str) -> None:
    """Press the button whose data starts with `action` under the bot's last message."""
    message = tg.fake._messages[(ORGANISER_ID, tg.fake._last_bot_message[ORGANISER_ID])]
    (data,) = [d for _, d in buttons(message) if d.startswith(f"{action}:")]
    await tg.press(ORGANISER_ID, data)


# ---------------------------------------------------------------------------- the actions
# Each action is prepared (with the audit log working), then run: only the run is audited,
# and only the run fails when the audit log refuses entries.

Step = Callable[[Env], Awaitable[Any]]
TITLE = "Biểu quyết thông qua Nghị quyết Đại hội"


async def nothing(env: Env) -> None:
    """Prepare nothing."""


async def delegates(env: Env) -> None:
    """Two delegates, both registered on Telegram."""
    await seed(env.app, 2)


def cli(*args: str, files: dict[str, bytes] | None = None) -> Step:
    """Return a step running the command line (after writing `files`)."""
    async def step(env: Env) -> None:
        for name, content in (files or {}).items():
            env.file(name, content)
        await env.cli(*(str(env.tmp_path / a) if a in (files or {}) else a for a in args))
    return step


def chat(*steps: Callable[[TelegramChat], Awaitable[Any]], roster: bool = True) -> Step:
    """Return a step of chat messages, after seeding two registered delegates."""
    async def step(env: Env) -> None:
        if roster:
            await seed(env.app, 2)
        for one in steps:
            await one(env.tg)
    return step


def send(text: str) -> Callable[[TelegramChat], Awaitable[Any]]:
    """Return a chat step: the organiser writes `text`."""
    return lambda tg: tg.send(ORGANISER_ID, text)


def press(data: str) -> Callable[[TelegramChat], Awaitable[Any]]:
    """Return a chat step: the organiser presses a button."""
    return lambda tg: tg.press(ORGANISER_ID, data)


def offer(action: str) -> Callable[[TelegramChat], Awaitable[Any]]:
    """Return a chat step: the organiser presses the button of `action` last offered."""
    return lambda tg: press_offer(tg, action)


def document(name: str, content: bytes) -> Callable[[TelegramChat], Awaitable[Any]]:
    """Return a chat step: the organiser sends a file."""
    return lambda tg: tg.send_document(ORGANISER_ID, name, content)


SCHEDULED = (send("/announce Sáng mai"), press("ann:all"), offer("ann:schedule"),
             send("12/08 08:00"), offer("ann:at"))
A1_A3 = cli("roster", "import", "ds.csv", files={"ds.csv": roster_csv("A1", "A2", "A3")})
IMPORTED = cli("results", "import", "kq.csv", files={"kq.csv": RESULT})


def then(first: Step, second: Step) -> Step:
    """Return a step running two steps."""
    async def step(env: Env) -> None:
        await first(env)
        await second(env)
    return step


async def released(env: Env) -> None:
    """The scheduler's job: the scheduled announcement's time has come."""
    await announcements.release(env.app.services, 1)


ROSTER_ADDED = {"file": "ds.csv", "added": ["A1", "A2", "A3"], "updated": [], "unchanged": 0,
                "removed": [], "missing_kept": 0}
ACTIONS: dict[str, tuple[Step, Step, list[tuple[str, str, dict[str, Any]]]]] = {
    "roster import (command line)": (nothing, A1_A3, [("cli", "roster.imported", ROSTER_ADDED)]),
    "roster import --prune (command line)": (
        A1_A3, cli("roster", "import", "ds2.csv", "--prune",
                   files={"ds2.csv": roster_csv("A1", "A2")}),
        [("cli", "roster.imported", {"file": "ds2.csv", "added": [], "updated": [],
                                     "unchanged": 2, "removed": ["A3"], "missing_kept": 0})]),
    "roster import (chat)": (
        chat(document("ds.csv", roster_csv("A1", "A2", "A3")), roster=False),
        chat(offer("roster:import"), roster=False),
        [(ORGANISER, "roster.imported", ROSTER_ADDED)]),
    "roster prune (chat)": (
        chat(document("ds2.csv", roster_csv("T0000", "A4"))), chat(offer("roster:prune"),
                                                                    roster=False),
        [(ORGANISER, "roster.imported", {"file": "ds2.csv", "added": ["A4"], "updated": ["T0000"],
                                         "unchanged": 0, "removed": ["T0001"],
                                         "missing_kept": 0})]),
    "/unlink": (chat(send("/unlink T0001")), chat(offer("unl:yes"), roster=False),
                [(ORGANISER, "delegate.unlinked", {"delegate": "T0001",
                                                   "platforms": ["telegram"]})]),
    "/announce, send now": (
        chat(send("/announce Họp lúc 8 giờ"), press("ann:all")),
        chat(offer("ann:send"), roster=False),
        [(ORGANISER, "announce.queued", {"broadcast": 1, "audience": {"type": "all"},
                                         "text": "Họp lúc 8 giờ", "recipients": 2})]),
    "/announce, scheduled": (
        chat(*SCHEDULED[:4]), chat(SCHEDULED[4], roster=False),
        [(ORGANISER, "announce.scheduled", {"broadcast": 1, "audience": {"type": "all"},
                                            "text": "Sáng mai",
                                            "send_at": "2026-08-12T01:00:00.000+00:00"})]),
    "/scheduled, cancel": (chat(*SCHEDULED, press("ann:unschedule:1")),
                           chat(press("ann:drop:1"), roster=False),
                           [(ORGANISER, "announce.cancelled", {"broadcast": 1})]),
    "scheduled announcement released": (
        chat(*SCHEDULED), released,
        [("bot", "announce.released", {"broadcast": 1, "recipients": 2})]),
    "results import (chat)": (
        delegates, chat(document("kq.csv", RESULT), roster=False),
        [(ORGANISER, "results.imported", {"result": 1, "file": "kq.csv", "corrects": None,
                                          "title": TITLE})]),
    "results publish (chat)": (
        chat(document("kq.csv", RESULT)), chat(press("resp:publish:1"), roster=False),
        [(ORGANISER, "results.published", {"result": 1, "broadcast": 1, "corrects": None,
                                           "recipients": 2})]),
    "results discard (chat)": (
        chat(document("kq.csv", RESULT)), chat(press("resp:discard:1"), roster=False),
        [(ORGANISER, "results.discarded", {"result": 1})]),
    "results import (command line)": (
        delegates, IMPORTED,
        [("cli", "results.imported", {"result": 1, "file": "kq.csv", "corrects": None,
                                      "title": TITLE})]),
    "results publish (command line)": (
        then(delegates, IMPORTED), cli("results", "publish", "1"),
        [("cli", "results.published", {"result": 1, "broadcast": 1, "corrects": None,
                                       "recipients": 2})]),
    "agenda import (command line)": (
        delegates, cli("agenda", "import", "ct.toml", files={"ct.toml": AGENDA}),
        [("cli", "agenda.imported", {"file": "ct.toml", "sessions": 2, "changes": 2,
                                     "cancelled": [], "notice": None, "recipients": 0})]),
    "agenda import (chat)": (
        chat(document("ct.toml", AGENDA)), chat(offer("agi:apply"), roster=False),
        [(ORGANISER, "agenda.imported", {"file": "ct.toml", "sessions": 2, "changes": 2,
                                         "cancelled": [], "notice": None,
                                         "recipients": 0})]),
}


@pytest.mark.parametrize("name", ACTIONS)
async def test_each_organiser_action_writes_its_entry(env: Env, name: str) -> None:
    prepare, run, expected = ACTIONS[name]
    await prepare(env)
    before = len(await env.entries())
    await run(env)
    assert [e for e in (await env.entries())[before:] if e[1] != "broadcast.finished"
            ] == expected


@pytest.mark.parametrize("name", ACTIONS)
async def test_no_change_without_its_entry(env: Env, config: Config, name: str) -> None:
    """With the audit log refusing entries, every action fails whole: its data unchanged."""
    prepare, run, _ = ACTIONS[name]
    await prepare(env)
    entries = await env.entries()
    await refuse_audit_entries(env.app)
    before = snapshot(config.database_path)
    try:
        await run(env)
    except sqlite3.IntegrityError as exc:  # the command line and the scheduler see the error
        assert "audit refused" in str(exc)
    assert snapshot(config.database_path) == before
    assert await env.entries() == entries


async def test_organiser_actions_from_a_delegate_are_refused_and_leave_no_entry(
    env: Env, config: Config
) -> None:
    await seed(env.app, 2)
    before = snapshot(config.database_path)
    for text in ("/unlink T0001", "/announce Tin giả"):
        (answer,) = await env.tg.texts(DELEGATE_ID, text)
        assert answer == "Lệnh này chỉ dành cho Ban Tổ chức."
    for data in ("resp:publish:1", "resp:discard:1", "ann:unschedule:1", "ann:drop:1",
                 "unl:yes:1"):
        (answer,) = await env.tg.press(DELEGATE_ID, data)
        assert answer["text"] == "Lệnh này chỉ dành cho Ban Tổ chức."
    (answer,) = await env.tg.send_document(DELEGATE_ID, "ds.csv", roster_csv("X1"))
    assert "Ban Tổ chức" in answer["text"]
    assert snapshot(config.database_path) == before
    assert await env.entries() == []
    assert await broadcasts.recent(env.app.services.db) == []
