"""Agenda import: check a programme file, show what changes, apply it and tell delegates.

The file (TOML, CSV or XLSX) is parsed and checked whole; it is matched to the programme by
session key: added, moved (new times), re-roomed, otherwise updated, or cancelled (missing
from the file). Applying writes the sessions and queues one change notice per affected
delegate (listing only the changes to sessions they attend, in their language) in one
transaction, then the reminders are rebuilt. A first import sends no notice. A programme
sent in chat comes through the one file flow (`handlers.uploads`) as `FILES`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from functools import partial

from bot.clock import from_iso, to_iso
from bot.context import Context, Services
from bot.fanout import outbox_rows
from bot.filekind import Checked, Confirm, Offer
from bot.filelimits import off_loop
from bot.formats import reports
from bot.formats.agenda import SessionRow, is_programme, read_agenda
from bot.i18n import Markup, Translate, join
from bot.model import Reply
from bot.tabular import Problem, Table, Verdict
from handlers.agenda import in_audience
from storage import agenda, audit, delegates, registrations
from storage.agenda import Session, SessionData
from storage.broadcasts import NewBroadcast
from storage.outbox import NewMessage

log = logging.getLogger(__name__)

PURPOSE = "agenda"
PREFIX = "agi"
LIST_LIMIT = 25
NAMED_DELEGATIONS = 30  # a refused audience lists at most this many delegations of the roster
FAR_AHEAD = timedelta(days=365)  # a session further away than this is likely a wrong year


@dataclass(frozen=True)
class Change:
    """One difference between the programme and the file."""

    kind: str                 # added, moved, relocated, updated, cancelled
    old: Session | None
    new: SessionData | None

    @property
    def audience(self) -> set[str]:
        """Return the audiences to tell: the session's old and new ones."""
        return {s.audience for s in (self.old, self.new) if s is not None}


@dataclass
class AgendaPlan(Verdict):
    """What an agenda import would do, and what stops it."""

    file_name: str
    rows: list[SessionData] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    first: bool = False
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _data(row: SessionRow) -> SessionData:
    return SessionData(row.key, to_iso(row.starts_at), to_iso(row.ends_at), row.title,
                       row.location, row.presenter, row.description, row.kind, row.audience)


def _kind_of_change(old: Session, new: SessionData) -> str | None:
    if (old.starts_at, old.ends_at) != (new.starts_at, new.ends_at):
        return "moved_relocated" if old.location != new.location else "moved"
    if old.location != new.location:
        return "relocated"
    same = (old.title, old.presenter, old.description, old.kind, old.audience) == (
        new.title, new.presenter, new.description, new.kind, new.audience)
    return None if same and not old.cancelled else "updated"


async def plan_from_bytes(services: Services, data: bytes, file_name: str) -> AgendaPlan:
    """Parse a programme file and compare it with the stored programme."""
    parsed = await off_loop(read_agenda, data, file_name, services.config.event.tz)
    plan = AgendaPlan(file_name, problems=list(parsed.problems), warnings=list(parsed.warnings))
    plan.problems += await _audience_problems(services, file_name, parsed.rows, plan.warnings)
    plan.problems.sort(key=lambda p: p.line)
    if plan.problems:
        return plan
    existing = {s.key: s for s in await agenda.all_sessions(services.db, include_cancelled=True)}
    plan.first = not any(not s.cancelled for s in existing.values())
    plan.rows = [_data(row) for row in parsed.rows]
    for new in plan.rows:
        old = existing.get(new.key)
        kind = "added" if old is None or old.cancelled else _kind_of_change(old, new)
        if kind is None:
            plan.unchanged += 1
        else:
            plan.changes.append(Change(kind, old, new))
    keys = {row.key for row in plan.rows}
    plan.changes += [Change("cancelled", s, None) for s in existing.values()
                     if s.key not in keys and not s.cancelled]
    plan.warnings += _date_warnings(services, file_name, parsed.rows, plan.changes)
    plan.warnings.sort(key=lambda p: p.line)
    return plan


