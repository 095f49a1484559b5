"""Tests for bot.formats.agenda: agenda columns and keys, times in the event's zone, problems."""

from __future__ import annotations

import csv
import io
import re
import sys
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bot.formats.agenda as agenda_file
from bot.formats import agenda_rules, agenda_toml
from bot.formats.agenda import (
    MAX_CELL_CHARS,
    MAX_DESCRIPTION_CHARS,
    AgendaFile,
    Problem,
    SessionRow,
    parse_agenda_table,
    parse_agenda_toml,
    read_agenda,
)
from bot.formats.export import restore
from bot.i18n import LANGUAGES, load_texts, placeholders
from bot.tabular import Table, TableRow, clean_cell, read_table_bytes

ROOT = Path(__file__).resolve().parent.parent
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
HEADER = "Ngày;Bắt đầu;Kết thúc;Tiêu đề;Địa điểm;Người trình bày;Mô tả;Loại;Đối tượng"
BOM = b"\xef\xbb\xbf"


def utc(day: int, hour: int, minute: int = 0, month: int = 8) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def agenda(*lines: str, name: str = "ct.csv", tz: ZoneInfo = HANOI) -> AgendaFile:
    text = "\r\n".join(lines) + "\r\n"
    return read_agenda(BOM + text.encode(), name, tz)


def toml(text: str, name: str = "ct.toml") -> AgendaFile:
    return parse_agenda_toml(text.encode(), name, HANOI)


def found(problems: list[Problem]) -> list[tuple[str, int, str | None, str, dict]]:
    return [(p.file, p.line, p.column, p.key, p.params) for p in problems]


def clean(result: AgendaFile) -> list[SessionRow]:
    assert (result.problems, result.warnings) == ([], [])
    return result.rows


# --- spreadsheets ------------------------------------------------------------------------


def test_a_full_row_is_normalised_to_utc() -> None:
    result = agenda(
        HEADER,
        "11/08/2026;07:30;08:15;Phiên khai mạc;Hội trường A;Đoàn Chủ tịch;Diễn văn;nghi lễ;tất cả",
    )
    assert result.ok
    assert clean(result) == [
        SessionRow(
            line=2,
            key="phienkhaimac#1",
            starts_at=utc(11, 0, 30),
            ends_at=utc(11, 1, 15),
            title="Phiên khai mạc",
            location="Hội trường A",
            presenter="Đoàn Chủ tịch",
            description="Diễn văn",
            kind="ceremony",
            audience="all",
        )
    ]
    assert result.rows[0].starts_at.tzinfo is UTC


def test_only_day_start_end_and_title_are_needed() -> None:
    row = clean(agenda("day,start,end,title", "2026-08-11,13:30,15:00,Bầu cử"))[0]
    assert (row.location, row.presenter, row.description) == ("", "", "")
    assert (row.kind, row.audience, row.key) == ("plenary", "all", "baucu#1")


@pytest.mark.parametrize(
    "header",
    [
        HEADER,
        "NGÀY;GIỜ BẮT ĐẦU;GIỜ KẾT THÚC;NỘI DUNG;PHÒNG;CHỦ TRÌ;GHI CHÚ;LOẠI PHIÊN;DÀNH CHO",
        "ngay;tu;den;ten phien;dia diem;bao cao vien;mo ta;loai;doi tuong",
        " Ngày ;Bắt_đầu;Kết-thúc;Tiêu  đề;Địa điểm;Người trình bày;Mô tả;Loại;Đối tượng",
        "Day;Start;End;Title;Location;Presenter;Description;Kind;Audience",
        "date;start time;end time;session;room;speaker;notes;type;audience",
        unicodedata.normalize("NFD", HEADER),  # combining accents, as some Mac/Unikey setups type
    ],
)
def test_headers_in_either_language_any_case_accents_or_spacing(header: str) -> None:
    rows = clean(agenda(header, "12/08/2026;7h30;8h;Bế mạc;HT A;Ông B;Mô tả;break;Đoàn Sở Y tế"))
    assert rows == [
        SessionRow(2, "bemac#1", utc(12, 0, 30), utc(12, 1), "Bế mạc", "HT A", "Ông B", "Mô tả",
                   "break", "Đoàn Sở Y tế")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-08-11", date(2026, 8, 11)),
        ("11/08/2026", date(2026, 8, 11)),
        ("11/8/2026", date(2026, 8, 11)),
        ("11.08.2026", date(2026, 8, 11)),
        ("11-8-2026", date(2026, 8, 11)),  # as the press writes "Ngày 11-8"
    ],
)
def test_both_date_forms(day: str, expected: date) -> None:
    row = clean(agenda("Ngày;Từ;Đến;Tiêu đề", f"{day};09:00;10:00;X"))[0]
    assert row.starts_at == datetime.combine(expected, time(9), tzinfo=HANOI)


