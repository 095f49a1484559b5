"""The /announce delegation picker at a national congress's size: 150 delegations, a page at
a time, on Telegram (buttons) and on Zalo (a numbered list), in Vietnamese order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.clock import to_iso
from bot.collation import sort_texts
from bot.config import Config
from bot.i18n import Translator
from bot.text import html_to_plain
from handlers.delegation_picker import PAGE_SIZE
from storage import broadcasts, delegates
from storage.delegates import DelegateData
from testkit.telegram_harness import TelegramChat, buttons
from testkit.zalo_harness import ZaloChat
from tests.conftest import DELEGATE_ID, ORGANISER_ID, make_config

TEXTS = Translator.load()
ZALO_ORGANISER = "0rg4n1532"
# Names chosen where byte order and Vietnamese order differ (Đ after D, not after V).
TRICKY = ["Đoàn Vũ Thư", "Đoàn Đinh Lập", "Đoàn Dương Kinh", "Đoàn Đặng Xá", "Đoàn Ân Thi"]
NAMES = TRICKY + [f"Đoàn Tỉnh số {i:03d}" for i in range(150 - len(TRICKY))]


def t(key: str, **params: object) -> str:
    """Return a Vietnamese locale text, plain (as Zalo shows it)."""
    return html_to_plain(TEXTS.t("vi", key, **params))


async def load(app: App) -> None:
    """Write one delegate for each of the 150 delegations."""
    rows = [DelegateData(f"D{i:04d}", f"Đại biểu {i}", "Đơn vị", name, "official", None,
                         f"S{i}", f"INVITE{i:04d}") for i, name in enumerate(NAMES)]
    await delegates.apply_import(app.services.db, upserts=rows, remove_codes=[],
                                 now=to_iso(app.services.clock.now()))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a test config with one Telegram and one Zalo organiser."""
    return make_config(tmp_path, organisers={"telegram": [ORGANISER_ID],
                                             "zalo": [ZALO_ORGANISER]})


def names_on(message: dict[str, Any]) -> list[str]:
    """Return the delegations a picker page offers."""
    return [label for label, data in buttons(message) if data.startswith("ann:d:")]


async def test_telegram_pages_150_delegations_in_vietnamese_order(
    app: App, tg: TelegramChat
) -> None:
    await load(app)
    await tg.send(ORGANISER_ID, "/announce Họp đoàn lúc 11h30")
    (page,) = await tg.press(ORGANISER_ID, "ann:delegations")
    pages = -(-150 // PAGE_SIZE)
    assert page["text"] == f"Chọn đoàn nhận thông báo (trang 1/{pages}):"
    seen: list[str] = []
    for number in range(1, pages + 1):
        assert f"(trang {number}/{pages})" in page["text"]
        assert len(buttons(page)) <= PAGE_SIZE + 2  # the page's delegations, ◀ and ▶
        seen += names_on(page)
        nav = [label for label, data in buttons(page) if data.startswith("ann:dp:")]
        assert nav == ((["◀ Trang trước"] if number > 1 else [])
                       + (["Trang sau ▶"] if number < pages else []))
        if number < pages:
            (page,) = await tg.press(ORGANISER_ID, f"ann:dp:{number}")
    assert seen == sort_texts(NAMES) and len(seen) == 150
    assert seen.index("Đoàn Dương Kinh") < seen.index("Đoàn Đặng Xá") < seen.index(
        "Đoàn Đinh Lập") < seen.index("Đoàn Tỉnh số 000") < seen.index("Đoàn Vũ Thư")
    # Back a page, then pick one on it: the preview names that delegation.
    (back,) = await tg.press(ORGANISER_ID, f"ann:dp:{pages - 2}")
    label, data = buttons(back)[3]
    assert label == seen[(pages - 2) * PAGE_SIZE + 3]
    (shown,) = await tg.press(ORGANISER_ID, data)
    assert f"<b>{label}</b>" in shown["text"]


async def test_a_page_out_of_range_shows_the_nearest_and_a_forged_one_is_stale(
    app: App, tg: TelegramChat
) -> None:
    await load(app)
    await tg.send(ORGANISER_ID, "/announce Tin")
    await tg.press(ORGANISER_ID, "ann:delegations")
    (last,) = await tg.press(ORGANISER_ID, "ann:dp:999")
    assert names_on(last) == sort_texts(NAMES)[-(150 % PAGE_SIZE or PAGE_SIZE):]
    (stale,) = await tg.press(ORGANISER_ID, "ann:dp:x")
    assert stale["text"].startswith("Lựa chọn này đã hết hiệu lực")


async def test_few_delegations_need_no_pages(app: App, tg: TelegramChat) -> None:
    rows = [DelegateData(f"D{i}", f"Người {i}", "", name, "official", None, "", f"INVITE{i:04d}")
            for i, name in enumerate(["Đoàn Vũ", "Đoàn Đinh", "Đoàn Dương"])]
    await delegates.apply_import(app.services.db, upserts=rows, remove_codes=[],
                                 now=to_iso(app.services.clock.now()))
    await tg.send(ORGANISER_ID, "/announce Tin")
    (page,) = await tg.press(ORGANISER_ID, "ann:delegations")
    assert page["text"] == "Chọn đoàn nhận thông báo:"
    assert buttons(page) == [("Đoàn Dương", "ann:d:0"), ("Đoàn Đinh", "ann:d:1"),
                             ("Đoàn Vũ", "ann:d:2")]


@pytest.mark.parametrize("data", ["ann:dp:1", "ann:delegations"])
async def test_a_delegate_cannot_page_the_picker(
    app: App, tg: TelegramChat, data: str
) -> None:
    await load(app)
    await tg.send(ORGANISER_ID, "/announce Tin")
    (answer,) = await tg.press(DELEGATE_ID, data)
    assert answer["text"] == "Lệnh này chỉ dành cho Ban Tổ chức."
    assert await broadcasts.recent(app.services.db) == []


async def test_zalo_pages_the_numbered_list_and_picks_by_number(
    app: App, zalo: ZaloChat
) -> None:
    await load(app)
    ordered = sort_texts(NAMES)
    await zalo.send(ZALO_ORGANISER, "/announce Họp đoàn lúc 11h30")
    (first,) = await zalo.send(ZALO_ORGANISER, "2")  # "One delegation…"
    lines = first.splitlines()
    assert lines[0] == t("announce.ask_delegation_page", page=1, pages=19)
    assert lines[1:10] == [f"  {i}. {name}" for i, name in
                           enumerate([*ordered[:PAGE_SIZE], "Trang sau ▶"], 1)]
    (second,) = await zalo.send(ZALO_ORGANISER, "9")  # the next page
    assert second.splitlines()[0] == t("announce.ask_delegation_page", page=2, pages=19)
    assert f"  1. {ordered[PAGE_SIZE]}" in second
    assert "  9. ◀ Trang trước" in second and "  10. Trang sau ▶" in second
    assert len(second) <= 2000
    (shown,) = await zalo.send(ZALO_ORGANISER, "2")
    assert t("announce.preview", audience=ordered[PAGE_SIZE + 1], count=0) in shown
