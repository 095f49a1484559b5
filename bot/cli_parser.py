"""Building blocks of the `delegate-bot` argument parser, shared by `bot.cli` and the
feature command lines that add their own commands (`bot.attendance_cli`): a command whose
actions are subcommands, and a subcommand taking one file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TypeAlias

# Where subcommands are added (argparse's class is generic for type checkers only).
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def command_group(sub: Commands, name: str, *, help: str, description: str) -> Commands:
    """Add a command whose actions are subcommands (`roster import`, `checkin screen`);
    return where to add the actions (required, shown as ACTION)."""
    command = sub.add_parser(name, help=help, description=description)
    return command.add_subparsers(dest="action", required=True, metavar="ACTION")


def file_command(sub: Commands, common: argparse.ArgumentParser, name: str, file_help: str,
                 *, help: str, description: str, force: bool = False) -> argparse.ArgumentParser:
    """Add a subcommand taking one file and the common options (`--config`, `-v`); with
    `force`, also `--force` to overwrite an existing file."""
    command = sub.add_parser(name, parents=[common], help=help, description=description)
    command.add_argument("file", type=Path, help=file_help)
    if force:
        command.add_argument("--force", action="store_true", help="overwrite an existing file")
    return command
