"""/agenda and /next end to end: the real Telegram channel against the fake Bot API server.

A three-day programme (with a session at 00:15 on the second day) is imported into the test
App's database; the injected clock says what "today" and "now" are in the event's zone
(Asia/Ho_Chi_Minh). Every answer is compared with the texts of the Vietnamese locale, built
here from the programme as written in the file, not from the bot's own rendering. Each person
sees the sessions of their audience: everyone, official delegates only, or their delegation;
an organiser sees all; someone not registered sees the sessions for everyone.

The helpers at the top (`Slot`, `programme_toml`, `load`, ...) are shared with
`test_reminders.py` and `test_agenda_import.py`.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.clock import FixedClock
from bot.i18n import Markup, Translator
from handlers import reminders
from handlers.agenda_import import apply_plan, plan_from_bytes
from storage import agenda
from storage.agenda import Session
from testkit.people import DELEGATIONS, Person, seed
from testkit.telegram_harness import TelegramChat, buttons
from tests.conftest import DELEGATE_ID, ORGANISER_ID

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TEXTS = Translator.load()
D1, D2, D3 = date(2026, 8, 11), date(2026, 8, 12), date(2026, 8, 13)
BEFORE = datetime(2026, 8, 1, 9, 0, tzinfo=HANOI)  # an import well before every reminder
FINANCE, HEALTH, EDUCATION = DELEGATIONS  # seed(): delegate i is in DELEGATIONS[i % 3]
AUDIENCE = {"tất cả": "all", "chính thức": "official"}


# ---------------------------------------------------------------------------- shared helpers
@dataclass(frozen=True)
class Slot:
    """One session as an organiser writes it in a programme file (local wall-clock times)."""

    key: str
    day: date
    start: str
    end: str
    title: str
    location: str = "Hội trường A"
    audience: str = "tất cả"
    kind: str = "phiên toàn thể"
    presenter: str = ""
    description: str = ""

    @property
    def starts(self) -> datetime:
        """Return the start as an aware time in the event's zone."""
        return datetime.combine(self.day, time.fromisoformat(self.start), HANOI)

    @property
    def ends(self) -> datetime:
        """Return the end as an aware time in the event's zone."""
        return datetime.combine(self.day, time.fromisoformat(self.end), HANOI)

    def seen_by(self, kind: str | None, delegation: str | None) -> bool:
        """Tell whether a delegate of this kind and delegation attends the session."""
        audience = AUDIENCE.get(self.audience, self.audience)
        if audience == "all":
            return True
        if audience == "official":
            return kind == "official"
        return audience == delegation

    def toml(self) -> str:
        """Return the session as a [[session]] table."""
        fields = {"id": self.key, "day": self.day.isoformat(), "start": self.start,
                  "end": self.end, "title": self.title, "location": self.location,
                  "audience": self.audience, "kind": self.kind, "presenter": self.presenter,
                  "description": self.description}
        return "[[session]]\n" + "".join(
            f"{name} = {json.dumps(value, ensure_ascii=False)}\n"
            for name, value in fields.items() if value)


WELCOME = Slot("don", D1, "07:00", "07:30", "Đón đại biểu", "Sảnh Hội trường A",
               kind="nghi lễ")
OPENING = Slot("khai-mac", D1, "07:30", "08:15", "Phiên khai mạc", kind="nghi lễ",
               presenter="Đồng chí Trương Văn Lộc",
               description="Tuyên bố lý do; diễn văn khai mạc đại hội.")
REPORT = Slot("bao-cao", D1, "08:30", "10:00", "Báo cáo chính trị")
HEALTH_GROUP = Slot("to-y-te", D1, "10:00", "11:30", "Thảo luận tổ Y tế", "Phòng họp số 2",
                    audience=HEALTH, kind="thảo luận")
ELECTION = Slot("bau-cu", D1, "14:00", "16:00", "Bầu Ban Chấp hành", audience="chính thức",
                kind="bầu cử")
COUNTING = Slot("kiem-phieu", D2, "00:15", "00:45", "Công bố kết quả kiểm phiếu",
                "Phòng kiểm phiếu")
