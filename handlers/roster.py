"""Roster import and export, from the command line or as a file sent in chat by an organiser.

An import is planned before anything is written: the file is parsed and checked, matched to
the roster by delegate code (added, updated, unchanged, missing), and checked against the
delegates it leaves in place. Only a clean plan is applied, in one transaction. A roster
sent in chat comes through the one file flow (`handlers.uploads`) as `FILES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.checkin_link import checkin_payload
from bot.clock import to_iso
from bot.collation import name_key
from bot.context import Context
from bot.filekind import Checked, Confirm, Offer
from bot.filelimits import off_loop
from bot.formats import export, reports
from bot.formats.invite import fold_invite_code, group_invite_code
from bot.formats.roster import RosterFile, fill_invite_codes, parse_roster
from bot.i18n import Markup, Translate, join
from bot.model import Reply
from bot.tabular import Problem, Table, TableError, Verdict, problem_from, read_table_bytes
from storage import audit, delegates, files
from storage.db import Database
from storage.delegates import Delegate, DelegateData

PURPOSE = "roster"
PREFIX = "roster"
CHAT_LIST_MAX = 25


@dataclass
class RosterPlan(Verdict):
    """What an import would do, and what stops it."""

    file_name: str
    added: list[DelegateData] = field(default_factory=list)
    updated: list[DelegateData] = field(default_factory=list)
    unchanged: int = 0
    missing: list[Delegate] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    prune: bool = False


def plan_import(existing: list[Delegate], roster: RosterFile, file_name: str, *,
                prune: bool) -> RosterPlan:
    """Match the parsed file to the roster by code and check it against what stays."""
    plan = RosterPlan(file_name, problems=list(roster.problems),
                      warnings=list(roster.warnings), prune=prune)
    if roster.problems:
        return plan
    by_code = {d.code: d for d in existing}
    in_file = {row.code for row in roster.rows}
    plan.missing = [d for d in existing if d.code not in in_file]
    staying = [] if prune else plan.missing
    phones = {d.phone: d for d in staying if d.phone}
    invites = {fold_invite_code(d.invite_code): d for d in staying}
    # A delegate whose cell is empty keeps their code, unless the file gives it to another.
    claimed = {fold_invite_code(row.invite_code) for row in roster.rows if row.invite_code}
    rows = [row if row.invite_code or row.code not in by_code
            or fold_invite_code(by_code[row.code].invite_code) in claimed else
            replace(row, invite_code=by_code[row.code].invite_code) for row in roster.rows]
    for row in fill_invite_codes(rows, {d.invite_code for d in existing}):
        if row.phone and row.phone in phones:
            plan.problems.append(Problem(file_name, row.line, "phone", "roster.problem.phone_taken",
                                         {"phone": row.phone, "code": phones[row.phone].code}))
        folded = fold_invite_code(row.invite_code or "")
        if folded in invites:
            plan.problems.append(Problem(file_name, row.line, "invite_code",
                                         "roster.problem.invite_taken",
                                         {"code": invites[folded].code}))
        data = DelegateData(row.code, row.full_name, row.unit or "", row.delegation or "",
                            row.kind, row.phone, row.seat or "", row.invite_code or "")
        old = by_code.get(row.code)
        if old is None:
            plan.added.append(data)
        elif _data(old) != data:
            plan.updated.append(data)
        else:
            plan.unchanged += 1
    return plan


def _data(d: Delegate) -> DelegateData:
    return DelegateData(d.code, d.full_name, d.unit, d.delegation, d.kind, d.phone, d.seat,
                        d.invite_code)


async def plan_from_table(db: Database | None, table: Table, *, prune: bool) -> RosterPlan:
    """Parse a table and plan its import against the current roster (None: no database
    yet, so an empty roster)."""
    roster = parse_roster(table)
    existing = await delegates.all_delegates(db) if db is not None else []
    return plan_import(existing, roster, table.file_name, prune=prune)


async def plan_from_bytes(db: Database | None, data: bytes, file_name: str, *,
                          prune: bool) -> RosterPlan:
    """Read file bytes and plan their import (off the event loop; None: no database yet, so
    an empty roster); an unreadable file, or one over a limit, becomes one problem."""
    existing = await delegates.all_delegates(db) if db is not None else []
    return await off_loop(_plan_bytes, existing, data, file_name, prune)


def _plan_bytes(existing: list[Delegate], data: bytes, file_name: str,
                prune: bool) -> RosterPlan:
    try:
        table = read_table_bytes(data, file_name)
    except TableError as exc:
        return RosterPlan(file_name, problems=[problem_from(exc)])
    return plan_import(existing, parse_roster(table), file_name, prune=prune)


async def apply_plan(db: Database, plan: RosterPlan, now: str,
                     progress: Callable[[int], None] | None = None, *,
                     actor: str = "cli") -> None:
    """Write a clean plan and its audit entry (by `actor`) in one transaction."""
    if not plan.ok:
        raise ValueError("a plan with problems cannot be applied")
    removed = [d.code for d in plan.missing] if plan.prune else []
    note = audit.Note(actor, "roster.imported", {
        "file": plan.file_name, "added": [d.code for d in plan.added],
        "updated": [d.code for d in plan.updated], "unchanged": plan.unchanged,
        "removed": removed, "missing_kept": 0 if plan.prune else len(plan.missing),
    }, now)
    await delegates.apply_import(db, upserts=[*plan.added, *plan.updated],
                                 remove_codes=removed, now=now, progress=progress, note=note)


def render_plan(t: Translate, plan: RosterPlan, *, state: str,
                limit: int | None = None) -> Markup:
    """Describe a plan: its problems, or its counts, warnings and missing delegates.

    `state` is "check" (to confirm), "dry_run" (nothing written) or "done" (applied).
    """
    if not plan.ok:
        head = t("roster.report.problems", file=plan.file_name, count=len(plan.problems))
        return reports.refused(t, head, plan.problems, limit)
    parts = [t(f"roster.report.{state}", file=plan.file_name, added=len(plan.added),
               updated=len(plan.updated), unchanged=plan.unchanged, missing=len(plan.missing))]
    parts += reports.warned(t, plan.warnings, limit)
    if plan.missing:
        key = "roster.report.pruned" if plan.prune else "roster.report.missing"
        parts.append(t(key, count=len(plan.missing)))
        parts += reports.cut(t, [t("roster.report.delegate", code=d.code, name=d.full_name)
                                 for d in plan.missing], limit)
    return join(parts)


EXPORT_COLUMNS = ("code", "full_name", "unit", "delegation", "kind", "phone", "seat",
                  "invite_code", "registered", "link", "checkin_link")


async def export_rows(db: Database, t: Translate,
                      deep_link: Callable[[str], str | None]) -> list[list[str]]:
    """Return the roster as rows for printing invitations, headed in the event's language.

    The link opens the bot with the delegate's invite code (`deep_link`, a channel's; empty
    where it gives none); the check-in link, with their check-in token (for badges). The
    headers and kinds are ones the importer reads, so the file can be imported again.
    """
    out = [[str(t(f"roster.export.{column}")) for column in EXPORT_COLUMNS]]
    kinds = {kind: str(t(f"roster.export.kind.{kind}")) for kind in ("official", "alternate",
                                                                      "guest")}
    tokens = await delegates.checkin_tokens(db)
    for d, platforms in await db_rows(db):
        link = deep_link(d.invite_code) or ""
        token = tokens.get(d.id)
        checkin = (deep_link(checkin_payload(token)) or "") if token else ""
        out.append([d.code, d.full_name, d.unit, d.delegation, kinds[d.kind], d.phone or "",
                    d.seat, group_invite_code(d.invite_code), ", ".join(platforms), link,
                    checkin])
    return out


async def db_rows(db: Database) -> list[tuple[Delegate, list[str]]]:
    """Return every delegate, in Vietnamese name order, with the platforms they registered on."""
    linked = await delegates.linked_platforms(db)
    people = sorted(await delegates.all_delegates(db),
                    key=lambda d: (name_key(d.full_name), d.code))
    return [(d, linked.get(d.id, [])) for d in people]


EXPORT_FORMATS = (".csv", ".xlsx")


def write_export(path: Path, rows: list[list[str]], kind: str | None = None, *,
                 sheet_title: str | None = None, separator: str = export.SEPARATORS[0]) -> None:
    """Write export rows as .csv or .xlsx (`bot.formats.export`: no spreadsheet runs their
    text): as `kind` says (one of `EXPORT_FORMATS`), else as the path's extension says. The
    file is written whole or not at all, readable by the owner only (it holds invite codes
    and phone numbers). A CSV file has `separator` between fields (semicolons: Excel's)."""
    files.write_private(path, export.table_bytes(rows, kind or path.suffix, sheet_title,
                                                 separator))


class RosterFiles:
    """A roster sent in chat: checked against the roster, imported when the organiser confirms
    (keeping or, on the other button, removing the delegates missing from the file)."""

    name = PURPOSE
    confirm: Confirm | None = Confirm(PREFIX, ("import", "prune"), "roster.chat.cancelled")

    def recognise(self, file_name: str, table: Table | None) -> bool:
        """Take any file: what is no other kind is a roster, whose checker says what is wrong."""
        return True

    async def check(self, ctx: Context, file_name: str, data: bytes,
                    action: str = "") -> Checked[RosterPlan]:
        """Plan the import (removing missing delegates after the prune button) and report it."""
        plan = await plan_from_bytes(ctx.db, data, file_name, prune=action == "prune")
        offers = [Offer("import", "roster.chat.confirm")]
        if plan.missing:
            offers.append(Offer("prune", "roster.chat.confirm_prune", {"count": len(plan.missing)}))
        report = render_plan(ctx.t, plan, state="check", limit=CHAT_LIST_MAX)
        return Checked(report, plan, plan.ok, tuple(offers))

    async def apply(self, ctx: Context, action: str, checked: Checked[RosterPlan]) -> Reply:
        """Import the checked roster in one transaction and report what was done."""
        await apply_plan(ctx.db, checked.plan, to_iso(ctx.services.clock.now()),
                         actor=ctx.actor)
        return Reply(render_plan(ctx.t, checked.plan, state="done", limit=CHAT_LIST_MAX))


FILES = RosterFiles()
