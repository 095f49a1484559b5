"""The organisers' view of registration, through the real Telegram channel and the console.

/registrations (registered out of total, by kind and by delegation, pages of who is missing
with `regs:N` buttons), /unlink (the delegate is told), and every organiser command and button
refused to a delegate.
"""

from __future__ import annotations

import io
from collections import Counter

import pytest

from bot.app import App
from bot.channels.console import ConsoleChannel
from bot.clock import to_iso
from bot.tabular import read_table_bytes
from handlers.roster import apply_plan, plan_from_table
from storage import delegates, registrations, staging
from storage.delegates import Delegate
from testkit.telegram_harness import TelegramChat, buttons
from testkit.texts import vi
from tests.conftest import DELEGATE_ID, ORGANISER_ID

OTHER_ID = 1002
KINDS = {"official": "Chính thức", "alternate": "Dự khuyết", "guest": "Khách mời"}



def people(count: int) -> list[tuple[str, str, str, str]]:
    """Return (code, name, delegation, kind) rows: two delegations and some with none."""
    rows = []
    for i in range(count):
        delegation = "Đoàn A" if i < 20 else "Đoàn B" if i < 35 else ""
        kind = "alternate" if i % 10 == 3 else "guest" if i % 10 == 7 else "official"
        name = "Nguyễn <Văn> & Cộng" if i == count - 1 else f"Đại biểu {i:02d}"
        rows.append((f"DB{i:03d}", name, delegation, kind))
    return rows


async def load(app: App, rows: list[tuple[str, str, str, str]]) -> dict[str, Delegate]:
    """Import the rows as the roster; return it by code."""
    lines = ["Mã đại biểu;Họ và tên;Đoàn;Loại",
             *(f"{code};{name};{delegation};{KINDS[kind]}" for code, name, delegation, kind
               in rows)]
    table = read_table_bytes("\r\n".join(lines).encode(), "ds.csv")
    plan = await plan_from_table(app.services.db, table, prune=False)
    assert plan.ok, plan.problems
    await apply_plan(app.services.db, plan, to_iso(app.services.clock.now()))
    return {d.code: d for d in await delegates.all_delegates(app.services.db)}


async def register(tg: TelegramChat, user_id: int, delegate: Delegate) -> None:
    """Register a Telegram account as a delegate through the deep link."""
    await tg.send(user_id, f"/start {delegate.invite_code}")
    assert "Đăng ký thành công" in "".join(m["text"] for m in await tg.press(user_id, "reg:yes"))


async def linked(app: App, user_id: int) -> int | None:
    """Return the id of the delegate a Telegram account is linked to, if any."""
    return await registrations.delegate_id_of(app.services.db, "telegram", str(user_id))


def listed_codes(text: str) -> list[str]:
    """Return the delegate codes on a page of the "not registered yet" list."""
    return [line[2:].split(" — ")[0] for line in text.split("\n") if line.startswith("• DB")]


NEXT, PREVIOUS = "Trang sau ›", "‹ Trang trước"


# ---------------------------------------------------------------------------- /registrations


async def test_registrations_counts_by_kind_and_delegation_and_pages_the_missing(
    app: App, tg: TelegramChat
) -> None:
    rows = people(45)
    roster = await load(app, rows)
    registered = {"DB003", "DB021", "DB040"}  # one of each delegation
    for user_id, code in zip((2001, 2002, 2003), sorted(registered), strict=True):
        await register(tg, user_id, roster[code])
    (summary,) = await tg.send(ORGANISER_ID, "/registrations")
    text = summary["text"]
    # the 4 guests are not delegates: the total counts the 41 others, guests apart
    assert text.startswith("<b>Đã đăng ký: 3/41 đại biểu (7%)</b>\nKhách mời đã đăng ký: 0/4\n")
    totals = Counter(kind for _, _, _, kind in rows)
    done = Counter(kind for code, _, _, kind in rows if code in registered)
    for kind in ("official", "alternate"):
        line = vi("overview.line", name=vi(f"kind.{kind}"), registered=done[kind],
                  total=totals[kind])
        assert line in text
    assert vi("overview.line", name=vi("kind.guest"), registered=0, total=4) not in text
    assert "• Đoàn A: 1/18" in text and "• Đoàn B: 1/14" in text
    assert "• (chưa xếp đoàn): 1/9" in text
    assert text.index("<b>Theo loại</b>") < text.index("<b>Theo đoàn</b>")
    assert "<b>Chưa đăng ký: 42 người</b> (trang 1/3)" in text
    pages = [listed_codes(text)]
    assert len(pages[0]) == 20
    assert buttons(summary) == [(NEXT, "regs:1")]
    (second,) = await tg.press(ORGANISER_ID, "regs:1")
    assert "<b>Chưa đăng ký: 42 người</b> (trang 2/3)" in second["text"]
    assert buttons(second) == [(PREVIOUS, "regs:0"), (NEXT, "regs:2")]
    pages.append(listed_codes(second["text"]))
    (third,) = await tg.press(ORGANISER_ID, "regs:2")
    assert "(trang 3/3)" in third["text"]
    assert buttons(third) == [(PREVIOUS, "regs:1")]
    pages.append(listed_codes(third["text"]))
    assert [len(p) for p in pages] == [20, 20, 2]
    everyone = [code for page in pages for code in page]
    assert sorted(everyone) == sorted(set(roster) - registered)  # each once, none registered
    # HTML characters in a name are escaped; the delegation shows "—" when there is none.
    assert "• DB044 — Nguyễn &lt;Văn&gt; &amp; Cộng (—)" in text + second["text"]
    (back,) = await tg.press(ORGANISER_ID, "regs:0")
    assert listed_codes(back["text"]) == pages[0]


