"""Congress documents as download links, for platforms that cannot carry files (Zalo).

A link names one person and one document: `make` stores only its token's hash (like the
dashboard's login links), valid `LINK_HOURS`, used once. A restricted document (audience
`official` or a delegation) is never made into a link, nor served by one; without `[web]
enabled` and a `public_url` no link is made (the caller says where to read it instead).

`look` tells what a link is now without using it: unknown, used, expired, gone (the document
was withdrawn, or is restricted), refused (the person it names may no longer read it: their
account was unlinked or now belongs to someone else, their seat changed, they are no longer
an organiser) or valid. `take` serves a valid link once: the file's bytes, the download
audited (who, which document, which version) and the receipt recorded (version notices).
A web address cannot tell who holds it: "usable only by them" is the person re-checked at
each use, the single use, and the 24 hours.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import to_iso
from bot.config import Config
from bot.document_access import may_read, reader_for, restricted, seats_taken, visible
from bot.fanout import language_for
from bot.filelimits import off_loop
from bot.web.auth import digest
from storage import (
    delegates,
    document_files,
    document_links,
    documents,
    registrations,
    users,
)
from storage.document_links import Link
from storage.documents import Document

if TYPE_CHECKING:
    from bot.context import Services

LINK_HOURS = 24
PATH = "/documents/file"
TOKEN_BYTES = 32
VALID, UNKNOWN, USED, EXPIRED, GONE, REFUSED = (
    "valid", "unknown", "used", "expired", "gone", "refused")


@dataclass(frozen=True, slots=True)
class Found:
    """What a link is now, and the document it names (None for unknown)."""

    state: str
    document: Document | None = None
    language: str | None = None  # the language of the person it names (None: unknown link)


def available(config: Config) -> bool:
    """Tell whether links can be made: the web server is on and has a public address."""
    return config.web.enabled and bool(config.web.public_url)


async def make(services: Services, *, platform: str, user_id: str, delegate_id: int | None,
               document: Document) -> str | None:
    """Return a new download link of `document` for one person (`delegate_id` None: an
    organiser), or None when no link may be made (no web server, restricted document)."""
    if not available(services.config) or restricted(document.audience):
        return None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = services.clock.now()
    await document_links.create(
        services.db, token_hash=digest(token), actor=f"{platform}:{user_id}",
        delegate_id=delegate_id, document_id=document.id, now=to_iso(now),
        expires_at=to_iso(now + timedelta(hours=LINK_HOURS)))
    return f"{services.config.web.base_url}{PATH}?t={token}"


async def look(services: Services, token: str) -> Found:
    """Return what the link of `token` is now (nothing is used)."""
    link = await document_links.find(services.db, digest(token))
    if link is None:
        return Found(UNKNOWN)
    item = await documents.get(services.db, link.document_id)
    now = to_iso(services.clock.now())
    lang = await _language_of(services, link)
    if link.used_at is not None:
        return Found(USED, item, lang)
    if link.expires_at <= now:
        return Found(EXPIRED, item, lang)
    if item is None or not visible(item, now) or restricted(item.audience):
        return Found(GONE, item, lang)
    if not await _still_theirs(services, link, item):
        return Found(REFUSED, item, lang)
    return Found(VALID, item, lang)


async def _language_of(services: Services, link: Link) -> str:
    """Return the language of the person a link names, as their messages are written."""
    platform, _, user_id = link.actor.partition(":")
    account = await users.get(services.db, platform, user_id)
    return language_for(services, account.language if account else None,
                        account.platform_language if account else None)


async def _still_theirs(services: Services, link: Link, item: Document) -> bool:
    """Tell whether the person a link names may still read its document."""
    platform, _, user_id = link.actor.partition(":")
    if link.delegate_id is None:
        return services.is_organiser(platform, user_id)
    db = services.db
    if await registrations.delegate_id_of(db, platform, user_id) != link.delegate_id:
        return False
    delegate = await delegates.get(db, link.delegate_id)
    if delegate is None:
        return False
    seats = await seats_taken(db, of=delegate.id)
    return may_read(item.audience, reader_for(delegate.id, delegate.kind, delegate.delegation,
                                              seats))


async def take(services: Services, token: str) -> tuple[Found, bytes]:
    """Use a valid link once: return it with the file's bytes (audited, receipt recorded);
    any other link comes back with its state and no bytes. OSError when the file is
    missing on disk (the link stays unused)."""
    found = await look(services, token)
    if found.state != VALID or found.document is None:
        return found, b""
    item = found.document
    data = await off_loop(document_files.read, services.config.database_path, item.file_hash)
    now = to_iso(services.clock.now())
    link = await document_links.use(services.db, digest(token), version=item.version, now=now)
    if link is None:  # used or expired meanwhile
        return await look(services, token), b""
    if link.delegate_id is not None:
        await documents.record_receipt(services.db, item.id, link.delegate_id, item.version,
                                       now)
    return found, data
