"""Files organisers send in chat: one flow for every kind of file (programme, result, roster).

`KINDS` lists the kinds (`bot.filekind.FileKind`) in the order they are asked to recognise a
file: a programme (a `.toml` file, or a table whose header names a day and a start time), a
result (a table that opens with a title key), and a roster, which takes any other file (its
checker says what is missing). A PDF, Word file or picture is a congress document, never
one of those (`handlers.document_publish`, as is any file captioned `/document`). The steps,
written once for all of them: only organisers send
files; a file over the size limit is refused before it is downloaded; the kind checks the file,
reading it off the event loop within `bot.filelimits.LIMITS` (over one, it is refused).
A file with problems gets its report and no button. A clean file is kept (`storage.staging`,
under the kind's name, one per person and kind) and its report offers the kind's buttons and
a cancel button, all carrying the file's token, so that a button under an older report cannot
apply a newer file. At the press the file is checked again (the roster or programme may have
changed since), then applied; cancel drops it. A kind with nothing to confirm (a result, which
becomes a draft with buttons of its own) is applied as soon as it is clean.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from bot.clock import to_iso
from bot.context import Context
from bot.filekind import FileKind
from bot.filelimits import LIMITS, off_loop
from bot.model import Reply
from bot.router import Router
from bot.tabular import Table, TableError, read_table_bytes
from handlers import agenda_import, document_publish, results, roster
from storage import staging

MAX_FILE_BYTES = LIMITS.file_bytes
CANCEL = "cancel"
KINDS: tuple[FileKind[Any], ...] = (agenda_import.FILES, results.FILES, roster.FILES)


def kind_of(file_name: str, data: bytes) -> FileKind[Any]:
    """Return the first kind that recognises a file (the last, the roster, takes any file)."""
    try:
        table: Table | None = read_table_bytes(data, file_name)
    except TableError:
        table = None  # the kind's checker reports why the file cannot be read
    return next(kind for kind in KINDS if kind.recognise(file_name, table))


async def on_document(ctx: Context) -> Reply:
    """Check a file an organiser sent; apply it, or keep it and offer the kind's buttons."""
    document = ctx.msg.document
    assert document is not None
    if document_publish.claims(document.file_name):  # a PDF, Word file or picture
        return await document_publish.on_file(ctx, ctx.msg.text)
    if not ctx.is_organiser:
        return ctx.reply("roster.chat.not_organiser")
    if document.size > MAX_FILE_BYTES:
        return ctx.reply("roster.chat.too_big", max_mb=MAX_FILE_BYTES // (1024 * 1024))
    file_name, data = document.file_name, await document.fetch()
    kind = await off_loop(kind_of, file_name, data)  # each kind's check reads off the loop too
    checked = await kind.check(ctx, file_name, data)
    if not checked.ok:
        return Reply(checked.report)
    if kind.confirm is None:
        return await kind.apply(ctx, "", checked)
    token = await staging.stage_file(ctx.db, ctx.msg.platform, ctx.msg.user_id, kind.name,
                                     file_name, data, to_iso(ctx.services.clock.now()))
    prefix = kind.confirm.prefix
    choices = [ctx.choice(offer.label, f"{prefix}:{offer.action}:{token}", **offer.params)
               for offer in checked.offers]
    choices.append(ctx.choice("roster.chat.cancel", f"{prefix}:{CANCEL}:{token}"))
    return Reply(checked.report, tuple(choices))


async def on_choice(ctx: Context, kind: FileKind[Any]) -> Reply:
    """Apply the kept file after checking it again, or drop it; a stale button does nothing."""
    assert kind.confirm is not None
    action, _, token = ctx.payload.partition(":")
    if action != CANCEL and action not in kind.confirm.actions:
        return ctx.reply("error.stale_choice")
    staged = await staging.take(ctx.db, ctx.msg.platform, ctx.msg.user_id, kind.name, token)
    if staged is None:
        return ctx.reply("error.stale_choice")
    if action == CANCEL:
        return ctx.reply(kind.confirm.cancelled)
    file_name, data = staged
    checked = await kind.check(ctx, file_name, data, action)
    if not checked.ok:
        return Reply(checked.report)
    return await kind.apply(ctx, action, checked)


def register(router: Router) -> None:
    """Take files sent in chat, and the buttons under the reports of the files kept."""
    router.document(on_document)
    for kind in KINDS:
        if kind.confirm is not None:
            router.choice(kind.confirm.prefix, partial(on_choice, kind=kind), organiser=True)