FINANCE_GROUP = Slot("to-tai-chinh", D2, "08:00", "09:30", "Thảo luận tổ Tài chính",
                     "Phòng họp số 1", audience=FINANCE, kind="thảo luận")
RESOLUTION = Slot("nghi-quyet", D2, "09:45", "11:00", "Thông qua nghị quyết")
CLOSING = Slot("be-mac", D3, "08:00", "09:00", "Phiên bế mạc", audience="chính thức",
               kind="nghi lễ")
PROGRAMME = (WELCOME, OPENING, REPORT, HEALTH_GROUP, ELECTION, COUNTING, FINANCE_GROUP,
             RESOLUTION, CLOSING)


def programme_toml(slots: tuple[Slot, ...] | list[Slot]) -> str:
    """Return a TOML programme file."""
    return "# Chương trình đại hội\n\n" + "\n".join(slot.toml() for slot in slots)


def vi(key: str, /, **params: object) -> Markup:
    """Return a Vietnamese text as the bot sends it (HTML, values escaped)."""
    return TEXTS.t("vi", key, **params)


def day_label(day: date, language: str = "vi") -> Markup:
    """Return 'Thứ Ba, 11/08/2026'."""
    return TEXTS.t(language, "agenda.day",
                   weekday=TEXTS.t(language, f"weekday.{day.weekday()}"),
                   date=day.strftime("%d/%m/%Y"))


async def load(app: App, clock: FixedClock, slots: tuple[Slot, ...] | list[Slot], *,
               at: datetime | None = BEFORE, notify: bool = True,
               name: str = "chuong-trinh.toml") -> tuple[int | None, int]:
    """Import a programme in-process as of `at` (None: now); the clock is put back after."""
    saved = clock.now()
    if at is not None:
        clock.set(at)
    try:
        plan = await plan_from_bytes(app.services, programme_toml(slots).encode(), name)
        assert plan.ok, plan.problems
        return await apply_plan(app.services, plan, actor="test", notify=notify)
    finally:
        if at is not None:
            clock.set(saved)


async def stored(app: App) -> dict[str, Session]:
    """Return the stored sessions (cancelled ones too) by key."""
    sessions = await agenda.all_sessions(app.services.db, include_cancelled=True)
    return {s.key: s for s in sessions}


def at(day: date, clock_time: str) -> datetime:
    """Return a local time of the event as an aware datetime."""
    return datetime.combine(day, time.fromisoformat(clock_time), HANOI)


# ---------------------------------------------------------------------------- local helpers
def agenda_text(day: date, slots: list[Slot], now: datetime) -> str:
    """Return /agenda's answer for `day`, the session running at `now` marked."""
    lines = [vi("agenda.head", day=day_label(day))]
    for slot in slots:
        key = "agenda.line_now" if slot.starts <= now < slot.ends else "agenda.line"
        lines.append(vi(key, start=slot.start, end=slot.end, title=slot.title,
                        location=slot.location or "—"))
    lines.append(vi("agenda.hint"))
    return "\n".join(lines)


async def agenda_buttons(app: App, slots: list[Slot]) -> list[tuple[str, str]]:
    """Return the buttons /agenda shows under a day of these sessions."""
    by_key = await stored(app)
    return [(f"{s.start} {s.title}", f"ag:{by_key[s.key].id}") for s in slots]


@dataclass(frozen=True)
class Viewer:
    """Who asks, as a Telegram user id, and which sessions they attend."""

    user_id: int
    organiser: bool = False
    kind: str | None = None
    delegation: str | None = None

    def sees(self, slot: Slot) -> bool:
        """Tell whether this person is shown the session."""
        return self.organiser or slot.seen_by(self.kind, self.delegation)

    def day(self, day: date) -> list[Slot]:
        """Return the sessions this person sees on a day."""
        return [s for s in PROGRAMME if s.day == day and self.sees(s)]


def viewer_of(person: Person) -> Viewer:
    """Return a seeded delegate as a Viewer."""
    assert person.user_id is not None
    return Viewer(person.user_id, kind=person.delegate.kind,
                  delegation=person.delegate.delegation)