def test_a_day_without_year_takes_the_year_of_the_first_full_date() -> None:
    rows = clean(agenda("Ngày;Từ;Đến;Tiêu đề", "12/08;09:00;10:00;A", "11/08/2027;09:00;10:00;B"))
    assert [row.starts_at.date() for row in rows] == [date(2027, 8, 12), date(2027, 8, 11)]


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        ("07:30", time(7, 30)),
        ("7:30", time(7, 30)),
        ("7h30", time(7, 30)),
        ("7H30", time(7, 30)),
        ("07.30", time(7, 30)),
        ("7h", time(7)),
        ("7g30", time(7, 30)),
        ("7 giờ 30", time(7, 30)),
        ("07:30:00", time(7, 30)),
        ("07:30:15", time(7, 30, 15)),
        ("2026-08-11 07:30", time(7, 30)),  # an Excel date-and-time cell on the same day
    ],
)
def test_time_forms(text: str, clock: time) -> None:
    row = clean(agenda("Ngày;Từ;Đến;Tiêu đề", f"11/08/2026;{text};23:59;X"))[0]
    assert row.starts_at == datetime.combine(date(2026, 8, 11), clock, tzinfo=HANOI)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("", "plenary"),
        ("Nghi lễ", "ceremony"),
        ("ceremony", "ceremony"),
        ("Phiên toàn thể", "plenary"),
        ("PLENARY", "plenary"),
        ("thảo luận", "discussion"),
        ("Thao Luan", "discussion"),
        ("bầu cử", "election"),
        ("Election", "election"),
        ("Giải lao", "break"),
        ("nghỉ", "break"),
        ("break", "break"),
    ],
)
def test_kind_values(value: str, kind: str) -> None:
    rows = clean(agenda("day;start;end;title;kind", f"11/08/2026;8:00;9:00;X;{value}"))
    assert rows[0].kind == kind


@pytest.mark.parametrize(
    ("value", "audience"),
    [
        ("", "all"),
        ("all", "all"),
        ("Tất cả", "all"),
        ("TAT CA", "all"),
        ("official", "official"),
        ("Chính thức", "official"),
        ("đại biểu chính thức", "official"),
        ("  Đoàn Sở Y tế ", "Đoàn Sở Y tế"),
        ("Đoàn Sở Văn hóa, Thể thao và Du lịch", "Đoàn Sở Văn hóa, Thể thao và Du lịch"),
    ],
)
def test_audience_values(value: str, audience: str) -> None:
    line = f'11/08/2026;8:00;9:00;X;"{value}"'
    assert clean(agenda("day;start;end;title;audience", line))[0].audience == audience


def test_every_problem_is_reported_at_its_line_and_column() -> None:
    long_title = "x" * (MAX_CELL_CHARS + 1)
    result = agenda(
        "Mã phiên;" + HEADER,
        "A;11/08/2026;07:30;08:00;Khai mạc;;;;;",  # 2: fine
        ";;07:30;08:00;Không ngày;;;;;",  # 3: no day
        ";11/08/2026;;08:00;Không giờ;;;;;",  # 4: no start
        ";11/08/2026;07:30;;Không giờ;;;;;",  # 5: no end
        ";11/08/2026;07:30;08:00;;;;;;",  # 6: no title
        ";32/08/2026;07:30;08:00;Sai ngày;;;;;",  # 7: no such date
        ";11/08/2026;7 rưỡi;08:00;Sai giờ;;;;;",  # 8: unreadable start
        ";11/08/2026;07:30;25:00;Sai giờ;;;;;",  # 9: unreadable end
        ";11/08/2026;09:00;08:00;Ngược;;;;;",  # 10: end before start
        ";11/08/2026;09:00;09:00;Bằng;;;;;",  # 11: end equals start
        ";11/08/2026;23:30;00:30;Qua đêm;;;;;",  # 12: crosses midnight
        ";11/08/2026;07:30;08:00;Lạ;;;;hội thảo;",  # 13: unknown kind
        f";11/08/2026;07:30;08:00;{long_title};;;;;",  # 14: cell too long
        "a;12/08/2026;07:30;08:00;Trùng mã;;;;;",  # 15: id of line 2 (case does not matter)
    )
    assert found(result.problems) == [
        ("ct.csv", 3, "Ngày", "agenda.problem.empty_required", {}),
        ("ct.csv", 4, "Bắt đầu", "agenda.problem.empty_required", {}),
        ("ct.csv", 5, "Kết thúc", "agenda.problem.empty_required", {}),
        ("ct.csv", 6, "Tiêu đề", "agenda.problem.empty_required", {}),
        ("ct.csv", 7, "Ngày", "agenda.problem.bad_date", {"value": "32/08/2026"}),
        ("ct.csv", 8, "Bắt đầu", "agenda.problem.bad_time", {"value": "7 rưỡi"}),
        ("ct.csv", 9, "Kết thúc", "agenda.problem.bad_time", {"value": "25:00"}),
        ("ct.csv", 10, "Kết thúc", "agenda.problem.end_not_after_start",
         {"start": "09:00", "end": "08:00"}),
        ("ct.csv", 11, "Kết thúc", "agenda.problem.end_not_after_start",
         {"start": "09:00", "end": "09:00"}),
        ("ct.csv", 12, "Kết thúc", "agenda.problem.end_not_after_start",
         {"start": "23:30", "end": "00:30"}),
        ("ct.csv", 13, "Loại", "agenda.problem.unknown_kind", {"value": "hội thảo"}),
        ("ct.csv", 14, "Tiêu đề", "agenda.problem.too_long",
         {"max": MAX_CELL_CHARS, "length": MAX_CELL_CHARS + 1}),
        ("ct.csv", 15, "Mã phiên", "agenda.problem.duplicate_id", {"id": "a", "other_line": 2}),
    ]  # fmt: skip
    assert not result.ok
    assert [row.line for row in result.rows] == [2]  # the caller must not use them: ok is False
    assert result.problems[5].format_location() == "ct.csv:8:Bắt đầu"


