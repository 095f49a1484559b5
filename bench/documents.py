"""Benchmark: one 5 MB congress document to 3,400 delegates, against a plain-text
broadcast to the same 3,400 in the same run.

What runs: a real `App` (SQLite in a temporary folder, `testkit.people.seed` delegates) with
a real `TelegramChannel` (python-telegram-bot, long polling) and the delivery worker, started
by `App.run` as `delegate-bot run` does, against the fake Telegram Bot API
(testkit/fake_telegram.py) in the same process (so the figures include the fake's own work,
the same for every phase). Each phase runs in a fresh interpreter (its own peak RSS).

(document)  The document is published (`handlers.document_publish`); every delegate sends
            /documents (timed too), then presses the document's button in that list (3,400
            callback queries pushed at once); timed until every press is handled: the file
            sent, the list edited to say so. Figures: uploads to the platform (target 1),
            sends by file_id, megabytes uploaded, seconds, presses per second.
(replies)   Baseline on the same path: the same 3,400 presses in their lists, each answered
            with a text (the button of a document they may not read: "this document is
            gone").
(broadcast) Baseline through the outbox: the new-document notice, a plain text, queued to
            the same 3,400 (as `--notify` does) and timed until the outbox is empty, the
            worker unpaced (`telegram_rate` 10000: its capacity; at Telegram's default
            25/s it would take 3,400 / 25 = 136 s whatever the bot does).
(uploads)   What reuse saves: `--uploads` distinct 5 MB documents each sent once (each an
            upload): seconds per upload.

Run: python -m bench.documents [--recipients 3400] [--megabytes 5] [--uploads 10]
Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

from bench.common import peak_rss_mb, print_result, print_table, run_phase, running_bot

TOKEN = "123456:BENCH-TOKEN"
ORGANISER = 9001
Json = dict[str, Any]


@contextlib.asynccontextmanager
async def running(recipients: int) -> AsyncIterator[tuple[Any, Any, Any]]:
    """Yield (app, channel, fake): the bot running against a fake, `recipients` seeded."""
    from testkit.fake_telegram import FakeTelegram
    from testkit.people import SEEDED_CHATS

    async with FakeTelegram(TOKEN, clock=time.monotonic) as fake:
        fake.declare_chats(SEEDED_CHATS)
        fake.declare_chat(ORGANISER)
        async with running_bot(fake.port, recipients, token=TOKEN, organiser=ORGANISER,
                               delivery={"telegram_rate": 10000}) as bot:
            yield bot.app, bot.channel, fake


async def publish(app: Any, megabytes: float, title: str, seed: int = 0) -> int:
    """Publish a PDF of about `megabytes` as the organisers do; return its id."""
    from handlers import document_publish
    from testkit.doc_files import pdf

    data = pdf(title, f"nội dung {seed}", padding=int(megabytes * 1024 * 1024))
    plan = await document_publish.prepare(app.services, "tai-lieu.pdf", data, title,
                                          {"notify": "yes"})
    done = await document_publish.publish(app.services, plan, data, f"telegram:{ORGANISER}")
    return int(done.document_id)


async def press_all(channel: Any, fake: Any, users: range, data: str) -> float:
    """Push one press of `data` per user at once, on the chat's last message from the bot
    (the /documents list); return the seconds until all are handled."""
    target = channel.handled + len(users)
    started = time.perf_counter()
    for user in users:
        fake.push_callback(user, data)
    await asyncio.wait_for(channel.wait_handled(target), 3600)
    return time.perf_counter() - started


async def ask_lists(channel: Any, fake: Any, users: range) -> float:
    """Every user sends /documents at once; return the seconds until all are answered."""
    target = channel.handled + len(users)
    started = time.perf_counter()
    for user in users:
        fake.push_text(user, "/documents")
    await asyncio.wait_for(channel.wait_handled(target), 3600)
    return time.perf_counter() - started


def _sends(fake: Any) -> tuple[int, int, float]:
    from testkit.fake_telegram import UploadedFile

    calls = [c for c in fake.calls_to("sendDocument") if c.ok]
    uploaded = [c.params["document"] for c in calls
                if isinstance(c.params["document"], UploadedFile)]
    return len(uploaded), len(calls) - len(uploaded), sum(len(u.content) for u in uploaded)


async def phase_document(recipients: int, megabytes: float) -> Json:
    """3,400 presses of one document's button: uploads, sends by file_id, time."""
    from testkit.people import FIRST_USER_ID

    async with running(recipients) as (app, channel, fake):
        document_id = await publish(app, megabytes, "Dự thảo Báo cáo chính trị")
        users = range(FIRST_USER_ID, FIRST_USER_ID + recipients)
        lists = await ask_lists(channel, fake, users)
        seconds = await press_all(channel, fake, users, f"doc:{document_id}:l")
        uploads, by_id, uploaded = _sends(fake)
        return {"seconds": seconds, "lists": lists, "uploads": uploads, "by_file_id": by_id,
                "edits": len([c for c in fake.calls_to("editMessageText") if c.ok]),
                "uploaded_mb": uploaded / 1024 / 1024, "rss_mb": peak_rss_mb()}


