"""Election and vote results end to end: import a draft, preview, publish, correct, /results.

The counting committee's file (.csv or .xlsx in the minutes' layout: a key,value block, an
empty row, then the candidates table `name,votes` or the vote row `agree,disagree,abstain`)
arrives by `delegate-bot results import FILE` (run in-process, in a worker thread, on the test
App's database) or as a document an organiser sends through the real Telegram channel to the
fake Bot API server (which checks every message's HTML and its 4096-character limit). A bad
file is refused whole: no draft row, every problem as `file:line: reason`. A draft is shown
exactly as delegates will read it, then published through the outbox (the delivery worker is
drained on the injected clock, no real sleeps) or discarded. What is checked is what the fake
server recorded, rows read back through `storage`, the audit log and the CLI's exit status.
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from bot.app import App
from bot.clock import FixedClock
from bot.config import Config
from bot.text import html_to_plain
from storage import audit, broadcasts, outbox, results, users
from testkit.fake_telegram import FakeTelegram, html_to_text
from testkit.people import seed
from testkit.telegram_harness import TelegramChat, buttons
from testkit.texts import TEXTS, vi
from testkit.worker import drain
from tests.cli_runner import Run
from tests.cli_runner import run_beside as cli
from tests.conftest import DELEGATE_ID, ORGANISER_ID, make_config

ROOT = Path(__file__).resolve().parent.parent
SEED_FILE = ROOT / "examples" / "results-election.csv"
VOTE_FILE = ROOT / "examples" / "results-resolution.csv"
SEED_TITLE = "Bầu cử Ban Chấp hành Đảng bộ Khối, nhiệm kỳ 2025 - 2030"
VOTE_TITLE = "Biểu quyết thông qua Nghị quyết Đại hội"
ORGANISER = f"telegram:{ORGANISER_ID}"

Rows = list[list[str | int]]
Message = dict[str, Any]

VI_KEYS = ["Tiêu đề", "Loại", "Số lượng bầu", "Số phiếu phát ra", "Số phiếu thu về",
           "Số phiếu hợp lệ", "Số phiếu không hợp lệ"]
EN_KEYS = ["title", "kind", "seats", "ballots_issued", "ballots_received", "valid", "invalid"]
# A small election: 3 seats, 96 valid ballots, so 49 votes are needed. Four candidates pass,
# but only the three best are within the seats.
SMALL_TITLE = "Bầu Ban Kiểm tra"
SMALL = [("Lê Kim Nga", 90), ("Phạm Gia Huy", 81), ("Vũ Văn Khang", 49), ("Đặng Mỹ Trang", 60)]
SMALL_LINES_VI = [
    "Trúng cử: trên một nửa của 96 phiếu hợp lệ — ít nhất 49 phiếu\n"
    "<b>Số người trúng cử: 3/3</b>\n"
    "Tỷ lệ phần trăm tính trên 96 phiếu hợp lệ.",
    "1. ✅ <b>Lê Kim Nga</b> — 90 phiếu (93,75%)",
    "2. ✅ <b>Phạm Gia Huy</b> — 81 phiếu (84,38%)",
    "3. ✅ <b>Đặng Mỹ Trang</b> — 60 phiếu (62,50%)",
    "4. Vũ Văn Khang — 49 phiếu (51,04%)",
]
SMALL_NOTICE_VI = "\n".join([
    f"🗳 <b>Kết quả: {SMALL_TITLE}</b>",
    "Số phiếu phát ra: 100 · thu về: 98 · hợp lệ: 96 · không hợp lệ: 2",
    SMALL_LINES_VI[0], "", *SMALL_LINES_VI[1:]])
SMALL_LINES_EN = [
    "To be elected: more than half of the 96 valid ballots — at least 49 votes",
    "<b>Elected: 3/3</b>",
    "Percentages are of the 96 valid ballots.",
    "1. ✅ <b>Lê Kim Nga</b> — 90 votes (93.75%)",
    "2. ✅ <b>Phạm Gia Huy</b> — 81 votes (84.38%)",
    "3. ✅ <b>Đặng Mỹ Trang</b> — 60 votes (62.50%)",
    "4. Vũ Văn Khang — 49 votes (51.04%)",
]


# ---------------------------------------------------------------------------- texts and files
def en(key: str, **params: object) -> str:
    """Return an English text as the bot sends it in chat."""
    return TEXTS.t("en", key, **params)


def plain(key: str, **params: object) -> str:
    """Return a Vietnamese text as the command line prints it."""
    return html_to_plain(vi(key, **params))


def election(candidates: list[tuple[str, int | str]], *, title: str = SMALL_TITLE,
             seats: int | str = 3, issued: int | str = 100, received: int | str = 98,
             valid: int | str = 96, invalid: int | str = 2, english: bool = False) -> Rows:
    """Return an election in the minutes' layout: keys on lines 1-7, header on 9, then rows."""
    keys = EN_KEYS if english else VI_KEYS
    values = [title, "election" if english else "bầu cử", seats, issued, received, valid,
              invalid]
    header = ["name", "votes"] if english else ["Họ và tên", "Số phiếu"]
    return [*([k, v] for k, v in zip(keys, values, strict=True)), [], header,
            *([name, votes] for name, votes in candidates)]


def vote(agree: int, disagree: int, abstain: int, *, valid: int = 296) -> Rows:
    """Return a vote on a resolution: keys on lines 1-6, header on 8, counts on line 9."""
    return [["Tiêu đề", VOTE_TITLE], ["Loại", "biểu quyết"], ["Số phiếu phát ra", 299],
            ["Số phiếu thu về", 297], ["Số phiếu hợp lệ", valid],
            ["Số phiếu không hợp lệ", 297 - valid], [],
            ["Tán thành", "Không tán thành", "Không biểu quyết"], [agree, disagree, abstain]]


def csv_bytes(rows: Rows, *, sep: str = ",", bom: bool = True) -> bytes:
    """Return rows as CSV bytes (Excel's "CSV UTF-8" with a BOM by default)."""
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def xlsx_bytes(rows: Rows) -> bytes:
    """Return rows on the first sheet of a workbook whose second sheet must be ignored."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Biên bản"
    for row in rows:
        sheet.append(row)
    other = book.create_sheet("Ghi chú")
    other.append(["Tiêu đề", "Không phải kết quả"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def seed_correction() -> bytes:
    """Return the seed file corrected: one more invalid ballot and two candidates recounted."""
    text = SEED_FILE.read_text(encoding="utf-8-sig")
    for old, new in (("Số phiếu hợp lệ,296", "Số phiếu hợp lệ,295"),
                     ("Số phiếu không hợp lệ,3", "Số phiếu không hợp lệ,4"),
                     ("Quách Văn Thành,164", "Quách Văn Thành,140"),
                     ("Âu Thị Tuyết,141", "Âu Thị Tuyết,170")):
        assert old in text
        text = text.replace(old, new)
    return text.encode("utf-8-sig")


# ---------------------------------------------------------------------------- the command line
@pytest.fixture
def config(tmp_path: Path, request: pytest.FixtureRequest) -> Config:
    """Return the test config; parametrize it indirectly with {section: values} to change it.

    Results here are counted on the valid ballots (`elected_base = "valid"`, the rule before
    the election base existed); the delegates summoned are tests/test_election_base.py's.
    """
    sections = dict(getattr(request, "param", {}))
    sections["results"] = {"elected_base": "valid", **sections.get("results", {})}
    return make_config(tmp_path, **sections)


@pytest.fixture
def cli_config(tmp_path: Path, config: Config) -> Path:
    """Write a TOML config for the command line on the test App's database and rules."""
    rules = config.results
    path = tmp_path / "cli.toml"
    path.write_text(
        f"[event]\nname = \"Đại hội thử nghiệm\"\n\n[storage]\npath = '{config.database_path}'\n"
        f"\n[organisers]\ntelegram = [{ORGANISER_ID}]\n\n[results]\n"
        f"elected_above = \"{rules.elected_share}\"\n"
        f"elected_base = \"{rules.elected_base}\"\n"
        f"percent_base = \"{rules.percent_base}\"\n"
        f"passed_above_percent = {rules.passed_above_percent}\n",
        encoding="utf-8",
    )
    return path


