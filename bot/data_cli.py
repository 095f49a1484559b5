"""`delegate-bot backup` and `delegate-bot check`: a checked copy of the database, and its
integrity check, each reported in one line in the event's language.

Exit status: 0 when the copy (or the database) is good, 1 when it is damaged, 2 when the
database or the target cannot be used (nothing is written then). Those refusals are raised
to the command line, which says each as every command's failures are said (one line from
`bot.cli_failures`: the database missing or unreadable, the output folder missing or not
writable, a full disk, the live database or an existing file as the target).
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.config import Config
from bot.i18n import Translator
from bot.outfile import writing
from bot.text import html_to_plain
from storage import backup as backups
from storage.backup import Integrity

EXIT_DAMAGED = 1
EXIT_REFUSED = 2


def _say(config: Config, key: str, *, error: bool = False, **params: object) -> None:
    """Print one text of the event's language as one plain line."""
    texts = Translator.load(config.event.language)
    line = " ".join(html_to_plain(texts.t(config.event.language, key, **params)).split())
    print(line, file=sys.stderr if error else sys.stdout)


def _first(result: Integrity) -> dict[str, object]:
    return {"count": len(result.problems), "problem": result.problems[0][:300]}


async def backup(config: Config, target: Path, *, force: bool) -> int:
    """Write a checked copy of the database to `target`; say in one line how it went.

    Raise BackupError, OutputError or DatabaseError when it cannot be made (exit 2)."""
    with writing(target):
        result = await backups.backup(config.database_path, target, force=force)
    if not result.ok:
        _say(config, "data.backup.damaged", error=True, file=target, **_first(result))
        return EXIT_DAMAGED
    _say(config, "data.backup.done", file=target)
    return 0


async def check(config: Config) -> int:
    """Run the database's integrity check; say in one line whether it is good.

    Raise DatabaseError when there is no database (exit 2)."""
    path = config.database_path
    result = await backups.check(path)
    if not result.ok:
        _say(config, "data.check.damaged", error=True, file=path, **_first(result))
        return EXIT_DAMAGED
    _say(config, "data.check.ok", file=path)
    return 0
