"""The audit log: who did what, to which audience, when, and the outcome."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storage.db import Database


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the audit log."""

    id: int
    at: str
    actor: str
    action: str
    details: dict[str, Any]


async def record(db: Database, *, actor: str, action: str, details: dict[str, Any],
                 now: str) -> None:
    """Append one entry."""
    await db.execute(
        "INSERT INTO audit_log (at, actor, action, details) VALUES (?, ?, ?, ?)",
        (now, actor, action, json.dumps(details, ensure_ascii=False)),
    )


async def entries(db: Database, *, action: str | None = None, limit: int = 100) -> list[Entry]:
    """Return the newest entries first, optionally of one action."""
    rows = await db.fetchall(
        "SELECT id, at, actor, action, details FROM audit_log WHERE ?1 IS NULL OR action = ?1"
        " ORDER BY id DESC LIMIT ?2", (action, limit),
    )
    return [Entry(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]
