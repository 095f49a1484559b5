"""Tests for bot.formats.roster: roster columns, validation problems, phones, invite codes."""

from __future__ import annotations

import csv
import io
import math
import re
import string
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bot.formats.invite as invite
import bot.formats.roster as roster_file
from bot import tabular
from bot.formats.export import restore
from bot.formats.roster import (
    INVITE_ALPHABET,
    INVITE_CODE_LENGTH,
    MAX_CELL_CHARS,
    Problem,
    RosterRow,
    fill_invite_codes,
    generate_invite_code,
    is_valid_invite_code,
    normalize_invite_code,
    normalize_phone,
    parse_roster,
)
from bot.i18n import LANGUAGES, load_texts, placeholders
from bot.tabular import Table, TableRow, clean_cell, read_table, read_table_bytes

ROOT = Path(__file__).resolve().parent.parent
HEADER = "Mã đại biểu;Họ và tên;Đơn vị;Đoàn;Loại;Số điện thoại;Số ghế;Mã mời"


def roster(*lines: str, name: str = "ds.csv") -> roster_file.RosterFile:
    text = "\r\n".join(lines) + "\r\n"
    return parse_roster(read_table_bytes(text.encode(), name))


def found(problems: list[Problem]) -> list[tuple[str, int, str | None, str, dict]]:
    return [(p.file, p.line, p.column, p.key, p.params) for p in problems]


def test_a_full_row_is_normalised() -> None:
    result = roster(
        HEADER, "DB001;Trần Thị Hà;Sở Y tế;Đoàn Sở Y tế;Dự khuyết;0912 345 678;A01;ac3d-e4f6-gh"
    )
    assert result.ok and result.problems == [] and result.warnings == []
    assert result.rows == [
        RosterRow(
            line=2,
            code="DB001",
            full_name="Trần Thị Hà",
            unit="Sở Y tế",
            delegation="Đoàn Sở Y tế",
            kind="alternate",
            phone="+84912345678",
            seat="A01",
            invite_code="AC3DE4F6GH",
        )
    ]


def test_only_code_and_name_are_needed_and_empty_kind_is_official() -> None:
    result = roster("Họ tên,Mã ĐB", "Lê Văn Bình,7")
    assert result.rows == [
        RosterRow(2, "7", "Lê Văn Bình", None, None, "official", None, None, None)
    ]


@pytest.mark.parametrize(
    "header",
    [
        "MÃ ĐẠI BIỂU;HỌ VÀ TÊN;CƠ QUAN;TỔ ĐẠI BIỂU;LOẠI ĐẠI BIỂU;SĐT;GHẾ;MÃ MỜI",
        "ma dai bieu;ho ten;don vi;to;loai;dien thoai;so ghe;ma moi",
        "Mã  ĐB ;Họ_và_tên;Đơn vị;Đoàn đại biểu;Loại;Số điện thoại;Số ghế;Mã mời",
        "Code;Full name;Unit;Delegation;Kind;Phone;Seat;Invite code",
        "code;full_name;agency;group;type;phone number;seat number;invitation code",
        unicodedata.normalize("NFD", HEADER),  # combining accents, as some Mac/Unikey setups type
    ],
)
def test_headers_in_either_language_any_case_accents_or_spacing(header: str) -> None:
    result = roster(header, "DB1;Hà;U;D;guest;+84 912 345 678;B2;ACDE-FGHJ")
    assert (result.problems, result.warnings) == ([], [])
    assert result.rows[0] == RosterRow(
        2, "DB1", "Hà", "U", "D", "guest", "+84912345678", "B2", "ACDEFGHJ"
    )


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("Chính thức", "official"),
        ("CHINH THUC", "official"),
        ("Đại biểu chính thức", "official"),
        ("official", "official"),
        ("", "official"),
        ("dự khuyết", "alternate"),
        ("Du Khuyet", "alternate"),
        ("Alternate", "alternate"),
        ("Khách mời", "guest"),
        ("khach moi", "guest"),
        ("GUEST", "guest"),
    ],
)
def test_kind_values(value: str, kind: str) -> None:
    assert roster("Mã ĐB;Họ tên;Loại", f"X;Y;{value}").rows[0].kind == kind