def test_a_long_description_is_allowed_up_to_its_own_limit() -> None:
    fine, too_long = "m" * MAX_DESCRIPTION_CHARS, "m" * (MAX_DESCRIPTION_CHARS + 1)
    result = agenda("day;start;end;title;description", f"11/08/2026;8:00;9:00;A;{fine}",
                    f"11/08/2026;9:00;10:00;B;{too_long}")  # fmt: skip
    assert found(result.problems) == [
        ("ct.csv", 3, "description", "agenda.problem.too_long",
         {"max": MAX_DESCRIPTION_CHARS, "length": MAX_DESCRIPTION_CHARS + 1})
    ]  # fmt: skip


def test_any_problem_refuses_the_whole_file() -> None:
    good = [f"11/08/2026;{h:02}:00;{h:02}:45;Phiên {h}" for h in range(7, 17)]
    assert agenda("Ngày;Từ;Đến;Tiêu đề", *good).ok
    result = agenda("Ngày;Từ;Đến;Tiêu đề", *good, "11/08/2026;18:00;17:00;Sai")
    assert not result.ok and len(result.problems) == 1
    assert found(result.problems)[0][:2] == ("ct.csv", 12)


@pytest.mark.parametrize(
    ("header", "keys"),
    [
        ("Bắt đầu;Kết thúc;Tiêu đề", ["agenda.problem.missing_day_column"]),
        ("Ngày;Kết thúc;Tiêu đề", ["agenda.problem.missing_start_column"]),
        ("Ngày;Bắt đầu;Tiêu đề", ["agenda.problem.missing_end_column"]),
        ("Ngày;Bắt đầu;Kết thúc", ["agenda.problem.missing_title_column"]),
        ("x;y", ["agenda.problem.missing_day_column", "agenda.problem.missing_start_column",
                 "agenda.problem.missing_end_column", "agenda.problem.missing_title_column"]),
    ],
)  # fmt: skip
def test_a_missing_required_column_is_an_error_at_the_header(header: str, keys: list[str]) -> None:
    result = agenda(header, "11/08/2026;8:00;9:00")
    assert [(p.line, p.column, p.key) for p in result.problems] == [(1, None, k) for k in keys]
    assert result.rows == [] and result.problems[0].format_location() == "ct.csv:1"


def test_a_column_given_twice_is_an_error() -> None:
    result = agenda("Ngày;Từ;Đến;Tiêu đề;Phòng;Địa điểm", "11/08/2026;8:00;9:00;A;1;2")
    assert found(result.problems) == [
        ("ct.csv", 1, "Địa điểm", "agenda.problem.duplicate_column", {"other_column": "Phòng"})
    ]


def test_a_header_without_sessions_and_an_empty_table() -> None:
    assert found(agenda(HEADER).problems) == [("ct.csv", 1, None, "agenda.problem.no_sessions", {})]
    assert len(parse_agenda_table(Table("t.csv", []), HANOI).problems) == 4


