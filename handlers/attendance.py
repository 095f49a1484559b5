"""/attendance for organisers: present over summoned in the window in progress (or the last
one, or an earlier one chosen by number), by delegation and by kind, who reported an absence
and why, who is missing, and whether the quorum is reached."""

from __future__ import annotations

from bot import attendance_now
from bot.attendance_report import WindowReport, window_report
from bot.attendance_windows import Window
from bot.context import Context
from bot.i18n import Markup, join
from bot.model import Reply, parse_id
from bot.router import Router
from handlers.checkin import count_line

SHOWN = 40  # names listed per group; the export has them all
KIND_ORDER = ("official", "seated_alternate", "alternate", "guest")


def _pick(found: list[Window], ctx: Context) -> Window | None:
    """Return the window asked for (`/attendance 2`: the second), else the one in
    progress, else the last that started, else the first."""
    if ctx.msg.args:
        number = parse_id(ctx.msg.args[0])
        return found[number - 1] if number and number <= len(found) else None
    now = ctx.services.clock.now()
    current = [w for w in found if w.starts_at <= now]
    return current[-1] if current else found[0]


def _names(ctx: Context, key: str, people: list[Markup]) -> list[Markup]:
    if not people:
        return []
    lines = [ctx.t(key, count=len(people)), *people[:SHOWN]]
    if len(people) > SHOWN:
        lines.append(ctx.t("attendance.more", count=len(people) - SHOWN))
    return lines


def render(ctx: Context, report: WindowReport, number: int, total: int) -> Markup:
    """Return the report of one window as organisers read it."""
    name = attendance_now.window_name(ctx.services, ctx.t, report.window)
    lines = [ctx.t("attendance.head", window=name, number=number, total=total),
             count_line(ctx, report.count), "", ctx.t("attendance.by_kind")]
    lines += [ctx.t("attendance.line", name=ctx.t(f"attendance.kind.{kind}"),
                    present=tally.present, total=tally.total)
              for kind in KIND_ORDER if (tally := report.by_kind.get(kind)) is not None]
    lines += ["", ctx.t("attendance.by_delegation")]
    lines += [ctx.t("attendance.line", name=name or ctx.t("attendance.no_delegation"),
                    present=tally.present, total=tally.total)
              for name, tally in report.by_delegation.items()]
    absent = [ctx.t("attendance.absent_person", name=d.full_name,
                    delegation=d.delegation or "—", reason=report.absences[d.id].reason)
              for d in report.absent_people()]
    missing = [ctx.t("attendance.person", name=d.full_name, delegation=d.delegation or "—")
               for d in report.missing()]
    for key, people in (("attendance.absent_head", absent),
                        ("attendance.missing_head", missing)):
        block = _names(ctx, key, people)
        if block:
            lines += ["", *block]
    if not missing:
        lines += ["", ctx.t("attendance.none_missing")]
    return join(lines)


async def show(ctx: Context) -> Reply:
    """Show the attendance of a window."""
    found = await attendance_now.all_windows(ctx.services)
    if not found:
        return ctx.reply("attendance.no_programme")
    window = _pick(found, ctx)
    if window is None:
        return ctx.reply("attendance.usage", total=len(found))
    report = await window_report(ctx.services, window)
    return Reply(render(ctx, report, found.index(window) + 1, len(found)))


def register(router: Router) -> None:
    """Add /attendance for organisers."""
    router.command("attendance", show, organiser=True)
