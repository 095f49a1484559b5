"""What the command line prints when a run fails: one line naming the file and the reason.

Every failure a command can meet on the way (no config file, a wrong one, a database that is
missing, read-only, damaged or locked, an output file that cannot be written, a token the
platform rejects, a backup target refused) becomes one line on stderr, in the event's language
from the locale files, and an exit status: 2 when the set-up is wrong (config, database,
token), 1 for a file named on the command line (2 for `backup` and `check`, whose 1 means a
damaged database). Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bot.channels.base import TokenRejected
from bot.config import Config, ConfigError, ConfigMissing
from bot.i18n import DEFAULT_LANGUAGE, Translator
from bot.outfile import OutputError
from bot.text import html_to_plain
from storage.backup import BackupError
from storage.db import DatabaseError, classify

PROGRAM = "delegate-bot"
EXIT_FILE = 1
EXIT_SETUP = 2


@dataclass
class Where:
    """What a failure's line may name: the config file, how it was found, once read the
    config itself; the texts to say it with; the exit status for a file named on the
    command line that cannot be written (the command may choose another)."""

    config_path: Path
    origin: str  # "option", "env" or "default" (bot.config.config_origin)
    config: Config | None = None
    texts: Translator = field(default_factory=Translator.load)
    file_status: int = EXIT_FILE

    def t(self, key: str, /, **params: object) -> str:
        """Return a text as plain text, in the event's language once the config is read."""
        lang = self.config.event.language if self.config is not None else DEFAULT_LANGUAGE
        return html_to_plain(self.texts.t(lang, key, **params))


@dataclass(frozen=True)
class Failure:
    """The one line to print, and the exit status."""

    line: str
    code: int


def explain(exc: BaseException, where: Where) -> Failure | None:
    """Return the line and status for a failure the command line knows, else None."""
    if isinstance(exc, ConfigMissing):
        origin = where.t(f"cli.config.origin.{where.origin}")
        return _setup(where.t("cli.config.missing", path=exc.path, origin=origin))
    if isinstance(exc, ConfigError):
        return _setup(str(exc))
    if isinstance(exc, sqlite3.Error) and where.config is not None:
        exc = classify(exc, where.config.database_path)
    if isinstance(exc, DatabaseError) and exc.path is not None:
        params = {"detail": "", **exc.params}
        return _setup(where.t(f"cli.database.{exc.reason}", path=exc.path,
                              config=where.config_path.absolute(), **params))
    if isinstance(exc, OutputError):
        params = {"folder": "", "detail": "", **exc.params}
        return Failure(where.t(f"cli.output.{exc.reason}", path=exc.path, **params),
                       where.file_status)
    if isinstance(exc, BackupError):  # the live database, an existing file (bot.data_cli)
        return _setup(where.t(f"data.refused.{exc.reason}", file=exc.path, detail=exc.detail))
    if isinstance(exc, TokenRejected) and where.config is not None:
        section = where.config.channels()[exc.platform]
        return _setup(where.t("cli.token.rejected", platform=exc.platform,
                              config=where.config_path.absolute(), env=section.TOKEN_ENV))
    if isinstance(exc, DatabaseError):  # one with no file: the program's own migrations
        return _setup(str(exc))
    return None


def _setup(reason: str) -> Failure:
    return Failure(reason, EXIT_SETUP)


def say(failure: Failure) -> int:
    """Print the failure's one line on stderr (a line break in a file's name as a space);
    return its exit status."""
    line = " ".join(failure.line.splitlines())
    with contextlib.suppress(OSError):  # stderr itself gone: the status still tells
        print(f"{PROGRAM}: {line}", file=sys.stderr)
    return failure.code


def quiet_stdout() -> None:
    """Point stdout at nothing once its reader has gone (`| head`), so that the flush at
    exit does not complain a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file descriptor (a test's capture): nothing to quiet
