"""The notices of congress documents, through the outbox: "a new document" when one with
`notify` becomes visible, and "a new version" to those who received an older one.

The database is the truth: `jobs` turns each document whose readers are still to be told
into a job at the moment it becomes visible (at once when that has passed: a notice missed
while the bot was down goes out at the next start). The notice is one broadcast with a
dedupe key per document (per version for new versions), queued in the same transaction
that marks the document told, so it is never queued twice; a document withdrawn before its
moment is never announced. The audience is the document's, by `bot.document_access`, taken
when the notice goes out.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

from bot.clock import from_iso, to_iso
from bot.context import Services
from bot.document_access import may_read, reader_for, seats_taken, visible
from bot.fanout import outbox_rows
from bot.router import Router
from bot.scheduler import Job
from storage import agenda, documents, registrations
from storage.broadcasts import NewBroadcast
from storage.documents import Document
from storage.registrations import Recipient


async def readers(services: Services, document: Document) -> list[Recipient]:
    """Return the reachable accounts of everyone who may read a document."""
    people = await registrations.recipients(services.db, {"type": "all"})
    seats = await seats_taken(services.db)
    return [p for p in people if may_read(document.audience,
                                         reader_for(p.delegate_id, p.kind, p.delegation, seats))]


async def jobs(services: Services) -> list[Job]:
    """Return a job per document whose readers are to be told, at its visible moment."""
    now = services.clock.now()
    found = []
    for item in await documents.waiting_notices(services.db):
        at: datetime = max(from_iso(item.visible_from), now)
        found.append(Job(f"document-notice:{item.id}", at,
                          functools.partial(_job, services, item.id)))
    return found


async def _job(services: Services, document_id: int) -> None:
    await tell_readers(services, document_id)


async def tell_readers(services: Services, document_id: int) -> int:
    """Queue the notice of a document now visible to its readers; return how many accounts
    it goes to (0 when it is not visible, withdrawn, or was announced already)."""
    now = to_iso(services.clock.now())
    item = await documents.get(services.db, document_id)
    if item is None or not item.notify or not visible(item, now):
        return 0
    people = await readers(services, item)
    session = await agenda.get(services.db, item.session_id) if item.session_id else None

    def render(language: str) -> str:
        if session is not None:
            return services.texts.t(language, "documents.notice_session", title=item.title,
                                    session=session.title)
        return services.texts.t(language, "documents.notice", title=item.title)

    notice = _notice(services, "document", item, people, render, f"document:{item.id}")
    if not await documents.queue_notice(services.db, item.id, notice, now):
        return 0
    services.wake_delivery()
    return len(people)


async def tell_due(services: Services) -> int:
    """Queue every notice whose moment has come (the command line, which runs no
    scheduler); return how many accounts they go to."""
    return sum([await tell_readers(services, item.id)
                for item in await documents.waiting_notices(services.db)])


async def version_notice(services: Services, document: Document,
                         version: int) -> tuple[NewBroadcast | None, int]:
    """Return the notice of a new version to those who received an older one and may still
    read it (None when nobody did), and how many accounts it goes to."""
    received = await documents.receivers_before(services.db, document.id, version)
    people = [p for p in await readers(services, document) if p.delegate_id in received]
    if not people:
        return None, 0

    def render(language: str) -> str:
        return services.texts.t(language, "documents.version_notice", title=document.title,
                                version=version)

    notice = _notice(services, "document_version", document, people, render,
                     f"document:{document.id}:v{version}")
    return notice, len(people)


def _notice(services: Services, kind: str, document: Document, people: list[Recipient],
            render: Callable[[str], str], key: str) -> NewBroadcast:
    """Return a notice about a document as one broadcast, deduplicated by `key` (its
    outbox rows too), rendered per language for `people`."""
    return NewBroadcast(
        kind, {"type": "document", "value": document.id}, document.title, "bot",
        lambda broadcast_id: outbox_rows(services, people, render, key=key,
                                         broadcast_id=broadcast_id),
        dedupe_key=key)


def register(router: Router) -> None:
    """Nothing to route: the notices are jobs (`jobs`) and outbox rows."""
