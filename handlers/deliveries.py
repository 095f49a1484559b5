"""/deliveries: what each broadcast reached, and who it did not reach (and why)."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import join
from bot.model import Reply, parse_id
from bot.router import Router
from storage import broadcasts, delegates, outbox

MAX_LISTED = 50


async def deliveries(ctx: Context) -> Reply:
    """List recent broadcasts with counts, or one broadcast's failed and blocked recipients."""
    if not ctx.msg.args:
        # A reminder that had nobody to remind is no delivery to watch ("nhắc lịch 0/0").
        items = await broadcasts.recent(ctx.db, unless_empty=("reminder",))
        if not items:
            return ctx.reply("deliveries.none")
        lines = [ctx.t("deliveries.head")]
        for item in items:
            counts = await outbox.counts(ctx.db, item.id)
            lines.append(ctx.t("deliveries.line", id=item.id, kind=ctx.t(f"broadcast.{item.kind}"),
                               status=ctx.t(f"broadcast.status.{item.status}"),
                               sent=counts["sent"], total=sum(counts.values()),
                               failed=counts["failed"], blocked=counts["blocked"]))
        return Reply(join(lines))
    raw = ctx.msg.args[0].lstrip("#")
    broadcast_id = parse_id(raw)
    broadcast = await broadcasts.get(ctx.db, broadcast_id) if broadcast_id is not None else None
    if broadcast is None:
        return ctx.reply("deliveries.unknown", id=raw[:20])
    counts = await outbox.counts(ctx.db, broadcast.id)
    lines = [ctx.t("delivery.report", id=broadcast.id, total=sum(counts.values()),
                   sent=counts["sent"], failed=counts["failed"], blocked=counts["blocked"],
                   pending=counts["pending"] + counts["sending"])]
    missed = await outbox.undelivered(ctx.db, broadcast.id)
    for row in missed[:MAX_LISTED]:
        person = await delegates.get(ctx.db, row.delegate_id) if row.delegate_id else None
        lines.append(ctx.t(f"deliveries.{row.state}", name=person.full_name if person else "—",
                           code=person.code if person else "—", platform=row.platform,
                           reason=(row.error or "")[:200]))
    if len(missed) > MAX_LISTED:
        lines.append(ctx.t("roster.report.more", count=len(missed) - MAX_LISTED))
    return Reply(join(lines))


def register(router: Router) -> None:
    """Add /deliveries for organisers."""
    router.command("deliveries", deliveries, organiser=True)
