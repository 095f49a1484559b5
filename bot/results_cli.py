"""`delegate-bot results import|publish`: the counting committee's file, then publication."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.app import App
from bot.config import Config
from bot.tabular import TableError, read_file
from bot.text import html_to_plain
from handlers import results
from storage import results as stored

EXIT_PROBLEMS = 1


async def import_results(config: Config, path: Path) -> int:
    """Check a result file, store it as a draft and print the notice delegates would get."""
    app = await App.open(config, create=False)
    services, lang = app.services, config.event.language
    try:
        try:
            data = read_file(path)  # a file over the size limit is not read
        except TableError as exc:
            message = services.texts.t(lang, exc.reason_key, **exc.params)
            print(f"{path}: {html_to_plain(message)}", file=sys.stderr)
            return EXIT_PROBLEMS
        parsed, result_id = await results.import_file(services, data, path.name, "cli")
        if result_id is None:
            print(html_to_plain(results.problems_text(
                services.texts.in_language(lang), parsed)), file=sys.stderr)
            return EXIT_PROBLEMS
        item = await stored.get(services.db, result_id)
        assert item is not None
        print(html_to_plain(await results.notice_for(services, lang, item)))
        print()
        print(html_to_plain(services.texts.t(lang, "results.cli.stored", id=result_id)))
        print(html_to_plain(services.texts.t(lang, "results.cli.publish_hint", id=result_id)))
        return 0
    finally:
        await app.close()


async def publish_results(config: Config, result_id: int) -> int:
    """Publish a draft to every registered delegate (the running bot sends it)."""
    app = await App.open(config, create=False)
    services, lang = app.services, config.event.language
    try:
        published = await results.publish(services, result_id, "cli")
        if published is None:
            key = await results.why_not_published(services, result_id)
            print(html_to_plain(services.texts.t(lang, key, id=result_id)), file=sys.stderr)
            return EXIT_PROBLEMS
        print(html_to_plain(services.texts.t(lang, "results.published", id=result_id,
                                             count=published[1], broadcast=published[0])))
        return 0
    finally:
        await app.close()