async def phase_replies(recipients: int) -> Json:
    """The same presses answered with a text: the same path without a file."""
    from testkit.people import FIRST_USER_ID

    async with running(recipients) as (app, channel, fake):
        await publish(app, 0.01, "Chương trình")  # a list to press in
        users = range(FIRST_USER_ID, FIRST_USER_ID + recipients)
        await ask_lists(channel, fake, users)
        before = len(fake.sent_messages())
        seconds = await press_all(channel, fake, users, "doc:999999:l")
        return {"seconds": seconds, "texts": len(fake.sent_messages()) - before,
                "rss_mb": peak_rss_mb()}


async def phase_broadcast(recipients: int, megabytes: float) -> Json:
    """The document's notice, a plain text, to every reader through the outbox."""
    from handlers import document_notices
    from storage import broadcasts, outbox

    async with running(recipients) as (app, _, fake):
        app.scheduler.shutdown()  # the notice is queued here, timed, not by its job
        document_id = await publish(app, megabytes, "Dự thảo Báo cáo chính trị")
        started = time.perf_counter()
        told = await document_notices.tell_readers(app.services, document_id)
        (notice,) = await broadcasts.recent(app.services.db, 1)
        while True:
            counts = await outbox.counts(app.services.db, notice.id)
            if counts["pending"] + counts["sending"] == 0:
                break
            await asyncio.sleep(0.02)
        return {"seconds": time.perf_counter() - started, "told": told,
                "sent": counts["sent"], "texts": len(fake.sent_messages()),
                "rss_mb": peak_rss_mb()}


async def phase_uploads(count: int, megabytes: float) -> Json:
    """`count` distinct documents, each sent once: every send an upload."""
    from testkit.people import FIRST_USER_ID

    async with running(count) as (app, channel, fake):
        seconds = 0.0
        for i in range(count):
            document_id = await publish(app, megabytes, f"Tài liệu {i}", seed=i)
            seconds += await press_all(channel, fake, range(FIRST_USER_ID + i,
                                                            FIRST_USER_ID + i + 1),
                                       f"doc:{document_id}")
        uploads, by_id, _ = _sends(fake)
        return {"seconds": seconds, "uploads": uploads, "by_file_id": by_id,
                "rss_mb": peak_rss_mb()}


def main() -> None:
    """Run every phase in its own process and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=3400)
    parser.add_argument("--megabytes", type=float, default=5.0)
    parser.add_argument("--uploads", type=int, default=10)
    parser.add_argument("--phase", choices=["document", "replies", "broadcast", "uploads"])
    args = parser.parse_args()
    if args.phase:
        runs = {"document": lambda: phase_document(args.recipients, args.megabytes),
                "replies": lambda: phase_replies(args.recipients),
                "broadcast": lambda: phase_broadcast(args.recipients, args.megabytes),
                "uploads": lambda: phase_uploads(args.uploads, args.megabytes)}
        print_result(asyncio.run(runs[args.phase]()))
        return
    common = ["--recipients", str(args.recipients), "--megabytes", str(args.megabytes),
              "--uploads", str(args.uploads)]
    load = os.getloadavg()
    doc = run_phase("bench.documents", "--phase", "document", *common)
    replies = run_phase("bench.documents", "--phase", "replies", *common)
    text = run_phase("bench.documents", "--phase", "broadcast", *common)
    ups = run_phase("bench.documents", "--phase", "uploads", *common)
    n = args.recipients
    rows = [
        (f"/documents lists to {n}", f"{doc['lists']:.1f}", f"{n / doc['lists']:.0f}", "0", "—",
         "—"),
        (f"document {args.megabytes:g} MB to {n} (presses)", f"{doc['seconds']:.1f}",
         f"{n / doc['seconds']:.0f}", f"{doc['uploads']} ({doc['uploaded_mb']:.1f} MB)",
         str(doc["by_file_id"]), f"{doc['rss_mb']:.0f}"),
        (f"baseline: text reply to {n} presses", f"{replies['seconds']:.1f}",
         f"{n / replies['seconds']:.0f}", "0", "—", f"{replies['rss_mb']:.0f}"),
        (f"baseline: text broadcast to {text['told']} (outbox)", f"{text['seconds']:.1f}",
         f"{text['sent'] / text['seconds']:.0f}", "0", "—", f"{text['rss_mb']:.0f}"),
        (f"{args.uploads} documents uploaded once each", f"{ups['seconds']:.1f}",
         f"{ups['uploads'] / ups['seconds']:.1f}", str(ups["uploads"]), str(ups["by_file_id"]),
         f"{ups['rss_mb']:.0f}"),
    ]
    print_table("One congress document to every delegate (bench/documents.py)", rows,
                ("run", "seconds", "per second", "uploads", "by file_id", "peak RSS MiB"))
    per_upload = ups["seconds"] / max(1, ups["uploads"])
    print(f"an upload of {args.megabytes:g} MB costs {per_upload:.3f} s here; uploading to "
          f"each of {n} would move {n * args.megabytes / 1024:.1f} GB "
          f"(~{per_upload * n:.0f} s at this rate)")
    print(f"load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
