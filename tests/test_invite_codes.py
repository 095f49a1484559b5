"""Issue 13, point 2: invite codes organisers already printed, folded look-alikes, grouping.

Codes of 6 to 32 letters and digits are accepted at import; codes are compared folded
(case, spaces, hyphens, and O→0, I/L→1, S→5, Z→2, B→8), so a misread character still
matches; two codes that fold to one value are refused at import; codes are shown grouped
(`KHK7-XFQM-M4`); databases written before keep matching.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.clock import to_iso
from bot.config import Config
from bot.formats.invite import (
    INVITE_ALPHABET,
    LOOK_ALIKES,
    fold_invite_code,
    generate_invite_code,
    group_invite_code,
    invite_code_in,
    normalize_invite_code,
)
from bot.formats.roster import parse_roster
from bot.i18n import Translator
from bot.tabular import Table, read_table_bytes
from handlers.roster import apply_plan, export_rows, plan_from_table
from storage import delegates
from storage.db import Database, migrations
from testkit.fake_telegram import FakeTelegram
from testkit.telegram_harness import TelegramChat, start_channel
from tests.conftest import DELEGATE_ID
from tests.test_registration import confirm_text, linked_code, pressed, said

HEADER = "Mã đại biểu;Họ và tên;Đơn vị;Đoàn;Loại;Số điện thoại;Số ghế;Mã mời"
TEXTS = Translator.load()
# Each class: the characters read as one; the first is the folded form.
CLASSES = [("0", "O", "o"), ("1", "I", "i", "L", "l"), ("5", "S", "s"), ("2", "Z", "z"),
           ("8", "B", "b")]


def table(*rows: str, name: str = "ds.csv") -> Table:
    """Return a semicolon CSV roster (HEADER and `rows`) read as a table."""
    return read_table_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode(), name)


async def load(app: App, *rows: str) -> None:
    """Import roster rows into the app's database; fail on any problem."""
    plan = await plan_from_table(app.services.db, table(*rows), prune=False)
    assert plan.ok, plan.problems
    await apply_plan(app.services.db, plan, to_iso(app.services.clock.now()))


# ---------------------------------------------------------------------------- folding


@pytest.mark.parametrize(("typed", "folded"), [
    ("P4R8W2ZN", "P4R8W22N"), ("p4rb-w22n", "P4R8W22N"), ("SOIL-BZ", "5011" + "82"),
    ("  khk7 xfqm m4 ", "KHK7XFQMM4"), ("ＫＨＫ７ＸＦＱＭＭ４", "KHK7XFQMM4"),  # full width
])
def test_fold_maps_case_separators_and_look_alikes(typed: str, folded: str) -> None:
    assert fold_invite_code(typed) == folded


def test_generated_codes_are_their_own_folded_form() -> None:
    assert not set(LOOK_ALIKES) & set(INVITE_ALPHABET)
    for _ in range(200):
        code = generate_invite_code(set())
        assert set(code) <= set(INVITE_ALPHABET) and fold_invite_code(code) == code


@pytest.mark.parametrize("text", ["xin chào", "đúng", "hello", "ok", "A" * 33, "mã mời",
                                  "🎉🎉🎉🎉🎉🎉", "AB_CD_EF", ""])
def test_text_that_cannot_be_a_code(text: str) -> None:
    assert invite_code_in(text) is None


@pytest.mark.parametrize("text", ["P4R8W2ZN", "khk7-xfqm-m4", "KHK7 XFQM M4", "ABCDEF",
                                  "xin chao"])  # accents left out: it can be a code
def test_text_that_can_be_a_code(text: str) -> None:
    assert invite_code_in(text) == fold_invite_code(text)


