"""Files organisers send in chat: recognise a roster, a programme or a result; hand it on.

A `.toml` file is a programme; a table whose header names a day and a start time is a
programme; one that opens with a title key (`title`, `Tiêu đề`) is a result; any other
table is taken as a roster (whose checker says what is missing).
"""

from __future__ import annotations

from bot.context import Context
from bot.formats.agenda import is_programme
from bot.formats.results import is_result
from bot.model import Reply
from bot.router import Router
from bot.tabular import TableError, read_table_bytes
from handlers import agenda_import, results, roster

MAX_FILE_BYTES = 10 * 1024 * 1024


def kind_of(file_name: str, data: bytes) -> str:
    """Return "agenda", "results" or "roster" for a file's content."""
    if file_name.lower().endswith(".toml"):
        return "agenda"
    try:
        table = read_table_bytes(data, file_name)
    except TableError:
        return "roster"  # its checker reports why the file cannot be read
    if is_programme(table):
        return "agenda"
    if is_result(table):
        return "results"
    return "roster"


async def on_document(ctx: Context) -> Reply:
    """Check a file an organiser sent, as a roster or as a programme."""
    document = ctx.msg.document
    assert document is not None
    if not ctx.is_organiser:
        return ctx.reply("roster.chat.not_organiser")
    if document.size > MAX_FILE_BYTES:
        return ctx.reply("roster.chat.too_big", max_mb=MAX_FILE_BYTES // (1024 * 1024))
    data = await document.fetch()
    kind = kind_of(document.file_name, data)
    if kind == "agenda":
        return await agenda_import.check_file(ctx, document.file_name, data)
    if kind == "results":
        return await results.check_file(ctx, document.file_name, data)
    return await roster.check_file(ctx, document.file_name, data)


def register(router: Router) -> None:
    """Take files sent in chat."""
    router.document(on_document)