async def cli_import(capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path,
                     name: str, content: bytes) -> Run:
    """Write `content` to a file called `name` and run `results import` on it."""
    path = tmp_path / name
    path.write_bytes(content)
    return await cli(capsys, cli_config, "results", "import", str(path))


# ---------------------------------------------------------------------------- chat helpers
def joined(messages: list[Message]) -> str:
    """Return the texts of consecutive messages as one text (parts are cut at a line break)."""
    return "\n".join(str(m["text"]) for m in messages)


async def import_in_chat(tg: TelegramChat, name: str, content: bytes) -> tuple[int, str]:
    """Send a result file as the organiser; return the draft's id and the preview's text."""
    messages = await tg.send_document(ORGANISER_ID, name, content)
    data = [d for _, d in buttons(messages[-1])]
    assert len(data) == 2 and data[0].startswith("resp:publish:"), joined(messages)
    draft = int(data[0].rpartition(":")[2])
    assert data[1] == f"resp:discard:{draft}"
    return draft, joined(messages)


def notice_of(preview: str, draft: int, *, correction: bool = False) -> str:
    """Return the notice a preview shows under its head."""
    head = vi("results.preview_correction" if correction else "results.preview", id=draft)
    assert preview.startswith(head + "\n\n"), preview[:200]
    return preview[len(head) + 2:]


async def press(tg: TelegramChat, data: str, user: int = ORGANISER_ID) -> str:
    """Press a button; return the bot's single answer."""
    (answer,) = await tg.press(user, data)
    return str(answer["text"])


async def delegates(app: App, count: int, english: int = 0) -> tuple[list[int], list[int]]:
    """Register `count` delegates on Telegram, the last `english` of them reading English."""
    people = await seed(app, count)
    ids = [p.user_id for p in people if p.user_id is not None]
    for user_id in ids[count - english:]:
        await users.set_language(app.services.db, "telegram", str(user_id), "en")
    return ids[: count - english], ids[count - english:]


async def nothing_stored(app: App) -> None:
    """Check that no result, broadcast, outbox row or import entry exists."""
    db = app.services.db
    for status in ("draft", "published", "superseded", "discarded"):
        assert await results.with_status(db, status) == []
    assert await results.get(db, 1) is None
    assert await broadcasts.recent(db) == []
    assert await outbox.next_due(db) is None
    assert await audit.entries(db, action="results.imported") == []


async def status_of(app: App, result_id: int) -> str | None:
    """Return a result's status."""
    item = await results.get(app.services.db, result_id)
    return None if item is None else item.status


# ---------------------------------------------------------------------------- the seed's shape
async def test_seed_election_from_the_cli_reaches_all_299_delegates_once_in_their_language(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock,
    capsys: pytest.CaptureFixture[str], cli_config: Path,
) -> None:
    """The archetype: 26 elected among 30 candidates, 299 ballots, 299 delegates registered."""
    vi_ids, en_ids = await delegates(app, 299, english=29)
    run = await cli(capsys, cli_config, "results", "import", str(SEED_FILE))
    assert run.code == 0, run.err
    item = await results.get(app.services.db, 1)
    assert item is not None and item.status == "draft" and item.title == SEED_TITLE
    assert item.imported_by == "cli" and item.corrects is None
    assert len(item.data["candidates"]) == 30
    assert await broadcasts.recent(app.services.db) == []  # a draft sends nothing
    assert run.out.endswith("\n\n" + plain("results.cli.stored", id=1) + "\n"
                            + plain("results.cli.publish_hint", id=1) + "\n")

    run = await cli(capsys, cli_config, "results", "publish", "1")
    assert run.code == 0, run.err
    assert run.out.strip() == plain("results.cli.published", id=1, count=299, broadcast=1)
    assert await status_of(app, 1) == "published"
    await drain(app, clock)

    vi_notice = fake.sent_texts(vi_ids[0])
    assert len(vi_notice) == 1
    notice = vi_notice[0]
    lines = notice.split("\n")
    assert lines[:5] == [
        f"🗳 <b>Kết quả: {SEED_TITLE}</b>",
        "Số phiếu phát ra: 299 · thu về: 299 · hợp lệ: 296 · không hợp lệ: 3",
        "Trúng cử: trên một nửa của 296 phiếu hợp lệ — ít nhất 149 phiếu",
        "<b>Số người trúng cử: 26/26</b>",
        "Tỷ lệ phần trăm tính trên 296 phiếu hợp lệ.",
    ]
    candidates = [line for line in lines if re.match(r"\d+\. ", line)]
    assert len(candidates) == 30
    assert sum("✅" in line for line in candidates) == 26
    assert candidates[0] == "1. ✅ <b>Đỗ Quang Dũng</b> — 287 phiếu (96,96%)"
    assert candidates[8:11] == [  # equal votes share a rank; the file's order is kept
        "9. ✅ <b>Hoàng Minh Cường</b> — 262 phiếu (88,51%)",
        "9. ✅ <b>Lã Minh Sơn</b> — 262 phiếu (88,51%)",
        "11. ✅ <b>Võ Thị Kim Liên</b> — 258 phiếu (87,16%)",
    ]
    assert candidates[25:] == [
        "26. ✅ <b>Quách Văn Thành</b> — 164 phiếu (55,41%)",
        "27. Âu Thị Tuyết — 141 phiếu (47,64%)",
        "28. Phạm Ngọc Châu — 139 phiếu (46,96%)",
        "29. Trịnh Văn Lộc — 118 phiếu (39,86%)",
        "30. Hà Thị Oanh — 96 phiếu (32,43%)",
    ]
    for user_id in vi_ids:
        assert fake.sent_texts(user_id) == [notice]
    english = fake.sent_texts(en_ids[0])
    assert len(english) == 1
    assert english[0].startswith(f"🗳 <b>Result: {SEED_TITLE}</b>\n"
                                 "Ballots issued: 299 · received: 299 · valid: 296 · invalid: 3\n"
                                 "To be elected: more than half of the 296 valid ballots"
                                 " — at least 149 votes\n<b>Elected: 26/26</b>\n"
                                 "Percentages are of the 296 valid ballots.\n")
    assert "1. ✅ <b>Đỗ Quang Dũng</b> — 287 votes (96.96%)" in english[0]
    for user_id in en_ids:
        assert fake.sent_texts(user_id) == english
    assert (await outbox.counts(app.services.db, 1))["sent"] == 299
    assert all(m.get("parse_mode") == "HTML" for m in fake.sent_messages(vi_ids[0]))

    again = await cli(capsys, cli_config, "results", "publish", "1")
    assert again.code == 1
    assert again.out == ""
    await drain(app, clock)
    assert fake.sent_texts(vi_ids[0]) == [notice]
    assert len(fake.sent_messages()) == 299  # nothing went out twice, nothing to the organiser
    [published] = await audit.entries(app.services.db, action="results.published")
    assert published.actor == "cli"
    assert published.details == {"result": 1, "broadcast": 1, "recipients": 299,
                                 "corrects": None}