def test_unknown_unnamed_and_title_rows_are_warnings_not_errors() -> None:
    result = agenda(
        "CHƯƠNG TRÌNH ĐẠI HỘI;;;;",
        "STT;Ngày;Từ;Đến;Tiêu đề;Trang phục;",
        "1;11/08/2026;7:30;8:00;Chào cờ;áo dài;",
        "2;11/08/2026;8:00;9:00;Khai mạc;;lost",
    )
    assert result.ok and [row.line for row in result.rows] == [3, 4]
    assert found(result.warnings) == [
        ("ct.csv", 1, None, "agenda.warning.above_header", {}),
        ("ct.csv", 2, "Trang phục", "agenda.warning.unknown_column", {}),
        ("ct.csv", 4, None, "agenda.warning.unnamed_column", {"position": 7}),
    ]


def test_overlapping_sessions_in_the_same_room_are_a_warning_at_the_later_line() -> None:
    result = agenda(
        "Ngày;Từ;Đến;Tiêu đề;Phòng",
        "11/08/2026;10:00;11:30;Thảo luận tổ 1;Phòng họp số 1",  # 2
        "11/08/2026;10:00;11:30;Thảo luận tổ 2;Phòng họp số 2",  # 3: another room
        "11/08/2026;11:30;12:00;Tổng hợp;Phòng họp số 1",  # 4: starts as line 2 ends
        "11/08/2026;11:00;11:45;Chen ngang;phòng họp số 1",  # 5: overlaps lines 2 and 4
        "12/08/2026;10:00;11:30;Hôm sau;Phòng họp số 1",  # 6: another day
        "11/08/2026;10:00;11:30;Không phòng;",  # 7: no room, no clash
        "11/08/2026;10:00;11:30;Cũng không phòng;",  # 8
    )
    assert result.ok and len(result.rows) == 7
    assert found(result.warnings) == [
        ("ct.csv", 5, None, "agenda.warning.overlap",
         {"other_line": 2, "other_title": "Thảo luận tổ 1", "location": "phòng họp số 1"}),
        ("ct.csv", 5, None, "agenda.warning.overlap",
         {"other_line": 4, "other_title": "Tổng hợp", "location": "phòng họp số 1"}),
    ]  # fmt: skip


def test_a_session_right_after_local_midnight_is_on_the_previous_utc_day() -> None:
    row = clean(agenda("Ngày;Từ;Đến;Tiêu đề", "11/08/2026;00:15;01:00;Trực đêm"))[0]
    assert (row.starts_at, row.ends_at) == (utc(10, 17, 15), utc(10, 18))


def test_times_are_local_to_the_zone_given() -> None:
    paris = ZoneInfo("Europe/Paris")  # clocks go forward at 02:00 on 29 March 2026
    row = clean(agenda("day;start;end;title", "2026-03-29;01:30;03:30;X", tz=paris))[0]
    assert (row.starts_at, row.ends_at) == (utc(29, 0, 30, month=3), utc(29, 1, 30, month=3))


def test_a_three_day_event() -> None:
    lines = [f"{day}/08/2026;{h}:00;{h}:50;Phiên {h}h;Hội trường" for day in (10, 11, 12)
             for h in (8, 9, 14)]  # fmt: skip
    rows = clean(agenda("Ngày;Từ;Đến;Tiêu đề;Phòng", *lines))
    assert len(rows) == 9 and len({row.key for row in rows}) == 9
    assert [row.key for row in rows[:4]] == ["phien8h#1", "phien9h#1", "phien14h#1", "phien8h#2"]
    assert rows[-1].ends_at - rows[0].starts_at == timedelta(days=2, hours=6, minutes=50)
    assert {row.starts_at.date() for row in rows} == {date(2026, 8, d) for d in (10, 11, 12)}


def test_keys_count_sessions_with_the_same_title_and_prefer_the_id() -> None:
    rows = clean(agenda(
        "Mã phiên;Ngày;Từ;Đến;Tiêu đề",
        ";11/08/2026;9:45;10:00;Giải lao",
        ";11/08/2026;15:30;15:45;GIẢI LAO",
        "GL-3;12/08/2026;9:45;10:00;Giải lao",
        ";12/08/2026;15:30;15:45;Giải  lao!",
    ))  # fmt: skip
    assert [row.key for row in rows] == ["giailao#1", "giailao#2", "GL-3", "giailao#4"]


def test_an_id_spelled_like_another_sessions_own_key_is_a_duplicate() -> None:
    result = agenda(
        "id;day;start;end;title",
        "GIAILAO#2;11/08/2026;8:00;9:00;Khai mạc",
        ";11/08/2026;9:00;9:15;Giải lao",
        ";11/08/2026;10:00;10:15;Giải lao",
    )
    assert found(result.problems) == [
        ("ct.csv", 2, "id", "agenda.problem.duplicate_id", {"id": "GIAILAO#2", "other_line": 4})
    ]


