"""Test data for the congress day: a roster of officials, alternates and guests written
straight to storage, some registered on Telegram, check-ins for attendance windows, and a
two-day programme.

Registered people get Telegram user ids from `testkit.people.FIRST_USER_ID` on, within
`SEEDED_CHATS`, so a fake Telegram that declared those chats can write to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.app import App
from bot.clock import to_iso
from storage import agenda, attendance, delegates, registrations, users
from storage.agenda import SessionData
from storage.attendance import Checkin
from storage.delegates import Delegate, DelegateData
from storage.users import ChatUser
from testkit.people import FIRST_USER_ID

WINDOW = "2026-08-11/am"  # the morning of the congress day (tests.conftest.CONGRESS_MORNING)
PREFIXES = {"official": "CT", "alternate": "DK", "guest": "KM"}


@dataclass(frozen=True)
class Roster:
    """The people of a test congress by kind, in code order, and who is on Telegram."""

    official: list[Delegate]
    alternate: list[Delegate]
    guest: list[Delegate]
    user_of: dict[int, int]  # delegate id -> Telegram user id, for those registered

    def user(self, person: Delegate) -> int:
        """Return a registered person's Telegram user id."""
        return self.user_of[person.id]


async def congress(app: App, *, officials: int, alternates: int = 0, guests: int = 0,
                   registered: Iterable[str] = ()) -> Roster:
    """Write a roster (codes CT001…, DK001…, KM001…) and register the codes in
    `registered` on Telegram."""
    db, now = app.services.db, to_iso(app.services.clock.now())
    rows = [DelegateData(f"{PREFIXES[kind]}{i:03d}", f"Đại biểu {PREFIXES[kind]} {i}",
                         f"Đơn vị {i % 5}", f"Đoàn {i % 3}", kind, None, f"{kind[0]}{i}",
                         f"{PREFIXES[kind]}INVITE{i:04d}")
            for kind, count in (("official", officials), ("alternate", alternates),
                                ("guest", guests)) for i in range(1, count + 1)]
    await delegates.apply_import(db, upserts=rows, remove_codes=[], now=now)
    people = await delegates.all_delegates(db)
    user_of: dict[int, int] = {}
    by_code = {d.code: d for d in people}
    for index, code in enumerate(registered):
        person, user_id = by_code[code], FIRST_USER_ID + index
        await users.touch(db, ChatUser("telegram", str(user_id), str(user_id), code), now)
        assert await registrations.link(db, "telegram", str(user_id), person.id,
                                        "invite_code", now)
        user_of[person.id] = user_id
    return Roster(*([d for d in people if d.kind == kind] for kind in PREFIXES), user_of)


async def check_in(app: App, people: Iterable[Delegate], window: str = WINDOW) -> None:
    """Check people in for a window, as a checker at the door would."""
    now = to_iso(app.services.clock.now())
    for person in people:
        await attendance.check_in(app.services.db, Checkin(
            person.id, window, now, "staff", "telegram", "9001", "Ban Tổ chức"))


# Local times (UTC+7): Tuesday 11/08 07:30-11:30 and 13:30-17:00 (lunch between), Wednesday
# 12/08 07:30-11:00. The test clock starts at 07:30 on the Tuesday.
PROGRAMME = (
    ("open", "2026-08-11T00:30:00+00:00", "2026-08-11T02:00:00+00:00", "plenary"),
    ("report", "2026-08-11T02:00:00+00:00", "2026-08-11T04:30:00+00:00", "plenary"),
    ("lunch", "2026-08-11T04:30:00+00:00", "2026-08-11T06:30:00+00:00", "break"),
    ("discuss", "2026-08-11T06:30:00+00:00", "2026-08-11T10:00:00+00:00", "discussion"),
    ("vote", "2026-08-12T00:30:00+00:00", "2026-08-12T04:00:00+00:00", "plenary"),
)


async def programme(app: App) -> None:
    """Write the test congress's programme (`PROGRAMME`) straight to storage."""
    rows = [SessionData(key, start, end, key.capitalize(), "Hội trường", "", "", kind, "all")
            for key, start, end, kind in PROGRAMME]
    await agenda.apply_import(app.services.db, upserts=rows, cancel_keys=[], notice=None,
                              now=to_iso(app.services.clock.now()))
