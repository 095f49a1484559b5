"""`delegate-bot attendance export FILE.xlsx` and `checkin newcard` on the command line
(points 9 and 1): a summary sheet and one sheet per window, names in Vietnamese order,
formula-safe, written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.app import App
from bot.clock import to_iso
from storage import attendance, delegates
from storage.attendance import Checkin
from storage.delegates import DelegateData
from testkit.congress_day import DAY_ONE_AM, load_programme
from tests.cli_runner import plain
from tests.cli_runner import run_beside as cli

ROSTER = [
    DelegateData("D1", "Trần Văn Bình", "Sở Y tế", "Đoàn Y tế", "official", None, "A1", "INV1"),
    DelegateData("D2", "Nguyễn Thị An", "Sở Y tế", "Đoàn Y tế", "official", None, "A2", "INV2"),
    DelegateData("D3", "=HYPERLINK(\"x\")", "@Sở", "Đoàn Tài chính", "official", None, "A3",
                 "INV3"),
    DelegateData("D4", "Lê Ánh", "Sở Tài chính", "Đoàn Tài chính", "official", None, "A4",
                 "INV4"),
    DelegateData("D5", "Phạm Khách", "", "", "guest", None, "", "INV5"),
]


async def test_export_has_a_summary_and_a_sheet_per_window(
        app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path) -> None:
    db, now = app.services.db, to_iso(app.services.clock.now())
    await load_programme(app)
    await delegates.apply_import(db, upserts=ROSTER, remove_codes=[], now=now)
    people = {d.code: d for d in await delegates.all_delegates(db)}
    for code in ("D1", "D3", "D5"):
        await attendance.check_in(db, Checkin(people[code].id, DAY_ONE_AM, now, "staff",
                                              "telegram", "7001", "Cán bộ Hùng"))
    await attendance.report_absence(db, people["D4"].id, starts_at=now,
                                    ends_at="2026-08-11T12:00:00.000+00:00", scope="day",
                                    reason="+Công tác", now=now)
    target = tmp_path / "diem-danh.xlsx"
    run = await cli(capsys, cli_config, "attendance", "export", str(target))
    assert run.code == 0, run.err
    assert run.out.strip() == plain("attendance.export.done", count=3, file=str(target))
    assert target.stat().st_mode & 0o777 == 0o600
    book = load_workbook(target)
    assert book.sheetnames == ["Tổng hợp", "buổi sáng Thứ Ba 11-08", "buổi chiều Thứ Ba 11-08",
                               "buổi sáng Thứ Tư 12-08"]
    summary = [[c.value for c in row] for row in book["Tổng hợp"].iter_rows()]
    assert summary[0][5] == "Đủ số lượng (2/3)"
    assert summary[1] == ["buổi sáng Thứ Ba 11/08", "11/08/2026 08:00", "11/08/2026 11:30",
                          "2", "4", "Chưa đủ", "1", "1", "1"]
    assert summary[2][3:9] == ["0", "4", "Chưa đủ", "1", "3", "0"]  # the absence: the day
    morning = [[c.value or "" for c in row] for row in book["buổi sáng Thứ Ba 11-08"].iter_rows()]
    assert [(r[0], r[2]) for r in morning[1:]] == [
        ("Có mặt", '=HYPERLINK("x")'), ("Có mặt", "Trần Văn Bình"), ("Có mặt", "Phạm Khách"),
        ("Vắng có lý do", "Lê Ánh"), ("Chưa có mặt", "Nguyễn Thị An")]
    assert morning[2][7:10] == ["11/08/2026 07:30", "Cán bộ Hùng", "Cán bộ quét thẻ"]
    assert morning[4][10] == "+Công tác"
    for row in book["buổi sáng Thứ Ba 11-08"].iter_rows():
        for cell in row:
            assert cell.data_type != "f"  # text, never a formula
    formula = book["buổi sáng Thứ Ba 11-08"]["C2"]
    assert formula.value == '=HYPERLINK("x")' and formula.quotePrefix
    afternoon = [[c.value or "" for c in row]
                 for row in book["buổi chiều Thứ Ba 11-08"].iter_rows()]
    assert [r[0] for r in afternoon[1:]] == ["Vắng có lý do"] + ["Chưa có mặt"] * 3


async def test_export_refuses_another_extension_and_a_missing_folder(
        app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path) -> None:
    run = await cli(capsys, cli_config, "attendance", "export", str(tmp_path / "x.csv"))
    assert run.code == 1 and "x.csv" in run.err and not (tmp_path / "x.csv").exists()
    run = await cli(capsys, cli_config, "attendance", "export", str(tmp_path / "no" / "x.xlsx"))
    assert run.code == 1 and "no" in run.err


async def test_export_without_a_programme_writes_the_summary_only(
        app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path) -> None:
    target = tmp_path / "x.xlsx"
    run = await cli(capsys, cli_config, "attendance", "export", str(target))
    assert run.code == 0 and plain("attendance.export.no_windows") in run.out
    assert load_workbook(target).sheetnames == ["Tổng hợp"]


async def test_newcard_on_the_command_line(
        app: App, capsys: pytest.CaptureFixture[str], cli_config: Path) -> None:
    db = app.services.db
    await delegates.apply_import(db, upserts=ROSTER[:1], remove_codes=[],
                                 now=to_iso(app.services.clock.now()))
    [person] = await delegates.all_delegates(db)
    old = await delegates.checkin_token(db, person.id)
    run = await cli(capsys, cli_config, "checkin", "newcard", "D1")
    assert run.code == 0 and run.out.strip() == plain("card.new_done", name="Trần Văn Bình",
                                                      code="D1")
    assert await delegates.checkin_token(db, person.id) != old
    run = await cli(capsys, cli_config, "checkin", "newcard", "NOPE")
    assert run.code == 1 and run.out.strip() == plain("card.new_unknown", code="NOPE")
