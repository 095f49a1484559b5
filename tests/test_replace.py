"""/replace and `delegate-bot roster replace`: an alternate delegate takes an official's seat.

Through the real Telegram channel against the fake Bot API server, and the command line run
in-process on the test App's database: the preview and its buttons, the seat, the audit
entry, the alternate's notice through the outbox (drained on the injected clock), the
election base that follows, and every refusal (bad codes and kinds, a seat or an alternate
already taken, a delegate trying an organiser's command, a stale or forged answer).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import election_base
from bot.app import App
from bot.cli import main
from bot.clock import FixedClock
from bot.seats import holders, seats
from bot.text import html_to_plain
from storage import attendance, audit, broadcasts, delegates, outbox
from storage.attendance import Replacement
from testkit.congress_roster import Roster, check_in, congress
from testkit.fake_telegram import FakeTelegram
from testkit.telegram_harness import TelegramChat, buttons
from testkit.texts import vi
from testkit.worker import drain
from tests.conftest import ORGANISER_ID

ORGANISER = f"telegram:{ORGANISER_ID}"



def who(person: delegates.Delegate) -> dict[str, object]:
    return {"name": person.full_name, "code": person.code}


async def small_congress(app: App) -> Roster:
    """5 officials, 3 alternates (DK001 and the official CT001 on Telegram), 1 guest."""
    return await congress(app, officials=5, alternates=3, guests=1,
                          registered=("CT001", "DK001", "KM001"))


async def seated(app: App) -> list[tuple[int, int]]:
    """Return (official id, alternate id) of every replacement."""
    return [(r.official_id, r.alternate_id) for r in await attendance.replacements(app.services.db)]


async def ask(tg: TelegramChat, text: str) -> tuple[str, list[tuple[str, str]]]:
    """Send a command as the organiser; return the answer and its buttons."""
    (answer,) = await tg.send(ORGANISER_ID, text)
    return str(answer["text"]), buttons(answer)


# ---------------------------------------------------------------------------- the happy path
async def test_an_alternate_takes_a_seat_after_the_preview_and_is_told_once(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    people = await small_congress(app)
    official, alternate = people.official[4], people.alternate[0]
    await check_in(app, people.official[:4])  # CT005 never came
    assert (await election_base.counted(app.services.db)).count == 4

    text, choices = await ask(tg, "/replace CT005 dk001")  # codes as typed on a phone
    assert text == vi("replace.ask", alternate=alternate.full_name, alternate_code="DK001",
                      alternate_delegation=alternate.delegation, official=official.full_name,
                      official_code="CT005", official_delegation=official.delegation)
    data = f"{official.id}:{alternate.id}"
    assert choices == [("Xác nhận thay thế", f"rpl:yes:{data}"), ("Không, hủy", f"rpl:no:{data}")]
    assert await seated(app) == []  # a preview writes nothing

    (done,) = await tg.press(ORGANISER_ID, f"rpl:yes:{data}")
    assert done["text"] == vi("replace.done_told", alternate=alternate.full_name,
                              alternate_code="DK001", official=official.full_name,
                              official_code="CT005")
    assert await seated(app) == [(official.id, alternate.id)]
    (entry,) = await audit.entries(app.services.db, action="delegate.replaced")
    assert (entry.actor, entry.details) == (ORGANISER, {"official": "CT005", "alternate": "DK001"})
    # The alternate counts as official now: a seat held, in the election base.
    found = seats(await delegates.all_delegates(app.services.db),
                  await attendance.replacements(app.services.db))
    assert alternate.id in holders(found) and official.id not in holders(found)
    assert (await election_base.counted(app.services.db)).count == 5

    await drain(app, clock)
    notice = vi("replace.notice", name=alternate.full_name, official=official.full_name,
                delegation=official.delegation, event=app.services.config.event.name)
    assert fake.sent_texts(people.user(alternate)) == [notice]
    assert fake.sent_texts(people.user(people.official[0])) == []
    (item,) = await broadcasts.recent(app.services.db)
    assert (item.kind, item.created_by) == ("replacement", ORGANISER)
    assert (await outbox.counts(app.services.db, item.id))["sent"] == 1

    # The same button again: the question was answered; nothing more is written or sent.
    assert [m["text"] for m in await tg.press(ORGANISER_ID, f"rpl:yes:{data}")] == [
        vi("error.stale_choice")]
    await drain(app, clock)
    assert len(fake.sent_texts(people.user(alternate))) == 1
    assert len(await audit.entries(app.services.db, action="delegate.replaced")) == 1


async def test_an_unregistered_alternate_is_recorded_and_the_organiser_is_asked_to_tell_them(
    app: App, tg: TelegramChat
) -> None:
    people = await small_congress(app)
    official, alternate = people.official[1], people.alternate[1]
    await ask(tg, "/replace CT002 DK002")
    (done,) = await tg.press(ORGANISER_ID, f"rpl:yes:{official.id}:{alternate.id}")
    assert done["text"] == vi("replace.done_not_told", alternate=alternate.full_name,
                              alternate_code="DK002", official=official.full_name,
                              official_code="CT002")
    assert await seated(app) == [(official.id, alternate.id)]
    assert await broadcasts.recent(app.services.db) == []


async def test_no_keeps_everything_and_an_older_question_is_stale(
    app: App, tg: TelegramChat
) -> None:
    people = await small_congress(app)
    first = f"{people.official[0].id}:{people.alternate[0].id}"
    await ask(tg, "/replace CT001 DK001")
    await ask(tg, "/replace CT002 DK002")  # a newer question replaces the first
    (stale,) = await tg.press(ORGANISER_ID, f"rpl:yes:{first}")
    assert stale["text"] == vi("error.stale_choice")
    second = f"{people.official[1].id}:{people.alternate[1].id}"
    (kept,) = await tg.press(ORGANISER_ID, f"rpl:no:{second}")
    assert kept["text"] == vi("replace.kept")
    assert await seated(app) == []
    assert await audit.entries(app.services.db, action="delegate.replaced") == []


# ---------------------------------------------------------------------------- refusals
@pytest.mark.parametrize(("command", "key", "person"), [
    ("/replace KM001 DK001", "replace.official_is_guest", ("guest", 0)),
    ("/replace CT001 KM001", "replace.alternate_is_guest", ("guest", 0)),
    ("/replace DK001 DK002", "replace.official_is_alternate", ("alternate", 0)),
    ("/replace CT001 CT002", "replace.alternate_is_official", ("official", 1)),
])
async def test_a_guest_or_the_wrong_kind_of_delegate_is_refused(
    app: App, tg: TelegramChat, command: str, key: str, person: tuple[str, int]
) -> None:
    people = await small_congress(app)
    named = getattr(people, person[0])[person[1]]
    assert await ask(tg, command) == (vi(key, **who(named)), [])
    assert await seated(app) == []


@pytest.mark.parametrize(("command", "answer"), [
    ("/replace", vi("replace.usage")),
    ("/replace CT001", vi("replace.usage")),
    ("/replace CT001 DK001 DK002", vi("replace.usage")),
    ("/replace XX999 DK001", vi("replace.unknown", code="XX999")),
    ("/replace CT001 <b>x</b>", vi("replace.unknown", code="<b>x</b>")),
    (f"/replace CT001 {'Z' * 300}", vi("replace.unknown", code="Z" * 64)),
])
async def test_bad_arguments_get_a_clear_answer(
    app: App, tg: TelegramChat, command: str, answer: str
) -> None:
    await small_congress(app)
    assert await ask(tg, command) == (answer, [])
    assert await seated(app) == []


async def test_a_seat_already_replaced_or_an_alternate_already_seated_is_refused(
    app: App, tg: TelegramChat
) -> None:
    people = await small_congress(app)
    official, alternate = people.official[0], people.alternate[0]
    assert await attendance.replace(app.services.db, Replacement(
        official.id, alternate.id, "2026-08-11T00:00:00+00:00", "cli"), None)
    assert await ask(tg, "/replace CT001 DK002") == (vi(
        "replace.already_replaced", **who(official), alternate=alternate.full_name,
        alternate_code="DK001"), [])
    assert await ask(tg, "/replace CT002 DK001") == (vi(
        "replace.alternate_seated", **who(alternate), official=official.full_name,
        official_code="CT001"), [])
    assert await seated(app) == [(official.id, alternate.id)]


async def test_a_seat_taken_between_the_preview_and_the_yes_is_refused_then(
    app: App, tg: TelegramChat
) -> None:
    people = await small_congress(app)
    official, alternate, other = people.official[0], people.alternate[0], people.alternate[1]
    await ask(tg, "/replace CT001 DK001")
    assert await attendance.replace(app.services.db, Replacement(  # e.g. from the CLI
        official.id, other.id, "2026-08-11T00:00:00+00:00", "cli"), None)
    (answer,) = await tg.press(ORGANISER_ID, f"rpl:yes:{official.id}:{alternate.id}")
    assert answer["text"] == vi("replace.already_replaced", **who(official),
                                alternate=other.full_name, alternate_code="DK002")
    assert await seated(app) == [(official.id, other.id)]


async def test_replace_is_refused_to_a_delegate_and_a_forged_answer_writes_nothing(
    app: App, tg: TelegramChat
) -> None:
    people = await small_congress(app)
    delegate = people.user(people.official[0])
    assert await tg.texts(delegate, "/replace CT005 DK001") == [vi("error.organisers_only")]
    data = f"rpl:yes:{people.official[4].id}:{people.alternate[0].id}"
    assert [m["text"] for m in await tg.press(delegate, data)] == [vi("error.organisers_only")]
    assert [m["text"] for m in await tg.press(ORGANISER_ID, data)] == [vi("error.stale_choice")]
    assert [m["text"] for m in await tg.press(ORGANISER_ID, "rpl:yes:x:1")] == [
        vi("error.stale_choice")]
    assert await seated(app) == []
    assert "/replace" not in "".join(await tg.texts(delegate, "/help"))
    assert "/replace" in "".join(await tg.texts(ORGANISER_ID, "/help"))


# ---------------------------------------------------------------------------- command line
@dataclass
class Run:
    """What one command-line run returned and printed."""

    code: int
    out: str
    err: str


async def cli(capsys: pytest.CaptureFixture[str], config_path: Path, *args: str) -> Run:
    """Run `delegate-bot --config FILE roster replace ARGS...` in-process."""
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["--config", str(config_path), "roster", "replace",
                                          *args])
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def plain(key: str, **params: object) -> str:
    return html_to_plain(vi(key, **params))


async def test_the_cli_previews_with_dry_run_then_replaces_and_queues_the_notice(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock,
    capsys: pytest.CaptureFixture[str], cli_config: Path,
) -> None:
    people = await small_congress(app)
    official, alternate = people.official[2], people.alternate[0]
    run = await cli(capsys, cli_config, "CT003", "DK001", "--dry-run")
    assert (run.code, run.err) == (0, "")
    assert run.out.startswith(plain("replace.ask", alternate=alternate.full_name,
                                    alternate_code="DK001",
                                    alternate_delegation=alternate.delegation,
                                    official=official.full_name, official_code="CT003",
                                    official_delegation=official.delegation))
    assert run.out.rstrip().endswith(plain("replace.cli.dry_run"))
    assert await seated(app) == []

    run = await cli(capsys, cli_config, "CT003", "DK001")
    assert (run.code, run.err) == (0, "")
    assert run.out.strip() == plain("replace.done_told", alternate=alternate.full_name,
                                    alternate_code="DK001", official=official.full_name,
                                    official_code="CT003")
    assert await seated(app) == [(official.id, alternate.id)]
    (entry,) = await audit.entries(app.services.db, action="delegate.replaced")
    assert entry.actor == "cli"
    await drain(app, clock)  # the running bot sends what the command queued
    assert len(fake.sent_texts(people.user(alternate))) == 1

    run = await cli(capsys, cli_config, "CT004", "DK001")
    assert (run.code, run.out) == (1, "")
    assert run.err.strip() == plain("replace.alternate_seated", **who(alternate),
                                    official=official.full_name, official_code="CT003")


@pytest.mark.parametrize(("args", "key", "person"), [
    (("KM001", "DK001"), "replace.official_is_guest", ("guest", 0)),
    (("CT001", "CT002"), "replace.alternate_is_official", ("official", 1)),
])
async def test_the_cli_refuses_a_guest_and_an_official_as_alternate(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, args: tuple[str, str],
    key: str, person: tuple[str, int],
) -> None:
    people = await small_congress(app)
    run = await cli(capsys, cli_config, *args)
    named = getattr(people, person[0])[person[1]]
    assert (run.code, run.out, run.err.strip()) == (1, "", plain(key, **who(named)))
    run = await cli(capsys, cli_config, "CT001", "NOPE")
    assert (run.code, run.err.strip()) == (1, plain("replace.unknown", code="NOPE"))
    assert await seated(app) == []
