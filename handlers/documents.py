"""/documents: the congress documents a person may read, grouped by session, each with a
button (a number on Zalo) that sends its file; and a session's documents in /agenda.

Who may read what is `bot.document_access.may_read`, asked here for the list, again at the
press (the document may have been withdrawn, or the person's seat changed meanwhile), and by
the notices. A file goes straight to the person who asked (`bot.document_send`: uploaded
once, then by its file_id). On a platform that cannot carry files (Zalo) the answer is a
download link for that person and that document (`bot.document_links`: 24 hours, used
once); a restricted document is never sent as a link, and without the web server's public
address there is no link: the answer then says where the document can be read instead
(Telegram, or the organisers' desk).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

from bot import document_links, document_send
from bot.clock import from_iso, to_iso
from bot.context import Context
from bot.document_access import Reader, may_read, reader_for, seats_taken, visible
from bot.i18n import Markup, Translate, join
from bot.model import Choice, Reply, parse_id
from bot.router import Router
from bot.text import shorten
from bot.transport import DeliveryError
from storage import agenda, delegates, documents, registrations
from storage.agenda import Session
from storage.documents import Document

log = logging.getLogger(__name__)

PREFIX = "doc"
BUTTON_TITLE_MAX = 40
MAX_BUTTONS = 40  # documents listed with a button (Telegram takes 100; a list stays readable)
LISTED = ":l"  # a button of the /documents list: pressed, the list stays, marked "sent"


async def reader_of(ctx: Context) -> Reader:
    """Return the sender as the audience rule sees them."""
    if ctx.is_organiser:
        return Reader(organiser=True)
    delegate_id = await registrations.delegate_id_of(ctx.db, ctx.msg.platform, ctx.msg.user_id)
    delegate = await delegates.get(ctx.db, delegate_id) if delegate_id else None
    if delegate is None:
        return Reader()
    seats = await seats_taken(ctx.db, of=delegate.id)
    return reader_for(delegate.id, delegate.kind, delegate.delegation, seats)


def size_text(t: Translate, size: int) -> Markup:
    """Return a file size as people read it: `850 KB`, `4,8 MB`."""
    if size < 1024 * 1024:
        return t("documents.size.kb", kb=max(1, math.ceil(size / 1024)))
    mb = f"{size / (1024 * 1024):.1f}".replace(".", t("number.decimal_point"))
    return t("documents.size.mb", mb=mb)


def readable(items: Iterable[Document], reader: Reader, now: str) -> list[Document]:
    """Return the documents `reader` may read now (organisers: those not yet visible too)."""
    return [d for d in items if may_read(d.audience, reader)
            and (visible(d, now) or (reader.organiser and d.withdrawn_at is None))]


async def show_documents(ctx: Context) -> Reply:
    """List what the sender may read, grouped by session, newest first, a button each."""
    return await _listing(ctx, await reader_of(ctx))


async def _listing(ctx: Context, reader: Reader, sent: Document | None = None) -> Reply:
    """Return the list of what `reader` may read (headed by the document just `sent`)."""
    if not reader.organiser and reader.delegate_id is None:
        return ctx.reply("documents.not_registered")
    now = to_iso(ctx.services.clock.now())
    items = readable(await documents.published(ctx.db), reader, now)
    if not items:
        return ctx.reply("documents.none")
    sessions = {s.id: s for s in await agenda.all_sessions(ctx.db, include_cancelled=True)}
    groups: dict[int | None, list[Document]] = {}
    for item in items:  # newest first already: groups follow their newest document
        key = item.session_id if item.session_id in sessions else None
        groups.setdefault(key, []).append(item)
    lines: list[str] = [ctx.t("documents.list.head")]
    if sent is not None:
        lines.append(ctx.t("documents.list.sent", title=sent.title))
    for session_id, group in groups.items():
        lines.append("")
        lines.append(ctx.t("documents.list.general") if session_id is None else
                     ctx.t("documents.list.session", session=sessions[session_id].title))
        lines += [_line(ctx, d, now) for d in group]
    listed = [d for group in groups.values() for d in group][:MAX_BUTTONS]
    lines += ["", ctx.t("documents.list.pick")]
    return Reply(join(lines), tuple(_button(d, LISTED) for d in listed),
                 replaces_question=sent is not None)


def _line(ctx: Context, item: Document, now: str) -> Markup:
    size = size_text(ctx.t, item.size)
    if item.visible_from > now:
        when = ctx.services.dates().when(ctx.t, from_iso(item.visible_from))
        return ctx.t("documents.list.item_later", title=item.title, size=size, when=when)
    return ctx.t("documents.list.item", title=item.title, size=size)


def _button(item: Document, origin: str) -> Choice:
    return Choice(shorten(item.title, BUTTON_TITLE_MAX), f"{PREFIX}:{item.id}{origin}")


async def session_documents(ctx: Context, session: Session) -> tuple[list[Markup], list[Choice]]:
    """Return the lines and buttons of a session's documents the sender may read (none: no
    lines), for the session's details in /agenda."""
    reader = await reader_of(ctx)
    now = to_iso(ctx.services.clock.now())
    items = [d for d in readable(await documents.published(ctx.db), reader, now)
             if d.session_id == session.id]
    if not items:
        return [], []
    lines = [ctx.t("documents.agenda"), *(_line(ctx, d, now) for d in items)]
    return lines, [_button(d, "") for d in items[:MAX_BUTTONS]]


async def on_pick(ctx: Context) -> Reply | None:
    """Send the picked document's file, if the sender may read it (checked again now); a
    press in the /documents list keeps the list (its buttons too), marked with what was sent
    (where the platform can edit a message; elsewhere nothing more is said)."""
    number, _, origin = ctx.payload.partition(":")
    document_id = parse_id(number)
    item = await documents.get(ctx.db, document_id) if document_id is not None else None
    reader = await reader_of(ctx)
    now = to_iso(ctx.services.clock.now())
    if item is None or not readable([item], reader, now):
        return ctx.reply("documents.gone")
    if not document_send.can_send(ctx.services, ctx.msg.platform):
        return await _link_or_where(ctx, reader, item)
    caption = ctx.t("documents.caption", title=item.title, version=item.version)
    try:
        await document_send.send(ctx.services, ctx.msg.platform, ctx.msg.chat_id, item, caption)
    except (DeliveryError, OSError) as exc:
        log.warning("could not send document %s to %s: %s", item.id, ctx.who, exc)
        return ctx.reply("documents.send_failed")
    if reader.delegate_id is not None:
        await documents.record_receipt(ctx.db, item.id, reader.delegate_id, item.version, now)
    if f":{origin}" == LISTED and ctx.capabilities.buttons:
        return await _listing(ctx, reader, sent=item)
    return None


async def _link_or_where(ctx: Context, reader: Reader, item: Document) -> Reply:
    """Answer on a platform without files: a download link, else where to read it."""
    link = await document_links.make(ctx.services, platform=ctx.msg.platform,
                                     user_id=ctx.msg.user_id, delegate_id=reader.delegate_id,
                                     document=item)
    if link is None:
        return ctx.reply("documents.not_on_platform", title=item.title)
    log.info("%s got a download link of document %s", ctx.who, item.id)
    return ctx.reply("documents.link", title=item.title, link=link,
                     hours=document_links.LINK_HOURS)


def register(router: Router) -> None:
    """Add /documents and the document buttons."""
    router.command("documents", show_documents)
    router.choice(PREFIX, on_pick)