async def test_registrations_on_an_empty_roster_says_how_to_fill_it(tg: TelegramChat) -> None:
    assert await tg.texts(ORGANISER_ID, "/registrations") == [vi("overview.empty")]


async def test_registrations_when_everyone_is_registered(app: App, tg: TelegramChat) -> None:
    roster = await load(app, people(2))
    await register(tg, DELEGATE_ID, roster["DB000"])
    await register(tg, OTHER_ID, roster["DB001"])
    (summary,) = await tg.send(ORGANISER_ID, "/registrations")
    assert summary["text"].startswith("<b>Đã đăng ký: 2/2 đại biểu (100%)</b>")
    assert summary["text"].endswith(vi("overview.all_registered"))
    assert buttons(summary) == []


@pytest.mark.parametrize(("data", "page"), [("regs:99", 3), ("regs:abc", 1), ("regs:-1", 1),
                                            ("regs:", 1)])
async def test_forged_page_numbers_stay_in_range(
    app: App, tg: TelegramChat, data: str, page: int
) -> None:
    await load(app, people(45))
    (answer,) = await tg.press(ORGANISER_ID, data)
    assert f"(trang {page}/3)" in answer["text"]


async def test_console_organiser_reads_registrations_and_pages_by_number(app: App) -> None:
    await load(app, people(45))
    app.services.organisers["console"] = {"organiser"}
    out = io.StringIO()
    channel = ConsoleChannel(app, user_id="organiser", display_name="Ban Tổ chức",
                             stdin=io.StringIO("/registrations\n1\n"), stdout=out)
    await channel.run(prompt=False)
    text = out.getvalue()
    assert "Đã đăng ký: 0/41 đại biểu (0%)\nKhách mời đã đăng ký: 0/4" in text
    assert "Chưa đăng ký: 45 người (trang 1/3)" in text
    assert f"  1. {NEXT}" in text
    assert "Chưa đăng ký: 45 người (trang 2/3)" in text
    assert "• DB044 — Nguyễn <Văn> & Cộng (—)" in text
    assert "<b>" not in text


# ---------------------------------------------------------------------------- /unlink


async def test_unlink_frees_the_seat_and_tells_the_delegate(app: App, tg: TelegramChat) -> None:
    roster = await load(app, people(3))
    await register(tg, DELEGATE_ID, roster["DB001"])
    before = len(tg.fake.sent_messages(DELEGATE_ID))
    (ask,) = await tg.send(ORGANISER_ID, "/unlink DB001")  # asked first: tests/test_confirm.py
    assert await linked(app, DELEGATE_ID) == roster["DB001"].id
    (done,) = [m["text"] for m in await tg.press(ORGANISER_ID, buttons(ask)[0][1])]
    assert done == vi("unlink.done", name="Đại biểu 01", code="DB001", count=1)
    assert tg.fake.sent_texts(DELEGATE_ID)[before:] == [vi("unlink.notice")]
    assert await linked(app, DELEGATE_ID) is None
    assert await delegates.find_by_code(app.services.db, "DB001") == roster["DB001"]
    assert await tg.texts(DELEGATE_ID, "/me") == [vi("registration.not_registered")]
    # The seat is free: another account (the delegate's new phone) may take it.
    await register(tg, OTHER_ID, roster["DB001"])
    assert await linked(app, OTHER_ID) == roster["DB001"].id


