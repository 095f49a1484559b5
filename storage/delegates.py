"""The roster: delegates by code, invite code or phone, and whole-roster imports."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Literal

from storage import audit
from storage.db import Database, Row


@dataclass(frozen=True, slots=True)
class DelegateData:
    """A delegate's details as an import writes them (no id yet)."""

    code: str
    full_name: str
    unit: str
    delegation: str
    kind: str
    phone: str | None
    seat: str
    invite_code: str


@dataclass(frozen=True, slots=True)
class Delegate(DelegateData):
    """One delegate of the roster: the details an import wrote, and the delegate's id."""

    id: int


FIELDS = tuple(f.name for f in fields(DelegateData))
_SELECT = "SELECT " + ", ".join(FIELDS) + ", id FROM delegates"  # Delegate's field order


def _delegate(row: Row) -> Delegate:
    return Delegate(*row)


_Unique = Literal["id", "code", "phone", "checkin_token"]

# An invite code folded as bot.formats.invite.fold_invite_code folds one that is stored
# (upper case, no separators); the same expression as the unique index of migration 0010.
FOLDED_INVITE_CODE = (
    "replace(replace(replace(replace(replace(replace(invite_code,\n"
    "        'O', '0'), 'I', '1'), 'L', '1'), 'S', '5'), 'Z', '2'), 'B', '8')"
)


async def _one(db: Database, column: _Unique, value: object) -> Delegate | None:
    """Return the delegate whose `column` (a unique one) holds `value`, if any."""
    row = await db.fetchone(f"{_SELECT} WHERE {column} = ?", (value,))
    return None if row is None else _delegate(row)


async def all_delegates(db: Database) -> list[Delegate]:
    """Return the whole roster, ordered by code."""
    return [_delegate(r) for r in await db.fetchall(f"{_SELECT} ORDER BY code")]


async def get(db: Database, delegate_id: int) -> Delegate | None:
    """Return a delegate by id."""
    return await _one(db, "id", delegate_id)


async def find_by_code(db: Database, code: str) -> Delegate | None:
    """Return the delegate with this roster code."""
    return await _one(db, "code", code)


async def find_by_invite_code(db: Database, folded: str) -> Delegate | None:
    """Return the delegate whose invite code folds to `folded` (a folded code)."""
    row = await db.fetchone(f"{_SELECT} WHERE {FOLDED_INVITE_CODE} = ?", (folded,))
    return None if row is None else _delegate(row)


async def find_by_phone(db: Database, phone: str) -> Delegate | None:
    """Return the delegate with this E.164 phone number."""
    return await _one(db, "phone", phone)


async def has_phones(db: Database) -> bool:
    """Tell whether the roster holds any phone number."""
    return bool(await db.scalar("SELECT EXISTS (SELECT 1 FROM delegates WHERE phone IS NOT NULL)"))


async def invite_codes(db: Database) -> set[str]:
    """Return every invite code in use."""
    return {r[0] for r in await db.fetchall("SELECT invite_code FROM delegates")}


async def apply_import(
    db: Database, *, upserts: Iterable[DelegateData], remove_codes: Iterable[str], now: str,
    progress: Callable[[int], None] | None = None, chunk: int = 500,
    note: audit.Note | None = None,
) -> None:
    """Write an import in one transaction: remove, then insert or update by code.

    `progress` is called with the number of rows written after each chunk; `note` is the
    audit entry, written in the same transaction.
    """
    remove = [(code,) for code in remove_codes]
    rows = [(d.code, d.full_name, d.unit, d.delegation, d.kind, d.phone, d.seat, d.invite_code,
             now, now) for d in upserts]
    async with db.write() as conn:
        await conn.executemany("DELETE FROM delegates WHERE code = ?", remove)
        # Free phones and invite codes first, so that two delegates may swap them.
        await conn.executemany(
            "UPDATE delegates SET phone = NULL, invite_code = '~' || id WHERE code = ?",
            [(r[0],) for r in rows],
        )
        for start in range(0, len(rows), chunk):
            await conn.executemany(
                "INSERT INTO delegates (code, full_name, unit, delegation, kind, phone, seat,"
                " invite_code, created_at, updated_at, checkin_token)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, lower(hex(randomblob(10))))"
                " ON CONFLICT (code) DO UPDATE SET full_name = excluded.full_name,"
                " unit = excluded.unit, delegation = excluded.delegation, kind = excluded.kind,"
                " phone = excluded.phone, seat = excluded.seat,"
                " invite_code = excluded.invite_code, updated_at = excluded.updated_at",
                rows[start:start + chunk],
            )
            if progress is not None:
                progress(min(start + chunk, len(rows)))
        await audit.insert(conn, note)


