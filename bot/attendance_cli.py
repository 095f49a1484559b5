"""The congress day on the command line: `checkin screen` (the hall screen), `checkin
newcard CODE` (a new check-in token), `attendance export FILE.xlsx`."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli_parser import Commands, command_group, file_command
from bot.cli_wording import for_cli
from bot.config import Config
from bot.i18n import Translate

EXIT_UNKNOWN = 1
COMMANDS = ("checkin", "attendance")


def _translate(config: Config) -> Translate:
    return for_cli(config.event.texts().in_language(config.event.language))


def add_commands(sub: Commands, common: argparse.ArgumentParser) -> None:
    """Add `checkin` and `attendance` to the command line."""
    actions = command_group(sub, "checkin", help="the hall check-in screen, new check-in codes",
                            description="Check-in on the congress day.")
    screen = actions.add_parser(
        "screen", parents=[common], help="show the hall's self check-in QR code full screen",
        description="Show full screen, for a projector, a QR code that changes every 30 s: "
                    "a registered delegate who opens it with the bot is checked in for the "
                    "window in progress. Ctrl+C closes it.")
    screen.add_argument("--no-colour", action="store_true",
                        help="no colours (the terminal's own must be dark on light)")
    newcard = actions.add_parser(
        "newcard", parents=[common], help="issue a delegate a new check-in code",
        description="Give a delegate a new check-in token: their old card and badge stop "
                    "working; the delegate is told to get the new card with /card.")
    newcard.add_argument("code", help="the delegate's code on the roster")
    attendance_actions = command_group(sub, "attendance", help="export the attendance",
                                       description="The attendance of the congress.")
    file_command(
        attendance_actions, common, "export", "where to write (.xlsx)",
        help="write the attendance to an .xlsx workbook",
        description="Write a summary sheet and one sheet per attendance window (present, "
                    "checked in at and by whom, absent with reason, missing), names in "
                    "Vietnamese order.")


def dispatch(args: argparse.Namespace, config: Config) -> int:
    """Run the `checkin` or `attendance` command `args` names."""
    if args.command == "attendance":
        return asyncio.run(export(config, args.file))
    if args.action == "newcard":
        return asyncio.run(new_card(config, args.code))
    return asyncio.run(screen(config, colour=not args.no_colour))


async def export(config: Config, path: Path) -> int:
    """Write the attendance workbook."""
    from bot import attendance_export
    from bot.app import App
    from bot.outfile import check_extension, check_target, writing
    from bot.text import html_to_plain

    check_extension(path, (".xlsx",))
    check_target(path)
    app = await App.open(config, create=False)
    t = _translate(config)
    try:
        with writing(path):
            count = await attendance_export.export(app.services, t, path)
    finally:
        await app.close()
    if count == 0:
        print(html_to_plain(t("attendance.export.no_windows")))
    print(html_to_plain(t("attendance.export.done", count=count, file=str(path))))
    return 0


async def new_card(config: Config, code: str) -> int:
    """Issue a delegate a new check-in token (the delegate is told when the bot runs)."""
    from bot.app import App
    from bot.clock import to_iso
    from bot.text import html_to_plain
    from handlers.card import reissue
    from storage import delegates

    app = await App.open(config, create=False)
    t = _translate(config)
    try:
        delegate = await delegates.find_by_code(app.services.db, code[:64])
        if delegate is None:
            print(html_to_plain(t("card.new_unknown", code=code[:64])))
            return EXIT_UNKNOWN
        await reissue(app.services, delegate, "cli", to_iso(app.services.clock.now()))
    finally:
        await app.close()
    print(html_to_plain(t("card.new_done", name=delegate.full_name, code=delegate.code)))
    return 0


async def screen(config: Config, *, colour: bool) -> int:
    """Show the hall screen until Ctrl+C."""
    from bot import channels, checkin_screen
    from bot.app import App

    app = await App.open(config, create=False)
    try:
        deep_link = await channels.deep_linker(config)
        await checkin_screen.show(app.services, _translate(config), deep_link, colour=colour)
    finally:
        await app.close()
    return 0
