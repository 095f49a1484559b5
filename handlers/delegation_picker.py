"""The delegation picker of /announce, a page at a time.

A national congress has more delegations than fit on a phone screen (and Telegram takes at
most 100 buttons a message): the picker shows `PAGE_SIZE` delegations, in Vietnamese order,
with buttons to the previous and next pages; on Zalo and the console the numbered list pages
the same way. The names are kept in the organiser's step, so a button's number means the
same delegation on every page, whatever the roster does meanwhile.
"""

from __future__ import annotations

from bot.collation import sort_texts
from bot.context import Context
from bot.model import Choice, Reply
from storage import delegates

PAGE_SIZE = 8


async def delegation_names(ctx: Context) -> list[str]:
    """Return the roster's delegations, in Vietnamese order."""
    return sort_texts({d.delegation for d in await delegates.all_delegates(ctx.db)
                       if d.delegation})


def page_of(ctx: Context, prefix: str, names: list[str], page: int, *,
            ask: str = "announce.ask_delegation") -> Reply:
    """Return one page of the picker: its delegations, then ◀ and ▶ where there are more;
    the question is the text `ask` (`ask` + "_page" with the page numbers)."""
    pages = max(1, -(-len(names) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    first = page * PAGE_SIZE
    choices: list[Choice] = [
        ctx.choice("announce.audience.delegation", f"{prefix}:d:{i}", name=names[i])
        for i in range(first, min(first + PAGE_SIZE, len(names)))]
    if page > 0:
        choices.append(ctx.choice("announce.picker.previous", f"{prefix}:dp:{page - 1}"))
    if page < pages - 1:
        choices.append(ctx.choice("announce.picker.next", f"{prefix}:dp:{page + 1}"))
    if pages == 1:
        return Reply(ctx.t(ask), tuple(choices))
    return Reply(ctx.t(f"{ask}_page", page=page + 1, pages=pages),
                 tuple(choices))