async def test_cli_import_prints_the_notice_exactly_as_delegates_read_it(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock,
    capsys: pytest.CaptureFixture[str], cli_config: Path,
) -> None:
    (vi_id,), _ = await delegates(app, 1)
    run = await cli(capsys, cli_config, "results", "import", str(SEED_FILE))
    assert run.code == 0, run.err
    await cli(capsys, cli_config, "results", "publish", "1")
    await drain(app, clock)
    (notice,) = fake.sent_texts(vi_id)
    assert run.out.startswith(html_to_plain(notice) + "\n\n")
    [entry] = await audit.entries(app.services.db, action="results.imported")
    assert entry.actor == "cli"
    assert entry.details == {"result": 1, "file": "results-election.csv", "title": SEED_TITLE,
                             "corrects": None}


# ---------------------------------------------------------------------------- chat: the flow
async def test_organiser_sends_the_file_previews_the_very_notice_then_publishes_once(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    vi_ids, en_ids = await delegates(app, 3, english=1)
    messages = await tg.send_document(ORGANISER_ID, "results-election.csv", SEED_FILE.read_bytes())
    assert len(messages) == 1
    assert buttons(messages[0]) == [("Công bố tới 3 tài khoản", "resp:publish:1"),
                                    ("Bỏ bản nháp", "resp:discard:1")]
    notice = notice_of(messages[0]["text"], 1)
    assert notice.startswith(f"🗳 <b>Kết quả: {SEED_TITLE}</b>\n")
    assert await status_of(app, 1) == "draft"
    assert await broadcasts.recent(app.services.db) == []
    assert await outbox.next_due(app.services.db) is None

    assert await press(tg, "resp:publish:1") == vi("results.published", id=1, count=3,
                                                    broadcast=1)
    await drain(app, clock)
    for user_id in vi_ids:
        assert fake.sent_texts(user_id) == [notice]  # the preview's notice, to the character
    (english,) = fake.sent_texts(en_ids[0])
    assert english.startswith(f"🗳 <b>Result: {SEED_TITLE}</b>\n")
    assert "26. ✅ <b>Quách Văn Thành</b> — 164 votes (55.41%)" in english

    # Publishing twice sends once; every old button is stale now.
    assert await press(tg, "resp:publish:1") == vi("results.not_draft", id=1)
    assert await press(tg, "resp:discard:1") == vi("results.not_draft", id=1)
    assert await press(tg, "resp:view:1") == vi("error.stale_choice")
    await drain(app, clock)
    assert [len(fake.sent_texts(u)) for u in (*vi_ids, *en_ids)] == [1, 1, 1]
    item = await results.get(app.services.db, 1)
    assert item is not None and item.status == "published"
    assert item.published_by == ORGANISER and item.broadcast_id == 1
    assert item.imported_by == ORGANISER and item.file_name == "results-election.csv"
    assert [e.actor for e in await audit.entries(app.services.db, action="results.published")
            ] == [ORGANISER]


LAYOUTS = [
    ("kq.csv", csv_bytes(election(SMALL))),
    ("kq.csv", csv_bytes(election(SMALL, english=True), sep=";", bom=False)),
    ("kq.xlsx", xlsx_bytes(election(SMALL))),
    ("kq.xlsx", xlsx_bytes(election(SMALL, english=True))),
]
LAYOUT_IDS = ["csv-vietnamese-keys", "csv-english-keys-semicolons", "xlsx-vietnamese-keys",
              "xlsx-english-keys"]
SMALL_DATA = {
    "title": SMALL_TITLE, "kind": "election", "seats": 3, "ballots_issued": 100,
    "ballots_received": 98, "valid": 96, "invalid": 2, "agree": None, "disagree": None,
    "abstain": None, "candidates": [[name, votes] for name, votes in SMALL],
    "summoned": None, "summoned_stated": False,  # no roster: no official delegate summoned
}


@pytest.mark.parametrize("route", ["chat", "cli"])
@pytest.mark.parametrize(("name", "content"), LAYOUTS, ids=LAYOUT_IDS)
async def test_the_minutes_layout_in_csv_or_xlsx_with_english_or_vietnamese_keys(
    app: App, tg: TelegramChat, capsys: pytest.CaptureFixture[str], cli_config: Path,
    tmp_path: Path, route: str, name: str, content: bytes,
) -> None:
    """Percentages of the valid ballots, two decimals with a decimal comma; elected within
    the seats: the fourth candidate passes the majority but there are only three seats."""
    if route == "chat":
        draft, preview = await import_in_chat(tg, name, content)
        assert notice_of(preview, draft) == SMALL_NOTICE_VI
    else:
        run = await cli_import(capsys, cli_config, tmp_path, name, content)
        assert run.code == 0, run.err
        assert run.out.startswith(html_to_plain(SMALL_NOTICE_VI) + "\n\n")
        draft = 1
    item = await results.get(app.services.db, draft)
    assert item is not None and item.status == "draft" and item.file_name == name
    assert item.data == SMALL_DATA


async def test_an_english_organiser_previews_in_english_and_delegates_get_their_language(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    vi_ids, en_ids = await delegates(app, 2, english=1)
    # The organiser's Telegram app is in English (the fake keeps the language for later).
    assert await tg.texts(ORGANISER_ID, "/results", language_code="en") == [en("results.none")]
    (shown,) = await tg.send_document(ORGANISER_ID, "kq.csv", csv_bytes(election(SMALL)))
    head = en("results.preview", id=1)
    assert shown["text"].startswith(head + "\n\n")
    english = shown["text"][len(head) + 2:]
    assert buttons(shown) == [("Publish to 2 accounts", "resp:publish:1"),
                              ("Discard the draft", "resp:discard:1")]
    assert all(line in english.split("\n") for line in SMALL_LINES_EN)
    await tg.press(ORGANISER_ID, "resp:publish:1")
    await drain(app, clock)
    assert fake.sent_texts(en_ids[0]) == [english]
    (vietnamese,) = fake.sent_texts(vi_ids[0])
    assert all(line in vietnamese.split("\n") for line in "\n".join(SMALL_LINES_VI).split("\n"))


# ---------------------------------------------------------------------------- votes and rules
async def test_a_vote_passes_by_the_default_rule_with_percentages_of_the_valid_ballots(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    vi_ids, en_ids = await delegates(app, 2, english=1)
    draft, preview = await import_in_chat(tg, "nghi-quyet.csv", VOTE_FILE.read_bytes())
    notice = notice_of(preview, draft)
    assert notice == "\n".join([
        f"🗳 <b>Kết quả: {VOTE_TITLE}</b>",
        "Số phiếu phát ra: 299 · thu về: 297 · hợp lệ: 296 · không hợp lệ: 1",
        "Tỷ lệ phần trăm tính trên 296 phiếu hợp lệ.",
        "Tán thành: 290 (97,97%)",
        "Không tán thành: 2 (0,68%)",
        "Không biểu quyết: 4 (1,35%)",
        "<b>✅ Được thông qua</b> (cần từ 149 phiếu tán thành)",
    ])
    await tg.press(ORGANISER_ID, f"resp:publish:{draft}")
    await drain(app, clock)
    assert fake.sent_texts(vi_ids[0]) == [notice]
    (english,) = fake.sent_texts(en_ids[0])
    assert english.split("\n")[2:] == [
        "Percentages are of the 296 valid ballots.",
        "In favour: 290 (97.97%)", "Against: 2 (0.68%)", "Abstaining: 4 (1.35%)",
        "<b>✅ Passed</b> (149 votes in favour or more needed)"]


@pytest.mark.parametrize("config", [{"results": {"passed_above_percent": 98}}], indirect=True)
async def test_a_stricter_vote_rule_from_the_config_fails_the_same_vote(
    app: App, tg: TelegramChat
) -> None:
    """290 of 296 is 97.97 %: more than 98 % needs 291 votes in favour."""
    draft, preview = await import_in_chat(tg, "nghi-quyet.csv", VOTE_FILE.read_bytes())
    notice = notice_of(preview, draft)
    assert notice.endswith("\n<b>❌ Không được thông qua</b> (cần từ 291 phiếu tán thành)")
    assert "Được thông qua" not in notice.replace("Không được thông qua", "")


async def test_exactly_half_is_not_a_majority(app: App, tg: TelegramChat) -> None:
    draft, preview = await import_in_chat(tg, "nghi-quyet.csv", csv_bytes(vote(148, 100, 48)))
    assert notice_of(preview, draft).endswith(
        "Tán thành: 148 (50,00%)\nKhông tán thành: 100 (33,78%)\nKhông biểu quyết: 48 (16,22%)\n"
        "<b>❌ Không được thông qua</b> (cần từ 149 phiếu tán thành)")


@pytest.mark.parametrize("config", [{"results": {"elected_above_percent": 66.67}}],
                         indirect=True)
async def test_a_custom_election_rule_from_the_config_changes_who_is_elected(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    """More than 66.67 % of 296 valid ballots is 198 votes: 24 elected, two seats stay empty."""
    (vi_id,), _ = await delegates(app, 1)
    draft, preview = await import_in_chat(tg, "results-election.csv", SEED_FILE.read_bytes())
    notice = notice_of(preview, draft)
    lines = notice.split("\n")
    assert "Trúng cử: trên 66,67% của 296 phiếu hợp lệ — ít nhất 198 phiếu" in lines
    assert "<b>Số người trúng cử: 24/26</b>" in lines
    assert "24. ✅ <b>Dương Văn Hiếu</b> — 201 phiếu (67,91%)" in lines
    assert "25. Tạ Thị Quyên — 187 phiếu (63,18%)" in lines  # elected by the default rule
    assert "26. Quách Văn Thành — 164 phiếu (55,41%)" in lines
    assert sum("✅" in line for line in lines) == 24
    await tg.press(ORGANISER_ID, f"resp:publish:{draft}")
    await drain(app, clock)
    assert fake.sent_texts(vi_id) == [notice]


# ---------------------------------------------------------------------------- a tie
TIED = [("Lê Kim Nga", 90), ("Phạm Gia Huy", 80), ("Vũ Văn Khang", 50), ("Đặng Mỹ Trang", 50),
        ("Ngô Bảo Châu", 10)]


async def test_a_tie_at_the_last_seat_is_flagged_in_the_preview_and_never_decided(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    """Three seats; four pass the majority, the third and fourth with 50 votes each."""
    vi_ids, en_ids = await delegates(app, 2, english=1)
    draft, preview = await import_in_chat(tg, "kq.csv", csv_bytes(election(TIED)))
    notice = notice_of(preview, draft)
    lines = notice.split("\n")
    assert lines[2:] == [
        "Trúng cử: trên một nửa của 96 phiếu hợp lệ — ít nhất 49 phiếu",
        "<b>Số người trúng cử: 2/3</b>",
        vi("results.tie", names="Vũ Văn Khang, Đặng Mỹ Trang"),
        "Tỷ lệ phần trăm tính trên 96 phiếu hợp lệ.",
        "",
        "1. ✅ <b>Lê Kim Nga</b> — 90 phiếu (93,75%)",
        "2. ✅ <b>Phạm Gia Huy</b> — 80 phiếu (83,33%)",
        "3. ⚠️ Vũ Văn Khang — 50 phiếu (52,08%) — bằng phiếu, chưa quyết định",
        "3. ⚠️ Đặng Mỹ Trang — 50 phiếu (52,08%) — bằng phiếu, chưa quyết định",
        "5. Ngô Bảo Châu — 10 phiếu (10,42%)",
    ]
    assert "Bằng phiếu ở vị trí cuối cùng: Vũ Văn Khang, Đặng Mỹ Trang" in lines[4]
    await tg.press(ORGANISER_ID, f"resp:publish:{draft}")
    await drain(app, clock)
    assert fake.sent_texts(vi_ids[0]) == [notice]
    (english,) = fake.sent_texts(en_ids[0])
    assert en("results.tie", names="Vũ Văn Khang, Đặng Mỹ Trang") in english
    assert "3. ⚠️ Vũ Văn Khang — 50 votes (52.08%) — tied, undecided" in english
    assert "✅ <b>Vũ Văn Khang" not in english and "✅ <b>Đặng Mỹ Trang" not in english
    (published,) = fake.sent_texts(vi_ids[0])
    assert "✅ <b>Vũ Văn Khang" not in published and "✅ <b>Đặng Mỹ Trang" not in published


# ---------------------------------------------------------------------------- bad files
# (case, rows, [(line, text key, values)]) for a file called kq.csv: keys on lines 1-7, the
# candidates from line 10 (a vote's counts on line 9).
BAD = [
    ("totals-do-not-add-up", election(SMALL, invalid=3),
     [(6, "results.problem.valid_invalid_mismatch",
       {"valid": 96, "invalid": 3, "sum": 99, "received": 98})]),
    ("received-over-issued", election(SMALL, issued=90),
     [(5, "results.problem.received_over_issued", {"received": 98, "issued": 90})]),
    ("votes-over-valid", election([("Lê Kim Nga", 97), ("Phạm Gia Huy", 81)]),
     [(10, "results.problem.votes_over_valid", {"votes": 97, "valid": 96})]),
    ("duplicate-name", election([("Lê Kim Nga", 90), ("Phạm Gia Huy", 81),
                                 ("lê kim  Nga", 12)]),
     [(12, "results.problem.duplicate_name", {"name": "lê kim  Nga", "other_line": 10})]),
    ("negative-votes", election([("Lê Kim Nga", 90), ("Phạm Gia Huy", -5)]),
     [(11, "results.problem.not_a_count", {"value": "-5"})]),
    ("not-a-whole-number", election(SMALL, invalid="2,5"),
     [(7, "results.problem.not_a_count", {"value": "2,5"})]),
    ("vote-counts-over-valid", vote(290, 5, 4),
     [(9, "results.problem.vote_sum_over_valid", {"sum": 299, "valid": 296})]),
    ("every-problem-at-once",
     election([("Lê Kim Nga", 97), ("Phạm Gia Huy", 81), ("Lê Kim Nga", 3),
               ("Vũ Văn Khang", -1)], issued=90, invalid=3),
     [(5, "results.problem.received_over_issued", {"received": 98, "issued": 90}),
      (6, "results.problem.valid_invalid_mismatch",
       {"valid": 96, "invalid": 3, "sum": 99, "received": 98}),
      (10, "results.problem.votes_over_valid", {"votes": 97, "valid": 96}),
      (12, "results.problem.duplicate_name", {"name": "Lê Kim Nga", "other_line": 10}),
      (13, "results.problem.not_a_count", {"value": "-1"})]),
]


def report(render: Any, name: str, problems: list[tuple[int, str, dict[str, object]]],
           head: str = "results.problems") -> list[str]:
    """Return the expected report: its head, then one `file:line: reason` per problem."""
    return [render(head, file=name, count=len(problems)),
            *(f"{name}:{line}: {render(key, **params)}" for line, key, params in problems)]


@pytest.mark.parametrize(("rows", "problems"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
async def test_a_bad_file_in_chat_is_refused_whole_with_every_problem(
    app: App, tg: TelegramChat, rows: Rows, problems: list[tuple[int, str, dict[str, object]]]
) -> None:
    (answer,) = await tg.send_document(ORGANISER_ID, "kq.csv", csv_bytes(rows))
    assert answer["text"].split("\n") == report(vi, "kq.csv", problems)
    assert "reply_markup" not in answer
    await nothing_stored(app)


@pytest.mark.parametrize(("rows", "problems"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
async def test_a_bad_file_on_the_command_line_exits_1_with_every_problem(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path,
    rows: Rows, problems: list[tuple[int, str, dict[str, object]]],
) -> None:
    run = await cli_import(capsys, cli_config, tmp_path, "kq.csv", csv_bytes(rows))
    assert run.code == 1
    assert run.out == ""
    assert run.err.strip().split("\n") == report(plain, "kq.csv", problems,
                                                  "results.cli.problems")
    await nothing_stored(app)


NOT_RESULTS = [
    ("kq.xlsx", b"PK\x03\x04 not a workbook at all", "tabular.error.not_xlsx", {}),
    ("kq.xlsx", csv_bytes(election(SMALL)), "tabular.error.not_xlsx", {}),
    ("kq.txt", csv_bytes(election(SMALL)), "tabular.error.unsupported_extension",
     {"extension": ".txt"}),
    ("kq.csv", b"", "tabular.error.empty", {}),
]
NOT_RESULT_IDS = ["junk-xlsx", "csv-named-xlsx", "txt", "empty"]


@pytest.mark.parametrize(("name", "content", "key", "params"), NOT_RESULTS, ids=NOT_RESULT_IDS)
async def test_a_file_that_is_not_a_result_is_refused_on_the_command_line(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path,
    name: str, content: bytes, key: str, params: dict[str, object],
) -> None:
    run = await cli_import(capsys, cli_config, tmp_path, name, content)
    assert run.code == 1
    assert run.out == ""
    assert run.err.strip().split("\n") == report(plain, name, [(1, key, params)],
                                                  "results.cli.problems")
    assert "Traceback" not in run.err
    await nothing_stored(app)


@pytest.mark.parametrize(("name", "content", "key", "params"), NOT_RESULTS, ids=NOT_RESULT_IDS)
async def test_a_file_that_is_not_a_result_gets_a_clear_answer_in_chat(
    app: App, tg: TelegramChat, name: str, content: bytes, key: str, params: dict[str, object],
) -> None:
    """An unreadable file cannot say what it is: the answer names the file and the reason."""
    (answer,) = await tg.send_document(ORGANISER_ID, name, content)
    head, *lines = answer["text"].split("\n")
    assert head.startswith("❌") and name in head
    assert f"{name}:1: {vi(key, **params)}" in lines
    assert "reply_markup" not in answer
    await nothing_stored(app)


async def test_a_missing_file_on_the_command_line_is_a_clear_answer(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path
) -> None:
    path = tmp_path / "khong-co.csv"
    run = await cli(capsys, cli_config, "results", "import", str(path))
    assert run.code == 1
    assert run.err.strip() == f"{path}: {plain('tabular.error.cannot_open')}"
    await nothing_stored(app)


async def test_a_result_file_whose_title_key_has_a_colon_is_a_result_in_chat(
    app: App, tg: TelegramChat, capsys: pytest.CaptureFixture[str], cli_config: Path,
    tmp_path: Path,
) -> None:
    """Result keys are matched ignoring punctuation ("Tiêu đề:" is the title key): the command
    line accepts such a file, so the same file sent in chat must be taken as a result too, not
    as a roster that lacks a code column."""
    rows = election(SMALL)
    rows[0][0] = "Tiêu đề:"
    content = csv_bytes(rows)
    run = await cli_import(capsys, cli_config, tmp_path, "kq.csv", content)
    assert run.code == 0, run.err
    draft, preview = await import_in_chat(tg, "kq.csv", content)
    assert draft == 2
    assert notice_of(preview, draft).startswith(f"🗳 <b>Kết quả: {SMALL_TITLE}</b>")


# ---------------------------------------------------------------------------- discard, stale
async def test_discarding_sends_nothing_and_the_buttons_go_stale(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock,
    capsys: pytest.CaptureFixture[str], cli_config: Path,
) -> None:
    (vi_id,), _ = await delegates(app, 1)
    draft, _ = await import_in_chat(tg, "kq.csv", csv_bytes(election(SMALL)))
    assert await press(tg, f"resp:discard:{draft}") == vi("results.discarded", id=draft)
    assert await status_of(app, draft) == "discarded"
    assert await press(tg, f"resp:publish:{draft}") == vi("results.not_draft", id=draft)
    assert await press(tg, f"resp:discard:{draft}") == vi("results.not_draft", id=draft)
    assert await press(tg, f"resp:view:{draft}") == vi("error.stale_choice")
    run = await cli(capsys, cli_config, "results", "publish", str(draft))
    assert run.code == 1
    assert run.err.strip() == plain("results.not_draft", id=draft)
    await drain(app, clock)
    assert fake.sent_texts(vi_id) == []
    assert await broadcasts.recent(app.services.db) == []
    assert await status_of(app, draft) == "discarded"
    assert await tg.texts(vi_id, "/results") == [vi("results.none")]
    assert await press(tg, f"res:{draft}", vi_id) == vi("error.stale_choice")
    [entry] = await audit.entries(app.services.db, action="results.discarded")
    assert (entry.actor, entry.details) == (ORGANISER, {"result": draft})
    assert await audit.entries(app.services.db, action="results.published") == []


async def test_cli_publish_of_an_unknown_result_is_refused_clearly(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path
) -> None:
    """There is no result #999: the answer says so, not that it was published or discarded."""
    run = await cli(capsys, cli_config, "results", "publish", "999")
    assert run.code == 1
    assert run.out == ""
    assert run.err.strip() == plain("results.cli.unknown", id=999)
    await nothing_stored(app)


@pytest.mark.parametrize("data", ["resp:publish:abc", "resp:discard:", "resp:view:x1",
                                  "res:abc", "res:", "res:999"])
async def test_malformed_or_unknown_result_buttons_change_nothing(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock, data: str
) -> None:
    (vi_id,), _ = await delegates(app, 1)
    draft, _ = await import_in_chat(tg, "kq.csv", csv_bytes(election(SMALL)))
    assert await press(tg, data) == vi("error.stale_choice")
    await drain(app, clock)
    assert await status_of(app, draft) == "draft"
    assert fake.sent_texts(vi_id) == []


async def test_an_unknown_organiser_action_does_not_publish(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    """Only `resp:publish:N` publishes; any other action (an old or forged button) is stale."""
    (vi_id,), _ = await delegates(app, 1)
    draft, _ = await import_in_chat(tg, "kq.csv", csv_bytes(election(SMALL)))
    answer = await press(tg, f"resp:bogus:{draft}")
    await drain(app, clock)
    assert fake.sent_texts(vi_id) == []
    assert await status_of(app, draft) == "draft"
    assert answer == vi("error.stale_choice")


@pytest.mark.parametrize("data", ["res:" + "9" * 30, "res:²", "resp:publish:" + "9" * 30,
                                  "resp:view:²"])
async def test_a_forged_number_in_a_result_button_gets_a_clear_answer(
    app: App, tg: TelegramChat, data: str
) -> None:
    """Callback data is up to 64 bytes anyone's client can send: a number too big for SQLite or
    a Unicode digit must be answered as a stale choice, not crash the handler in silence."""
    messages = await tg.press(ORGANISER_ID, data)
    assert [m["text"] for m in messages] == [vi("error.stale_choice")]


# ---------------------------------------------------------------------------- /results
async def test_results_lists_only_published_results_and_each_opens_in_full(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    (vi_id,), (en_id,) = await delegates(app, 2, english=1)
    assert await tg.texts(vi_id, "/results") == [vi("results.none")]
    draft, preview = await import_in_chat(tg, "results-election.csv", SEED_FILE.read_bytes())
    notice = notice_of(preview, draft)

    # A draft is not visible to delegates, and cannot be opened by them.
    assert await tg.texts(vi_id, "/results") == [vi("results.none")]
    assert await press(tg, f"res:{draft}", vi_id) == vi("error.stale_choice")
    # The organisers see it among the drafts, and can preview it again.
    (listing,) = await tg.send(ORGANISER_ID, "/results")
    assert listing["text"] == "\n".join([vi("results.drafts_head").lstrip("\n"),
                                         f"#{draft} {SEED_TITLE}"])
    assert buttons(listing) == [(f"Xem bản nháp #{draft}", f"resp:view:{draft}")]
    again = await tg.press(ORGANISER_ID, f"resp:view:{draft}")
    assert joined(again) == preview
    assert buttons(again[-1]) == [("Công bố tới 2 tài khoản", f"resp:publish:{draft}"),
                                  ("Bỏ bản nháp", f"resp:discard:{draft}")]

    await tg.press(ORGANISER_ID, f"resp:publish:{draft}")
    await drain(app, clock)
    await import_in_chat(tg, "nghi-quyet.csv", VOTE_FILE.read_bytes())  # a draft: not listed
    (listing,) = await tg.send(vi_id, "/results")
    assert listing["text"] == "\n".join([vi("results.list_head"), f"#1 {SEED_TITLE}"])
    assert buttons(listing) == [(SEED_TITLE[:39] + "…", "res:1")]
    (opened,) = await tg.press(vi_id, "res:1")
    assert opened["text"] == notice  # every candidate, votes, percentage, elected marked
    (opened_en,) = await tg.press(en_id, "res:1")
    assert fake.sent_texts(en_id)[0] == opened_en["text"]  # the English notice it received
    assert await press(tg, "res:2", vi_id) == vi("error.stale_choice")
    # Organisers see the published one and the waiting draft.
    (listing,) = await tg.send(ORGANISER_ID, "/results")
    assert listing["text"] == "\n".join([vi("results.list_head"), f"#1 {SEED_TITLE}",
                                         vi("results.drafts_head"), f"#2 {VOTE_TITLE}"])
    assert [d for _, d in buttons(listing)] == ["res:1", "resp:view:2"]


# ---------------------------------------------------------------------------- corrections
CORRECTION_CHANGES = [
    "📝 <b>ĐÍNH CHÍNH</b> — thông báo này thay cho thông báo kết quả trước. Thay đổi:",
    "• Số phiếu hợp lệ: 296 → 295",
    "• Số phiếu không hợp lệ: 3 → 4",
    "• Quách Văn Thành: 164 → 140 phiếu",
    "• Âu Thị Tuyết: 141 → 170 phiếu",
    "• Âu Thị Tuyết: nay trúng cử",
    "• Quách Văn Thành: nay không trúng cử",
]


async def test_a_correction_says_what_changed_supersedes_the_old_result_and_reaches_everyone(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    vi_ids, en_ids = await delegates(app, 3, english=1)
    first, preview = await import_in_chat(tg, "results-election.csv", SEED_FILE.read_bytes())
    original = notice_of(preview, first)
    await tg.press(ORGANISER_ID, f"resp:publish:{first}")
    await drain(app, clock)

    draft, preview = await import_in_chat(tg, "kq-dinh-chinh.csv", seed_correction())
    assert draft == 2
    item = await results.get(app.services.db, draft)
    assert item is not None and item.status == "draft" and item.corrects == first
    correction = notice_of(preview, draft, correction=True)
    assert correction.startswith("\n".join([*CORRECTION_CHANGES, "",
                                            f"🗳 <b>Kết quả: {SEED_TITLE}</b>"]))
    lines = correction.split("\n")
    assert "Trúng cử: trên một nửa của 295 phiếu hợp lệ — ít nhất 148 phiếu" in lines
    assert "<b>Số người trúng cử: 26/26</b>" in lines
    assert "26. ✅ <b>Âu Thị Tuyết</b> — 170 phiếu (57,63%)" in lines
    assert "27. Quách Văn Thành — 140 phiếu (47,46%)" in lines
    assert await status_of(app, first) == "published"  # until the correction is published

    assert await press(tg, f"resp:publish:{draft}") == vi("results.published", id=draft,
                                                           count=3, broadcast=2)
    await drain(app, clock)
    assert await status_of(app, first) == "superseded"
    assert await status_of(app, draft) == "published"
    for user_id in vi_ids:
        assert fake.sent_texts(user_id) == [original, correction]
    english = fake.sent_texts(en_ids[0])
    assert len(english) == 2
    assert english[1].startswith(
        "📝 <b>CORRECTION</b> — this notice replaces the earlier result. Changes:\n"
        "• Valid ballots: 296 → 295\n• Invalid ballots: 3 → 4\n")
    assert "• Âu Thị Tuyết: now elected\n• Quách Văn Thành: no longer elected" in english[1]

    # /results lists the correction only; the old one still opens, with the "corrected" note.
    (listing,) = await tg.send(vi_ids[0], "/results")
    assert listing["text"] == "\n".join([vi("results.list_head"), f"#{draft} {SEED_TITLE}"])
    (old,) = await tg.press(vi_ids[0], f"res:{first}")
    assert old["text"] == vi("results.superseded") + "\n\n" + original
    (new,) = await tg.press(vi_ids[0], f"res:{draft}")
    assert new["text"] == correction.split("\n\n", 1)[1]  # the result, without the changes
    imported = await audit.entries(app.services.db, action="results.imported")
    assert [e.details["corrects"] for e in imported] == [first, None]
    published = await audit.entries(app.services.db, action="results.published")
    assert [(e.details["result"], e.details["corrects"]) for e in published] == [
        (draft, first), (first, None)]


async def test_a_correction_can_be_corrected_again(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    (vi_id,), _ = await delegates(app, 1)
    for number, votes in enumerate((60, 61, 62), start=1):
        rows = election([*SMALL[:3], ("Đặng Mỹ Trang", votes)])
        draft, _ = await import_in_chat(tg, "kq.csv", csv_bytes(rows))
        assert draft == number
        await tg.press(ORGANISER_ID, f"resp:publish:{draft}")
    await drain(app, clock)
    received = fake.sent_texts(vi_id)
    assert len(received) == 3
    assert "• Đặng Mỹ Trang: 60 → 61 phiếu" in received[1]
    assert "• Đặng Mỹ Trang: 61 → 62 phiếu" in received[2]  # against what was last published
    db = app.services.db
    assert [r.id for r in await results.with_status(db, "published")] == [3]
    assert [r.id for r in await results.with_status(db, "superseded")] == [1, 2]


async def test_two_drafts_of_one_title_never_leave_two_published_results(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    """Two correction drafts imported before either is published (the committee sent the file
    twice, fixed): after both are published, one result with that title is current, and the
    second notice's changes are against what delegates last received."""
    (vi_id,), _ = await delegates(app, 1)
    first, _ = await import_in_chat(tg, "kq.csv", csv_bytes(election(SMALL)))
    await tg.press(ORGANISER_ID, f"resp:publish:{first}")
    fixed = [csv_bytes(election([*SMALL[:3], ("Đặng Mỹ Trang", votes)])) for votes in (61, 62)]
    second, _ = await import_in_chat(tg, "kq.csv", fixed[0])
    third, _ = await import_in_chat(tg, "kq.csv", fixed[1])
    await tg.press(ORGANISER_ID, f"resp:publish:{second}")
    await tg.press(ORGANISER_ID, f"resp:publish:{third}")
    await drain(app, clock)
    current = await results.with_status(app.services.db, "published")
    assert [r.id for r in current] == [third], [(r.id, r.status) for r in current]
    received = fake.sent_texts(vi_id)
    assert "• Đặng Mỹ Trang: 61 → 62 phiếu" in received[-1]


@pytest.mark.parametrize("published_first", [True, False], ids=["correction", "new-title"])
async def test_a_draft_seen_again_after_another_of_its_title_was_published_shows_what_is_sent(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock, published_first: bool
) -> None:
    """Two drafts of one title wait; the first is published. Opening the second again
    (`resp:view:N`, e.g. from /results) must show the notice its publication then sends: a
    correction of what delegates last received."""
    (vi_id,), _ = await delegates(app, 1)
    if published_first:
        first, _ = await import_in_chat(tg, "kq.csv", csv_bytes(election(SMALL)))
        await tg.press(ORGANISER_ID, f"resp:publish:{first}")
    fixed = [csv_bytes(election([*SMALL[:3], ("Đặng Mỹ Trang", votes)])) for votes in (61, 62)]
    second, _ = await import_in_chat(tg, "kq.csv", fixed[0])
    third, _ = await import_in_chat(tg, "kq.csv", fixed[1])
    await tg.press(ORGANISER_ID, f"resp:publish:{second}")
    await drain(app, clock)
    before = len(fake.sent_texts(vi_id))
    shown = joined(await tg.press(ORGANISER_ID, f"resp:view:{third}"))
    await tg.press(ORGANISER_ID, f"resp:publish:{third}")
    await drain(app, clock)
    (sent,) = fake.sent_texts(vi_id)[before:]
    assert "• Đặng Mỹ Trang: 61 → 62 phiếu" in sent
    assert notice_of(shown, third, correction=True) == sent


# ---------------------------------------------------------------------------- long notices
LONG_COUNT = 200


def long_candidates() -> list[tuple[str, int]]:
    """Return 200 candidates with distinct votes (best first), one name holding markup."""
    names = [f"Ứng cử viên Nguyễn Văn Thứ {i:03d} Đơn vị số {i % 17}" for i in range(LONG_COUNT)]
    names[7] = "Trần <Bảy> & Cộng sự"
    return [(name, 990 - 4 * i) for i, name in enumerate(names)]


CANDIDATE_LINE = re.compile(
    r"(?P<rank>\d+)\. (?:✅ <b>(?P<elected>[^<]+)</b>|(?P<other>[^<]+?)) — (?P<votes>\d+) "
    r"(?:phiếu|votes) \((?P<percent>\d+[,.]\d\d)%\)")


def candidate_lines(parts: list[str]) -> list[tuple[str, int, bool]]:
    """Return (name, votes, elected) of every candidate line in a notice's parts, in order;
    fail on a line that starts like a candidate line but is not a whole one."""
    found = []
    for part in parts:
        for line in part.split("\n"):
            if not re.match(r"\d+\.", line):
                continue
            match = CANDIDATE_LINE.fullmatch(line)
            assert match is not None, f"a candidate line cut in two: {line!r}"
            name = match["elected"] or match["other"]
            found.append((html.unescape(name), int(match["votes"]), bool(match["elected"])))
    return found


async def test_a_result_with_200_candidates_arrives_whole_in_clean_parts(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    """150 seats, 1,000 valid ballots: 123 candidates pass 500 votes and are elected."""
    vi_ids, en_ids = await delegates(app, 2, english=1)
    candidates = long_candidates()
    rows = election(candidates, seats=150, issued=1010, received=1005, valid=1000, invalid=5)
    expected = [(name, votes, votes > 500) for name, votes in candidates]
    preview = await tg.send_document(ORGANISER_ID, "kq.csv", csv_bytes(rows))
    assert len(preview) >= 3
    assert candidate_lines([m["text"] for m in preview]) == expected
    assert all("reply_markup" not in m for m in preview[:-1])
    assert [d for _, d in buttons(preview[-1])] == ["resp:publish:1", "resp:discard:1"]
    notice = notice_of(joined(preview), 1)

    await tg.press(ORGANISER_ID, "resp:publish:1")
    await drain(app, clock)
    for user_id in (*vi_ids, *en_ids):
        parts = fake.sent_texts(user_id)
        assert len(parts) >= 3
        for part in parts:  # the fake only records what Telegram would accept; check anyway
            visible = html_to_text(part)
            assert len(visible.encode("utf-16-le")) // 2 <= 4096
        assert candidate_lines(parts) == expected
        assert "Trần &lt;Bảy&gt; &amp; Cộng sự" in "".join(parts)
    assert "\n".join(fake.sent_texts(vi_ids[0])) == notice
    assert (await outbox.counts(app.services.db, 1))["sent"] == len(
        fake.sent_texts(vi_ids[0])) + len(fake.sent_texts(en_ids[0]))
    await tg.send(vi_ids[0], "/results")
    parts = [m["text"] for m in await tg.press(vi_ids[0], "res:1")]
    assert "\n".join(parts) == notice


# ---------------------------------------------------------------------------- permissions
async def test_a_delegate_cannot_publish_discard_view_or_import_a_result(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    (vi_id,), _ = await delegates(app, 1)
    draft, _ = await import_in_chat(tg, "kq.csv", csv_bytes(election(SMALL)))
    for data in ("resp:publish:1", "resp:discard:1", "resp:view:1"):
        messages = await tg.press(DELEGATE_ID, data)
        assert [m["text"] for m in messages] == [vi("error.organisers_only")], data
        assert "reply_markup" not in messages[0]
    (answer,) = await tg.send_document(DELEGATE_ID, "kq.csv", csv_bytes(election(TIED)))
    assert answer["text"] == vi("roster.chat.not_organiser")
    assert "reply_markup" not in answer
    (registered,) = await tg.press(vi_id, "resp:publish:1")  # a registered delegate too
    assert registered["text"] == vi("error.organisers_only")
    await drain(app, clock)
    db = app.services.db
    assert [r.id for r in await results.with_status(db, "draft")] == [draft]
    assert await results.get(db, 2) is None
    assert await broadcasts.recent(db) == []
    assert fake.sent_texts(vi_id) == [vi("error.organisers_only")]
    assert await tg.texts(DELEGATE_ID, "/results") == [vi("results.none")]
    assert [e.actor for e in await audit.entries(db, action="results.imported")] == [ORGANISER]
    for action in ("results.published", "results.discarded"):
        assert await audit.entries(db, action=action) == []


# ---------------------------------------------------------------------------- the audit log
async def test_the_audit_log_records_every_import_publication_and_discard(
    app: App, tg: TelegramChat, capsys: pytest.CaptureFixture[str], cli_config: Path,
    tmp_path: Path,
) -> None:
    await delegates(app, 2)
    await import_in_chat(tg, "kq.csv", csv_bytes(election(SMALL)))
    await tg.press(ORGANISER_ID, "resp:discard:1")
    assert (await cli_import(capsys, cli_config, tmp_path, "kq.xlsx",
                             xlsx_bytes(election(SMALL)))).code == 0
    assert (await cli(capsys, cli_config, "results", "publish", "2")).code == 0
    await import_in_chat(tg, "nghi-quyet.csv", VOTE_FILE.read_bytes())
    await tg.press(ORGANISER_ID, "resp:publish:3")
    await tg.send_document(ORGANISER_ID, "kq.csv", csv_bytes(election(SMALL, invalid=3)))
    trail = [(e.actor, e.action, e.details) for e in
             reversed(await audit.entries(app.services.db, limit=20))
             if e.action.startswith("results.")]
    assert trail == [
        (ORGANISER, "results.imported",
         {"result": 1, "file": "kq.csv", "title": SMALL_TITLE, "corrects": None}),
        (ORGANISER, "results.discarded", {"result": 1}),
        ("cli", "results.imported",
         {"result": 2, "file": "kq.xlsx", "title": SMALL_TITLE, "corrects": None}),
        ("cli", "results.published",
         {"result": 2, "broadcast": 1, "recipients": 2, "corrects": None}),
        (ORGANISER, "results.imported",
         {"result": 3, "file": "nghi-quyet.csv", "title": VOTE_TITLE, "corrects": None}),
        (ORGANISER, "results.published",
         {"result": 3, "broadcast": 2, "recipients": 2, "corrects": None}),
    ]
    entries = await audit.entries(app.services.db, limit=20)
    assert all(e.at.startswith("2026-08-11T00:30") for e in entries if e.actor == ORGANISER)


# ---------------------------------------------------------------------------- review fixes
async def test_the_same_figures_twice_make_no_empty_correction(
    app: App, tg: TelegramChat, clock: FixedClock
) -> None:
    """The same file sent twice and both drafts published: the second is refused, and
    delegates get the result once, with no 'correction' that changes nothing."""
    people, _ = await delegates(app, 3)
    content = csv_bytes(election([("Lê Văn An", 90), ("Trần Thị Bình", 80), ("Phạm Cúc", 70)]))
    first, _ = await import_in_chat(tg, "kq.csv", content)
    second, _ = await import_in_chat(tg, "kq-lan-2.csv", content)
    await press(tg, f"resp:publish:{first}")
    answer = await press(tg, f"resp:publish:{second}")
    assert answer == vi("results.unchanged", id=second)
    assert await status_of(app, second) == "draft"
    await drain(app, clock)
    head = vi("results.head.titled", title=SMALL_TITLE)
    for user_id in people:
        got = [t for t in tg.fake.sent_texts(user_id) if head in t]
        assert len(got) == 1 and vi("results.correction_head") not in got[0]


async def test_minutes_under_a_heading_are_a_result_in_chat(app: App, tg: TelegramChat) -> None:
    """Minutes that open with 'BIÊN BẢN KIỂM PHIẾU' are checked as a result, not a roster."""
    rows = [["BIÊN BẢN KIỂM PHIẾU"], [],
            *election([("Lê Văn An", 90), ("Trần Thị Bình", 80)])]
    draft, preview = await import_in_chat(tg, "bien-ban.csv", csv_bytes(rows))
    assert preview.startswith(vi("results.preview", id=draft))
    assert await status_of(app, draft) == "draft"