@pytest.mark.parametrize(
    ("command", "key", "params"),
    [
        ("/unlink", "unlink.usage", {}),
        ("/unlink DB001 DB002", "unlink.usage", {}),
        ("/unlink NOPE", "unlink.unknown", {"code": "NOPE"}),
        ("/unlink <b>&amp;", "unlink.unknown", {"code": "<b>&amp;"}),
        ("/unlink DB002", "unlink.none", {"name": "Nguyễn <Văn> & Cộng", "code": "DB002"}),
    ],
)
async def test_unlink_bad_or_useless_input_gets_a_clear_answer(
    app: App, tg: TelegramChat, command: str, key: str, params: dict[str, str]
) -> None:
    roster = await load(app, people(3))
    await register(tg, DELEGATE_ID, roster["DB001"])
    assert await tg.texts(ORGANISER_ID, command) == [vi(key, **params)]
    assert await linked(app, DELEGATE_ID) == roster["DB001"].id


# ---------------------------------------------------------------------------- permissions


@pytest.mark.parametrize(
    ("kind", "what"),
    [("command", "/registrations"), ("command", "/unlink DB001"), ("command", "/unlink"),
     ("button", "regs:1"), ("button", "regs:0"), ("button", "roster:import"),
     ("button", "roster:prune"), ("button", "roster:cancel")],
)
async def test_delegate_is_refused_every_organiser_command_and_button(
    app: App, tg: TelegramChat, kind: str, what: str
) -> None:
    roster = await load(app, people(25))
    await register(tg, DELEGATE_ID, roster["DB001"])
    # An organiser's file waits for confirmation; a delegate's press must not touch it.
    await tg.send_document(ORGANISER_ID, "ds.csv", "Mã đại biểu;Họ và tên\r\nX1;Mới\r\n".encode())
    answer = (await tg.send(DELEGATE_ID, what) if kind == "command"
              else await tg.press(DELEGATE_ID, what))
    assert [m["text"] for m in answer] == [vi("error.organisers_only")]
    assert all(not buttons(m) for m in answer)
    assert await linked(app, DELEGATE_ID) == roster["DB001"].id
    assert sorted(d.code for d in await delegates.all_delegates(app.services.db)) == sorted(roster)
    assert await staging.staged_file(app.services.db, "telegram", str(ORGANISER_ID),
                                     "roster") is not None


async def test_unlink_of_a_delegate_who_blocked_the_bot_still_succeeds(
    app: App, tg: TelegramChat
) -> None:
    """The notice to the unlinked delegate cannot go (403): the organiser still hears that
    the unlink is done, and it is."""
    roster = await load(app, people(2))
    await register(tg, DELEGATE_ID, roster["DB001"])
    (ask,) = await tg.send(ORGANISER_ID, "/unlink DB001")
    tg.fake.fail_next("sendMessage", 403)  # the notice to the delegate
    answer = [m["text"] for m in await tg.press(ORGANISER_ID, buttons(ask)[0][1])]
    assert answer == [vi("unlink.done", name=roster["DB001"].full_name, code="DB001", count=1)]
    assert await linked(app, DELEGATE_ID) is None


async def test_who_is_missing_is_in_vietnamese_order(app: App, tg: TelegramChat) -> None:
    names = ["Vũ Văn An", "Đỗ Thị Bình", "Đinh Văn Bình", "Đặng Bình", "Nguyễn Văn Ngọc",
             "Ngô Văn Ngọc", "Lê Thị Ân", "Trần Ấn", "Phạm Anh", "Hồ Ư", "Lý U", "Mai Thị Uyên"]
    rows = [(f"DB{i:03d}", name, "Đoàn Dương Kinh", "official") for i, name in enumerate(names)]
    rows += [("DB100", "Vũ Thị Hoa", "Đoàn Vũ Thư", "official"),
             ("DB101", "Đào Hoa", "Đoàn Đông Hưng", "official")]
    roster = await load(app, rows)
    (summary,) = await tg.send(ORGANISER_ID, "/registrations")
    text = summary["text"]
    # Delegations: Đ after D, before V (byte order puts Đ after V).
    assert text.index("• Đoàn Dương Kinh:") < text.index("• Đoàn Đông Hưng:") < text.index(
        "• Đoàn Vũ Thư:")
    listed = [roster[code].full_name for code in listed_codes(text)]
    assert listed == ["Vũ Văn An", "Phạm Anh", "Lê Thị Ân", "Trần Ấn", "Đặng Bình",
                      "Đinh Văn Bình", "Đỗ Thị Bình", "Ngô Văn Ngọc", "Nguyễn Văn Ngọc",
                      "Lý U", "Mai Thị Uyên", "Hồ Ư",  # Đoàn Dương Kinh, by given name
                      "Đào Hoa",  # Đoàn Đông Hưng
                      "Vũ Thị Hoa"]  # Đoàn Vũ Thư