@pytest.mark.parametrize(("code", "grouped"), [
    ("KHK7XFQMM4", "KHK7-XFQM-M4"), ("P4R8W2ZN", "P4R8-W2ZN"), ("ABCDEF", "ABCD-EF"),
])
def test_codes_are_grouped_for_reading(code: str, grouped: str) -> None:
    assert group_invite_code(code) == grouped
    assert normalize_invite_code(grouped) == code  # and read back as stored


ORGANISER_CODES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=6,
                          max_size=32)
GENERATED_CODES = st.text(alphabet=INVITE_ALPHABET, min_size=10, max_size=10)


@st.composite
def typed_as(draw: st.DrawFn, printed: str) -> str:
    """Type a printed code as a person might: look-alikes swapped, any case, spaces and
    hyphens anywhere (or none), separators around it."""
    out = []
    for ch in printed:
        kind = next((c for c in CLASSES if ch.upper() in c), None)
        typed = draw(st.sampled_from(kind)) if kind and ch != "-" else ch
        typed = draw(st.sampled_from([typed.lower(), typed.upper()]))
        out.append(typed + draw(st.sampled_from(["", "", "", " ", "-", "  ", " - ", "–"])))
    return draw(st.sampled_from(["", " ", "\t"])) + "".join(out)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), code=st.one_of(ORGANISER_CODES, GENERATED_CODES))
def test_any_code_survives_export_print_and_typing(data: st.DataObject, code: str) -> None:
    stored = normalize_invite_code(code)  # as an import keeps it
    printed = group_invite_code(stored)  # as the export prints it
    typed = data.draw(typed_as(printed))
    assert invite_code_in(typed) == fold_invite_code(stored) == fold_invite_code(printed)


# ---------------------------------------------------------------------------- import


def test_import_accepts_codes_organisers_already_printed() -> None:
    result = parse_roster(table("DB1;An;;;;;;P4R8W2ZN", "DB2;Bình;;;;;;bsl-zoi-123",
                                "DB3;Châu;;;;;;" + "X" * 32))
    assert not result.problems
    assert [r.invite_code for r in result.rows] == ["P4R8W2ZN", "BSLZOI123", "X" * 32]


def test_import_refuses_two_codes_that_read_the_same_naming_both_lines() -> None:
    result = parse_roster(table("DB1;An;;;;;;P4R8W2ZN", "DB2;Bình;;;;;;ACDEFGHJ",
                                "DB3;Châu;;;;;;p4rb-w22n"))
    (problem,) = result.problems
    assert problem.format_location() == "ds.csv:4:Mã mời"
    text = TEXTS.t("vi", problem.key, **problem.params)
    assert problem.params == {"other_line": 2} and "dòng 2" in text


async def test_import_refuses_a_code_that_reads_as_one_kept_in_the_roster(app: App) -> None:
    await load(app, "DB1;An;;;;;;P4R8W2ZN")
    plan = await plan_from_table(app.services.db, table("DB2;Bình;;;;;;P4RBW22N"),
                                 prune=False)
    (problem,) = plan.problems
    assert (problem.key, problem.params, problem.line) == (
        "roster.problem.invite_taken", {"code": "DB1"}, 2)


async def test_generated_codes_avoid_what_organisers_codes_fold_to(app: App) -> None:
    await load(app, "DB1;An;;;;;;P4R8W2ZN", "DB2;Bình;;;;;;")
    people = await delegates.all_delegates(app.services.db)
    generated = next(d.invite_code for d in people if d.code == "DB2")
    assert set(generated) <= set(INVITE_ALPHABET) and len(generated) == 10


async def test_export_prints_codes_grouped(app: App) -> None:
    await load(app, "DB1;An;;;;;;P4R8W2ZN")
    rows = await export_rows(app.services.db, lambda key, **p: TEXTS.t("vi", key, **p),
                             lambda code: f"link:{code}")
    column, link = rows[0].index("Mã mời"), rows[0].index("Liên kết Telegram")
    assert rows[1][column] == "P4R8-W2ZN" and rows[1][link] == "link:P4R8W2ZN"
    [person] = await delegates.all_delegates(app.services.db)
    token = await delegates.checkin_token(app.services.db, person.id)
    assert rows[1][rows[0].index("Liên kết điểm danh")] == f"link:ci_{token}"