def test_every_problem_is_reported_at_its_line_and_column() -> None:
    long_unit = "x" * (MAX_CELL_CHARS + 1)
    result = roster(
        HEADER,
        "DB1;An;;;;0912 345 678;;ACDEFGHJ",  # 2: fine
        ";Bình;;;;;;",  # 3: no code
        "DB3;;;;;;;",  # 4: no name
        "db1;Châu;;;;;;",  # 5: code of line 2 (case does not matter)
        "DB5;Dũng;;;phó đoàn;;;",  # 6: unknown kind
        "DB6;Giang;;;;0912 34 56;;",  # 7: unreadable phone
        "DB7;Hà;;;;+84912345678;;",  # 8: phone of line 2
        "DB8;Khoa;;;;;;acde-fghj",  # 9: invite code of line 2
        "DB9;Lan;;;;;;AB0CD",  # 10: bad invite code
        f"DB10;Mai;{long_unit};;;;;",  # 11: cell too long
    )
    assert found(result.problems) == [
        ("ds.csv", 3, "Mã đại biểu", "roster.problem.empty_required", {}),
        ("ds.csv", 4, "Họ và tên", "roster.problem.empty_required", {}),
        ("ds.csv", 5, "Mã đại biểu", "roster.problem.duplicate_code",
         {"other_line": 2, "code": "db1"}),
        ("ds.csv", 6, "Loại", "roster.problem.unknown_kind", {"value": "phó đoàn"}),
        ("ds.csv", 7, "Số điện thoại", "roster.problem.bad_phone", {"value": "0912 34 56"}),
        ("ds.csv", 8, "Số điện thoại", "roster.problem.duplicate_phone",
         {"other_line": 2, "phone": "+84912345678"}),
        ("ds.csv", 9, "Mã mời", "roster.problem.duplicate_invite_code", {"other_line": 2}),
        ("ds.csv", 10, "Mã mời", "roster.problem.bad_invite_code",
         {"min": 6, "max": 32}),
        ("ds.csv", 11, "Đơn vị", "roster.problem.too_long",
         {"max": MAX_CELL_CHARS, "length": MAX_CELL_CHARS + 1}),
    ]  # fmt: skip
    assert not result.ok
    assert [row.line for row in result.rows] == [2]
    assert result.problems[2].format_location() == "ds.csv:5:Mã đại biểu"


@pytest.mark.parametrize(
    ("header", "keys"),
    [
        ("Họ và tên;Đơn vị", ["roster.problem.missing_code_column"]),
        ("Mã đại biểu;Đơn vị", ["roster.problem.missing_name_column"]),
        ("x;y", ["roster.problem.missing_code_column", "roster.problem.missing_name_column"]),
    ],
)
def test_a_missing_required_column_is_an_error_at_line_1(header: str, keys: list[str]) -> None:
    result = roster(header, "DB1;An")
    assert [(p.line, p.column, p.key) for p in result.problems] == [(1, None, k) for k in keys]
    assert result.rows == []
    assert result.problems[0].format_location() == "ds.csv:1"


def test_a_column_given_twice_is_an_error() -> None:
    result = roster("Mã ĐB;Họ tên;SĐT;Điện thoại", "1;A;;")
    assert found(result.problems) == [
        ("ds.csv", 1, "Điện thoại", "roster.problem.duplicate_column", {"other_column": "SĐT"})
    ]


def test_a_header_without_rows_is_an_error() -> None:
    assert found(roster(HEADER).problems) == [("ds.csv", 1, None, "roster.problem.no_rows", {})]


def test_an_empty_table_needs_the_required_columns() -> None:
    result = parse_roster(Table("t.csv", []))
    assert [p.key for p in result.problems] == [
        "roster.problem.missing_code_column",
        "roster.problem.missing_name_column",
    ]


def test_unknown_and_unnamed_columns_are_warnings_not_errors() -> None:
    result = roster(
        "STT;Mã ĐB;Họ tên;Ghi chú;",
        "1;DB1;An;trưởng đoàn;",
        "2;DB2;Bình;;lost;extra",
    )
    assert result.ok and [row.code for row in result.rows] == ["DB1", "DB2"]
    assert found(result.warnings) == [
        ("ds.csv", 1, "Ghi chú", "roster.warning.unknown_column", {}),
        ("ds.csv", 3, None, "roster.warning.unnamed_column", {"position": 5}),
        ("ds.csv", 3, None, "roster.warning.unnamed_column", {"position": 6}),
    ]


def test_title_rows_above_the_header_are_skipped_with_a_warning() -> None:
    result = roster("DANH SÁCH ĐẠI BIỂU;", ";", "Mã ĐB;Họ tên", "DB1;An")
    assert [(row.line, row.code) for row in result.rows] == [(4, "DB1")]
    assert found(result.warnings) == [("ds.csv", 1, None, "roster.warning.above_header", {})]


def test_problem_location_without_column() -> None:
    assert Problem("a.xlsx", 7, None, "k").format_location() == "a.xlsx:7"
    assert Problem("a.xlsx", 7, "Ghế", "k").format_location() == "a.xlsx:7:Ghế"


