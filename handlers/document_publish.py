"""Publishing congress documents: the checks and the storing shared by the chat and the
command line, and the chat's flow (a file with a caption, a preview, confirm or cancel).

In chat an organiser sends the file with the caption `/document Title [--audience A]
[--session N] [--from WHEN] [--notify]` (a phone's dash "—" for "--" too). A PDF, Word file
or picture sent with a plain caption is a document as well (its caption the title, else its
file name): no roster, programme or result comes in those formats. An .xlsx file is a
document only under `/document`; otherwise it goes to the imports (`handlers.uploads`).
Nothing is stored before the organiser confirms the preview (title, size, readers, session,
when it becomes visible); a title already published makes the file a new version of that
document, which the preview says, and those who received the old one are told.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import asdict, dataclass
from pathlib import PurePath

from bot.clock import from_iso, to_iso
from bot.context import Context, Services
from bot.document_access import ALL, OFFICIAL, same_delegation
from bot.documents_check import (
    MAX_BYTES,
    MIB,
    Refusal,
    check_file,
    check_title,
    is_document_file,
)
from bot.filelimits import off_loop
from bot.i18n import Markup, Translate, join
from bot.model import Reply, parse_id
from bot.router import Router
from bot.when import Misread, read_moment
from handlers.document_notices import version_notice
from handlers.documents import size_text
from storage import agenda, audit, delegates, document_files, documents
from storage.documents import FileData, TitleTaken
from storage.staging import token_of

PREFIX = "docp"
PUBLISH, VERSION, CANCEL = "publish", "version", "cancel"
OPTIONS = ("audience", "session", "from", "notify")
# The audiences as organisers type them (a delegation is typed by its name).
_AUDIENCE_WORDS = {ALL: ALL, OFFICIAL: OFFICIAL, "tất cả": ALL, "tat ca": ALL,
                   "chính thức": OFFICIAL, "chinh thuc": OFFICIAL}
_OPTION = re.compile(r"(?:^|\s)(?:--|—|–)([A-Za-z_]*)")


@dataclass(frozen=True)
class Plan:
    """A checked document waiting to be stored: what the preview shows."""

    title: str
    file_name: str
    mime: str
    size: int
    audience: str
    session_id: int | None
    visible_from: str  # UTC ISO 8601
    notify: bool
    replaces: int | None = None  # the published document this is a new version of
    version: int = 1


@dataclass(frozen=True)
class Published:
    """What publishing did: the document, its version, and how many are told of it."""

    document_id: int
    version: int
    told: int


def parse_caption(text: str) -> tuple[str, dict[str, str]]:
    """Split a caption into its title and options (`--name value`); raise Refusal for an
    option that does not exist or lacks its value."""
    pieces = _OPTION.split(text)
    options: dict[str, str] = {}
    for name, value in zip(pieces[1::2], pieces[2::2], strict=True):
        name, value = name.lower(), value.strip()
        if name not in OPTIONS:
            raise Refusal("documents.error.option", {"option": f"--{name}"})
        if name != "notify" and not value:
            raise Refusal("documents.error.option_value", {"option": f"--{name}"})
        options[name] = value if name != "notify" else "yes"
    return pieces[0].strip(), options


async def prepare(services: Services, file_name: str, data: bytes, title: str,
                  options: dict[str, str], *, caption: str = "") -> Plan:
    """Check a document and its options, writing nothing; raise Refusal for a problem. A
    title already published makes it a new version of that document (whose readers,
    session and moment it keeps)."""
    title = check_title(title)
    checked = await off_loop(check_file, file_name, data, title=title, caption=caption)
    existing = await documents.find_by_title(services.db, title)
    if existing is not None:
        return Plan(existing.title, checked.file_name, checked.mime, len(data), existing.audience,
                    existing.session_id, existing.visible_from, existing.notify,
                    existing.id, existing.version + 1)
    now = services.clock.now()
    visible_from = now
    if "from" in options:
        moment = read_moment(options["from"], services.config.event.tz, now)
        if isinstance(moment, Misread):
            raise Refusal(moment.key, {"value": moment.value})
        visible_from = max(moment, now)
    return Plan(title, checked.file_name, checked.mime, len(data),
                await _audience(services, options.get("audience", ALL)),
                await _session(services, options.get("session")), to_iso(visible_from),
                "notify" in options)


async def _audience(services: Services, value: str) -> str:
    """Return the audience as stored: all, official, or a delegation as the roster spells it."""
    word = " ".join(value.casefold().split())
    if word in _AUDIENCE_WORDS:
        return _AUDIENCE_WORDS[word]
    for delegate in await delegates.all_delegates(services.db):
        if delegate.delegation and same_delegation(delegate.delegation, value):
            return delegate.delegation
    raise Refusal("documents.error.audience", {"audience": value})


async def _session(services: Services, value: str | None) -> int | None:
    if value is None:
        return None
    session_id = parse_id(value)
    session = await agenda.get(services.db, session_id) if session_id is not None else None
    if session is None or session.cancelled:
        raise Refusal("documents.error.session", {"session": value})
    return session.id


async def publish(services: Services, plan: Plan, data: bytes, actor: str) -> Published:
    """Store a checked document (its file beside the database) or its new version; raise
    Refusal when its title was taken, or the document withdrawn, meanwhile."""
    db, now = services.db, to_iso(services.clock.now())
    file_hash = await asyncio.to_thread(document_files.store, services.config.database_path,
                                        data)
    file = FileData(file_hash, plan.file_name, len(data), plan.mime)
    details = {"title": plan.title, "audience": plan.audience, "file": file_hash}
    if plan.replaces is None:
        try:
            document_id = await documents.add(
                db, title=plan.title, file=file, session_id=plan.session_id,
                audience=plan.audience, visible_from=plan.visible_from, notify=plan.notify,
                created_by=actor, now=now, note=audit.Note(actor, "document.publish", details,
                                                           now))
        except TitleTaken as taken:
            raise await _taken(services, taken.document_id) from None
        await services.reschedule()
        return Published(document_id, 1, 0)
    current = await documents.get(db, plan.replaces)
    if current is None or current.withdrawn_at is not None:
        raise Refusal("documents.error.withdrawn", {"id": plan.replaces})
    notice, told = await version_notice(services, current, current.version + 1)
    version = await documents.new_version(
        db, current.id, file, now, told=notice,
        note=audit.Note(actor, "document.version", {**details, "document": current.id}, now))
    if version is None:
        raise Refusal("documents.error.withdrawn", {"id": plan.replaces})
    services.wake_delivery()
    return Published(current.id, version, told)


async def _taken(services: Services, document_id: int) -> Refusal:
    taken = await documents.get(services.db, document_id)
    return Refusal("documents.error.title_taken", {
        "title": taken.title if taken else "", "id": document_id,
        "version": taken.version if taken else 1})


async def preview(services: Services, t: Translate, plan: Plan) -> Markup:
    """Return what a document will be: title, file, size, readers, session, moment."""
    session = await agenda.get(services.db, plan.session_id) if plan.session_id else None
    now = to_iso(services.clock.now())
    lines = [t("documents.preview", title=plan.title, file=plan.file_name,
               size=size_text(t, plan.size), audience=audience_label(t, plan.audience),
               session=session.title if session else t("documents.session.none"),
               when=when_label(services, t, plan.visible_from, now),
               notify=t("documents.notify.yes" if plan.notify else "documents.notify.no"))]
    if plan.replaces is not None:
        lines.append(t("documents.preview.version", version=plan.version - 1,
                       next=plan.version))
    return join(lines, "\n\n")


def audience_label(t: Translate, audience: str) -> Markup:
    """Say who may read a document."""
    if audience in (ALL, OFFICIAL):
        return t(f"documents.audience.{audience}")
    return t("documents.audience.delegation", delegation=audience)


def when_label(services: Services, t: Translate, visible_from: str, now: str) -> Markup:
    """Say when a document becomes visible: now, or the moment in the event's zone."""
    if visible_from <= now:
        return t("documents.when.now")
    return services.dates().when(t, from_iso(visible_from))


