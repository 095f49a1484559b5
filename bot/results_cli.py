"""`delegate-bot results import|list|publish|discard`: the counting committee's file, the
drafts and published results, publication, and drafts thrown away.

What these print is worded for the command line: it names the commands to run next, not the
chat's buttons or slash commands.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.app import App
from bot.cli_wording import for_cli
from bot.clock import from_iso, to_iso
from bot.config import Config
from bot.i18n import Translate
from bot.tabular import TableError, read_file
from bot.text import html_to_plain
from handlers import results
from storage import audit
from storage import results as stored

EXIT_PROBLEMS = 1


async def import_results(config: Config, path: Path) -> int:
    """Check a result file, store it as a draft and print the notice delegates would get."""
    app = await App.open(config, create=False)
    services, t = app.services, _translate(app, config)
    try:
        try:
            data = read_file(path)  # a file over the size limit is not read
        except TableError as exc:
            message = t(exc.reason_key, **exc.params)
            print(f"{path}: {html_to_plain(message)}", file=sys.stderr)
            return EXIT_PROBLEMS
        parsed, result_id = await results.import_file(services, data, path.name, "cli")
        if result_id is None:
            print(html_to_plain(results.problems_text(t, parsed)), file=sys.stderr)
            return EXIT_PROBLEMS
        item = await stored.get(services.db, result_id)
        assert item is not None
        for line in await results.base_warnings(services, t, item):  # attendance disagrees
            print(html_to_plain(line), file=sys.stderr)
        print(html_to_plain(await results.notice_for(services, config.event.language, item)))
        print()
        print(html_to_plain(t("results.cli.stored", id=result_id)))
        print(html_to_plain(t("results.cli.publish_hint", id=result_id)))
        return 0
    finally:
        await app.close()


async def publish_results(config: Config, result_id: int) -> int:
    """Publish a draft to every registered delegate (the running bot sends it)."""
    app = await App.open(config, create=False)
    services, t = app.services, _translate(app, config)
    try:
        published = await results.publish(services, result_id, "cli")
        if published is None:
            key = await results.why_not_published(services, result_id)
            print(html_to_plain(t(key, id=result_id)), file=sys.stderr)
            return EXIT_PROBLEMS
        print(html_to_plain(t("results.published", id=result_id,
                                             count=published[1], broadcast=published[0])))
        return 0
    finally:
        await app.close()


def _translate(app: App, config: Config) -> Translate:
    """Return the event language's texts, in their command-line wording."""
    return for_cli(app.services.texts.in_language(config.event.language))


_LISTED = ("draft", "published", "superseded")


async def list_results(config: Config) -> int:
    """Print the drafts and the published results: number, title, status and when."""
    app = await App.open(config, create=False)
    t = _translate(app, config)
    try:
        items = sorted([r for status in _LISTED
                        for r in await stored.with_status(app.services.db, status)],
                       key=lambda r: r.id)
        if not items:
            print(html_to_plain(t("results.cli.none")))
            return 0
        for item in items:
            print(html_to_plain(t("results.cli.line", id=item.id, title=item.title,
                                  status=_status(t, config, item))))
        if any(r.status == "draft" for r in items):
            print()
            print(html_to_plain(t("results.cli.list_hint")))
        return 0
    finally:
        await app.close()


def _status(t: Translate, config: Config, item: stored.Result) -> str:
    """Say a result's status and since when, in the event's time zone."""
    at = item.imported_at if item.status == "draft" else item.published_at or item.imported_at
    when = from_iso(at).astimezone(config.event.tz).strftime("%H:%M %d/%m/%Y")
    return str(t(f"results.cli.status.{item.status}", when=when))


async def discard_result(config: Config, result_id: int) -> int:
    """Discard a draft (its audit entry in the same transaction); nothing is sent."""
    app = await App.open(config, create=False)
    services, t = app.services, _translate(app, config)
    try:
        note = audit.Note("cli", "results.discarded", {"result": result_id},
                          to_iso(services.clock.now()))
        if not await stored.discard(services.db, result_id, note):
            item = await stored.get(services.db, result_id)
            key = "results.unknown" if item is None else "results.not_draft"
            print(html_to_plain(t(key, id=result_id)), file=sys.stderr)
            return EXIT_PROBLEMS
        print(html_to_plain(t("results.discarded", id=result_id)))
        return 0
    finally:
        await app.close()