async def checkin_token(db: Database, delegate_id: int) -> str | None:
    """Return a delegate's check-in token (None for an unknown delegate)."""
    token = await db.scalar("SELECT checkin_token FROM delegates WHERE id = ?", (delegate_id,))
    return None if token is None else str(token)


async def checkin_tokens(db: Database) -> dict[int, str]:
    """Return {delegate id: check-in token} for the whole roster."""
    return {r[0]: r[1] for r in await db.fetchall("SELECT id, checkin_token FROM delegates")}


async def find_by_checkin_token(db: Database, token: str) -> Delegate | None:
    """Return the delegate whose current check-in token this is."""
    return await _one(db, "checkin_token", token)


async def new_checkin_token(db: Database, delegate_id: int,
                            note: audit.Note | None = None) -> str | None:
    """Give a delegate a new check-in token, revoking the old one; return it (None if unknown).
    The audit `note`, if any, is written with it (not for an unknown delegate)."""
    async with db.write() as conn:
        cursor = await conn.execute(
            "UPDATE delegates SET checkin_token = lower(hex(randomblob(10))) WHERE id = ?"
            " RETURNING checkin_token", (delegate_id,))
        row = await cursor.fetchone()
        if row is not None:
            await audit.insert(conn, note)
    return None if row is None else str(row[0])


async def linked_platforms(db: Database) -> dict[int, list[str]]:
    """Return {delegate id: platforms they registered on}."""
    linked: dict[int, list[str]] = {}
    for row in await db.fetchall(
        "SELECT delegate_id, platform FROM registrations ORDER BY platform"
    ):
        linked.setdefault(row[0], []).append(row[1])
    return linked


async def counts(db: Database, *, platform: str | None = None) -> list[tuple[str, str, int, int]]:
    """Return (kind, delegation, total, registered) for every kind and delegation.

    Registered means linked on `platform`, or on any platform when it is None.
    """
    rows = await db.fetchall(
        "SELECT d.kind, d.delegation, count(*),"
        " sum(EXISTS (SELECT 1 FROM registrations r WHERE r.delegate_id = d.id"
        " AND (?1 IS NULL OR r.platform = ?1)))"
        " FROM delegates d GROUP BY d.kind, d.delegation ORDER BY d.delegation, d.kind",
        (platform,),
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


async def unregistered(db: Database, *, offset: int = 0, limit: int = -1) -> list[Delegate]:
    """Return the delegates linked on no platform (a page of them with `limit`), by code."""
    rows = await db.fetchall(
        f"{_SELECT} d WHERE NOT EXISTS (SELECT 1 FROM registrations r WHERE r.delegate_id = d.id)"
        " ORDER BY code LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [_delegate(r) for r in rows]


async def count_unregistered(db: Database) -> int:
    """Return how many delegates are linked on no platform."""
    return int(await db.scalar(
        "SELECT count(*) FROM delegates d WHERE NOT EXISTS"
        " (SELECT 1 FROM registrations r WHERE r.delegate_id = d.id)"
    ))


async def roster_version(db: Database) -> tuple[int, str]:
    """Return what changes whenever the roster does (an import adds, removes or updates
    delegates): how many there are and the latest update, to keep a copy of it fresh."""
    row = await db.fetchone("SELECT count(*), coalesce(max(updated_at), '') FROM delegates")
    assert row is not None
    return int(row[0]), str(row[1])
