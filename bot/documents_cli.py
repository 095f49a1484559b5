"""`delegate-bot documents add|list|replace|withdraw`: congress documents from the command
line, with the chat's checks (`bot.documents_check`) and storing (`handlers.document_publish`).

A refused file prints its reason on one line and exits 1, nothing stored. A title already
published is refused with the command that replaces that document's file instead. A notice
(`--notify`) whose moment has come is queued at once (the running bot sends it); one due
later is scheduled by the running bot, which notices the change (`storage.documents.
jobs_changed`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.app import App
from bot.clock import to_iso
from bot.config import Config
from bot.documents_check import MAX_BYTES, MIB, Refusal
from bot.i18n import Translate
from bot.text import html_to_plain
from handlers import document_notices, document_publish
from handlers.document_publish import audience_label, when_label
from handlers.documents import size_text
from storage import audit, documents

EXIT_PROBLEMS = 1


def _say(text: str, *, error: bool = False) -> None:
    print(html_to_plain(text), file=sys.stderr if error else sys.stdout)


def _read(path: Path) -> bytes:
    """Read a document file, refusing one over the limit before reading it (OSError: the
    command line says it as for every file named)."""
    if path.stat().st_size > MAX_BYTES:
        raise Refusal("documents.error.too_big", {"file": path.name, "max_mb": MAX_BYTES // MIB})
    return path.read_bytes()


async def add(config: Config, path: Path, *, title: str, session: str | None,
              audience: str | None, visible_from: str | None, notify: bool) -> int:
    """Check and publish a document file."""
    app = await App.open(config, create=False)
    services = app.services
    t = services.texts.in_language(config.event.language)
    options = {name: value for name, value in (("session", session), ("audience", audience),
                                               ("from", visible_from)) if value is not None}
    if notify:
        options["notify"] = "yes"
    try:
        data = _read(path)
        plan = await document_publish.prepare(services, path.name, data, title, options)
        if plan.replaces is not None:
            taken = await documents.get(services.db, plan.replaces)
            version = taken.version if taken else 1
            _say(t("documents.error.title_taken", title=plan.title, id=plan.replaces,
                   version=version), error=True)
            _say(t("documents.cli.taken_hint", id=plan.replaces), error=True)
            return EXIT_PROBLEMS
        done = await document_publish.publish(services, plan, data, "cli")
        now = to_iso(services.clock.now())
        if plan.notify and plan.visible_from <= now:
            await document_notices.tell_due(services)
        elif plan.notify:
            await documents.jobs_changed(services.db)
        _say(t("documents.cli.added", id=done.document_id, title=plan.title,
               size=size_text(t, plan.size), audience=audience_label(t, plan.audience),
               when=when_label(services, t, plan.visible_from, now)))
        return 0
    except Refusal as refusal:
        _say(f"{path}: {t(refusal.key, **refusal.params)}", error=True)
        return EXIT_PROBLEMS
    finally:
        await app.close()


async def replace(config: Config, document_id: int, path: Path) -> int:
    """Make a file the new version of a published document; those who received the old one
    are told (through the outbox: the running bot sends it)."""
    app = await App.open(config, create=False)
    services = app.services
    t = services.texts.in_language(config.event.language)
    try:
        current = await documents.get(services.db, document_id)
        if current is None or current.withdrawn_at is not None:
            key = "documents.error.unknown" if current is None else "documents.error.withdrawn"
            _say(t(key, id=document_id), error=True)
            return EXIT_PROBLEMS
        data = _read(path)
        plan = await document_publish.prepare(services, path.name, data, current.title, {})
        done = await document_publish.publish(services, plan, data, "cli")
        _say(t("documents.cli.replaced", id=document_id, title=current.title,
               version=done.version, count=done.told))
        return 0
    except Refusal as refusal:
        _say(f"{path}: {t(refusal.key, **refusal.params)}", error=True)
        return EXIT_PROBLEMS
    finally:
        await app.close()


async def withdraw(config: Config, document_id: int) -> int:
    """Withdraw a published document: nobody sees or receives it any more."""
    app = await App.open(config, create=False)
    services = app.services
    t = services.texts.in_language(config.event.language)
    try:
        current = await documents.get(services.db, document_id)
        now = to_iso(services.clock.now())
        note = audit.Note("cli", "document.withdraw", {"document": document_id}, now)
        if current is None or not await documents.withdraw(services.db, document_id, now,
                                                           note):
            key = "documents.error.unknown" if current is None else "documents.error.withdrawn"
            _say(t(key, id=document_id), error=True)
            return EXIT_PROBLEMS
        _say(t("documents.cli.withdrawn", id=document_id, title=current.title))
        return 0
    finally:
        await app.close()


async def list_documents(config: Config) -> int:
    """Print every document: number, title, version, size, readers, moment, state."""
    app = await App.open(config, create=False)
    services = app.services
    t: Translate = services.texts.in_language(config.event.language)
    try:
        items = await documents.all_documents(services.db)
        if not items:
            _say(t("documents.cli.empty"))
        now = to_iso(services.clock.now())
        for item in items:
            state = t("documents.cli.state_withdrawn") if item.withdrawn_at else ""
            _say(t("documents.cli.line", id=item.id, title=item.title, version=item.version,
                   size=size_text(t, item.size), audience=audience_label(t, item.audience),
                   when=when_label(services, t, item.visible_from, now), state=state))
        return 0
    finally:
        await app.close()