def test_xlsx_roster_with_a_numeric_phone(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Mã đại biểu", "Họ và tên", "Số điện thoại", "Số ghế"])
    book.active.append([101, "Phạm Thu Trang", 912345678, 12])
    book.save(tmp_path / "ds.xlsx")
    result = parse_roster(read_table(tmp_path / "ds.xlsx"))
    assert result.rows == [
        RosterRow(2, "101", "Phạm Thu Trang", None, None, "official", "+84912345678", "12", None)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "0912345678",
        "+84912345678",
        "+84 912 345 678",
        "84912345678",
        "(+84) 912 345 678",
        "(+84) 0912 345 678",
        "0084 912 345 678",
        "912345678",
        " 0912\u00a0345\u00a0678 ",
    ],
)
def test_vietnamese_mobile_forms(text: str) -> None:
    assert normalize_phone(text) == "+84912345678"


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("024 3825 1234", "+842438251234"),
        ("2438251234", "+842438251234"),
        ("0900 000 001", "+84900000001"),
        ("0845 123 456", "+84845123456"),
        ("845123456", "+84845123456"),
        ("+33 1 42 68 53 00", "+33142685300"),
        ("+1 (202) 555-0143", "+12025550143"),
    ],
)
def test_landlines_fake_range_and_foreign_numbers(text: str, e164: str) -> None:
    assert normalize_phone(text) == e164


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "không có",
        "0912 345 678 (Zalo)",
        "0912345678 / 0987654321",
        "0912 345 67",
        "09123456789",
        "0123 456 789",
        "012345678901",
        "+1 234",
        "+1234567890123456",
        "9.12E+08",
        "09１2345678",
        "++84912345678",
        "84+912345678",
    ],
)
def test_unreadable_phones(text: str) -> None:
    assert normalize_phone(text) is None


def test_invite_alphabet_has_no_look_alikes_and_enough_entropy() -> None:
    assert not set("0O1IL5S2Z8B") & set(INVITE_ALPHABET)
    assert len(set(INVITE_ALPHABET)) == len(INVITE_ALPHABET) == 25
    assert set(INVITE_ALPHABET) <= set(string.ascii_uppercase + string.digits)
    assert INVITE_CODE_LENGTH * math.log2(len(INVITE_ALPHABET)) >= 40


def test_generated_codes_are_unique_valid_and_normalise_to_themselves() -> None:
    codes = [generate_invite_code(set()) for _ in range(1000)]
    assert len(set(codes)) == 1000
    for code in codes:
        assert len(code) == INVITE_CODE_LENGTH and is_valid_invite_code(code)
        assert normalize_invite_code(code) == code
    # every symbol is used, none favoured beyond chance (10,000 draws, 400 expected each)
    counts = Counter("".join(codes))
    assert set(counts) == set(INVITE_ALPHABET) and max(counts.values()) < 550


def test_generated_code_avoids_existing_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter("A" * INVITE_CODE_LENGTH + "C" * INVITE_CODE_LENGTH)
    monkeypatch.setattr(invite.secrets, "choice", lambda _alphabet: next(draws))
    assert generate_invite_code({"A" * INVITE_CODE_LENGTH}) == "C" * INVITE_CODE_LENGTH


@pytest.mark.parametrize(
    ("typed", "code"),
    [("acde-fghj-kmnp", "ACDEFGHJKMNP"), (" ACDE FGHJ ", "ACDEFGHJ"), ("ac–de—fg", "ACDEFG")],
)
def test_normalize_invite_code(typed: str, code: str) -> None:
    assert normalize_invite_code(typed) == code


@pytest.mark.parametrize("code", ["ACDEF", "A" * 33, "ACDÉFG", "AC_DEFG", "AC.DEFG"])
def test_invalid_invite_codes(code: str) -> None:
    assert not is_valid_invite_code(normalize_invite_code(code))


def test_fill_invite_codes_gives_fresh_codes_only_where_missing() -> None:
    result = roster("Mã ĐB;Họ tên;Mã mời", "1;A;", "2;B;ACDEFGHJ", "3;C;")
    existing = {"3479ACDEFG"}
    filled = fill_invite_codes(result.rows, existing)
    assert filled[1] == result.rows[1]
    codes = [row.invite_code for row in filled]
    assert all(code and is_valid_invite_code(code) for code in codes)
    assert len(set(codes)) == 3 and not set(codes) & existing
    assert [row.code for row in filled] == ["1", "2", "3"]


def test_the_example_roster_is_clean() -> None:
    result = parse_roster(read_table(ROOT / "examples" / "roster.csv"))
    assert (result.problems, result.warnings) == ([], [])
    kinds = Counter(row.kind for row in result.rows)
    assert kinds["official"] == 299 and kinds["alternate"] >= 5 and kinds["guest"] >= 5
    assert all(row.phone is None or row.phone.startswith("+849000") for row in result.rows)
    assert all(row.invite_code for row in result.rows)
    assert 10 <= len({row.delegation for row in result.rows if row.kind == "official"}) <= 14


