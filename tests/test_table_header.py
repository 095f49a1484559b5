"""What every format does with a table the same way (`bot.tabular`): map the header, read
the rows under it, check cell lengths, and collect problems in line order.

Each format's own columns and keys are tested with the format; here a made-up format
("t.*" keys) shows the shared behaviour once.
"""

from __future__ import annotations

from bot.tabular import MAX_CELL_CHARS, Columns, Findings, Header, Problem, Table, TableRow

COLUMNS = Columns(
    {"code": ("madaibieu", "code"), "name": ("hovaten", "name")},
    unknown="t.unknown",
    duplicate="t.duplicate",
    unnamed="t.unnamed",
    too_long="t.too_long",
    empty="t.empty",
    above="t.above",
    limits={"name": 5},
)
REQUIRED = {"code": "t.missing_code", "name": "t.missing_name"}


def found(problems: list[Problem]) -> list[tuple[int, str | None, str, dict[str, str | int]]]:
    """Return problems as (line, column, key, params)."""
    return [(p.line, p.column, p.key, p.params) for p in problems]


def test_a_header_maps_names_in_any_case_or_accents_and_passes_over_row_numbers() -> None:
    findings = Findings("f.csv")
    header = Header(COLUMNS, TableRow(3, ["STT", "Mã  đại biểu", "HỌ VÀ TÊN:", "Ghi chú"]),
                    findings, REQUIRED)
    assert header.ok
    assert header.index == {"code": 1, "name": 2}
    assert header.labels == {"code": "Mã  đại biểu", "name": "HỌ VÀ TÊN:"}
    assert found(findings.warnings) == [(3, "Ghi chú", "t.unknown", {})]
    assert findings.problems == []


def test_a_repeated_or_missing_column_is_a_problem_at_the_header() -> None:
    findings = Findings("f.csv")
    header = Header(COLUMNS, TableRow(2, ["code", "Mã đại biểu"]), findings, REQUIRED)
    assert not header.ok
    assert found(findings.problems) == [
        (2, "Mã đại biểu", "t.duplicate", {"other_column": "code"}),
        (2, None, "t.missing_name", {}),
    ]


def test_only_the_fields_asked_for_are_mapped() -> None:
    findings = Findings("f.csv")
    header = Header(COLUMNS, TableRow(1, ["name", "code", "name"]), findings,
                    {"code": "t.missing_code"}, only={"code"})
    assert header.ok and header.index == {"code": 1}
    assert findings.problems == findings.warnings == []


def test_rows_read_by_field_and_data_under_no_name_is_warned_once_per_column() -> None:
    findings = Findings("f.csv")
    header = Header(COLUMNS, TableRow(1, ["code", "", "name"]), findings, REQUIRED)
    assert header.values(TableRow(2, ["A", "x", "An", "y"])) == {"code": "A", "name": "An"}
    assert header.values(TableRow(3, ["B", "z"])) == {"code": "B", "name": ""}
    assert header.values(TableRow(5, ["C", "", "Cư", "w", "v"])) == {"code": "C", "name": "Cư"}
    assert found(findings.warnings) == [
        (2, None, "t.unnamed", {"position": 2}),
        (2, None, "t.unnamed", {"position": 4}),
        (5, None, "t.unnamed", {"position": 5}),
    ]


def test_the_header_is_the_first_of_the_top_rows_naming_every_required_column() -> None:
    rows = [TableRow(1, ["DANH SÁCH ĐẠI BIỂU"]), TableRow(2, ["code", "x"]),
            TableRow(4, ["code", "name"]), TableRow(5, ["A", "An"])]
    findings = Findings("f.csv")
    header, body = COLUMNS.header(Table("f.csv", rows), findings, REQUIRED)
    assert header.row.line == 4 and body == rows[3:]
    assert found(findings.warnings) == [(1, None, "t.above", {}), (2, None, "t.above", {})]
    assert findings.problems == []


def test_without_such_a_row_the_first_row_is_the_header_and_says_what_is_missing() -> None:
    rows = [TableRow(1, ["code", "ten"]), TableRow(2, ["A", "An"])]
    findings = Findings("f.csv")
    header, body = COLUMNS.header(Table("f.csv", rows), findings, REQUIRED)
    assert header.row.line == 1 and body == rows[1:] and not header.ok
    assert found(findings.problems) == [(1, None, "t.missing_name", {})]
    assert found(findings.warnings) == [(1, "ten", "t.unknown", {})]


def test_a_cell_over_its_limit_is_blanked_and_an_empty_required_cell_reported() -> None:
    findings = Findings("f.csv")
    labels = {"code": "Mã", "name": "Tên"}
    checked = COLUMNS.check_cells(findings, 7, {"code": "", "name": "Nguyễn"}, labels, REQUIRED)
    assert checked == {"code": "", "name": ""}
    longest = "x" * MAX_CELL_CHARS
    assert COLUMNS.check_cells(findings, 8, {"code": longest}, labels, REQUIRED) == {
        "code": longest}
    COLUMNS.check_cells(findings, 9, {"code": longest + "x"}, labels, REQUIRED)
    assert found(findings.problems) == [
        (7, "Mã", "t.empty", {}),
        (7, "Tên", "t.too_long", {"max": 5, "length": 6}),
        (9, "Mã", "t.too_long", {"max": MAX_CELL_CHARS, "length": MAX_CELL_CHARS + 1}),
    ]


def test_findings_come_in_line_order_keeping_the_order_found_within_a_line() -> None:
    findings = Findings("f.csv")
    findings.problem(3, None, "b")
    findings.problem(1, "A", "a", value="x")
    findings.problem(3, None, "c")
    findings.warn(2, None, "w")
    problems, warnings = findings.in_line_order()
    assert found(problems) == [(1, "A", "a", {"value": "x"}), (3, None, "b", {}),
                               (3, None, "c", {})]
    assert found(warnings) == [(2, None, "w", {})]
    assert problems[0].format_location() == "f.csv:1:A"