@pytest.fixture
async def people(app: App, clock: FixedClock) -> list[Person]:
    """Seed ten delegates (0 Finance, 1 Health, 2 Education official; 9 Finance alternate)
    and import the three-day programme, before the congress."""
    seeded = await seed(app, 10)
    assert (seeded[0].delegate.delegation, seeded[1].delegate.delegation) == (FINANCE, HEALTH)
    assert seeded[9].delegate.kind == "alternate"
    await load(app, clock, PROGRAMME)
    return seeded


# ---------------------------------------------------------------------------- /agenda
@pytest.mark.parametrize("who", ["organiser", "health", "finance", "alternate", "stranger"])
async def test_today_shows_ones_sessions_with_the_current_one_marked(
    app: App, tg: TelegramChat, clock: FixedClock, people: list[Person], who: str
) -> None:
    viewer = {
        "organiser": Viewer(ORGANISER_ID, organiser=True),
        "health": viewer_of(people[1]),
        "finance": viewer_of(people[0]),
        "alternate": viewer_of(people[9]),
        "stranger": Viewer(DELEGATE_ID),  # never registered: the sessions for everyone
    }[who]
    expected = {
        "organiser": [WELCOME, OPENING, REPORT, HEALTH_GROUP, ELECTION],
        "health": [WELCOME, OPENING, REPORT, HEALTH_GROUP, ELECTION],
        "finance": [WELCOME, OPENING, REPORT, ELECTION],
        "alternate": [WELCOME, OPENING, REPORT],
        "stranger": [WELCOME, OPENING, REPORT],
    }[who]
    assert viewer.day(D1) == expected
    assert clock.now() == at(D1, "07:30")
    for command in ("/agenda", "/agenda hôm nay", "/agenda today"):
        (answer,) = await tg.send(viewer.user_id, command)
        assert answer["text"] == agenda_text(D1, expected, clock.now()), command
        assert answer["parse_mode"] == "HTML"
        assert buttons(answer) == await agenda_buttons(app, expected)
    assert "▶️ <b>07:30–08:15 Phiên khai mạc</b>" in answer["text"]


async def test_the_mark_follows_the_clock(
    tg: TelegramChat, clock: FixedClock, people: list[Person]
) -> None:
    health = viewer_of(people[1])
    for now, running in (("08:20", None), ("10:00", HEALTH_GROUP), ("15:59", ELECTION),
                         ("16:00", None)):
        clock.set(at(D1, now))
        (text,) = await tg.texts(health.user_id, "/agenda")
        assert text == agenda_text(D1, health.day(D1), clock.now()), now
        assert text.count("▶️") == (running is not None)
        if running is not None:
            assert f"▶️ <b>{running.start}–{running.end} {running.title}</b>" in text


@pytest.mark.parametrize("command", ["/agenda mai", "/agenda tomorrow", "/agenda ngày mai",
                                     "/agenda Mai", "/agenda 12/08", "/agenda 12/8",
                                     "/agenda 12/08/2026", "/agenda 2026-08-12",
                                     "/agenda 12.08.2026"])
async def test_tomorrow_and_a_date_show_that_day(
    tg: TelegramChat, clock: FixedClock, people: list[Person], command: str
) -> None:
    finance = viewer_of(people[0])
    (text,) = await tg.texts(finance.user_id, command)
    assert text == agenda_text(D2, [COUNTING, FINANCE_GROUP, RESOLUTION], clock.now())