async def _audience_problems(services: Services, file_name: str, rows: list[SessionRow],
                             warnings: list[Problem]) -> list[Problem]:
    """Refuse an audience that names no delegation of the roster (the session would reach
    nobody), listing the delegations there are; with no roster yet, only warn."""
    named = [row for row in rows if row.audience not in ("all", "official")]
    if not named:
        return []
    counts = await delegates.counts(services.db)
    if not counts:
        warnings += [Problem(file_name, row.line, None, "agenda.warning.audience_unchecked",
                             {"value": row.audience}) for row in named]
        return []
    names = sorted({delegation for _, delegation, _, _ in counts if delegation})
    shown = ", ".join(names[:NAMED_DELEGATIONS]) + (
        f", … (+{len(names) - NAMED_DELEGATIONS})" if len(names) > NAMED_DELEGATIONS else "")
    return [Problem(file_name, row.line, None, "agenda.problem.unknown_audience",
                    {"value": row.audience, "delegations": shown or "—"})
            for row in named if not any(in_audience(row.audience, None, n) for n in names)]


def _date_warnings(services: Services, file_name: str, rows: list[SessionRow],
                   changes: list[Change]) -> list[Problem]:
    """Warn of a session added or moved to a day before today, or dated more than a year
    away: most likely a wrong year or day (sessions already held and left as they were, and
    sessions earlier today, are fine)."""
    now = services.clock.now()
    tz = services.config.event.tz
    moved = {c.new.key for c in changes if c.new is not None
             and c.kind in ("added", "moved", "moved_relocated")}
    warnings = []
    for row in rows:
        local = row.starts_at.astimezone(tz)
        day = f"{local:%d/%m/%Y}"
        if local.date() < now.astimezone(tz).date() and row.key in moved:
            warnings.append(Problem(file_name, row.line, None, "agenda.warning.past", {"day": day}))
        elif row.starts_at > now + FAR_AHEAD:
            warnings.append(Problem(file_name, row.line, None, "agenda.warning.far", {"day": day}))
    return warnings


def period(t: Translate, rows: list[SessionData], tz: tzinfo) -> Markup:
    """Say which days a programme covers, with the year: "11/08/2026" or "từ … đến …"."""
    days = sorted({from_iso(row.starts_at).astimezone(tz).date() for row in rows})
    if not days:
        return Markup("")
    first, last = (f"{d:%d/%m/%Y}" for d in (days[0], days[-1]))
    return t("agenda_import.period_one" if first == last else "agenda_import.period",
             first=first, last=last)


def change_line(t: Translate, change: Change, tz: tzinfo) -> Markup:
    """Describe one change in one language."""
    session = change.new or change.old
    assert session is not None

    def when(s: Session | SessionData) -> str:
        start = from_iso(s.starts_at).astimezone(tz)
        end = from_iso(s.ends_at).astimezone(tz)
        return f"{start:%H:%M}–{end:%H:%M} {start:%d/%m}"

    return t(f"agenda_import.change.{change.kind}", title=session.title, when=when(session),
             before=when(change.old) if change.old else "", location=session.location or "—",
             before_location=(change.old.location or "—") if change.old else "")


def render_plan(t: Translate, plan: AgendaPlan, tz: tzinfo, *, state: str,
                limit: int | None = None) -> Markup:
    """Describe a plan: its problems, or its changes and warnings.

    `state` is "check" (to confirm), "dry_run" (nothing written) or "done" (applied).
    """
    if not plan.ok:
        head = t("agenda_import.problems", file=plan.file_name, count=len(plan.problems))
        return reports.refused(t, head, plan.problems, limit, column=False)
    parts = [t(f"agenda_import.{state}", file=plan.file_name, sessions=len(plan.rows),
               changes=len(plan.changes), unchanged=plan.unchanged,
               period=period(t, plan.rows, tz))]
    parts += reports.cut(t, [change_line(t, c, tz) for c in plan.changes], limit)
    parts += reports.warned(t, plan.warnings, limit, column=False)
    return join(parts)


