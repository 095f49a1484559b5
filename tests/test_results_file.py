"""Tests for bot.formats.results: the counting committee's result file, its layout and checks."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

import bot.formats.results as results_file
from bot.formats import results_table
from bot.formats.results import (
    MAX_CELL_CHARS,
    MAX_COUNT,
    CandidateRow,
    Problem,
    ResultFile,
    parse_results,
    read_results,
)
from bot.i18n import LANGUAGES, load_texts, placeholders
from bot.tabular import Table, TableRow

ROOT = Path(__file__).resolve().parent.parent
BOM = b"\xef\xbb\xbf"
Rows = list[list[str | int]]

KEYS_VI: Rows = [
    ["Tiêu đề", "Bầu Ban Chấp hành"],
    ["Loại", "bầu cử"],
    ["Số lượng bầu", 3],
    ["Số phiếu phát ra", 100],
    ["Số phiếu thu về", 98],
    ["Hợp lệ", 96],
    ["Không hợp lệ", 2],
]
ELECTION_VI: Rows = [
    *KEYS_VI,
    [],
    ["Họ và tên", "Số phiếu"],
    ["Lê Kim Nga", 90],  # line 10
    ["Phạm Gia Huy", 81],
    ["Vũ Văn Khang", 49],
    ["Đặng Mỹ Trang", 60],  # line 13
]
VOTE_EN: Rows = [
    ["title", "Congress resolution"],
    ["kind", "vote"],
    ["ballots_issued", 299],
    ["ballots_received", 297],
    ["valid", 296],
    ["invalid", 1],
    [],
    ["agree", "disagree", "abstain"],
    [290, 2, 4],  # line 9
]


def to_csv(rows: Rows, sep: str = ",", bom: bool = True) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=sep).writerows(rows)
    return (BOM if bom else b"") + out.getvalue().encode()


def to_xlsx(rows: Rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)  # numbers stay numeric cells; [] leaves a blank row
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read(rows: Rows, name: str = "kq.csv", sep: str = ",") -> ResultFile:
    data = to_xlsx(rows) if name.endswith(".xlsx") else to_csv(rows, sep)
    return read_results(data, name)


def found(problems: list[Problem]) -> list[tuple[int, str | None, str, dict]]:
    return [(p.line, p.column, p.key, p.params) for p in problems]


def replaced(rows: Rows, line: int, row: list[str | int]) -> Rows:
    """Return `rows` with file line `line` (1-based) replaced."""
    return [row if number == line else old for number, old in enumerate(rows, 1)]


# --- the two layouts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "sep", "bom"),
    [("kq.csv", ",", True), ("kq.csv", ";", True), ("kq.csv", ",", False), ("kq.xlsx", "", False)],
)
def test_an_election_in_vietnamese(name: str, sep: str, bom: bool) -> None:
    data = to_xlsx(ELECTION_VI) if name.endswith(".xlsx") else to_csv(ELECTION_VI, sep, bom)
    result = read_results(data, name)
    assert (result.problems, result.warnings) == ([], [])
    assert result == ResultFile(
        file_name=name,
        title="Bầu Ban Chấp hành",
        kind="election",
        seats=3,
        ballots_issued=100,
        ballots_received=98,
        valid=96,
        invalid=2,
        candidates=[
            CandidateRow(10, "Lê Kim Nga", 90),
            CandidateRow(11, "Phạm Gia Huy", 81),
            CandidateRow(12, "Vũ Văn Khang", 49),
            CandidateRow(13, "Đặng Mỹ Trang", 60),
        ],
        agree=None,
        disagree=None,
        abstain=None,
        problems=[],
        warnings=[],
    )
    assert result.ok


@pytest.mark.parametrize(("name", "sep"), [("nq.csv", ","), ("nq.csv", ";"), ("nq.xlsx", "")])
def test_a_vote_in_english(name: str, sep: str) -> None:
    result = read(VOTE_EN, name, sep)
    assert result.ok and result.warnings == []
    assert (result.title, result.kind, result.seats) == ("Congress resolution", "vote", None)
    assert (result.ballots_issued, result.ballots_received, result.valid, result.invalid) == (
        299,
        297,
        296,
        1,
    )
    assert (result.agree, result.disagree, result.abstain) == (290, 2, 4)
    assert result.candidates == []


@pytest.mark.parametrize(
    "keys",
    [
        ["TIÊU ĐỀ", "LOẠI", "SỐ LƯỢNG BẦU", "SỐ PHIẾU PHÁT RA", "SỐ PHIẾU THU VỀ", "HỢP LỆ",
         "KHÔNG HỢP LỆ"],
        ["tieu de", "hinh thuc", "so uy vien", "phieu phat ra", "phieu thu ve", "phieu hop le",
         "phieu khong hop le"],
        ["Tiêu đề", "Loại", "Số uỷ viên", "Tổng số phiếu phát ra", "Tổng số phiếu thu về",
         "Số phiếu hợp lệ", "Số phiếu không hợp lệ"],
        ["Title", "Kind", "Seats", "Ballots issued", "Ballots received", "Valid", "Invalid"],
        ["title", "type", "seats", "ballots_issued", "ballots_received", "valid_ballots",
         "invalid_ballots"],
    ],
)  # fmt: skip
@pytest.mark.parametrize(
    "header", [["Họ và tên", "Số phiếu"], ["HO TEN", "Phiếu bầu"], ["Name", "Votes"]]
)
def test_keys_and_headers_in_either_language_any_case_or_accents(
    keys: list[str], header: list[str]
) -> None:
    rows: Rows = [[key, value] for key, (_, value) in zip(keys, KEYS_VI, strict=True)]
    result = read([*rows, [], header, ["An", 50]])
    assert (result.problems, result.warnings) == ([], [])
    assert (result.seats, result.valid, result.candidates) == (3, 96, [CandidateRow(10, "An", 50)])


@pytest.mark.parametrize(
    ("header", "counts"),
    [
        (["Tán thành", "Không tán thành", "Không biểu quyết"], [290, 2, 4]),
        (["Đồng ý", "Không đồng ý", "Phiếu trắng"], [290, 2, 4]),
        (["Số phiếu tán thành", "Số phiếu không tán thành", "Số phiếu không biểu quyết"],
         [290, 2, 4]),
        (["Agree", "Disagree", "Abstain"], [290, 2, 4]),
        (["abstain", "agree", "disagree"], [4, 290, 2]),  # any order
    ],
)  # fmt: skip
def test_vote_headers(header: list[str], counts: list[int]) -> None:
    result = read(replaced(replaced(VOTE_EN, 8, header), 9, counts))
    assert result.ok and (result.agree, result.disagree, result.abstain) == (290, 2, 4)


@pytest.mark.parametrize(
    ("value", "kind"),
    [("bầu cử", "election"), ("BẦU CỬ", "election"), ("Bau cu", "election"),
     ("election", "election"), ("Biểu quyết", "vote"), ("bieu quyet", "vote"), ("Vote", "vote")],
)  # fmt: skip
def test_kind_values(value: str, kind: str) -> None:
    table = ELECTION_VI if kind == "election" else VOTE_EN
    line = 2
    assert read(replaced(table, line, ["Loại", value])).kind == kind


def test_the_table_header_ends_the_key_block_even_without_an_empty_row() -> None:
    rows = [row for row in ELECTION_VI if row]
    result = read(rows)
    assert result.ok and [c.line for c in result.candidates] == [9, 10, 11, 12]


def test_excel_padding_extra_blank_rows_headings_and_ignored_columns() -> None:
    rows: Rows = [
        ["BIÊN BẢN KIỂM PHIẾU"],
        [],
        *KEYS_VI,
        [],
        [],
        ["STT", "Họ và tên", "Số phiếu", "Tỷ lệ (%)", "Ghi chú"],
        [1, "Lê Kim Nga", 90, "93,75", "trúng cử"],
        [],
        [2, "Phạm Gia Huy", 81, "84,38", ""],
    ]
    padded = [[*row, *[""] * (5 - len(row))] for row in rows]  # as Excel saves a sheet as CSV
    result = read(padded, sep=";")
    assert result.ok
    assert result.candidates == [
        CandidateRow(13, "Lê Kim Nga", 90),
        CandidateRow(15, "Phạm Gia Huy", 81),
    ]
    assert found(result.warnings) == [
        (1, None, "results.warning.unknown_key", {"key": "BIÊN BẢN KIỂM PHIẾU"}),
        (12, "Ghi chú", "results.warning.unknown_column", {}),
    ]


@pytest.mark.parametrize(
    ("text", "count"),
    [("1.234", 1234), ("1 234", 1234), ("1,234", 1234), ("1234", 1234),
     ("12.345.678", 12_345_678), ("0", 0), ("007", 7)],
)  # fmt: skip
def test_counts_may_have_thousands_separators(text: str, count: int) -> None:
    result = read(replaced(ELECTION_VI, 4, ["Số phiếu phát ra", text]), sep=";")
    assert result.ballots_issued == count
    assert all(p.line != 4 for p in result.problems)


# --- every check at its line ----------------------------------------------------------------


def test_ballot_checks() -> None:
    rows = replaced(ELECTION_VI, 5, ["Số phiếu thu về", 101])  # more than the 100 issued
    assert found(read(rows).problems) == [
        (5, None, "results.problem.received_over_issued", {"received": 101, "issued": 100}),
        (6, None, "results.problem.valid_invalid_mismatch",
         {"valid": 96, "invalid": 2, "sum": 98, "received": 101}),
    ]  # fmt: skip
    result = read(replaced(ELECTION_VI, 7, ["Không hợp lệ", 3]), name="bb.csv")
    assert [p.format_location() for p in result.problems] == ["bb.csv:6"]
    assert result.problems[0].params == {"valid": 96, "invalid": 3, "sum": 99, "received": 98}


def test_candidate_checks() -> None:
    rows: Rows = [
        *ELECTION_VI[:9],
        ["Lê Kim Nga", 97],  # 10: more than the 96 valid ballots
        ["lê  kim NGA", 5],  # 11: the same name (case and spacing do not matter)
        ["Le Kim Nga", 5],  # 12: another name (accents do)
        ["", 5],  # 13: no name
        ["Vũ Văn Khang", ""],  # 14: no votes
        ["Đặng Mỹ Trang", -3],  # 15
        ["Bùi Diệu Oanh", "2,5"],  # 16
        ["Đỗ Hữu Khoa", "mười"],  # 17
        ["Hồ Quốc Danh", MAX_COUNT + 1],  # 18
        ["x" * (MAX_CELL_CHARS + 1), 1],  # 19
    ]
    result = read(rows)
    assert found(result.problems) == [
        (10, "Số phiếu", "results.problem.votes_over_valid", {"votes": 97, "valid": 96}),
        (11, "Họ và tên", "results.problem.duplicate_name",
         {"name": "lê  kim NGA", "other_line": 10}),
        (13, "Họ và tên", "results.problem.empty_cell", {}),
        (14, "Số phiếu", "results.problem.empty_cell", {}),
        (15, "Số phiếu", "results.problem.not_a_count", {"value": "-3"}),
        (16, "Số phiếu", "results.problem.not_a_count", {"value": "2,5"}),
        (17, "Số phiếu", "results.problem.not_a_count", {"value": "mười"}),
        (18, "Số phiếu", "results.problem.count_too_large", {"max": MAX_COUNT}),
        (19, "Họ và tên", "results.problem.too_long",
         {"max": MAX_CELL_CHARS, "length": MAX_CELL_CHARS + 1}),
    ]  # fmt: skip
    assert result.problems[1].format_location() == "kq.csv:11:Họ và tên"
    assert not result.ok and [c.line for c in result.candidates] == [12]


def test_votes_cannot_add_up_to_more_than_the_ballots_allow() -> None:
    rows = [*replaced(ELECTION_VI, 3, ["Số lượng bầu", 1])[:9], ["A", 50], ["B", 47]]
    assert found(read(rows).problems) == [
        (9, "Số phiếu", "results.problem.votes_over_ballots",
         {"total": 97, "seats": 1, "valid": 96, "most": 96}),
    ]  # fmt: skip
    assert read([*rows[:-1], ["B", 46]]).ok


def test_key_checks() -> None:
    rows: Rows = [
        ["Tiêu đề", ""],  # 1
        ["Loại", "bầu"],  # 2: "bầu" is an election
        ["Số lượng bầu", 0],  # 3
        ["Số phiếu phát ra", "2.5"],  # 4
        ["Hợp lệ", 96],  # 5
        ["Valid", 96],  # 6
        *ELECTION_VI[7:],
    ]
    result = read(rows)
    assert found(result.problems) == [
        (1, None, "results.problem.empty_value", {"key": "Tiêu đề"}),
        (1, None, "results.problem.missing_received", {}),
        (1, None, "results.problem.missing_invalid", {}),
        (3, None, "results.problem.seats_not_positive", {}),
        (4, None, "results.problem.not_a_count", {"value": "2.5"}),
        (6, None, "results.problem.duplicate_key", {"key": "Valid", "other_line": 5}),
    ]
    assert [p.format_location() for p in result.problems][-1] == "kq.csv:6"


def test_a_missing_key_is_reported_at_the_top_of_the_file() -> None:
    result = read([["Loại", "bầu cử"], [], ["Họ và tên", "Số phiếu"], ["A", 1]], name="x.csv")
    assert found(result.problems) == [
        (1, None, key, {})
        for key in (
            "results.problem.missing_title",
            "results.problem.missing_seats",
            "results.problem.missing_issued",
            "results.problem.missing_received",
            "results.problem.missing_valid",
            "results.problem.missing_invalid",
        )
    ]
    assert {p.format_location() for p in result.problems} == {"x.csv:1"}


def test_an_unknown_kind_is_a_problem_and_the_table_still_says_which_kind() -> None:
    result = read(replaced(ELECTION_VI, 2, ["Loại", "bầu lại"]))
    assert found(result.problems) == [
        (2, None, "results.problem.unknown_kind", {"value": "bầu lại"}),
    ]
    assert result.kind == "election" and len(result.candidates) == 4  # the table was checked


def test_an_election_needs_a_positive_number_of_seats() -> None:
    rows = [row for row in ELECTION_VI if row[:1] != ["Số lượng bầu"]]
    assert found(read(rows).problems) == [(1, None, "results.problem.missing_seats", {})]


def test_a_table_of_the_other_kind_lacks_its_columns() -> None:
    vote_table = [*ELECTION_VI[:8], *VOTE_EN[7:]]  # election keys, vote table at lines 9-10
    assert found(read(vote_table).problems) == [
        (9, None, "results.problem.missing_name_column", {}),
        (9, None, "results.problem.missing_votes_column", {}),
    ]
    election_table = [*VOTE_EN[:7], *ELECTION_VI[8:]]  # vote keys, candidates at lines 8-12
    assert found(read(election_table).problems) == [
        (8, None, "results.problem.missing_agree_column", {}),
        (8, None, "results.problem.missing_disagree_column", {}),
        (8, None, "results.problem.missing_abstain_column", {}),
    ]


def test_a_misspelt_header_after_the_empty_row_is_blamed_on_its_line() -> None:
    rows = replaced(ELECTION_VI, 9, ["Họ và tên", "Phiếu đạt"])
    assert found(read(rows).problems) == [(9, None, "results.problem.missing_votes_column", {})]


def test_without_an_empty_row_or_a_header_there_is_no_table() -> None:
    rows = [row for row in replaced(ELECTION_VI, 9, ["Ứng viên", "Phiếu đạt"]) if row]
    result = read(rows)
    assert found(result.problems) == [(12, None, "results.problem.no_table", {})]
    assert [p.line for p in result.warnings] == list(range(8, 13))  # the rows read as keys
    assert found(read(KEYS_VI).problems) == [(7, None, "results.problem.no_table", {})]


def test_a_header_without_rows_and_a_column_given_twice() -> None:
    assert found(read(ELECTION_VI[:9]).problems) == [(9, None, "results.problem.no_candidates", {})]
    rows = replaced(ELECTION_VI, 9, ["Họ và tên", "Số phiếu", "Phiếu bầu"])
    assert found(read(rows).problems) == [
        (9, "Phiếu bầu", "results.problem.duplicate_column", {"other_column": "Số phiếu"})
    ]
    assert read(rows).candidates == []


def test_vote_checks() -> None:
    two_rows = [*VOTE_EN, [1, 1, 1], [2, 2, 2]]
    assert found(read(two_rows).problems) == [
        (10, None, "results.problem.extra_vote_row", {"first_line": 9}),
        (11, None, "results.problem.extra_vote_row", {"first_line": 9}),
    ]
    over = replaced(VOTE_EN, 9, [290, 3, 4])
    assert found(read(over).problems) == [
        (9, None, "results.problem.vote_sum_over_valid", {"sum": 297, "valid": 296})
    ]
    bad = replaced(VOTE_EN, 9, [290, "", "x"])
    assert found(read(bad).problems) == [
        (9, "disagree", "results.problem.empty_cell", {}),
        (9, "abstain", "results.problem.not_a_count", {"value": "x"}),
    ]
    assert read(bad).agree is None
    assert found(read(VOTE_EN[:8]).problems) == [(8, None, "results.problem.no_vote_row", {})]


def test_warnings_do_not_stop_the_import() -> None:
    rows: Rows = [
        ["title", "Resolution", "draft 2"],  # 1: a cell after the value
        ["kind", "vote"],
        ["seats", 3],  # 3: a vote has no seats
        ["date", "11/8"],  # 4: unknown key
        ["", "?"],  # 5: no key
        *VOTE_EN[2:7],
        ["agree", "disagree", "abstain", ""],  # 11
        [200, 2, 4, "??"],  # 12: less than the 296 valid ballots, an unnamed column
    ]
    result = read(rows)
    assert result.ok and result.seats is None and result.agree == 200
    assert found(result.warnings) == [
        (1, None, "results.warning.extra_cells", {"key": "title"}),
        (3, None, "results.warning.seats_ignored", {}),
        (4, None, "results.warning.unknown_key", {"key": "date"}),
        (5, None, "results.warning.no_key", {}),
        (12, None, "results.warning.unnamed_column", {"position": 4}),
        (12, None, "results.warning.vote_sum_under_valid", {"sum": 206, "valid": 296}),
    ]


def test_long_file_content_is_cut_short_in_a_problem() -> None:
    result = read(replaced(ELECTION_VI, 2, ["Loại", "y" * 500]))
    value = result.problems[0].params["value"]
    assert isinstance(value, str) and len(value) == 60 and value.endswith("…")


@pytest.mark.parametrize(
    ("data", "name", "key", "line"),
    [
        (b"title,x\n", "kq.txt", "tabular.error.unsupported_extension", 1),
        (b"title,x\nkind,\xff\n", "kq.csv", "tabular.error.not_utf8", 2),
        (b"not a workbook", "kq.xlsx", "tabular.error.not_xlsx", 1),
        (BOM + b"\r\n;\r\n", "kq.csv", "tabular.error.empty", 1),
    ],
)
def test_unreadable_files_are_one_problem(data: bytes, name: str, key: str, line: int) -> None:
    result = read_results(data, name)
    assert found(result.problems) == [(line, None, key, result.problems[0].params)]
    assert not result.ok and result.candidates == []


def test_an_empty_table() -> None:
    result = parse_results(Table("t.csv", []))
    assert "results.problem.no_table" in {p.key for p in result.problems}


def test_the_example_files_are_clean_and_have_the_seed_shape() -> None:
    name = "results-election.csv"
    election = read_results((ROOT / "examples" / name).read_bytes(), name)
    assert (election.problems, election.warnings) == ([], [])
    assert (election.kind, election.seats, len(election.candidates)) == ("election", 26, 30)
    assert (election.ballots_issued, election.ballots_received) == (299, 299)
    assert election.invalid > 0 and election.valid + election.invalid == 299
    assert (ROOT / "examples" / name).read_bytes().startswith(BOM)
    seed_people = {"Nguyễn Khắc Định", "Nguyễn Khắc Toàn", "Nguyễn Tấn Tuân", "Hà Quốc Trị"}
    assert not seed_people & {c.name for c in election.candidates}
    name = "results-resolution.csv"
    vote = read_results((ROOT / "examples" / name).read_bytes(), name)
    assert (vote.problems, vote.warnings) == ([], [])
    assert vote.kind == "vote" and vote.agree is not None and 2 * vote.agree > vote.valid


# --- the delegates summoned (the base of the Party's election rule) ---------------------------


@pytest.mark.parametrize("label", ["Số đại biểu được triệu tập", "SO DAI BIEU DUOC TRIEU TAP",
                                   "delegates_summoned", "Delegates summoned"])
@pytest.mark.parametrize("name", ["kq.csv", "kq.xlsx"])
def test_a_file_may_state_the_delegates_summoned_in_its_key_block(label: str, name: str) -> None:
    result = read([*KEYS_VI[:3], [label, "1.297"], *ELECTION_VI[3:]], name)
    assert (result.problems, result.warnings) == ([], [])
    assert result.summoned == 1297
    assert [c.name for c in result.candidates][:1] == ["Lê Kim Nga"]


def test_without_the_delegates_summoned_the_file_states_none() -> None:
    assert read(ELECTION_VI).summoned is None
    assert read(VOTE_EN).summoned is None
    assert read([*VOTE_EN[:2], ["delegates_summoned", 299], *VOTE_EN[2:]]).summoned == 299


@pytest.mark.parametrize(("value", "key", "params"), [
    ("nhiều", "results.problem.not_a_count", {"value": "nhiều"}),
    ("297.5", "results.problem.not_a_count", {"value": "297.5"}),
    ("-297", "results.problem.not_a_count", {"value": "-297"}),
    (0, "results.problem.summoned_not_positive", {}),
    (97, "results.problem.received_over_summoned", {"received": 98, "summoned": 97}),
    ("", "results.problem.empty_value", {"key": "Số đại biểu được triệu tập"}),
])
def test_a_bad_number_of_delegates_summoned_refuses_the_file_at_its_line(
        value: str | int, key: str, params: dict[str, object]) -> None:
    result = read([*KEYS_VI[:3], ["Số đại biểu được triệu tập", value], *ELECTION_VI[3:]])
    assert found(result.problems) == [(4, None, key, params)]
    assert not result.ok and result.summoned is None


def test_the_delegates_summoned_given_twice_is_refused() -> None:
    result = read([["Số đại biểu được triệu tập", 299], *KEYS_VI,
                   ["delegates summoned", 297], *ELECTION_VI[7:]])
    assert [p.key for p in result.problems] == ["results.problem.duplicate_key"]


# --- texts ------------------------------------------------------------------------------------

TEXTS = load_texts()


def keys_in_code() -> set[str]:
    source = "".join(Path(module.__file__).read_text() for module in (results_file, results_table))
    return set(re.findall(r'"(results\.(?:problem|warning)\.[a-z0-9_]+)"', source))


def test_every_key_in_the_code_has_matching_texts_in_both_languages() -> None:
    used = keys_in_code()
    assert len(used) >= 35
    defined = {k for k in TEXTS["vi"] if k.startswith(("results.problem.", "results.warning."))}
    assert defined == used
    for key in used:
        vi, en = TEXTS["vi"][key], TEXTS["en"][key]
        assert placeholders(vi) == placeholders(en), key
        assert "<" not in vi + en and "&" not in vi + en, key
    vietnamese = "".join(TEXTS["vi"][key] for key in used)
    assert re.search("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịỉĩọỏốồổỗộớờởỡợụủũứừửữựỳýỷỹỵ]", vietnamese)


def test_every_key_is_reported_somewhere_and_formats_in_both_languages() -> None:
    files = [
        read(ELECTION_VI[:9]),
        read([["Tiêu đề", "x" * 201], ["Tiêu đề", "y"], ["Hợp lệ", ""], ["", 1], ["note", 1]]),
        read(replaced(ELECTION_VI, 2, ["Loại", "?"])),
        read([["title", "t"], ["kind", "election"], ["seats", 0], ["ballots_issued", 1],
              ["ballots_received", 2], ["valid", 3], ["invalid", "-1"], [],
              ["name", "votes", "votes"], ["a", 1, 1]]),
        read([["kind", "election"], ["seats", 1], ["valid", 5], ["invalid", 0],
              ["ballots_received", 5], [], ["name", "votes", "x"], ["a", 6], ["A", ""],
              ["", "99000000000"], ["b", 5]]),
        read([["kind", "election"], [], ["name", "votes"], ["a", 1]]),
        read([*ELECTION_VI[:8], *VOTE_EN[7:]]),
        read([["kind", "vote"], ["seats", 1], ["title", "t", "t"], [], ["name", "votes"]]),
        read([*VOTE_EN, [1, 1, 1]]),
        read(VOTE_EN[:8]),
        read(replaced(VOTE_EN, 9, [300, 0, 0])),
        read(replaced(VOTE_EN, 9, [1, 0, 0, "x"])),
        read([["kind", "election"], ["seats", 1], ["valid", 3], ["invalid", 1],
              ["ballots_received", 5], [], ["name", "votes"], ["a", 2], ["b", 2]]),
        read(KEYS_VI),
        read([*KEYS_VI[:3], ["Số đại biểu được triệu tập", 0], *ELECTION_VI[3:]]),
        read([*KEYS_VI[:3], ["Số đại biểu được triệu tập", 97], *ELECTION_VI[3:]]),
    ]  # fmt: skip
    problems = [p for f in files for p in f.problems + f.warnings]
    assert {p.key for p in problems} == keys_in_code()
    for problem in problems:
        for lang in LANGUAGES:
            assert TEXTS[lang][problem.key].format(**problem.params)


# --- property tests -----------------------------------------------------------------------------

cell = st.one_of(
    st.text(max_size=12),
    st.integers(-5, 400).map(str),
    st.sampled_from(["Họ và tên", "Số phiếu", "Tán thành", "Không tán thành", "Phiếu trắng",
                     "Hợp lệ", "Loại", "bầu cử", "biểu quyết", "Số lượng bầu", "1.234", ""]),
)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(1, 3), st.lists(cell, max_size=4)), max_size=14))
def test_parser_never_raises_and_is_ok_only_without_problems(
    rows: list[tuple[int, list[str]]],
) -> None:
    line, table_rows = 0, []
    for step, cells in rows:
        line += step
        stripped = [c.strip() for c in cells]
        if any(stripped):
            table_rows.append(TableRow(line, stripped))
    result = parse_results(Table("p.csv", table_rows))
    assert result.ok == (result.problems == [])
    if result.ok:
        assert result.valid + result.invalid == result.ballots_received <= result.ballots_issued
        assert all(c.votes <= result.valid for c in result.candidates)
        if result.kind == "election":
            assert result.candidates and result.seats and result.seats > 0


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@settings(max_examples=40, deadline=None)
@given(
    votes=st.lists(st.integers(0, 50), min_size=1, max_size=8),
    names=st.lists(st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1,
                           max_size=15).filter(str.strip), min_size=8, max_size=8,
                   unique_by=lambda s: " ".join(nfc(s).split()).casefold()),
    sep=st.sampled_from([",", ";"]),
)  # fmt: skip
def test_a_valid_election_round_trips_through_csv(
    votes: list[int], names: list[str], sep: str
) -> None:
    keys: Rows = [
        ["title", "t"],
        ["kind", "election"],
        ["seats", len(votes)],
        ["ballots_issued", 60],
        ["ballots_received", 60],
        ["valid", 50],
        ["invalid", 10],
    ]
    rows = [*keys, [], ["name", "votes"], *([n, v] for n, v in zip(names, votes, strict=False))]
    result = read(rows, sep=sep)
    assert result.problems == []
    assert [(c.name, c.votes) for c in result.candidates] == [
        (n.strip(), v) for n, v in zip(names, votes, strict=False)
    ]