async def test_each_day_of_a_three_day_congress_and_the_session_after_midnight(
    app: App, tg: TelegramChat, clock: FixedClock, people: list[Person]
) -> None:
    """00:15 on 12/08 is 17:15 UTC on 11/08: it belongs to the second day, not the first."""
    counting = (await stored(app))[COUNTING.key]
    assert counting.starts_at == "2026-08-11T17:15:00.000+00:00"
    assert counting.ends_at == "2026-08-11T17:45:00.000+00:00"
    organiser = Viewer(ORGANISER_ID, organiser=True)
    days = {D1: [WELCOME, OPENING, REPORT, HEALTH_GROUP, ELECTION],
            D2: [COUNTING, FINANCE_GROUP, RESOLUTION], D3: [CLOSING]}
    for day, slots in days.items():
        (answer,) = await tg.send(ORGANISER_ID, f"/agenda {day:%d/%m}")
        assert answer["text"] == agenda_text(day, slots, clock.now())
        assert buttons(answer) == await agenda_buttons(app, slots)
        assert organiser.day(day) == slots
    # Late in the evening of the first day, "tomorrow" starts with the 00:15 session...
    clock.set(at(D1, "23:59"))
    (text,) = await tg.texts(ORGANISER_ID, "/agenda mai")
    assert text == agenda_text(D2, days[D2], clock.now())
    # ...and a minute after midnight it is "today", not yet running.
    clock.set(at(D2, "00:01"))
    (text,) = await tg.texts(ORGANISER_ID, "/agenda")
    assert text == agenda_text(D2, days[D2], clock.now()) and "▶️" not in text
    clock.set(at(D2, "00:30"))
    (text,) = await tg.texts(ORGANISER_ID, "/agenda")
    assert "▶️ <b>00:15–00:45 Công bố kết quả kiểm phiếu</b>" in text
    (text,) = await tg.texts(ORGANISER_ID, "/agenda mai")
    assert text == agenda_text(D3, days[D3], clock.now())


@pytest.mark.parametrize("value", ["32/13", "hôm kia", "2026-02-30", "12-08-2026 x",
                                   "<b>x</b>", "x" * 200])
async def test_a_bad_date_gets_a_clear_answer(
    tg: TelegramChat, people: list[Person], value: str
) -> None:
    (text,) = await tg.texts(people[0].user_id or 0, f"/agenda {value}")
    assert text == vi("agenda.bad_date", value=value[:40])
    assert "<b>x</b>" not in text  # what the user typed is escaped


async def test_a_day_without_sessions_names_the_days_that_have_some(
    tg: TelegramChat, people: list[Person]
) -> None:
    (text,) = await tg.texts(ORGANISER_ID, "/agenda 14/08")
    assert text == vi("agenda.no_sessions", day=day_label(date(2026, 8, 14)),
                      days="11/08, 12/08, 13/08")
    # The third day holds only the closing for official delegates: an alternate has none.
    alternate = viewer_of(people[9])
    (text,) = await tg.texts(alternate.user_id, "/agenda 13/08")
    assert text == vi("agenda.no_sessions", day=day_label(D3), days="11/08, 12/08")


async def test_before_any_import_the_programme_is_empty(tg: TelegramChat) -> None:
    for command in ("/agenda", "/agenda mai", "/agenda 12/08"):
        (text,) = await tg.texts(DELEGATE_ID, command)
        assert text == vi("agenda.empty")
    (text,) = await tg.texts(DELEGATE_ID, "/next")
    assert text == vi("agenda.nothing_next")


async def test_user_data_in_the_programme_is_escaped(
    app: App, tg: TelegramChat, clock: FixedClock
) -> None:
    odd = Slot("odd", D1, "09:00", "09:30", "Hỏi & đáp <b>tự do</b>", "Phòng <1>")
    await load(app, clock, [odd])
    (answer,) = await tg.send(ORGANISER_ID, "/agenda")
    assert "09:00–09:30 Hỏi &amp; đáp &lt;b&gt;tự do&lt;/b&gt; — Phòng &lt;1&gt;" in (
        answer["text"])
    assert buttons(answer) == [("09:00 Hỏi & đáp <b>tự do</b>", "ag:1")]


