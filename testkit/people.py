"""Test data: a roster written straight to storage, and delegates registered on Telegram.

The people `seed` registers have Telegram user ids from `FIRST_USER_ID` on, within
`SEEDED_CHATS`: a fake Telegram must know their chats (they wrote to the bot to register),
e.g. `fake.declare_chats(SEEDED_CHATS)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.app import App
from bot.clock import to_iso
from storage import delegates, registrations, users
from storage.delegates import Delegate, DelegateData
from storage.users import ChatUser

DELEGATIONS = ("Đoàn Sở Tài chính", "Đoàn Sở Y tế", "Đoàn Sở Giáo dục và Đào tạo")
FIRST_USER_ID = 50_000
SEEDED_CHATS = range(FIRST_USER_ID, FIRST_USER_ID + 10_000)  # the user ids seed() may give


@dataclass(frozen=True)
class Person:
    """A delegate and the Telegram user id they registered with (None: not registered)."""

    delegate: Delegate
    user_id: int | None


async def seed(app: App, count: int, *, registered: int | None = None,
               language: str | None = None) -> list[Person]:
    """Add `count` delegates (round-robin over three delegations, every tenth an alternate)
    and register the first `registered` (default: all) on Telegram."""
    if count > len(SEEDED_CHATS):
        raise ValueError(f"seed() gives at most {len(SEEDED_CHATS)} people")
    db, now = app.services.db, to_iso(app.services.clock.now())
    rows = [DelegateData(f"T{i:04d}", f"Đại biểu Thử {i}", f"Đơn vị {i % 7}",
                         DELEGATIONS[i % len(DELEGATIONS)],
                         "alternate" if i % 10 == 9 else "official", None, f"S{i}",
                         f"INVITE{i:04d}") for i in range(count)]
    await delegates.apply_import(db, upserts=rows, remove_codes=[], now=now)
    people = []
    limit = count if registered is None else registered
    for i, row in enumerate(rows):
        delegate = await delegates.find_by_code(db, row.code)
        assert delegate is not None
        user_id = None
        if i < limit:
            user_id = FIRST_USER_ID + i
            await users.touch(db, ChatUser("telegram", str(user_id), str(user_id), f"U{i}"), now)
            if language:
                await users.set_language(db, "telegram", str(user_id), language)
            assert await registrations.link(db, "telegram", str(user_id), delegate.id,
                                            "invite_code", now)
        people.append(Person(delegate, user_id))
    return people
