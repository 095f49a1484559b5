"""`delegate-bot roster print FILE.pdf`: invitations or badges for the roster, as one PDF.

Refused before any work: another extension than .pdf, a folder that does not exist, a file
already there (unless `--force`). Refused after reading the roster, with one line and
nothing written: an empty roster, an unknown delegation, nobody left to print, no Telegram
link for the QR codes. The file is written whole or not at all, readable by the owner only
(it holds every invite code).
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot import channels, printed
from bot.cli_wording import for_cli
from bot.config import Config
from bot.outfile import OutputError, check_extension, check_target, writing
from bot.printed.content import PrintRefused, gather
from bot.text import html_to_plain
from storage import files
from storage.db import Database

EXIT_REFUSED = 1
FORMATS = (".pdf",)


async def print_roster(config: Config, path: Path, *, layout: str = "invitations",
                       delegation: str | None = None, only_unregistered: bool = False,
                       force: bool = False) -> int:
    """Write the invitations or badges of the roster (or of one delegation, or of those not
    registered yet) to a PDF file; return the exit status."""
    check_extension(path, FORMATS)
    check_target(path)
    if path.exists() and not force:
        raise OutputError(path, "exists", folder=path.parent, detail="")
    t = for_cli(config.event.texts().in_language(config.event.language))
    db = await Database.open(config.database_path, create=False)
    try:
        deep_link = await channels.deep_linker(config)
        job = await gather(db, t, deep_link, event=config.event.name, tz=config.event.tz,
                           zalo_name=config.zalo.bot_name, delegation=delegation,
                           only_unregistered=only_unregistered)
    except PrintRefused as refused:
        print(html_to_plain(t(f"print.refused.{refused.reason}", **refused.params)),
              file=sys.stderr)
        return EXIT_REFUSED
    finally:
        await db.close()
    data = printed.render(layout, job)
    with writing(path):  # whole or not at all, 0600: an OSError is one line naming the file
        try:
            files.write_private(path, data, replace=force)
        except FileExistsError:  # made meanwhile by someone else: theirs stays
            raise OutputError(path, "exists", folder=path.parent, detail="") from None
    print(html_to_plain(t(f"print.cli.done.{layout}", count=len(job.cards), file=str(path),
                          pages=printed.pages(layout, len(job.cards)))))
    return 0