async def test_a_delegation_audience_matches_whatever_the_unicode_form(
    app: App, tg: TelegramChat, clock: FixedClock, people: list[Person]
) -> None:
    """A programme typed with combining accents (Unikey's "Unicode tổ hợp", macOS) writes
    "Đoàn Sở Y tế" in NFD while the roster holds it in NFC: the delegation still sees its
    session (`in_audience`, also used by reminders and change notices)."""
    decomposed = unicodedata.normalize("NFD", HEALTH)
    assert decomposed != HEALTH
    extra = Slot("to-y-te-chieu", D1, "12:00", "13:00", "Tổ Y tế họp chiều", "Phòng họp số 3",
                 audience=decomposed, kind="thảo luận")
    await load(app, clock, [*PROGRAMME, extra], notify=False)
    health = viewer_of(people[1])
    (text,) = await tg.texts(health.user_id, "/agenda")
    assert "12:00–13:00 Tổ Y tế họp chiều" in text
    session = (await stored(app))[extra.key]
    clock.set(at(D1, "11:30"))  # its 30-minute reminder: the three Health delegates
    assert await reminders.send(app.services, session.id, 30, session.starts_at) == 3


# ---------------------------------------------------------------------------- session buttons
def details_text(slot: Slot, audience: str, kind: str) -> str:
    """Return a session's details as the ag:<id> button shows them."""
    lines = [vi("agenda.details", title=slot.title, day=day_label(slot.day), start=slot.start,
                end=slot.end, location=slot.location, kind=vi(f"session.{kind}"),
                audience=audience)]
    if slot.presenter:
        lines.append(vi("agenda.presenter", presenter=slot.presenter))
    if slot.description:
        lines.append(vi("agenda.description", description=slot.description))
    return "\n".join(lines)


async def test_a_session_button_opens_its_details(
    app: App, tg: TelegramChat, people: list[Person]
) -> None:
    sessions = await stored(app)
    (answer,) = await tg.send(people[9].user_id or 0, "/agenda")
    assert (f"07:30 {OPENING.title}", f"ag:{sessions[OPENING.key].id}") in buttons(answer)
    (shown,) = await tg.press(people[9].user_id or 0, f"ag:{sessions[OPENING.key].id}")
    assert shown["text"] == details_text(OPENING, vi("agenda.audience.all"), "ceremony")
    health = people[1].user_id or 0
    (shown,) = await tg.press(health, f"ag:{sessions[HEALTH_GROUP.key].id}")
    assert shown["text"] == details_text(HEALTH_GROUP, HEALTH, "discussion")
    (shown,) = await tg.press(ORGANISER_ID, f"ag:{sessions[ELECTION.key].id}")
    assert shown["text"] == details_text(ELECTION, vi("agenda.audience.official"), "election")


@pytest.mark.parametrize(("who", "key"), [
    ("alternate", ELECTION.key), ("alternate", CLOSING.key), ("finance", HEALTH_GROUP.key),
    ("health", FINANCE_GROUP.key), ("stranger", ELECTION.key), ("stranger", HEALTH_GROUP.key),
])
async def test_a_forged_button_for_someone_elses_session_is_refused(
    app: App, tg: TelegramChat, people: list[Person], who: str, key: str
) -> None:
    user_id = {"alternate": people[9].user_id, "finance": people[0].user_id,
               "health": people[1].user_id, "stranger": DELEGATE_ID}[who]
    assert user_id is not None
    session = (await stored(app))[key]
    (answer,) = await tg.send(user_id, f"/agenda {session.starts_at[:10]}")
    assert f"ag:{session.id}" not in [data for _, data in buttons(answer)]
    (refused,) = await tg.press(user_id, f"ag:{session.id}")
    assert refused["text"] == vi("error.stale_choice")
    assert session.title not in refused["text"]
    (shown,) = await tg.press(ORGANISER_ID, f"ag:{session.id}")  # an organiser sees all
    assert shown["text"].startswith(f"<b>{session.title}</b>")


@pytest.mark.parametrize("data", ["ag:999", "ag:abc", "ag:", "ag:-1", "ag:1:2"])
async def test_a_button_for_no_session_is_stale(
    tg: TelegramChat, people: list[Person], data: str
) -> None:
    (refused,) = await tg.press(ORGANISER_ID, data)
    assert refused["text"] == vi("error.stale_choice")


# ---------------------------------------------------------------------------- /next
def now_text(slot: Slot) -> str:
    """Return /next's line about a running session."""
    return vi("agenda.now", title=slot.title, location=slot.location, end=slot.end)