# --- Excel -------------------------------------------------------------------------------


def xlsx(*rows: list[object]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_real_date_and_time_cells() -> None:
    data = xlsx(
        ["Ngày", "Bắt đầu", "Kết thúc", "Tiêu đề", "Phòng", "Loại"],
        [date(2026, 8, 11), time(7, 30), time(7, 45), "Nghi lễ chào cờ", "Hội trường A", "nghi lễ"],
        [datetime(2026, 8, 11), time(0, 15), time(1, 0), "Trực đêm", 101, None],
        [date(2026, 8, 12), datetime(2026, 8, 12, 8), timedelta(hours=9, minutes=30), "Bế mạc",
         None, None],
        ["12/08/2026", "10:00", "10h30", "Ô chữ", None, "giải lao"],
    )  # fmt: skip
    cells = [row.cells[:3] for row in read_table_bytes(data, "ct.xlsx").rows[1:]]
    assert cells == [  # what bot/tabular makes of Excel's cells
        ["2026-08-11", "07:30", "07:45"],
        ["2026-08-11", "00:15", "01:00"],
        ["2026-08-12", "2026-08-12 08:00", "9:30:00"],
        ["12/08/2026", "10:00", "10h30"],
    ]
    rows = clean(read_agenda(data, "ct.xlsx", HANOI))
    assert [(r.line, r.starts_at, r.ends_at, r.location, r.kind) for r in rows] == [
        (2, utc(11, 0, 30), utc(11, 0, 45), "Hội trường A", "ceremony"),
        (3, utc(10, 17, 15), utc(10, 18), "101", "plenary"),
        (4, utc(12, 1), utc(12, 2, 30), "", "plenary"),
        (5, utc(12, 3), utc(12, 3, 30), "", "break"),
    ]


def test_xlsx_problems_name_the_spreadsheet_row() -> None:
    data = xlsx(["Day", "Start", "End", "Title"], [], [date(2026, 8, 11), time(9), time(8), "X"],
                [datetime(2026, 8, 11), datetime(2026, 8, 12, 8), time(9), "Y"])  # fmt: skip
    result = read_agenda(data, "ct.xlsx", HANOI)
    assert [(p.format_location(), p.key) for p in result.problems] == [
        ("ct.xlsx:3:End", "agenda.problem.end_not_after_start"),
        ("ct.xlsx:4:Start", "agenda.problem.bad_time"),  # a date-and-time of another day
    ]


@pytest.mark.parametrize(
    ("data", "name", "key"),
    [
        (b"not a zip", "ct.xlsx", "tabular.error.not_xlsx"),
        (b"", "ct.csv", "tabular.error.empty"),
        (b"Ng\xe0y;T\xf9\r\n", "ct.csv", "tabular.error.not_utf8"),
        (b"day,start", "ct.pdf", "tabular.error.unsupported_extension"),
        (b"day,start", "ct", "tabular.error.unsupported_extension"),
    ],
)
def test_an_unreadable_file_is_one_problem(data: bytes, name: str, key: str) -> None:
    result = read_agenda(data, name, HANOI)
    assert [(p.file, p.line, p.key) for p in result.problems] == [(name, 1, key)]
    assert not result.ok and result.rows == []


# --- TOML --------------------------------------------------------------------------------

TOML = """\
# Chương trình
[[session]]
day = "2026-08-11"
start = "07:30"
end = "08:00"
title = "Nghi lễ chào cờ"
kind = "nghi lễ"

[[session]]   # a comment after the header
day = 2026-08-11
start = 08:00:00
end = 09:15:00
title = "Báo cáo chính trị"
location = "Hội trường A"
presenter = "Đồng chí Trương Văn Lộc"
description = \"\"\"Báo cáo
của Ban Chấp hành.\"\"\"
audience = "chính thức"
id = 7

  [[ session ]]
"Ngày" = "12/08/2026"
"Bắt đầu" = "9h"
"Kết thúc" = "9h30"
"Tiêu đề" = "Bế mạc"
"Đối tượng" = "Đoàn Sở Y tế"
"""


def test_toml_sessions_with_strings_native_dates_and_times_and_vietnamese_keys() -> None:
    assert clean(toml(TOML)) == [
        SessionRow(2, "nghilechaoco#1", utc(11, 0, 30), utc(11, 1), "Nghi lễ chào cờ", "", "",
                   "", "ceremony", "all"),
        SessionRow(9, "7", utc(11, 1), utc(11, 2, 15), "Báo cáo chính trị", "Hội trường A",
                   "Đồng chí Trương Văn Lộc", "Báo cáo\ncủa Ban Chấp hành.", "plenary", "official"),
        SessionRow(21, "bemac#1", utc(12, 2), utc(12, 2, 30), "Bế mạc", "", "", "", "plenary",
                   "Đoàn Sở Y tế"),
    ]  # fmt: skip


def test_toml_with_a_bom_and_read_agenda_picks_toml_by_extension() -> None:
    data = BOM + TOML.encode()
    assert read_agenda(data, "CT.TOML", HANOI).rows == toml(TOML, "CT.TOML").rows


def test_toml_problems_are_at_the_session_header_line() -> None:
    text = """\
title = "lạc chỗ"

[[session]]
day = "2026-08-11"
start = "9:00"
end = "8:00"
title = "Ngược giờ"

[[session]]
day = 2026-08-11T07:30:00
start = 1999-01-01T07:30:00+07:00
end = true
title = ["a"]
tieu_de = "x"
phong = 12
kind = "hội thảo"
mau = "đỏ"

[[session]]
start = "8:00"
day = ""

[[session]]
day = "13/08/2026"
start = "8:00"
end = "9:00"
title = "Trùng mã"
id = "A"

[[session]]
day = "13/08/2026"
start = "9:00"
end = "10:00"
title = "Trùng mã"
id = "a"
"""
    result = toml(text)
    assert found(result.problems) == [
        ("ct.toml", 3, "end", "agenda.problem.end_not_after_start",
         {"start": "9:00", "end": "8:00"}),
        ("ct.toml", 9, "day", "agenda.problem.wrong_type", {"value": "2026-08-11 07:30:00"}),
        ("ct.toml", 9, "start", "agenda.problem.wrong_type",
         {"value": "1999-01-01 07:30:00+07:00"}),
        ("ct.toml", 9, "end", "agenda.problem.wrong_type", {"value": "true"}),
        ("ct.toml", 9, "title", "agenda.problem.wrong_type", {"value": "['a']"}),
        ("ct.toml", 9, "tieu_de", "agenda.problem.duplicate_column", {"other_column": "title"}),
        ("ct.toml", 9, "phong", "agenda.problem.wrong_type", {"value": "12"}),
        ("ct.toml", 9, "kind", "agenda.problem.unknown_kind", {"value": "hội thảo"}),
        ("ct.toml", 19, None, "agenda.problem.missing_key", {"key": "end"}),
        ("ct.toml", 19, None, "agenda.problem.missing_key", {"key": "title"}),
        ("ct.toml", 19, "day", "agenda.problem.empty_required", {}),
        ("ct.toml", 30, "id", "agenda.problem.duplicate_id", {"id": "a", "other_line": 23}),
    ]  # fmt: skip
    assert found(result.warnings) == [
        ("ct.toml", 1, "title", "agenda.warning.unknown_key", {}),
        ("ct.toml", 9, "mau", "agenda.warning.unknown_key", {}),
    ]
    assert [row.line for row in result.rows] == [23] and not result.ok


@pytest.mark.parametrize(
    ("text", "line", "key", "params"),
    [
        ('[[session]]\nday = "2026-08-11"\nstart = 07:30\n', 3, "agenda.problem.unquoted_value",
         {"value": "07:30"}),
        ("[[session]]\nday = 11/08/2026\n", 2, "agenda.problem.unquoted_value",
         {"value": "11/08/2026"}),
        ('[[session]]\ntitle = "Khai mạc\n', 2, "agenda.problem.bad_toml",
         {"detail": "Illegal character '\\n'"}),
        ('[[session]]\ntitle "Khai mạc"\n\n', 2, "agenda.problem.bad_toml",
         {"detail": "Expected '=' after a key in a key/value pair"}),
        ('[[session]]\ntitle = """Khai mạc\n\n', 3, "agenda.problem.bad_toml",
         {"detail": "Unterminated string"}),
        ("[session]\n[session]\n", 2, "agenda.problem.bad_toml",
         {"detail": "Cannot declare ('session',) twice"}),
        ("[session]\ntitle = 'x'\n", 1, "agenda.problem.not_sessions", {}),
        ("session = [1, 2]\n", 1, "agenda.problem.not_sessions", {}),
        ("# chưa có gì\n", 1, "agenda.problem.no_sessions", {}),
        ("", 1, "agenda.problem.no_sessions", {}),
    ],
)  # fmt: skip
def test_a_toml_file_that_cannot_be_read_is_one_problem(
    text: str, line: int, key: str, params: dict
) -> None:
    result = toml(text)
    assert [(p.line, p.key) for p in result.problems] == [(line, key)]
    detail = result.problems[0].params.get("detail", "")
    if key == "agenda.problem.bad_toml":  # tomllib's own words, without its "(at line ...)"
        assert detail and "at line" not in detail and "end of document" not in detail
        assert detail == params["detail"] or sys.version_info[:2] != (3, 11)
    else:
        assert result.problems[0].params == params
    assert result.rows == []


def test_a_toml_file_that_is_not_utf8_is_one_problem() -> None:
    data = '# chương trình\r\n[[session]]\r\ntitle = "Khai m'.encode() + b'\xe1c"\r\n'
    result = parse_agenda_toml(data, "ct.toml", HANOI)
    assert found(result.problems) == [("ct.toml", 3, None, "tabular.error.not_utf8", {})]


def test_an_inline_array_of_sessions_is_placed_at_its_key() -> None:
    session = '{day = "11/08/2026", start = "8:00", end = "7:00", title = "A"}'
    text = f"# x\nsession = [\n  {session},\n]\n"
    assert [(p.line, p.key) for p in toml(text).problems] == [
        (2, "agenda.problem.end_not_after_start")
    ]


# --- the example event -------------------------------------------------------------------


def test_the_example_agenda_files_are_clean_and_equal() -> None:
    from_toml = clean(read_agenda((ROOT / "examples" / "agenda.toml").read_bytes(), "agenda.toml",
                                  HANOI))  # fmt: skip
    csv_bytes = (ROOT / "examples" / "agenda.csv").read_bytes()
    assert csv_bytes.startswith(BOM) and csv_bytes.split(b"\r\n")[0].count(b";") == 8
    from_csv = clean(read_agenda(csv_bytes, "agenda.csv", HANOI))
    assert [replace(r, line=0) for r in from_toml] == [replace(r, line=0) for r in from_csv]
    assert {r.starts_at.astimezone(HANOI).date() for r in from_toml} == {
        date(2026, 8, 11), date(2026, 8, 12)
    }  # fmt: skip
    assert {r.kind for r in from_toml} == {"ceremony", "plenary", "discussion", "election", "break"}
    assert [r.key for r in from_toml].count("giailao#2") == 1
    election = next(r for r in from_toml if r.kind == "election")
    assert election.audience == "official"
    roster = (ROOT / "examples" / "roster.csv").read_text(encoding="utf-8-sig")
    delegations = {line.split(";")[3] for line in roster.splitlines()[1:]} - {""}
    groups = {r.audience for r in from_toml} - {"all", "official"}
    assert groups and groups <= delegations


# --- texts -------------------------------------------------------------------------------

TEXTS = load_texts()


def keys_in_code() -> set[str]:
    source = "".join(Path(module.__file__).read_text(encoding="utf-8")
                     for module in (agenda_file, agenda_rules, agenda_toml))
    return set(re.findall(r'"((?:agenda|tabular)\.(?:problem|warning|error)\.[a-z0-9_]+)"', source))


def test_every_key_in_the_code_has_matching_texts_in_both_languages() -> None:
    used = keys_in_code()
    assert len(used) >= 23
    for key in used:
        vi, en = TEXTS["vi"][key], TEXTS["en"][key]
        assert placeholders(vi) == placeholders(en), key
        assert "<" not in vi + en and "&" not in vi + en, key
    assert re.search("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịỉĩọỏốồổỗộớờởỡợụủũứừửữựỳýỷỹỵ]",
                     "".join(TEXTS["vi"][key] for key in used))  # fmt: skip


def test_every_reported_problem_formats_in_both_languages() -> None:
    results = [
        agenda("CT;;;", "id;Ngày;Từ;Đến;Tiêu đề;Phòng;Loại;x;",
               "1;11/08/2026;8:00;9:00;A;P;;;", "1;11/08/2026;8:30;9:00;;P;x;;z",
               "2;x;y;z;" + "t" * 201 + ";;;;", "3;11/08/2026;9:00;8:00;B;;;;"),
        agenda("Ngày;Từ;Đến;Tiêu đề;Phòng;Phòng họp", "11/08/2026;8:00;9:00;A;;"),
        agenda("Ngày;Từ;Đến;Tiêu đề;Phòng", "11/08/2026;8:00;9:00;giải lao;P",
               "11/08/2026;8:30;10:00;x;P", "11/08/2026;9:00;10:00;y;P"),
        agenda("a"),
        agenda("Ngày;Từ;Đến;Tiêu đề"),
        toml('x = 1\n[[session]]\nday = true\n'),
        toml('[[session]]\nstart = 7:30\n'),
        toml('[[session]]\nstart = "7:30\n'),
        toml('session = 1\n'),
        toml('[[session]]\nnotes = ' + '[' * 3000 + ']' * 3000 + '\n'),
        agenda("id;Ngày;Từ;Đến;Tiêu đề", "giailao#1;11/08/2026;8:00;9:00;x",
               ";11/08/2026;9:00;10:00;Giải lao"),
    ]  # fmt: skip
    problems = [p for r in results for p in r.problems + r.warnings]
    reported = {p.key for p in problems}
    assert reported >= {k for k in keys_in_code() if k.startswith("agenda.")}
    for problem in problems:
        for lang in LANGUAGES:
            assert TEXTS[lang][problem.key].format(**problem.params)


# --- property tests ----------------------------------------------------------------------

odd_text = st.lists(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cc",)),  # test_control_characters.py
        st.sampled_from([*"<>&*_`[]#\\\"';, \t\r\n=+-@", "😀", "👨‍👩‍👧", "\u202e", "שלום", "'''"]),
    ),
    max_size=30,
).map("".join)


