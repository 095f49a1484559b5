"""Asking before harm: what cancels sessions, unlinks a delegate or cancels an announcement
says what it will do and waits for a yes.

- `delegate-bot agenda import` of a file that lacks sessions is refused unless `--yes`,
  listing the sessions it would cancel (the real entry point, in-process).
- `/unlink CODE` asks, naming the delegate and the accounts; yes unlinks and tells them, no
  keeps the link; an old or forged answer does nothing. On Telegram (buttons) and Zalo
  (numbered answers).
- The cancel button under `/scheduled` asks, saying what would not be sent, when and to
  whom. On Telegram and in the console.
- Every one of these is refused to a delegate.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.channels.console import ConsoleChannel
from bot.clock import FixedClock, to_iso
from bot.config import Config
from storage import agenda, audit, broadcasts, registrations, users
from storage.users import ChatUser
from testkit.fake_zalo import FakeZalo
from testkit.people import Person, seed
from testkit.telegram_harness import TelegramChat, buttons
from testkit.zalo_harness import ZaloChat, start_zalo
from tests.cli_runner import ROOT, plain, run
from tests.conftest import DELEGATE_ID, ORGANISER_ID

PROGRAMME = ROOT / "examples" / "agenda.toml"
ZALO_ORGANISER, ZALO_DELEGATE = "0rg4n1s3r", "d3l3g4t3"


def vi(key: str, **params: object) -> str:
    """Return a Vietnamese text as the bot sends it on Telegram."""
    from tests.cli_runner import TEXTS

    return TEXTS.t("vi", key, **params)


# ---------------------------------------------------------------------------- agenda import


@pytest.fixture
def cli_config(tmp_path: Path, config: Config, clock: FixedClock,
               monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config file for the command line on the test App's database and clock."""
    monkeypatch.setattr("bot.app.SystemClock", lambda: clock)
    path = tmp_path / "cli.toml"
    path.write_text(f"[storage]\npath = '{config.database_path}'\n", encoding="utf-8")
    return path


def first_sessions(count: int) -> str:
    """Return the example programme cut to its first `count` sessions (with its header)."""
    parts = PROGRAMME.read_text(encoding="utf-8").split("\n[[session]]")
    return "\n[[session]]".join(parts[:count + 1])


async def test_agenda_import_that_cancels_sessions_needs_yes(
    app: App, clock: FixedClock, cli_config: Path, tmp_path: Path
) -> None:
    clock.set(clock.now() - timedelta(days=3))  # before the congress: every change matters
    await seed(app, 6)
    first = await asyncio.to_thread(run, "--config", str(cli_config), "agenda", "import",
                                    str(PROGRAMME))
    assert first.code == 0, first.err
    before = await agenda.all_sessions(app.services.db, include_cancelled=True)
    assert len(before) == 15
    short = tmp_path / "thieu.toml"
    short.write_text(first_sessions(2), encoding="utf-8")

    refused = await asyncio.to_thread(run, "--config", str(cli_config), "agenda", "import",
                                      str(short))
    assert refused.code == 1
    lines = refused.err.splitlines()
    assert lines[0] == plain("agenda_import.cli.would_cancel", file="thieu.toml", count=13)
    assert len(lines) == 15 and lines[-1] == plain("agenda_import.cli.confirm_with_yes")
    assert all(line.startswith("❌ Hủy phiên ") for line in lines[1:-1])
    assert [line.split(" (")[0].removeprefix("❌ Hủy phiên ") for line in lines[1:-1]] == [
        s.title for s in before[2:]]
    assert refused.out == ""
    assert await agenda.all_sessions(app.services.db, include_cancelled=True) == before
    assert [b for b in await broadcasts.recent(app.services.db) if b.kind == "agenda_change"] \
        == []

    dry = await asyncio.to_thread(run, "--config", str(cli_config), "agenda", "import",
                                  str(short), "--dry-run")
    assert dry.code == 0 and "Hủy phiên" in dry.out  # a dry run only shows

    done = await asyncio.to_thread(run, "--config", str(cli_config), "agenda", "import",
                                   str(short), "--yes")
    assert done.code == 0, done.err
    after = await agenda.all_sessions(app.services.db, include_cancelled=True)
    assert sum(s.cancelled for s in after) == 13
    assert done.out.endswith(plain("agenda_import.told", count=6) + "\n")


async def test_agenda_import_that_cancels_nothing_needs_no_yes(
    app: App, cli_config: Path, tmp_path: Path
) -> None:
    first = tmp_path / "dau.toml"
    first.write_text(first_sessions(2), encoding="utf-8")
    for path in (first, PROGRAMME):  # the first import, then one that only adds
        result = await asyncio.to_thread(run, "--config", str(cli_config), "agenda", "import",
                                         str(path))
        assert result.code == 0, result.err
    assert len(await agenda.all_sessions(app.services.db)) == 15


# ---------------------------------------------------------------------------- /unlink


