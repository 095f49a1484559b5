"""Test data for the congress day: a two-day programme, check-in links, people at the door.

The programme (Hanoi time): day one 08:00-11:30 and 13:30-17:00 with a lunch break between,
day two 08:00-11:00. `tests.conftest.CONGRESS_MORNING` (07:30 on day one) falls within the
hour before the first window opens, so a check-in then counts for day one's morning.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import App
from bot.checkin_link import checkin_payload
from bot.clock import to_iso
from storage import agenda, delegates
from storage.agenda import SessionData
from testkit.people import Person, seed


def _session(key: str, start: str, end: str, title: str, kind: str = "plenary") -> SessionData:
    return SessionData(key, start, end, title, "Hội trường A", "", "", kind, "all")


PROGRAMME = (
    _session("open", "2026-08-11T01:00:00.000+00:00", "2026-08-11T02:30:00.000+00:00",
             "Khai mạc"),
    _session("report", "2026-08-11T02:30:00.000+00:00", "2026-08-11T04:30:00.000+00:00",
             "Báo cáo chính trị"),
    _session("lunch", "2026-08-11T04:30:00.000+00:00", "2026-08-11T06:30:00.000+00:00",
             "Nghỉ trưa", "break"),
    _session("discuss", "2026-08-11T06:30:00.000+00:00", "2026-08-11T10:00:00.000+00:00",
             "Thảo luận"),
    _session("vote", "2026-08-12T01:00:00.000+00:00", "2026-08-12T04:00:00.000+00:00",
             "Bầu cử"),
)
DAY_ONE_AM, DAY_ONE_PM, DAY_TWO_AM = "2026-08-11/am", "2026-08-11/pm", "2026-08-12/am"
BEFORE_EVERYTHING = datetime(2026, 8, 10, 23, 0, tzinfo=UTC)   # 06:00 on day one
LUNCH = datetime(2026, 8, 11, 5, 0, tzinfo=UTC)                 # 12:00: the pm opens at 12:30
AFTERNOON = datetime(2026, 8, 11, 7, 0, tzinfo=UTC)             # 14:00 on day one
AFTER_EVERYTHING = datetime(2026, 8, 12, 5, 0, tzinfo=UTC)      # 12:00 on day two


async def load_programme(app: App) -> None:
    """Store the two-day programme."""
    await agenda.apply_import(app.services.db, upserts=PROGRAMME, cancel_keys=[], notice=None,
                              now=to_iso(app.services.clock.now()))


async def programme_and_people(app: App, count: int) -> list[Person]:
    """Store the programme and seed `count` delegates registered on Telegram."""
    await load_programme(app)
    return await seed(app, count)


async def scan_text(app: App, delegate_id: int) -> str:
    """Return what scanning a delegate's card sends the bot: `/start ci_<token>`."""
    token = await delegates.checkin_token(app.services.db, delegate_id)
    assert token is not None
    return f"/start {checkin_payload(token)}"
