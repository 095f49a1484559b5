"""Chat accounts: who wrote from which platform, their language and conversation step."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from storage.db import Database, Row


@dataclass(slots=True)
class ChatUser:
    """One person's account on one platform."""

    platform: str
    user_id: str
    chat_id: str
    display_name: str = ""
    language: str | None = None
    step: str | None = None
    step_data: dict[str, Any] = field(default_factory=dict)
    blocked_at: str | None = None
    reminders_off: bool = False
    platform_language: str | None = None


def _from_row(row: Row) -> ChatUser:
    return ChatUser(
        platform=row["platform"], user_id=row["user_id"], chat_id=row["chat_id"],
        display_name=row["display_name"], language=row["language"], step=row["step"],
        step_data=json.loads(row["step_data"]), blocked_at=row["blocked_at"],
        reminders_off=bool(row["reminders_off"]), platform_language=row["platform_language"],
    )


async def get(db: Database, platform: str, user_id: str) -> ChatUser | None:
    """Return the account, or None if this person never wrote."""
    row = await db.fetchone(
        "SELECT * FROM chat_users WHERE platform = ? AND user_id = ?", (platform, user_id)
    )
    return None if row is None else _from_row(row)


async def touch(db: Database, user: ChatUser, now: str) -> None:
    """Create the account or refresh its chat id and display name; it is reachable again."""
    await db.execute(
        "INSERT INTO chat_users (platform, user_id, chat_id, display_name, platform_language,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (platform, user_id) DO UPDATE SET chat_id = excluded.chat_id,"
        " display_name = excluded.display_name,"
        " platform_language = excluded.platform_language, updated_at = excluded.updated_at,"
        " blocked_at = NULL",
        (user.platform, user.user_id, user.chat_id, user.display_name, user.platform_language,
         now, now),
    )


async def set_language(db: Database, platform: str, user_id: str, language: str) -> None:
    """Remember the language a person chose."""
    await db.execute(
        "UPDATE chat_users SET language = ? WHERE platform = ? AND user_id = ?",
        (language, platform, user_id),
    )


async def set_step(
    db: Database, platform: str, user_id: str, step: str | None, data: dict[str, Any] | None
) -> None:
    """Store (or clear, with None) the person's conversation step and its data."""
    await db.execute(
        "UPDATE chat_users SET step = ?, step_data = ? WHERE platform = ? AND user_id = ?",
        (step, json.dumps(data or {}, ensure_ascii=False), platform, user_id),
    )


async def mark_blocked(db: Database, platform: str, chat_id: str, now: str) -> None:
    """Remember that this chat blocked the bot (403): send it nothing until it writes again."""
    await db.execute(
        "UPDATE chat_users SET blocked_at = ? WHERE platform = ? AND chat_id = ?",
        (now, platform, chat_id),
    )


async def set_reminders_off(db: Database, platform: str, user_id: str, off: bool) -> None:
    """Mute (True) or unmute this account's session reminders."""
    await db.execute(
        "UPDATE chat_users SET reminders_off = ? WHERE platform = ? AND user_id = ?",
        (int(off), platform, user_id),
    )


async def get_choices(db: Database, platform: str, user_id: str) -> list[tuple[str, str]]:
    """Return the (label, data) choices last offered to this account as a numbered list."""
    value = await db.scalar(
        "SELECT choices FROM chat_users WHERE platform = ? AND user_id = ?", (platform, user_id)
    )
    return [(label, data) for label, data in json.loads(value or "[]")]


async def set_choices(db: Database, platform: str, user_id: str,
                      choices: list[tuple[str, str]]) -> None:
    """Remember the choices just offered to this account (an empty list forgets them)."""
    await db.execute(
        "UPDATE chat_users SET choices = ? WHERE platform = ? AND user_id = ?",
        (json.dumps(choices, ensure_ascii=False), platform, user_id),
    )
