"""Who may read a congress document: the one rule, used for listing, sending and notices.

Audiences: `all` (every registered delegate, guests too), `official` (the official
delegates) and a delegation's name (the official delegates of that delegation). A
restricted document (official or a delegation) goes only to the official delegates of its
audience and to alternates recorded as taking an official delegate's seat (`/replace`,
`storage.attendance`), who read as the holder of that seat, of its delegation; guests never
get one. Organisers read every document. A person not registered reads none.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from storage import attendance, delegates
from storage.db import Database
from storage.documents import Document

ALL, OFFICIAL = "all", "official"


@dataclass(frozen=True, slots=True)
class Reader:
    """A person asking for documents, as the audience rule sees them."""

    organiser: bool = False
    delegate_id: int | None = None
    kind: str | None = None  # official, alternate or guest
    delegation: str | None = None
    official_seat: bool = False  # an alternate taking an official delegate's seat


async def seats_taken(db: Database, *, of: int | None = None) -> dict[int, str]:
    """Return, for each alternate in an official seat (only the delegate `of`, if given),
    the delegation of that seat."""
    taken = [r for r in await attendance.replacements(db) if of is None or r.alternate_id == of]
    if not taken:
        return {}
    if of is not None:
        official = await delegates.get(db, taken[0].official_id)
        return {} if official is None else {of: official.delegation}
    officials = {d.id: d for d in await delegates.all_delegates(db)}
    return {r.alternate_id: officials[r.official_id].delegation for r in taken
            if r.official_id in officials}


def reader_for(delegate_id: int, kind: str, delegation: str, seats: dict[int, str]) -> Reader:
    """Return a registered delegate as a Reader: an alternate in an official seat reads as
    that seat's holder (`seats`: from `seats_taken`)."""
    if delegate_id in seats:
        return Reader(delegate_id=delegate_id, kind=kind, delegation=seats[delegate_id],
                      official_seat=True)
    return Reader(delegate_id=delegate_id, kind=kind, delegation=delegation)


def same_delegation(a: str, b: str) -> bool:
    """Compare delegation names as people read them (case, spacing, Unicode form aside)."""
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return norm(a) == norm(b)


def may_read(audience: str, reader: Reader) -> bool:
    """Tell whether `reader` may see and receive a document meant for `audience`."""
    if reader.organiser:
        return True
    if reader.delegate_id is None:
        return False
    if audience == ALL:
        return True
    votes = reader.kind == "official" or (reader.kind == "alternate" and reader.official_seat)
    if not votes:
        return False
    if audience == OFFICIAL:
        return True
    return reader.delegation is not None and same_delegation(reader.delegation, audience)


def visible(document: Document, now: str) -> bool:
    """Tell whether a document is out: not withdrawn and its time has come (UTC ISO)."""
    return document.withdrawn_at is None and document.visible_from <= now


def restricted(audience: str) -> bool:
    """Tell whether an audience is restricted (never carried by a link)."""
    return audience != ALL