async def apply_plan(services: Services, plan: AgendaPlan, *, actor: str,
                     notify: bool = True) -> tuple[int | None, int]:
    """Write a clean plan and queue its change notice; return (notice id, accounts told)."""
    if not plan.ok:
        raise ValueError("a plan with problems cannot be applied")
    now = services.clock.now()
    changes = [c for c in plan.changes if _still_relevant(c, to_iso(now))]
    people: list[registrations.Recipient] = []
    told: dict[tuple[int, ...], list[registrations.Recipient]] = {}  # by the changes they get
    if notify and not plan.first and changes:
        for person in await registrations.recipients(services.db, {"type": "all"}):
            mine = tuple(i for i, c in enumerate(changes)
                         if any(in_audience(a, person.kind, person.delegation) for a in c.audience))
            if mine:
                people.append(person)
                told.setdefault(mine, []).append(person)
    notice = None
    if people:
        def build(broadcast_id: int) -> list[NewMessage]:
            rows: list[NewMessage] = []
            for mine, group in told.items():
                rows += outbox_rows(
                    services, group,
                    partial(notice_text, services, changes=[changes[i] for i in mine]),
                    key=f"a{broadcast_id}", broadcast_id=broadcast_id)
            return rows

        notice = NewBroadcast("agenda_change", {"type": "all"}, plan.file_name, actor, build)
    keys = {row.key for row in plan.rows}
    cancel = [c.old.key for c in plan.changes if c.kind == "cancelled" and c.old is not None
              and c.old.key not in keys]
    note = audit.Note(actor, "agenda.imported", {
        "file": plan.file_name, "sessions": len(plan.rows), "changes": len(plan.changes),
        "cancelled": cancel, "recipients": len(people)}, to_iso(now))
    broadcast_id = await agenda.apply_import(services.db, upserts=plan.rows, cancel_keys=cancel,
                                             notice=notice, now=to_iso(now), note=note)
    log.info("agenda %s imported by %s: %d changes, %d accounts told", plan.file_name,
             services.pseudonyms.actor(actor), len(plan.changes), len(people))
    await services.reschedule()
    services.wake_delivery()
    return broadcast_id, len(people)


def _still_relevant(change: Change, now: str) -> bool:
    """Tell whether delegates care: a change to a session that has ended does not matter."""
    ends = [s.ends_at for s in (change.old, change.new) if s is not None]
    return max(ends) > now


def notice_text(services: Services, language: str | None, changes: list[Change]) -> str:
    """Return one delegate's change notice in their language."""
    t, tz = services.texts.in_language(language), services.config.event.tz
    return join([t("agenda_import.notice"), *(change_line(t, c, tz) for c in changes)])


class ProgrammeFiles:
    """A programme sent in chat: its changes shown, applied (and delegates told) on confirm."""

    name = PURPOSE
    confirm: Confirm | None = Confirm(PREFIX, ("apply",), "agenda_import.cancelled")

    def recognise(self, file_name: str, table: Table | None) -> bool:
        """Take a .toml file, or a table whose header names a day and a start time."""
        return file_name.lower().endswith(".toml") or (table is not None and is_programme(table))

    async def check(self, ctx: Context, file_name: str, data: bytes,
                    action: str = "") -> Checked[AgendaPlan]:
        """Compare the file with the stored programme and report the changes."""
        plan = await plan_from_bytes(ctx.services, data, file_name)
        report = render_plan(ctx.t, plan, ctx.services.config.event.tz, state="check",
                             limit=LIST_LIMIT)
        return Checked(report, plan, plan.ok, (Offer("apply", "agenda_import.confirm"),))

    async def apply(self, ctx: Context, action: str, checked: Checked[AgendaPlan]) -> Reply:
        """Apply the checked programme, tell the delegates concerned, and report it."""
        _, told = await apply_plan(ctx.services, checked.plan, actor=ctx.actor)
        done = render_plan(ctx.t, checked.plan, ctx.services.config.event.tz, state="done",
                           limit=LIST_LIMIT)
        return Reply(join([done, ctx.t("agenda_import.told", count=told)], "\n\n"))


FILES = ProgrammeFiles()
