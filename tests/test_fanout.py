"""Which language each person gets, in a direct reply and in everything sent to many people.

One rule: the language the person chose with /language, else the one their Telegram app
reports when the bot has it, else the event's. The event here is in English, so that the
app's Vietnamese and the event's English tell the branches apart. Each person first talks to
the bot through the real Telegram channel (the fake Bot API server carries their app's
language); then an announcement, a reminder, an agenda change notice and a result notice
each go out through the outbox, and what every person received is read from the fake
server after the delivery worker drained the outbox on the injected clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FixedClock
from bot.config import Config
from handlers import reminders
from handlers import results as result_notices
from storage import results
from testkit.fake_telegram import FakeTelegram
from testkit.people import seed
from testkit.telegram_harness import TelegramChat
from testkit.worker import drain
from tests.conftest import ORGANISER_ID, make_config
from tests.test_agenda import PROGRAMME, REPORT, TEXTS, load, stored
from tests.test_agenda_import import change_line, notice
from tests.test_announcements import queue
from tests.test_reminders import reminder_text, wait_text
from tests.test_results import SMALL, csv_bytes, election

OTHER_ID = 7777
BODY = "Họp lúc 8 giờ"


@dataclasses.dataclass(frozen=True)
class Case:
    """A person's chosen language and app language, and the language they must get."""

    chosen: str | None
    app: str | None
    expected: str


CASES = (
    Case("vi", "en", "vi"),    # chosen wins over the app's
    Case("en", "vi", "en"),    # ... either way
    Case(None, "vi", "vi"),    # none chosen: the app's
    Case(None, "fr", "en"),    # an app language the bot does not have: the event's
    Case(None, None, "en"),    # neither: the event's
)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a test config for an event held in English."""
    return make_config(tmp_path, event={"language": "en"})


async def meet(app: App, tg: TelegramChat) -> dict[int, str]:
    """Register one delegate per case, let each write to the bot from their app, check the
    direct reply's language; return the language each must get, by user id."""
    people = await seed(app, len(CASES))
    expected = {}
    for person, case in zip(people, CASES, strict=True):
        assert person.user_id is not None
        if case.chosen:
            answer = await tg.texts(person.user_id, f"/language {case.chosen}",
                                    language_code=case.app)
            assert answer == [TEXTS.t(case.expected, "language.set")], case
        else:
            answer = await tg.texts(person.user_id, "/reminders", language_code=case.app)
            assert answer == [TEXTS.t(case.expected, "reminders.status_on")], case
        expected[person.user_id] = case.expected
    return expected


async def received(app: App, clock: FixedClock, fake: FakeTelegram, users: list[int],
                   send: Callable[[], Awaitable[object]]) -> dict[int, list[str]]:
    """Run `send`, drain the outbox; return what each user received meanwhile."""
    before = {user: len(fake.sent_texts(user)) for user in users}
    await send()
    await drain(app, clock)
    return {user: fake.sent_texts(user)[before[user]:] for user in users}


async def test_an_announcement_reaches_each_person_in_the_language_of_their_replies(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    """Through /announce, each branch of the rule; a broadcast agrees with direct replies."""
    expected = await meet(app, tg)
    got = await received(app, clock, fake, list(expected), lambda: queue(tg, BODY))
    for user, language in expected.items():
        assert got[user] == [TEXTS.t(language, "announce.message", text=BODY)], user


async def reminder(app: App, clock: FixedClock) -> Callable[[str], str]:
    """Queue the reminder 30 minutes before the political report; return its text by
    language."""
    await load(app, clock, PROGRAMME)
    session = (await stored(app))[REPORT.key]
    clock.set(REPORT.starts - timedelta(minutes=30))
    assert await reminders.send(app.services, session.id, 30, session.starts_at) > 0
    return lambda language: reminder_text(REPORT, wait_text(30, language), language)


async def agenda_change(app: App, clock: FixedClock) -> Callable[[str], str]:
    """Move the political report to another hall; return the change notice by language."""
    await load(app, clock, PROGRAMME)
    moved = dataclasses.replace(REPORT, location="Hội trường B")
    _, told = await load(app, clock, [moved if s is REPORT else s for s in PROGRAMME])
    assert told == len(CASES)
    return lambda language: notice([change_line("relocated", moved, REPORT, language)],
                                   language)


async def result(app: App, clock: FixedClock) -> Callable[[str], str]:
    """Publish an election result; return its notice by language."""
    services, actor = app.services, f"telegram:{ORGANISER_ID}"
    _, result_id = await result_notices.import_file(services, csv_bytes(election(SMALL)),
                                                    "ket-qua.csv", actor)
    assert result_id is not None
    assert await result_notices.publish(services, result_id, actor) is not None
    item = await results.get(services.db, result_id)
    assert item is not None
    notices = {lang: await result_notices.notice_for(services, lang, item)
               for lang in ("vi", "en")}
    return notices.__getitem__


@pytest.mark.parametrize("broadcast", [reminder, agenda_change, result])
async def test_every_message_to_many_follows_the_same_rule(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock,
    broadcast: Callable[[App, FixedClock], Awaitable[Callable[[str], str]]],
) -> None:
    """Reminders, agenda change notices and result notices pick each person's language as
    announcements and direct replies do."""
    expected = await meet(app, tg)
    texts: list[Callable[[str], str]] = []

    async def send() -> None:
        texts.append(await broadcast(app, clock))

    got = await received(app, clock, fake, list(expected), send)
    for user, language in expected.items():
        assert got[user] == [texts[0](language)], user


async def test_a_notice_to_one_other_person_follows_the_same_rule(
    app: App, tg: TelegramChat, fake: FakeTelegram
) -> None:
    """The notice to an unlinked delegate and the organisers' alert about a taken seat go
    in their readers' language by the same rule (here: each one's app, Vietnamese)."""
    await tg.send(ORGANISER_ID, "/start")  # an app in Vietnamese, nothing chosen
    (person,) = await seed(app, 1)
    assert person.user_id is not None
    await tg.send(person.user_id, "/reminders", language_code="vi")
    await tg.send(OTHER_ID, f"/start {person.delegate.invite_code}", language_code="en")
    assert fake.sent_texts(ORGANISER_ID)[-1] == TEXTS.t(
        "vi", "registration.alert_taken", account="Test", platform="telegram",
        user_id=OTHER_ID, name=person.delegate.full_name, code=person.delegate.code)
    await tg.send(ORGANISER_ID, f"/unlink {person.delegate.code}")
    await tg.press(ORGANISER_ID, f"unl:yes:{person.delegate.id}")  # the unlink asks first
    assert fake.sent_texts(person.user_id)[-1] == TEXTS.t("vi", "unlink.notice")