def next_text(slot: Slot, wait: str) -> str:
    """Return /next's paragraph about the coming session."""
    return vi("agenda.next", title=slot.title, start=slot.start, day=day_label(slot.day),
              location=slot.location, wait=wait)


async def test_next_says_what_is_on_what_comes_where_and_how_soon(
    tg: TelegramChat, clock: FixedClock, people: list[Person]
) -> None:
    health, alternate = people[1].user_id or 0, people[9].user_id or 0
    (text,) = await tg.texts(health, "/next")  # 07:30: the opening has just begun
    assert text == "\n\n".join([now_text(OPENING),
                                next_text(REPORT, vi("time.hours", n=1))])
    clock.set(at(D1, "09:47:40"))  # 12 min 20 s: rounded to the minute
    (text,) = await tg.texts(health, "/next")
    assert text == "\n\n".join([now_text(REPORT),
                                next_text(HEALTH_GROUP, vi("time.minutes", n=12))])
    # The alternate skips the group of another delegation and the official-only election.
    (text,) = await tg.texts(alternate, "/next")
    assert text == "\n\n".join([now_text(REPORT), next_text(
        COUNTING, f"{vi('time.hours', n=14)} {vi('time.minutes', n=27)}")])
    clock.set(at(D1, "11:45"))
    (text,) = await tg.texts(health, "/next")
    assert text == next_text(ELECTION, f"{vi('time.hours', n=2)} {vi('time.minutes', n=15)}")
    clock.set(at(D2, "08:00"))
    (text,) = await tg.texts(ORGANISER_ID, "/next")
    assert text == "\n\n".join([now_text(FINANCE_GROUP), next_text(
        RESOLUTION, vi("time.hours", n=1) + " " + vi("time.minutes", n=45))])
    (text,) = await tg.texts(DELEGATE_ID, "/next")
    assert text == next_text(RESOLUTION, f"{vi('time.hours', n=1)} {vi('time.minutes', n=45)}")


async def test_next_counts_days_and_ends_with_nothing_left(
    tg: TelegramChat, clock: FixedClock, people: list[Person]
) -> None:
    clock.set(at(D1, "07:00") - timedelta(days=2, hours=1, minutes=30))
    (text,) = await tg.texts(DELEGATE_ID, "/next")
    assert text == next_text(WELCOME, f"{vi('time.days', n=2)} {vi('time.hours', n=1)}")
    clock.set(at(D2, "10:30"))  # the last session for everyone is running
    (text,) = await tg.texts(DELEGATE_ID, "/next")
    assert text == now_text(RESOLUTION)
    clock.set(at(D2, "11:00"))
    (text,) = await tg.texts(people[9].user_id or 0, "/next")
    assert text == vi("agenda.nothing_next")
    (text,) = await tg.texts(people[0].user_id or 0, "/next")  # official: the closing
    assert text == next_text(CLOSING, f"{vi('time.hours', n=21)}")
    clock.set(at(D3, "09:00"))
    (text,) = await tg.texts(ORGANISER_ID, "/next")
    assert text == vi("agenda.nothing_next")


async def test_a_cancelled_session_disappears_from_agenda_and_next(
    app: App, tg: TelegramChat, clock: FixedClock, people: list[Person]
) -> None:
    await load(app, clock, [s for s in PROGRAMME if s is not REPORT], at=None, notify=False)
    health = viewer_of(people[1])
    expected = [s for s in health.day(D1) if s is not REPORT]
    (text,) = await tg.texts(health.user_id, "/agenda")
    assert text == agenda_text(D1, expected, clock.now())
    (text,) = await tg.texts(health.user_id, "/next")
    assert text == "\n\n".join([now_text(OPENING), next_text(
        HEALTH_GROUP, f"{vi('time.hours', n=2)} {vi('time.minutes', n=30)}")])
    report = (await stored(app))[REPORT.key]
    assert report.cancelled
    (shown,) = await tg.press(health.user_id, f"ag:{report.id}")
    assert shown["text"].endswith(vi("agenda.cancelled"))
