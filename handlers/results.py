"""Result notices: an imported result is a draft; organisers preview and publish it.

A file from the counting committee (CLI or chat) is checked whole, stored as a draft and
shown exactly as delegates will see it. Publishing queues the notice to every registered
delegate through the outbox, in the same transaction. A result with the title of a published
one is its correction: its notice says what changed, and it supersedes the old one.
`/results` lists the published results; each opens in full. A file sent in chat comes through
the one file flow (`handlers.uploads`) as `FILES`, stored as a draft as soon as it is clean.
The election base (the delegates summoned, by default) is `bot.election_base`'s: stored with
the draft, said in words in the notice, checked against the attendance in the preview.
"""

from __future__ import annotations

import dataclasses
import logging
from decimal import Decimal
from typing import Any

from bot import election_base
from bot.clock import to_iso
from bot.collation import sort_names
from bot.context import Context, Services
from bot.fanout import outbox_rows
from bot.filekind import Checked, Confirm
from bot.filelimits import off_loop
from bot.formats import reports
from bot.formats.results import CandidateRow, ResultFile, is_result, read_results
from bot.i18n import Markup, Translate, join
from bot.model import Reply, parse_id
from bot.router import Router
from bot.tabular import Table
from bot.tally import Rule, Tally, tally
from bot.text import shorten
from storage import audit, registrations, results
from storage.broadcasts import NewBroadcast
from storage.outbox import NewMessage
from storage.results import Result

log = logging.getLogger(__name__)

PREFIX = "res"
ORGANISER_PREFIX = "resp"
LIST_LIMIT = 25
BUTTON_TITLE_MAX = 40  # a result's title on its button is cut to this many characters
COUNTS = ("ballots_issued", "ballots_received", "valid", "invalid", "summoned", "seats",
          "agree", "disagree", "abstain")


def to_data(parsed: ResultFile) -> dict[str, Any]:
    """Return what is stored of a checked result file."""
    data = {key: getattr(parsed, key) for key in ("title", "kind", *COUNTS)}
    data["candidates"] = [[c.name, c.votes] for c in parsed.candidates]
    return data


def from_data(data: dict[str, Any], file_name: str = "") -> ResultFile:
    """Rebuild the checked result from what was stored."""
    candidates = [CandidateRow(0, name, votes) for name, votes in data.get("candidates", [])]
    return ResultFile(file_name, data["title"], data["kind"], data.get("seats"),
                      data["ballots_issued"], data["ballots_received"], data["valid"],
                      data["invalid"], candidates, data.get("agree"), data.get("disagree"),
                      data.get("abstain"), summoned=data.get("summoned"))


def rule_of(services: Services, data: dict[str, Any]) -> Rule:
    """Return the configured rule for a stored election or vote."""
    return election_base.rule_for(services.config.results, data)


def _pct(t: Translate, value: Decimal | None) -> str:
    text = f"{value if value is not None else Decimal('0.00')}"
    return text.replace(".", str(t("number.decimal_point")))


def _head_key(t: Translate, kind: str, title: str) -> str:
    """Choose the heading: "Kết quả bầu cử: …", or "Kết quả: …" when the title already
    says what it is ("Bầu cử Ban Chấp hành …")."""
    words = tuple(w.strip().casefold() for w in t("results.kinds_in_titles").split("|"))
    return "results.head.titled" if title.casefold().startswith(words) else f"results.head.{kind}"


