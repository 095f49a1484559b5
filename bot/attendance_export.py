"""`delegate-bot attendance export FILE.xlsx`: the attendance of the congress in a workbook.

A summary sheet (one row per window: present over summoned, the quorum, absent with a
reason, missing), then one sheet per window: who was present (checked in at, by whom, how),
who reported an absence and why, and who is missing, each group in Vietnamese name order.
Every cell is text that no spreadsheet runs (bot/formats/export.py); the file is written
whole or not at all, readable by the owner only.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot import attendance_now
from bot.attendance_report import WindowReport, kind_of, window_report
from bot.attendance_windows import Window
from bot.clock import from_iso
from bot.context import Services
from bot.formats.export import xlsx_book_bytes
from bot.i18n import Translate
from bot.text import html_to_plain
from storage import files
from storage.delegates import Delegate

SUMMARY_COLUMNS = ("window", "starts", "ends", "present", "summoned", "quorum", "absent",
                   "missing", "others")
WINDOW_COLUMNS = ("status", "code", "name", "delegation", "unit", "kind", "seat", "at", "by",
                  "method", "reason")
_NOT_IN_TITLE = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in a sheet's name
TITLE_MAX = 31


def _plain(t: Translate, key: str, **params: object) -> str:
    return html_to_plain(t(key, **params))


def _title(text: str, taken: set[str]) -> str:
    """Return a sheet name Excel takes: no forbidden characters, 31 at most, unique."""
    base = _NOT_IN_TITLE.sub("-", text).strip("' ")[:TITLE_MAX] or "-"
    title, n = base, 1
    while title.casefold() in taken:
        n += 1
        title = f"{base[:TITLE_MAX - len(str(n)) - 1]} {n}"
    taken.add(title.casefold())
    return title


def _time(services: Services, iso: str) -> str:
    return from_iso(iso).astimezone(services.config.event.tz).strftime("%d/%m/%Y %H:%M")


def summary_row(services: Services, t: Translate, report: WindowReport) -> list[str]:
    """Return one window's line of the summary sheet."""
    tz = services.config.event.tz
    counted = report.count
    reached = "yes" if counted.reached else "no"
    holders = {s.holder.id for s in report.seats}
    return [html_to_plain(attendance_now.window_name(services, t, report.window)),
            report.window.starts_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
            report.window.ends_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
            str(counted.present), str(counted.summoned),
            _plain(t, f"attendance.export.{reached}"),
            str(len(report.absent_people())), str(len(report.missing())),
            str(len(report.present.keys() - holders))]


def window_rows(services: Services, t: Translate, report: WindowReport) -> list[list[str]]:
    """Return one window's sheet: present, then absent with a reason, then missing."""
    seated = {s.holder.id for s in report.seats if s.replaced}

    def row(status: str, d: Delegate, at: str = "", by: str = "", method: str = "",
            reason: str = "") -> list[str]:
        return [_plain(t, f"attendance.export.status.{status}"), d.code, d.full_name,
                d.delegation, d.unit, _plain(t, f"attendance.kind.{kind_of(d, seated)}"),
                d.seat, at, by, method, reason]

    rows = [[_plain(t, f"attendance.export.column.{c}") for c in WINDOW_COLUMNS]]
    for d in report.present_people():
        held = report.present[d.id]
        rows.append(row("present", d, _time(services, held.checked_at),
                        held.by_name or held.by_user,
                        _plain(t, f"attendance.export.method.{held.method}")))
    rows += [row("absent", d, reason=report.absences[d.id].reason)
             for d in report.absent_people()]
    rows += [row("missing", d) for d in report.missing()]
    return rows


async def workbook(services: Services, t: Translate) -> tuple[bytes, int]:
    """Return the workbook's bytes and the number of windows in it."""
    found: list[Window] = await attendance_now.all_windows(services)
    reports = [await window_report(services, w) for w in found]
    quorum = attendance_now.quorum_text(services.config.attendance.quorum_fraction)
    summary = [[_plain(t, f"attendance.export.column.{c}", quorum=quorum)
                for c in SUMMARY_COLUMNS]]
    summary += [summary_row(services, t, r) for r in reports]
    taken: set[str] = set()
    sheets: list[tuple[str | None, list[list[str]]]] = [
        (_title(_plain(t, "attendance.export.summary"), taken), summary)]
    for report in reports:
        name = html_to_plain(attendance_now.window_name(services, t, report.window))
        sheets.append((_title(name, taken), window_rows(services, t, report)))
    return xlsx_book_bytes(sheets), len(reports)


async def export(services: Services, t: Translate, path: Path) -> int:
    """Write the workbook to `path` (whole or not at all, 0600); return the windows in it."""
    data, count = await workbook(services, t)
    files.write_private(path, data)
    return count