def toml_string(text: str) -> str:
    """Return `text` as a TOML basic string."""
    escaped = "".join(
        "\\" + ch if ch in '"\\' else f"\\u{ord(ch):04x}" if ord(ch) < 0x20 or ch == "\x7f" else ch
        for ch in text
    )
    return f'"{escaped}"'


@settings(max_examples=40, deadline=None)
@given(
    cells=st.lists(st.tuples(odd_text.filter(str.strip), odd_text, odd_text), min_size=1,
                   max_size=5),
    sep=st.sampled_from([";", ","]),
)  # fmt: skip
def test_titles_places_and_presenters_round_trip_through_csv_and_toml(
    cells: list[tuple[str, str, str]], sep: str
) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=sep)
    writer.writerow(["Ngày", "Bắt đầu", "Kết thúc", "Tiêu đề", "Địa điểm", "Người trình bày"])
    for i, row in enumerate(cells):
        writer.writerow(["11/08/2026", f"{8 + i}:00", f"{8 + i}:45", *row])
    from_csv = read_agenda(BOM + out.getvalue().encode(), "r.csv", HANOI)
    sessions = "".join(
        f"[[session]]\nday = 2026-08-11\nstart = {8 + i:02}:00:00\nend = \"{8 + i}h45\"\n"
        f"title = {toml_string(title)}\nlocation = {toml_string(place)}\n"
        f"presenter = {toml_string(who)}\n\n"
        for i, (title, place, who) in enumerate(cells)
    )
    from_toml = parse_agenda_toml(sessions.encode(), "r.toml", HANOI)
    in_toml = [tuple(clean_cell(text) for text in row) for row in cells]
    in_csv = [tuple(restore(text) for text in row) for row in in_toml]  # "'=x" was "=x"
    for result, expected in ((from_csv, in_csv), (from_toml, in_toml)):
        assert result.problems == [] and result.warnings == []
        assert [(r.title, r.location, r.presenter) for r in result.rows] == expected