def render(services: Services, language: str | None, data: dict[str, Any],
           changes: list[Markup] | None = None) -> Markup:
    """Return the notice of a result (a correction when `changes` is given) in one language."""
    t = services.texts.in_language(language)

    result = from_data(data)
    rule = rule_of(services, data)
    counted: Tally = tally(result, rule)
    lines: list[str] = []
    if changes is not None:
        lines += [t("results.correction_head"), *changes, ""]
    lines.append(t(_head_key(t, result.kind, result.title), title=result.title))
    lines.append(t("results.ballots", issued=result.ballots_issued,
                   received=result.ballots_received, valid=result.valid,
                   invalid=result.invalid))
    if result.kind == "election":
        lines.append(election_base.rule_line(t, rule, counted))
        lines.append(t("results.elected_count", elected=counted.elected, seats=result.seats))
        if counted.tie_at_last_seat:
            lines.append(t("results.tie", names=", ".join(counted.tied_names)))
        lines += [election_base.percent_line(t, counted), ""]
        for row in counted.ranked:
            key = ("results.candidate_elected" if row.elected else
                   "results.candidate_tied" if row.tied else "results.candidate")
            lines.append(t(key, rank=row.rank, name=row.name, votes=row.votes,
                           percent=_pct(t, row.percent)))
    else:
        lines.append(election_base.percent_line(t, counted))
        lines.append(t("results.vote", agree=result.agree, disagree=result.disagree,
                       abstain=result.abstain, agree_percent=_pct(t, counted.agree_percent),
                       disagree_percent=_pct(t, counted.disagree_percent),
                       abstain_percent=_pct(t, counted.abstain_percent)))
        lines.append(t("results.passed" if counted.passed else "results.not_passed",
                       needed=counted.needed))
    return join(lines)


def changes_between(services: Services, language: str | None, old: dict[str, Any],
                    new: dict[str, Any]) -> list[Markup]:
    """Describe what a correction changes: counts, candidates' votes, who is elected."""
    t = services.texts.in_language(language)

    lines = [t("results.change.count", what=t(f"results.count.{key}"), old=old.get(key),
               new=new.get(key)) for key in COUNTS if old.get(key) != new.get(key)]
    if old.get("title") != new.get("title"):
        lines.append(t("results.change.title", old=old["title"], new=new["title"]))
    before, after = dict(map(tuple, old.get("candidates", []))), dict(
        map(tuple, new.get("candidates", [])))
    for name, votes in after.items():
        if name not in before:
            lines.append(t("results.change.added", name=name, votes=votes))
        elif before[name] != votes:
            lines.append(t("results.change.votes", name=name, old=before[name], new=votes))
    lines += [t("results.change.removed", name=name) for name in before if name not in after]
    was = {r.name for r in tally(from_data(old), rule_of(services, old)).ranked if r.elected}
    now = {r.name for r in tally(from_data(new), rule_of(services, new)).ranked if r.elected}
    lines += [t("results.change.now_elected", name=n) for n in sort_names(now - was)]
    lines += [t("results.change.no_longer_elected", name=n) for n in sort_names(was - now)]
    return lines or [t("results.change.none")]


async def corrected_by(services: Services, item: Result) -> int | None:
    """Return the published result a result corrects: for a draft, the one now published
    under its title (another draft may have been published since this one came in)."""
    if item.status == "draft":
        current = await results.published_titled(services.db, item.title)
        if current is not None and current.id != item.id:
            return current.id
    return item.corrects


async def notice_for(services: Services, language: str | None, item: Result) -> Markup:
    """Return a stored result's notice: with what changed when it is a correction."""
    corrects = await corrected_by(services, item)
    old = await results.get(services.db, corrects) if corrects is not None else None
    return notice_between(services, language, item, old)


def notice_between(services: Services, language: str | None, item: Result,
                   old: Result | None) -> Markup:
    """Return a result's notice: a correction of `old` (what changed) when there is one."""
    if old is None:
        return render(services, language, item.data)
    return render(services, language, item.data,
                  changes_between(services, language, old.data, item.data))


async def import_file(services: Services, data: bytes, file_name: str,
                      actor: str) -> tuple[ResultFile, int | None]:
    """Check a result file and store it as a draft; return it and the draft id (None if bad)."""
    parsed = await with_base(services, await off_loop(read_results, data, file_name))
    if not parsed.ok:
        return parsed, None
    return parsed, await store_draft(services, parsed, actor)


async def with_base(services: Services, parsed: ResultFile) -> ResultFile:
    """Return a checked file with the election base's problem, if any: the rule counts the
    delegates summoned and neither the file nor the roster gives their number."""
    if not parsed.ok:
        return parsed
    found = election_base.problems(services.config.results, parsed,
                                   await election_base.counted(services.db))
    return dataclasses.replace(parsed, problems=found) if found else parsed


