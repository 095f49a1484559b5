"""The `delegate-bot` command line: run the bot, chat in the demo, back up and check the
database.

Every failure prints one line naming the file and the reason (`bot.cli_failures`): exit
status 2 for the config, the database or a rejected token, 1 for a file named on the command
line (`backup` and `check` keep 1 for a damaged database: their other failures are 2); output
whose reader went away (`| head`) ends quietly. `--config` and `-v` work before
or after the command.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__, attendance_cli, logmask
from bot.cli_failures import Where, explain, quiet_stdout, say
from bot.cli_parser import Commands, command_group, file_command
from bot.config import Config, config_origin, find_config_path, load_config

log = logging.getLogger("delegate_bot")

EXIT_USAGE = 2
CONFIG_HELP = "config file (default: $DELEGATE_BOT_CONFIG, else ./config.toml)"


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every URL, and Telegram URLs hold the bot token.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # python-telegram-bot logs whole updates at debug level: invite codes, phone numbers.
    logging.getLogger("telegram").setLevel(logging.INFO)


async def _run(config: Config) -> int:
    from bot import channels
    from bot.app import App

    app = await App.open(config)
    try:
        for channel in channels.build_enabled(app, config):
            app.add_channel(channel)
        if not app.channels:
            sections = " or ".join(f"[{name}]" for name in config.channels())
            log.error("no channel is enabled: set %s enabled = true", sections)
            return EXIT_USAGE
        stop = asyncio.Event()
        main = asyncio.current_task()
        loop = asyncio.get_running_loop()

        def on_signal() -> None:
            if stop.is_set():
                log.warning("second signal: stopping now")
                if main is not None:
                    main.cancel()
            else:
                log.info("stopping (send the signal again to force)")
                stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, on_signal)
        await app.run(stop)
    finally:
        await app.close()
    return 0


async def _demo(organiser: bool, database: Path | None, reset: bool, web: bool) -> int:
    from bot.demo_cli import chat

    return await chat(organiser, database, fresh=reset, web=web)


def _add_data_commands(sub: Commands, common: argparse.ArgumentParser) -> None:
    """Add `backup` and `check` (bot/data_cli.py)."""
    file_command(
        sub, common, "backup", "where to write the copy", force=True,
        help="write a checked online backup of the database",
        description="Write a consistent copy of the database while the bot keeps running, "
                    "check it with PRAGMA integrity_check and keep it only if it is good "
                    "(exit 1 otherwise). The database itself, its -wal or -shm, an "
                    "existing file and a database that does not exist yet are refused "
                    "(exit 2).")
    sub.add_parser("check", parents=[common], help="check the database's integrity",
                   description="Run PRAGMA integrity_check on the database and say in one "
                               "line whether it is good (exit 0) or damaged (exit 1).")


def _add_print_command(roster_sub: Commands, common: argparse.ArgumentParser) -> None:
    """Add `roster print` (bot/print_cli.py)."""
    command = file_command(
        roster_sub, common, "print", "where to write the PDF (.pdf)",
        help="write printable invitations or badges with QR codes (.pdf)",
        description="Write a PDF for printing: invitations (A5, one page per delegate, with "
                    "the invite code and the QR code of the Telegram link) or badges (85 x "
                    "54 mm, eight per A4 page with cut marks, with the check-in QR code), in "
                    "delegation order, then Vietnamese name order. An existing file is "
                    "refused unless --force.")
    command.add_argument("--layout", choices=("invitations", "badges"), default="invitations",
                         help="invitations (default) or badges")
    command.add_argument("--delegation", metavar="NAME",
                         help="only this delegation (case and spacing aside)")
    command.add_argument("--only-unregistered", action="store_true",
                         help="only the delegates not registered on any platform yet")
    command.add_argument("--force", action="store_true", help="overwrite an existing file")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="delegate-bot",
        description="A Telegram and Zalo chatbot for the delegates and organisers of a congress.",
    )
    parser.add_argument("--version", action="version", version=f"delegate-bot {__version__}")
    parser.add_argument("--config", metavar="FILE", help=CONFIG_HELP)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    # The same options after the command (`roster export x.csv --config c.toml`); given
    # there, they win; not given, they leave the ones before the command alone.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help=CONFIG_HELP)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", parents=[common],
                   help="run the enabled channels until SIGINT or SIGTERM",
                   description="Run the enabled channels until SIGINT or SIGTERM; a second "
                               "signal forces the stop.")
    demo = sub.add_parser("demo", help="chat with a sample event in the terminal (no config)",
                          description="Chat with the bot in the terminal, on a sample event in "
                                      "a demo database in your data folder. Reads piped input "
                                      "too, one message per line.")
    demo.add_argument("--organiser", action="store_true", help="chat as an organiser")
    demo.add_argument("--database", type=Path, metavar="FILE",
                      help="demo database file (default: in the user's data folder)")
    demo.add_argument("--reset", action="store_true",
                      help="delete the demo database (all the demo's data) and start fresh")
    demo.add_argument("--web", action="store_true",
                      help="also open the organisers' dashboard on 127.0.0.1 and print a "
                           "login link")
    _add_data_commands(sub, common)
    web_sub = command_group(sub, "web", help="the organisers' web dashboard",
                            description="The organisers' web dashboard ([web] in the config).")
    link = web_sub.add_parser(
        "link", parents=[common], help="print a one-time login link (works once, for 10 minutes)",
        description="Print a login link to the dashboard for the person running this machine, "
                    "as /web sends one in chat: it works once, for 10 minutes. Exit 2 when "
                    "[web] is not enabled.")
    link.add_argument("--checker", action="store_true",
                      help="a session that opens the check-in desk only (for the door's laptop)")
    roster_sub = command_group(sub, "roster", help="import, export or print the delegate roster",
                               description="Import the delegate roster from Excel or CSV, "
                                           "export it with invite codes and links, or print "
                                           "invitations and badges.")
    imp = file_command(
        roster_sub, common, "import", "the roster file",
        help="check and import a roster file (.xlsx or .csv)",
        description="Check every row of a roster file (.xlsx first sheet, or .csv in UTF-8, "
                    "comma or semicolon separated) and import it; on any problem nothing is "
                    "written and every problem is listed as file:line:column. Exit 1 on "
                    "problems.")
    imp.add_argument("--dry-run", action="store_true", help="report what would change, write "
                                                           "nothing")
    imp.add_argument("--prune", action="store_true",
                     help="remove delegates missing from the file and unlink their accounts")
    export = file_command(
        roster_sub, common, "export", "where to write (.xlsx or .csv)",
        help="write the roster with invite codes and links (.xlsx or .csv)",
        description="Write every delegate with invite code, registration status and the "
                    "Telegram deep link, for printing onto invitations, in Vietnamese name "
                    "order. A .csv file is UTF-8 with a BOM and semicolons between fields, "
                    "as Excel opens it where the decimal sign is a comma (Vietnamese "
                    "settings); --comma for commas.")
    export.add_argument("--comma", action="store_true",
                        help="separate .csv fields with commas instead of semicolons")
    seat = roster_sub.add_parser(
        "replace", parents=[common], help="an alternate delegate takes an official's seat",
        description="Record that an alternate delegate (dự khuyết) takes an official "
                    "delegate's seat: from then on the alternate counts as official for the "
                    "quorum and the election base, and is told (through the running bot) if "
                    "registered. Written to the audit log. Exit 1 if refused.")
    seat.add_argument("official", help="the official delegate's code in the roster")
    seat.add_argument("alternate", help="the alternate delegate's code in the roster")
    seat.add_argument("--dry-run", action="store_true", help="check and show it, write nothing")
    _add_print_command(roster_sub, common)
    agenda_sub = command_group(sub, "agenda", help="import the congress programme",
                               description="Import the programme from TOML, CSV or Excel.")
    agenda_imp = file_command(
        agenda_sub, common, "import", "the programme file",
        help="check and import a programme file (.toml, .csv or .xlsx)",
        description="Check every session of a programme file (times local to the event's "
                    "time zone) and import it; on any problem nothing is written and every "
                    "problem is listed as file:line. Changes to an existing programme are "
                    "shown, and the delegates affected are told (unless --no-notify). Exit 1 "
                    "on problems.")
    agenda_imp.add_argument("--dry-run", action="store_true",
                            help="show what would change, write nothing")
    agenda_imp.add_argument("--no-notify", action="store_true",
                            help="apply without sending change notices")
    agenda_imp.add_argument("--yes", action="store_true",
                            help="apply even though the file cancels sessions (without it, "
                                 "such an import is refused and the sessions listed)")
    res_sub = command_group(sub, "results", help="import and publish election and vote results",
                            description="Import the counting committee's result file as a "
                                        "draft, list drafts and published results, publish "
                                        "a draft to every registered delegate or discard it.")
    file_command(
        res_sub, common, "import", "the result file",
        help="check a result file (.csv or .xlsx) and store it as a draft",
        description="Check a result file (key,value rows, an empty row, then the candidates "
                    "or the vote counts) and store it as a draft; print the notice exactly "
                    "as delegates will read it. Nothing is sent. Exit 1 on problems.")
    res_pub = res_sub.add_parser(
        "publish", parents=[common],
        help="publish a draft to every registered delegate",
        description="Publish a draft result: its notice goes to every registered delegate "
                    "through the outbox (the running bot sends it).")
    res_pub.add_argument("id", type=int, help="the draft's number, as `results import` printed")
    res_sub.add_parser(
        "list", parents=[common], help="list the drafts and the published results",
        description="List the drafts and the published results: number, title, status and "
                    "when it was imported or published (the event's time zone).")
    res_discard = res_sub.add_parser(
        "discard", parents=[common], help="throw a draft away (nothing is sent)",
        description="Discard a draft result: it is never published and delegates receive "
                    "nothing. Published results cannot be discarded (import a correction).")
    res_discard.add_argument("id", type=int, help="the draft's number, as `results list` shows")
    attendance_cli.add_commands(sub, common)
    _add_documents_commands(sub, common)
    return parser


def _add_documents_commands(sub: Commands, common: argparse.ArgumentParser) -> None:
    """Add `documents add|list|replace|withdraw` (bot/documents_cli.py)."""
    docs_sub = command_group(sub, "documents", help="publish congress documents to delegates",
                             description="Publish the congress documents (PDF, Word, Excel, "
                                         "pictures) delegates receive in chat with "
                                         "/documents.")
    add = file_command(
        docs_sub, common, "add", "the document file (.pdf, .docx, .xlsx, .jpg, .png)",
        help="check and publish a document",
        description="Check a document (its type by content, size, title, no state-secret "
                    "stamp) and publish it; exit 1 with the reason, nothing stored, if it "
                    "is refused.")
    add.add_argument("--title", required=True, help="the title delegates see")
    add.add_argument("--session", metavar="ID", help="the session it belongs to (its number)")
    add.add_argument("--audience", metavar="WHO",
                     help="all (default), official, or a delegation's name")
    add.add_argument("--from", dest="visible_from", metavar="WHEN",
                     help="when it becomes visible, as typed in chat (e.g. '12/08 8h')")
    add.add_argument("--notify", action="store_true",
                     help="tell its readers when it becomes visible")
    docs_sub.add_parser("list", parents=[common], help="list the documents",
                        description="List every document: number, title, version, size, "
                                    "readers, when visible, withdrawn or not.")
    rep = docs_sub.add_parser("replace", parents=[common],
                              help="publish a new version of a document",
                              description="Make a file the new version of a document; those "
                                          "who received the old one are told.")
    rep.add_argument("id", type=int, help="the document's number, as `documents list` shows")
    rep.add_argument("file", type=Path, help="the new file")
    wd = docs_sub.add_parser("withdraw", parents=[common], help="withdraw a document",
                             description="Withdraw a document: nobody sees or receives it "
                                         "any more.")
    wd.add_argument("id", type=int, help="the document's number, as `documents list` shows")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    if args.command != "run" and not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)  # one-shot commands print their report
    where = Where(find_config_path(args.config), config_origin(args.config))
    factory = logging.getLogRecordFactory()  # the token mask goes with this run
    try:
        return _dispatch(args, where)
    except BrokenPipeError:  # the reader went away (`| head`): nothing left to say
        quiet_stdout()
        return where.file_status
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        failure = explain(exc, where)
        if failure is None:
            raise
        return say(failure)
    finally:
        logging.setLogRecordFactory(factory)


def _dispatch(args: argparse.Namespace, where: Where) -> int:
    """Run the command `args` names."""
    if args.command == "demo":
        return asyncio.run(_demo(args.organiser, args.database, args.reset, args.web))
    config = where.config = load_config(where.config_path)
    logmask.install(config)  # no token in any log line, whoever writes it
    if args.command == "run":
        with contextlib.suppress(asyncio.CancelledError):
            return asyncio.run(_run(config))
        return 130
    if args.command in ("backup", "check"):
        from bot import data_cli

        where.file_status = data_cli.EXIT_REFUSED  # their 1 means a damaged database
        if args.command == "check":
            return asyncio.run(data_cli.check(config))
        return asyncio.run(data_cli.backup(config, args.file, force=args.force))
    if args.command == "roster":
        from bot import roster_cli

        if args.action == "import":
            return asyncio.run(roster_cli.import_roster(
                config, args.file, dry_run=args.dry_run, prune=args.prune))
        if args.action == "replace":
            from bot import replace_cli

            return asyncio.run(replace_cli.replace_seat(config, args.official, args.alternate,
                                                        dry_run=args.dry_run))
        if args.action == "print":
            from bot import print_cli

            return asyncio.run(print_cli.print_roster(
                config, args.file, layout=args.layout, delegation=args.delegation,
                only_unregistered=args.only_unregistered, force=args.force))
        return asyncio.run(roster_cli.export_roster(config, args.file,
                                                    separator="," if args.comma else ";"))
    if args.command == "web":
        from bot import web_cli

        return asyncio.run(web_cli.print_link(config, str(where.config_path),
                                              checker=args.checker))
    if args.command == "agenda":
        from bot import agenda_cli

        return asyncio.run(agenda_cli.import_agenda(
            config, args.file, dry_run=args.dry_run, notify=not args.no_notify, yes=args.yes))
    if args.command in attendance_cli.COMMANDS:
        return attendance_cli.dispatch(args, config)
    if args.command == "results":
        from bot import results_cli

        if args.action == "import":
            return asyncio.run(results_cli.import_results(config, args.file))
        if args.action == "list":
            return asyncio.run(results_cli.list_results(config))
        if args.action == "discard":
            return asyncio.run(results_cli.discard_result(config, args.id))
        return asyncio.run(results_cli.publish_results(config, args.id))
    if args.command == "documents":
        from bot import documents_cli

        if args.action == "add":
            return asyncio.run(documents_cli.add(
                config, args.file, title=args.title, session=args.session,
                audience=args.audience, visible_from=args.visible_from, notify=args.notify))
        if args.action == "list":
            return asyncio.run(documents_cli.list_documents(config))
        if args.action == "replace":
            return asyncio.run(documents_cli.replace(config, args.id, args.file))
        return asyncio.run(documents_cli.withdraw(config, args.id))
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
