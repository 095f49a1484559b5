"""Thông báo on the dashboard: the same flow as /announce in chat.

The audience's recipient count, the preview exactly as delegates see it (the delegate's
text escaped), send now (one outbox row per recipient, audited as the organiser, its
progress streamed until nothing waits), schedule at a time typed as in chat, the history
with delivery figures and the failed and blocked lists; and each bad input: no text, a
text too long, an audience not in the list, a time that cannot be read or has passed, a
POST without its CSRF token.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import App
from bot.clock import FixedClock, from_iso, to_iso
from bot.config import Config
from storage import audit, broadcasts, outbox
from testkit.people import DELEGATIONS, seed
from testkit.web_client import log_in, new_link, web_client
from tests.conftest import ORGANISER_ID, make_config


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a config with the dashboard on."""
    return make_config(tmp_path, web={"enabled": True, "public_url": "https://x.example.org"})


@pytest.fixture
async def client(app: App) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """Return a logged-in client and its CSRF token, over 30 delegates (20 registered)."""
    await seed(app, 30, registered=20)
    async with web_client(app) as made:
        csrf = await log_in(made, await new_link(app))
        yield made, csrf


async def test_the_audience_count_follows_the_choice(
    client: tuple[httpx.AsyncClient, str]
) -> None:
    web, _ = client
    page = await web.get("/announce")
    assert page.status_code == 200 and 'data-count-url="/announce/count"' in page.text
    for audience, count in (("all", 20), ("kind:alternate", 2), ("kind:guest", 0),
                            (f"delegation:{DELEGATIONS[0]}", 7)):
        answer = await web.get("/announce/count", params={"audience": audience})
        assert answer.text == f"Sẽ gửi tới {count} tài khoản.", audience
    for bad in ("", "kind:president", "delegation:Đoàn ma", "everyone"):
        assert (await web.get("/announce/count", params={"audience": bad})).status_code == 400


async def test_the_preview_is_what_delegates_will_read(
    client: tuple[httpx.AsyncClient, str]
) -> None:
    web, csrf = client
    page = await web.post("/announce/preview", data={
        "csrf": csrf, "body": "Khai mạc lúc 8 giờ <b>đúng</b>", "audience": "kind:official"})
    assert page.status_code == 200
    assert "📢 <b>Thông báo của Ban Tổ chức</b><br>" in page.text
    assert "Khai mạc lúc 8 giờ &lt;b&gt;đúng&lt;/b&gt;" in page.text
    assert "Gửi ngay (18 tài khoản)" in page.text


@pytest.mark.parametrize(("body", "audience", "says"), [
    ("", "all", "Chưa có nội dung"),
    ("x" * 4097, "all", "quá dài"),
    ("Họp", "delegation:Đoàn ma", "không hợp lệ"),
    ("Họp", "kind:president", "không hợp lệ"),
])
async def test_a_bad_announcement_is_refused_and_sends_nothing(
    app: App, client: tuple[httpx.AsyncClient, str], body: str, audience: str, says: str
) -> None:
    web, csrf = client
    for target in ("/announce/preview", "/announce/send"):
        answer = await web.post(target, data={"csrf": csrf, "body": body, "audience": audience,
                                              "action": "now"})
        assert answer.status_code == 400 and says in answer.text, target
    assert await broadcasts.recent(app.services.db) == []


async def test_send_now_queues_the_same_rows_as_the_chat_and_shows_the_progress(
    app: App, client: tuple[httpx.AsyncClient, str]
) -> None:
    web, csrf = client
    assert (await web.post("/announce/send", data={"body": "Họp", "audience": "all",
                                                  "action": "now"})).status_code == 403
    sent = await web.post("/announce/send", data={"csrf": csrf, "body": "Họp lúc 9 giờ",
                                                  "audience": "all", "action": "now"})
    assert sent.status_code == 303
    broadcast_id = int(re.fullmatch(r"/announce/(\d+)", sent.headers["location"]).group(1))
    assert (await outbox.counts(app.services.db, broadcast_id))["pending"] == 20
    entry = (await audit.search(app.services.db, action="announce.queued"))[0]
    assert entry.actor == f"telegram:{ORGANISER_ID}" and entry.details["recipients"] == 20
    page = await web.get(sent.headers["location"])
    assert page.status_code == 200 and "0%" in page.text and "Họp lúc 9 giờ" in page.text
    now = to_iso(app.services.clock.now())
    claimed = await outbox.claim_due(app.services.db, now, 20)
    outcomes = [outbox.Outcome(c.id, "sent", now) for c in claimed[:18]]
    outcomes += [outbox.Outcome(claimed[18].id, "failed", now, error="400: chat not found"),
                 outbox.Outcome(claimed[19].id, "blocked", now, error="403: blocked")]
    await outbox.record(app.services.db, outcomes)
    stream = await web.get(f"/announce/{broadcast_id}/events")  # ends: nothing waits
    assert f'"b.{broadcast_id}.done": "100%"' in stream.text
    assert f'"b.{broadcast_id}.failed": "1"' in stream.text
    page = await web.get(f"/announce/{broadcast_id}")
    assert "400: chat not found" in page.text and "403: blocked" in page.text
    history = await web.get("/announce")
    assert re.search(rf'<a href="/announce/{broadcast_id}">{broadcast_id}</a>', history.text)
    assert '<td class="num">18</td>' in history.text
    assert (await web.get("/announce/999")).status_code == 404
    assert (await web.get("/announce/abc/events")).status_code == 404


async def test_schedule_at_a_time_typed_as_in_chat(
    app: App, client: tuple[httpx.AsyncClient, str], clock: FixedClock
) -> None:
    web, csrf = client
    form = {"csrf": csrf, "body": "Giải lao", "audience": "all", "action": "schedule"}
    for typed, says in (("lúc nào đó", "Không hẹn được giờ gửi"),
                        ("7h", "Không hẹn được giờ gửi")):  # 07:00 has passed (it is 07:30)
        answer = await web.post("/announce/send", data={**form, "when": typed})
        assert answer.status_code == 400 and says in answer.text, typed
    assert await broadcasts.recent(app.services.db) == []
    done = await web.post("/announce/send", data={**form, "when": "9h15"})
    assert done.status_code == 303
    (item,) = await broadcasts.with_status(app.services.db, "scheduled")
    expected = clock.now().replace(hour=2, minute=15, second=0, microsecond=0)  # 09:15 Hanoi
    assert from_iso(item.send_at or "") == expected
    assert item.created_by == f"telegram:{ORGANISER_ID}" and item.report_chat_id is None
    assert (await audit.search(app.services.db, action="announce.scheduled"))[0].details[
        "send_at"] == to_iso(expected)
    page = await web.get("/announce")
    assert "hẹn giờ" in page.text