TEXTS = load_texts()


def keys_in_code() -> set[str]:
    sources = Path(roster_file.__file__).read_text() + Path(tabular.__file__).read_text()
    pattern = r'"((?:roster|tabular)\.(?:problem|warning|error)\.[a-z0-9_]+)"'
    return set(re.findall(pattern, sources))


def test_every_key_in_the_code_has_matching_texts_in_both_languages() -> None:
    used = keys_in_code()
    assert len(used) >= 20
    for key in used:
        vi, en = TEXTS["vi"][key], TEXTS["en"][key]
        assert placeholders(vi) == placeholders(en), key
        assert "<" not in vi + en and "&" not in vi + en, key
    vietnamese = "".join(TEXTS["vi"][key] for key in used)
    assert re.search("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịỉĩọỏốồổỗộớờởỡợụủũứừửữựỳýỷỹỵ]", vietnamese)


def test_every_reported_problem_formats_in_both_languages() -> None:
    results = [
        roster(
            "Ghi chú;Mã ĐB;Họ tên;Loại;SĐT;Mã mời;Đơn vị", ";1;A;x;12;0;", ";1;;;;;" + "u" * 201
        ),
        roster(
            ";1;2;3;4",
            "Ghi chú;Mã ĐB;Họ tên;SĐT;Mã mời;",
            ";1;A;0912345678;ACDEFG;",
            ";2;B;0912345678;ACDEFG;z",
        ),
        roster("SĐT;Điện thoại", "1"),
        roster("Mã ĐB;Họ tên"),
    ]
    problems = [p for r in results for p in r.problems + r.warnings]
    assert {p.key for p in problems} == {k for k in keys_in_code() if k.startswith("roster.")}
    for problem in problems:
        for lang in LANGUAGES:
            assert TEXTS[lang][problem.key].format(**problem.params)


# --- property tests ------------------------------------------------------------------------

odd_text = st.lists(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cc",)),  # test_control_characters.py
        st.sampled_from(
            [
                *"<>&*_`[]#\\\"';, \t\r\n=+-@",
                "😀",
                "👍🏽",
                "👨‍👩‍👧",
                "\u202e",
                "\u200f",
                "שלום",
                "مرحبا",
            ]
        ),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=40, deadline=None)
@given(
    cells=st.lists(st.tuples(odd_text.filter(str.strip), odd_text), min_size=1, max_size=6),
    sep=st.sampled_from([";", ","]),
)
def test_names_and_units_round_trip_through_csv(cells: list[tuple[str, str]], sep: str) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=sep)
    writer.writerow(["Mã đại biểu", "Họ và tên", "Đơn vị"])
    writer.writerows([f"DB{i}", name, unit] for i, (name, unit) in enumerate(cells))
    result = parse_roster(read_table_bytes(b"\xef\xbb\xbf" + out.getvalue().encode(), "r.csv"))
    assert result.problems == []
    assert [(row.full_name, row.unit) for row in result.rows] == [
        (restore(clean_cell(name)), restore(clean_cell(unit)) or None) for name, unit in cells
    ]


any_cell = st.one_of(
    odd_text,
    st.just(""),
    st.sampled_from(["0912 345 678", "khách mời", "ACDEFGHJ", "DB1"]),
    st.text(alphabet="x ", min_size=MAX_CELL_CHARS - 2, max_size=MAX_CELL_CHARS + 40),
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(any_cell, max_size=10), min_size=1, max_size=12))
def test_parser_never_raises_and_accounts_for_every_row(rows: list[list[str]]) -> None:
    header = TableRow(1, HEADER.split(";"))
    body = [TableRow(i + 2, [cell.strip() for cell in row]) for i, row in enumerate(rows)]
    result = parse_roster(Table("r.csv", [header, *body]))
    blamed = {p.line for p in result.problems}
    kept = {row.line for row in result.rows}
    assert kept.isdisjoint(blamed) and kept | blamed == {row.line for row in body}
    for row in body:
        code = row.cells[0] if row.cells else ""
        name = row.cells[1] if len(row.cells) > 1 else ""
        if not code or not name:
            assert row.line in blamed
        if any(len(cell) > MAX_CELL_CHARS for cell in row.cells[:8]):
            assert any(p.line == row.line and p.key == "roster.problem.too_long"
                       for p in result.problems)  # fmt: skip
    for kept_row in result.rows:
        assert kept_row.code and kept_row.full_name
        assert kept_row.invite_code is None or is_valid_invite_code(kept_row.invite_code)