any_cell = st.one_of(
    odd_text,
    st.just(""),
    st.sampled_from(["11/08/2026", "2026-08-12", "07:30", "7h", "23:59", "00:00", "giải lao",
                     "chính thức", "Phòng 1", "A1", "a1"]),
    st.text(alphabet="x ", min_size=MAX_CELL_CHARS - 2, max_size=MAX_CELL_CHARS + 40),
)  # fmt: skip
AGENDA_HEADER = ["Ngày", "Từ", "Đến", "Tiêu đề", "Phòng", "Chủ trì", "Mô tả", "Loại", "Dành cho",
                 "Mã phiên"]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(any_cell, max_size=11), min_size=1, max_size=12))
def test_parser_never_raises_and_accounts_for_every_row(rows: list[list[str]]) -> None:
    body = [TableRow(i + 2, [cell.strip() for cell in row]) for i, row in enumerate(rows)]
    result = parse_agenda_table(Table("r.csv", [TableRow(1, AGENDA_HEADER), *body]), HANOI)
    blamed = {p.line for p in result.problems}
    kept = {row.line for row in result.rows}
    assert kept.isdisjoint(blamed) and kept | blamed == {row.line for row in body}
    assert len({row.key.casefold() for row in result.rows}) == len(result.rows)
    for row in result.rows:
        assert row.title and row.starts_at < row.ends_at and row.starts_at.tzinfo is UTC
        assert row.starts_at.astimezone(HANOI).date() == row.ends_at.astimezone(HANOI).date()