async def base_warnings(services: Services, t: Translate, item: Result) -> list[Markup]:
    """Return the warnings about a draft's number summoned, checked against attendance now."""
    return election_base.warnings(t, services.config.results, item.data,
                                  await election_base.counted(services.db))


async def store_draft(services: Services, parsed: ResultFile, actor: str) -> int:
    """Store a checked result as a draft (correcting the one published under its title),
    with the number summoned it is counted on: the file's, else the roster's now."""
    corrected = await results.published_titled(services.db, parsed.title)
    summoned = election_base.stored_summoned(parsed, await election_base.counted(services.db))
    now = to_iso(services.clock.now())
    note = audit.Note(actor, "results.imported", {
        "file": parsed.file_name, "title": parsed.title,
        "corrects": corrected.id if corrected else None}, now)
    return await results.create_draft(
        services.db, title=parsed.title, kind=parsed.kind,
        data={**to_data(parsed), "summoned": summoned,
              "summoned_stated": parsed.summoned is not None},
        file_name=parsed.file_name, corrects=corrected.id if corrected else None, actor=actor,
        now=now, note=note)


def problems_text(t: Translate, parsed: ResultFile) -> Markup:
    """List a result file's problems as `file:line: reason`."""
    head = t("results.problems", file=parsed.file_name, count=len(parsed.problems))
    return reports.refused(t, head, parsed.problems, LIST_LIMIT, column=False)


async def publish(services: Services, result_id: int, actor: str) -> tuple[int, int] | None:
    """Publish a draft to every registered delegate; return (broadcast id, accounts).

    Whether it is a correction, and of which result, is decided in the publishing
    transaction (`storage.results.publish`): of two drafts of one title published at the
    same moment, the second corrects the first. None when nothing was published: no longer
    a draft, or the same figures as the result it would correct.
    """
    people = await registrations.recipients(services.db, {"type": "all"})

    def notice(item: Result, old: Result | None) -> NewBroadcast | None:
        if old is not None and old.data == item.data:
            return None  # the same figures as the published result: nothing to correct
        notices = {lang: notice_between(services, lang, item, old)
                   for lang in services.texts.texts}

        def build(broadcast_id: int) -> list[NewMessage]:
            return outbox_rows(services, people, notices.__getitem__, key=f"x{broadcast_id}",
                               broadcast_id=broadcast_id)

        return NewBroadcast("result", {"type": "all"}, item.title, actor, build)

    now = to_iso(services.clock.now())
    note = audit.Note(actor, "results.published",
                      {"result": result_id, "recipients": len(people)}, now)
    published = await results.publish(services.db, result_id, actor=actor, now=now,
                                      notice=notice, note=note)
    if published is None or published.broadcast_id is None:
        return None
    broadcast_id = published.broadcast_id
    log.info("result %s published by %s to %d accounts", result_id,
             services.pseudonyms.actor(actor), len(people))
    services.wake_delivery()
    return broadcast_id, len(people)


async def why_not_published(services: Services, result_id: int) -> str:
    """Return the text key saying why a draft could not be published."""
    item = await results.get(services.db, result_id)
    if item is None:
        return "results.unknown"
    return "results.unchanged" if item.status == "draft" else "results.not_draft"


class ResultFiles:
    """A counting committee's file sent in chat: stored as a draft as soon as it is clean and
    shown as delegates will see it; its buttons (publish, discard) are the draft's own."""

    name = "results"
    confirm: Confirm | None = None

    def recognise(self, file_name: str, table: Table | None) -> bool:
        """Take a table that opens with a result's title or kind."""
        return table is not None and is_result(table)

    async def check(self, ctx: Context, file_name: str, data: bytes,
                    action: str = "") -> Checked[ResultFile]:
        """Read and check the result; report its problems, if any."""
        parsed = await with_base(ctx.services, await off_loop(read_results, data, file_name))
        return Checked(Markup() if parsed.ok else problems_text(ctx.t, parsed), parsed, parsed.ok)

    async def apply(self, ctx: Context, action: str, checked: Checked[ResultFile]) -> Reply:
        """Store the result as a draft and show its preview with the draft's buttons."""
        return await _preview(ctx, await store_draft(ctx.services, checked.plan, ctx.actor))


