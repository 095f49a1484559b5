"""The running count at the door: seat holders checked in for a window, seats summoned.

The same rule as bot/seats.py (a seat per official delegate, held by the alternate who took
it), said in SQL so that a checker's reply after each scan does not read the whole roster.
"""

from __future__ import annotations

from storage.db import Database

# A delegate who holds a seat: an official without an alternate in their seat, or an
# alternate in the seat of an official delegate.
_HOLDS_A_SEAT = (
    "((d.kind = 'official' AND NOT EXISTS (SELECT 1 FROM replacements r"
    "  WHERE r.official_id = d.id))"
    " OR EXISTS (SELECT 1 FROM replacements r JOIN delegates o ON o.id = r.official_id"
    "  WHERE r.alternate_id = d.id AND o.kind = 'official'))"
)


async def seats_summoned(db: Database) -> int:
    """Return the number of official delegates' seats (the official delegates summoned)."""
    return int(await db.scalar("SELECT count(*) FROM delegates WHERE kind = 'official'"))


async def holders_present(db: Database, window_key: str) -> int:
    """Return how many seat holders are checked in for the window."""
    return int(await db.scalar(
        "SELECT count(*) FROM checkins c JOIN delegates d ON d.id = c.delegate_id"
        f" WHERE c.window_key = ? AND {_HOLDS_A_SEAT}", (window_key,)))


async def broadcast_made(db: Database, dedupe_key: str) -> bool:
    """Tell whether a broadcast with this dedupe key was made already."""
    return bool(await db.scalar(
        "SELECT EXISTS (SELECT 1 FROM broadcasts WHERE dedupe_key = ?)", (dedupe_key,)))