async def link_on_zalo(app: App, person: Person, user_id: str) -> None:
    """Link a Zalo account to the delegate as well."""
    now = to_iso(app.services.clock.now())
    await users.touch(app.services.db, ChatUser("zalo", user_id, user_id, "Zalo"), now)
    assert await registrations.link(app.services.db, "zalo", user_id, person.delegate.id,
                                    "invite_code", now)


async def linked_platforms(app: App, person: Person) -> list[str]:
    """Return the platforms the delegate's accounts are on."""
    return [a.platform for a in await registrations.accounts_of(app.services.db,
                                                                person.delegate.id)]


@pytest.fixture
async def zalo(app: App) -> AsyncIterator[ZaloChat]:
    """Run the Zalo channel (long polling the fake) with one Zalo organiser."""
    app.services.organisers["zalo"] = {ZALO_ORGANISER}
    async with FakeZalo() as zfake:
        channel = await start_zalo(app, zfake)
        try:
            yield ZaloChat(zfake, channel)
        finally:
            await channel.stop()


async def test_unlink_asks_then_keeps_or_unlinks_on_telegram(app: App, tg: TelegramChat) -> None:
    (person, other) = await seed(app, 2)
    await link_on_zalo(app, person, ZALO_DELEGATE)
    code, name = person.delegate.code, person.delegate.full_name
    (ask,) = await tg.send(ORGANISER_ID, f"/unlink {code}")
    assert ask["text"] == vi("unlink.ask", name=name, code=code, count=2,
                             platforms="Telegram, Zalo")
    yes, no = f"unl:yes:{person.delegate.id}", f"unl:no:{person.delegate.id}"
    assert buttons(ask) == [("Hủy liên kết", yes), ("Không, giữ nguyên", no)]
    assert await linked_platforms(app, person) == ["telegram", "zalo"]

    (kept,) = await tg.press(ORGANISER_ID, no)
    assert kept["text"] == vi("unlink.kept", name=name, code=code)
    assert await linked_platforms(app, person) == ["telegram", "zalo"]
    (stale,) = await tg.press(ORGANISER_ID, yes)  # the question was answered already
    assert stale["text"] == vi("error.stale_choice")
    assert await linked_platforms(app, person) == ["telegram", "zalo"]

    await tg.send(ORGANISER_ID, f"/unlink {code}")
    (forged,) = await tg.press(ORGANISER_ID, f"unl:yes:{other.delegate.id}")  # not asked
    assert forged["text"] == vi("error.stale_choice")
    assert await linked_platforms(app, other) == ["telegram"]
    told = len(tg.fake.sent_messages(person.user_id))
    (done,) = await tg.press(ORGANISER_ID, yes)
    assert done["text"] == vi("unlink.done", name=name, code=code, count=2)
    assert await linked_platforms(app, person) == []
    assert tg.fake.sent_texts(person.user_id)[told:] == [vi("unlink.notice")]


async def test_a_command_in_between_makes_the_old_yes_stale(app: App, tg: TelegramChat) -> None:
    (person,) = await seed(app, 1)
    (ask,) = await tg.send(ORGANISER_ID, f"/unlink {person.delegate.code}")
    await tg.send(ORGANISER_ID, "/help")
    (stale,) = await tg.press(ORGANISER_ID, buttons(ask)[0][1])
    assert stale["text"] == vi("error.stale_choice")
    assert await linked_platforms(app, person) == ["telegram"]


async def test_unlink_asks_on_zalo_by_number(app: App, zalo: ZaloChat) -> None:
    (person,) = await seed(app, 1)
    await link_on_zalo(app, person, ZALO_DELEGATE)
    code, name = person.delegate.code, person.delegate.full_name
    ask = await zalo.say(ZALO_ORGANISER, f"/unlink {code}")
    assert ask.startswith(plain("unlink.ask", name=name, code=code, count=2,
                                platforms="Telegram, Zalo"))
    assert "\n  1. Hủy liên kết\n  2. Không, giữ nguyên\n" in ask
    assert await zalo.say(ZALO_ORGANISER, "2") == plain("unlink.kept", name=name, code=code)
    assert await linked_platforms(app, person) == ["telegram", "zalo"]
    await zalo.say(ZALO_ORGANISER, f"/unlink {code}")
    done = await zalo.say(ZALO_ORGANISER, "hủy liên kết")  # by word, as well as by number
    assert done == plain("unlink.done", name=name, code=code, count=2)
    assert await linked_platforms(app, person) == []
    assert zalo.fake.sent_texts(ZALO_DELEGATE) == [plain("unlink.notice")]


@pytest.mark.parametrize("what", ["/unlink T0000", "unl:yes:1", "unl:no:1"])
async def test_a_delegate_is_refused_the_unlink_and_its_answers(
    app: App, tg: TelegramChat, what: str
) -> None:
    (person, _) = await seed(app, 2)
    await tg.send(ORGANISER_ID, f"/unlink {person.delegate.code}")  # an organiser was asked
    answer = (await tg.send(DELEGATE_ID, what) if what.startswith("/")
              else await tg.press(DELEGATE_ID, what))
    assert [m["text"] for m in answer] == [vi("error.organisers_only")]
    assert await linked_platforms(app, person) == ["telegram"]