FILES = ResultFiles()


async def _preview(ctx: Context, result_id: int) -> Reply:
    item = await results.get(ctx.db, result_id)
    assert item is not None
    count = len(await registrations.recipients(ctx.db, {"type": "all"}))
    correction = await corrected_by(ctx.services, item) is not None
    head = ctx.t("results.preview_correction" if correction else "results.preview", id=item.id)
    warned = await base_warnings(ctx.services, ctx.t, item)
    text = join([*([join(warned)] if warned else []), head,
                 await notice_for(ctx.services, ctx.lang, item)], "\n\n")
    return Reply(text, (
        ctx.choice("results.publish", f"{ORGANISER_PREFIX}:publish:{item.id}", count=count),
        ctx.choice("results.discard", f"{ORGANISER_PREFIX}:discard:{item.id}")))


async def on_organiser_choice(ctx: Context) -> Reply:
    """Publish or discard a draft (organisers only)."""
    action, _, raw = ctx.payload.partition(":")
    result_id = parse_id(raw)
    if result_id is None or action not in ("view", "discard", "publish"):
        return ctx.reply("error.stale_choice")
    if action == "view":
        item = await results.get(ctx.db, result_id)
        return await _preview(ctx, result_id) if item and item.status == "draft" else (
            ctx.reply("error.stale_choice"))
    if action == "discard":
        note = audit.Note(ctx.actor, "results.discarded", {"result": result_id},
                          to_iso(ctx.services.clock.now()))
        if not await results.discard(ctx.db, result_id, note):
            return ctx.reply("results.not_draft", id=result_id)
        return ctx.reply("results.discarded", id=result_id)
    published = await publish(ctx.services, result_id, ctx.actor)
    if published is None:
        return ctx.reply(await why_not_published(ctx.services, result_id), id=result_id)
    return ctx.reply("results.published", id=result_id, count=published[1],
                     broadcast=published[0])


async def list_results(ctx: Context) -> Reply:
    """List the published results (and, for organisers, the drafts), each a button."""
    shown = await results.with_status(ctx.db, "published")
    drafts = await results.with_status(ctx.db, "draft") if ctx.is_organiser else []
    if not shown and not drafts:
        return ctx.reply("results.none")
    lines = [ctx.t("results.list_head")] if shown else []
    lines += [ctx.t("results.list_line", id=r.id, title=r.title) for r in shown]
    choices = [ctx.choice("results.open", f"{PREFIX}:{r.id}",
                          title=shorten(r.title, BUTTON_TITLE_MAX)) for r in shown[-20:]]
    if drafts:
        lines.append(ctx.t("results.drafts_head"))
        lines += [ctx.t("results.list_line", id=r.id, title=r.title) for r in drafts]
        choices += [ctx.choice("results.open_draft", f"{ORGANISER_PREFIX}:view:{r.id}",
                               id=r.id) for r in drafts[-10:]]
    return Reply(Markup(join(lines).lstrip("\n")), tuple(choices))


async def on_open(ctx: Context) -> Reply:
    """Show a published result in full."""
    result_id = parse_id(ctx.payload)
    item = await results.get(ctx.db, result_id) if result_id is not None else None
    if item is None or item.status not in ("published", "superseded"):
        return ctx.reply("error.stale_choice")
    text = render(ctx.services, ctx.lang, item.data)
    if item.status == "superseded":
        text = join([ctx.t("results.superseded"), text], "\n\n")
    return Reply(text)


def register(router: Router) -> None:
    """Add /results, its buttons, and the organisers' publish and discard buttons."""
    router.command("results", list_results)
    router.choice(PREFIX, on_open)
    router.choice(ORGANISER_PREFIX, on_organiser_choice, organiser=True)