async def test_lookup_uses_the_folded_index(app: App) -> None:
    plan = await app.services.db.fetchall(
        f"EXPLAIN QUERY PLAN SELECT id FROM delegates WHERE {delegates.FOLDED_INVITE_CODE} = ?",
        ("X",))
    assert any("delegates_folded_invite_code" in str(row[-1]) for row in plan), plan


# ---------------------------------------------------------------------------- registering


async def test_a_misread_character_still_registers(
    app: App, tg: TelegramChat
) -> None:
    await load(app, "DB1;Trần Thị Hà;Sở Y tế;Đoàn Sở Y tế;;;;P4R8-W2ZN")
    # 8 read as B, 2 as Z, Z as 2, in lower case with a space: still the same code.
    assert await said(tg, DELEGATE_ID, "p4rb wz2n") == confirm_text(
        "Trần Thị Hà", "Sở Y tế", "Đoàn Sở Y tế")
    await pressed(tg, DELEGATE_ID, "reg:yes")
    assert await linked_code(app, DELEGATE_ID) == "DB1"


def legacy_database(path: Path) -> None:
    """Write a database at schema version 9 (before folding) holding one delegate."""
    conn = sqlite3.connect(path)
    for version, sql in migrations()[:9]:
        conn.executescript(sql)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.execute(
        "INSERT INTO delegates (code, full_name, unit, delegation, kind, phone, seat,"
        " invite_code, created_at, updated_at, checkin_token) VALUES ('DB1', 'Trần Thị Hà',"
        " 'Sở Y tế', 'Đoàn Sở Y tế', 'official', NULL, '', 'KHK7XFQMM4', 'x', 'x', 'tok')")
    conn.commit()
    conn.close()


async def test_codes_stored_before_still_match(config: Config, fake: FakeTelegram) -> None:
    legacy_database(config.database_path)
    app = await App.open(config)
    try:
        assert await app.services.db.scalar("PRAGMA user_version") == len(migrations())
        channel = await start_channel(app, fake)
        try:
            tg = TelegramChat(fake, channel)
            assert await said(tg, DELEGATE_ID, "khk7-xfqm-m4") == confirm_text(
                "Trần Thị Hà", "Sở Y tế", "Đoàn Sở Y tế")
            assert await pressed(tg, DELEGATE_ID, "reg:yes")
            assert await linked_code(app, DELEGATE_ID) == "DB1"
        finally:
            await channel.stop()
    finally:
        await app.close()


async def test_the_index_refuses_two_codes_that_fold_alike(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "x.sqlite3")
    try:
        await delegates.apply_import(db, upserts=[
            delegates.DelegateData("DB1", "An", "", "", "official", None, "", "P4R8W2ZN")],
            remove_codes=[], now="x")
        with pytest.raises(sqlite3.IntegrityError):
            await delegates.apply_import(db, upserts=[
                delegates.DelegateData("DB2", "Bình", "", "", "official", None, "", "P4RBW22N")],
                remove_codes=[], now="x")
        assert [d.code for d in await delegates.all_delegates(db)] == ["DB1"]
    finally:
        await db.close()


async def test_two_delegates_may_swap_codes_that_fold_alike_to_their_roster_codes(
    app: App,
) -> None:
    await load(app, "S01;An;;;;;;P4R8W2ZN", "501;Bình;;;;;;ACDEFGHJ")
    await load(app, "S01;An;;;;;;ACDEFGHJ", "501;Bình;;;;;;P4R8W2ZN")
    people = {d.code: d.invite_code for d in await delegates.all_delegates(app.services.db)}
    assert people == {"S01": "ACDEFGHJ", "501": "P4R8W2ZN"}