async def test_a_delegate_on_zalo_is_refused_the_unlink(app: App, zalo: ZaloChat) -> None:
    (person,) = await seed(app, 1)
    assert await zalo.say(ZALO_DELEGATE, f"/unlink {person.delegate.code}") == plain(
        "error.organisers_only")
    assert await linked_platforms(app, person) == ["telegram"]


# ---------------------------------------------------------------------------- /scheduled


async def scheduled(app: App, body: str, hours: int = 3) -> int:
    """Store an announcement to everyone, scheduled `hours` from now."""
    now = app.services.clock.now()
    return await broadcasts.create(
        app.services.db, kind="announcement", audience={"type": "all"}, body=body,
        status="scheduled", send_at=to_iso(now + timedelta(hours=hours)),
        created_by=f"telegram:{ORGANISER_ID}", report=None, now=to_iso(now))


async def status_of(app: App, broadcast_id: int) -> str:
    """Return a broadcast's status."""
    item = await broadcasts.get(app.services.db, broadcast_id)
    assert item is not None
    return item.status


async def test_cancel_of_a_scheduled_announcement_asks_on_telegram(
    app: App, tg: TelegramChat
) -> None:
    first = await scheduled(app, "Họp <tổ> 3 lúc 10:30")
    (listing,) = await tg.send(ORGANISER_ID, "/scheduled")
    (ask,) = await tg.press(ORGANISER_ID, buttons(listing)[0][1])
    assert ask["text"] == vi("announce.unschedule_ask", id=first, when="10:30, Thứ Ba 11/08",
                             audience=vi("announce.audience.all"), text="Họp <tổ> 3 lúc 10:30")
    assert buttons(ask) == [(f"Hủy thông báo #{first}", f"ann:drop:{first}"),
                            ("Không, vẫn gửi", f"ann:keep:{first}")]
    assert await status_of(app, first) == "scheduled"
    (kept,) = await tg.press(ORGANISER_ID, f"ann:keep:{first}")
    assert kept["text"] == vi("announce.kept", id=first)
    assert await status_of(app, first) == "scheduled"
    (gone,) = await tg.press(ORGANISER_ID, f"ann:drop:{first}")
    assert gone["text"] == vi("announce.unscheduled", id=first)
    assert await status_of(app, first) == "cancelled"
    (late,) = await tg.press(ORGANISER_ID, f"ann:unschedule:{first}")  # nothing left to ask
    assert late["text"] == vi("announce.too_late", id=first)
    assert [e.action for e in await audit.entries(app.services.db)] == ["announce.cancelled"]


async def console(app: App, user: str, *lines: str) -> str:
    """Chat in the console as `user`; return everything the bot printed."""
    out = io.StringIO()
    channel = ConsoleChannel(app, user_id=user, display_name="Bàn điều hành",
                             stdin=io.StringIO("".join(f"{line}\n" for line in lines)),
                             stdout=out)
    await channel.run(prompt=False)
    return out.getvalue()


async def test_cancel_of_a_scheduled_announcement_asks_in_the_console(app: App) -> None:
    app.services.organisers["console"] = {"organiser"}
    first = await scheduled(app, "Giải lao 15 phút")
    out = await console(app, "organiser", "/scheduled", "1", "2")
    assert "  1. Hủy #1" in out
    assert plain("announce.unschedule_ask", id=first, when="10:30, Thứ Ba 11/08",
                 audience=plain("announce.audience.all"), text="Giải lao 15 phút") in out
    assert f"  1. Hủy thông báo #{first}\n  2. Không, vẫn gửi" in out
    assert out.rstrip().endswith(plain("announce.kept", id=first))
    assert await status_of(app, first) == "scheduled"
    out = await console(app, "organiser", "/scheduled", "1", "1")
    assert out.rstrip().endswith(plain("announce.unscheduled", id=first))
    assert await status_of(app, first) == "cancelled"


@pytest.mark.parametrize("what", ["/scheduled", "ann:unschedule:1", "ann:drop:1"])
async def test_a_delegate_is_refused_the_cancel(app: App, tg: TelegramChat, what: str) -> None:
    first = await scheduled(app, "Của Ban Tổ chức")
    await seed(app, 1)
    answer = (await tg.send(DELEGATE_ID, what) if what.startswith("/")
              else await tg.press(DELEGATE_ID, what))
    assert [m["text"] for m in answer] == [vi("error.organisers_only")]
    assert await status_of(app, first) == "scheduled"


async def test_a_delegate_in_the_console_is_refused_the_cancel(app: App) -> None:
    first = await scheduled(app, "Của Ban Tổ chức")
    out = await console(app, "delegate", "/scheduled")
    assert plain("error.organisers_only") in out
    assert await status_of(app, first) == "scheduled"