def claims(file_name: str) -> bool:
    """Tell whether a file sent without `/document` is a document all the same (PDF, Word,
    pictures: no import comes in those formats)."""
    return is_document_file(file_name)


async def on_file(ctx: Context, caption: str) -> Reply:
    """Check a file an organiser sent as a document and show its preview with buttons."""
    document = ctx.msg.document
    if document is None:
        return ctx.reply("documents.how")
    if not ctx.is_organiser:
        return ctx.reply("error.organisers_only")
    if document.size > MAX_BYTES:  # refused before it is downloaded
        return ctx.reply("documents.error.too_big", file=document.file_name,
                         max_mb=MAX_BYTES // MIB)
    try:
        title, options = parse_caption(caption)
        data = await document.fetch()
        plan = await prepare(ctx.services, document.file_name, data,
                             title or PurePath(document.file_name).stem, options,
                             caption=caption)
    except Refusal as refusal:
        return ctx.reply(refusal.key, **refusal.params)
    token = token_of(data)
    await documents.keep_draft(ctx.db, ctx.msg.platform, ctx.msg.user_id, token, asdict(plan),
                               data, to_iso(ctx.services.clock.now()))
    action, label = ((VERSION, "documents.button.version") if plan.replaces is not None
                     else (PUBLISH, "documents.button.publish"))
    text = join([await preview(ctx.services, ctx.t, plan), ctx.t("documents.preview.confirm")],
                "\n\n")
    return Reply(text, (ctx.choice(label, f"{PREFIX}:{action}:{token}"),
                        ctx.choice("documents.button.cancel", f"{PREFIX}:{CANCEL}:{token}")))


async def on_command(ctx: Context) -> Reply:
    """/document: with a file, publish it; without, say how."""
    if ctx.msg.document is None:
        return ctx.reply("documents.how")
    return await on_file(ctx, ctx.msg.args_text)


async def on_choice(ctx: Context) -> Reply:
    """Publish the kept document, or drop it; a stale button does nothing."""
    action, _, token = ctx.payload.partition(":")
    if action not in (PUBLISH, VERSION, CANCEL):
        return ctx.reply("error.stale_choice")
    kept = await documents.take_draft(ctx.db, ctx.msg.platform, ctx.msg.user_id, token)
    if kept is None:
        return ctx.reply("error.stale_choice")
    if action == CANCEL:
        return ctx.reply("documents.cancelled")
    values, data = kept
    plan = Plan(**values)
    try:
        done = await publish(ctx.services, plan, data, ctx.actor)
    except Refusal as refusal:
        return ctx.reply(refusal.key, **refusal.params)
    if plan.replaces is not None:
        return ctx.reply("documents.replaced", title=plan.title, version=done.version,
                         count=done.told)
    now = to_iso(ctx.services.clock.now())
    if plan.visible_from > now:
        return ctx.reply("documents.published_later", title=plan.title, id=done.document_id,
                         when=when_label(ctx.services, ctx.t, plan.visible_from, now))
    return ctx.reply("documents.published", title=plan.title, id=done.document_id)


def register(router: Router) -> None:
    """Add /document (a file's caption) and the preview's buttons."""
    router.command("document", on_command, organiser=True)
    router.choice(PREFIX, on_choice, organiser=True)
