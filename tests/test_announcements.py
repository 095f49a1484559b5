"""/announce and /scheduled end to end: the real Telegram channel against the fake Bot API.

An organiser writes the text (after the command or when asked), picks an audience (everyone
registered, one delegation, one kind of delegate), sees a preview exactly as delegates will
see it with the number of recipients, then sends, schedules or cancels. What is checked is
what the fake server recorded, the rows in the database and the audit log; the delivery
worker runs on the injected clock (no real sleeps).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.clock import FixedClock, from_iso, to_iso
from handlers import announcements
from storage import audit, broadcasts, outbox
from testkit.fake_telegram import FakeTelegram
from testkit.people import DELEGATIONS, seed
from testkit.telegram_harness import TelegramChat, buttons
from testkit.worker import drain
from tests.conftest import DELEGATE_ID, ORGANISER_ID

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
ORGANISERS_ONLY = "Lệnh này chỉ dành cho Ban Tổ chức."
STALE = "Lựa chọn này đã hết hiệu lực"
HEADER_VI = "📢 <b>Thông báo của Ban Tổ chức</b>\n\n"


# ---------------------------------------------------------------------------- helpers
def data_of(message: dict[str, Any], action: str) -> str:
    """Return the callback data of the message's button for `action` (e.g. "ann:send")."""
    (data,) = [d for _, d in buttons(message) if d == action or d.startswith(f"{action}:")]
    return data


async def ask_audience(tg: TelegramChat, body: str) -> dict[str, Any]:
    """Write `/announce body`; return the bot's audience question."""
    (question,) = await tg.send(ORGANISER_ID, f"/announce {body}")
    return question


async def preview(tg: TelegramChat, body: str, *presses: str) -> dict[str, Any]:
    """Write `/announce body`, press the audience buttons; return the last message (preview)."""
    await ask_audience(tg, body)
    messages: list[dict[str, Any]] = []
    for data in presses or ("ann:all",):
        messages = await tg.press(ORGANISER_ID, data)
    return messages[-1]


async def queue(tg: TelegramChat, body: str, *presses: str) -> str:
    """Go through the flow and press 'send now'; return the bot's answer."""
    shown = await preview(tg, body, *presses)
    (answer,) = await tg.press(ORGANISER_ID, data_of(shown, "ann:send"))
    return str(answer["text"])


async def schedule(tg: TelegramChat, body: str, when: str, *presses: str) -> str:
    """Go through the flow, press 'schedule', type `when` and confirm the time echoed;
    return the bot's answer."""
    shown = await preview(tg, body, *presses)
    (ask,) = await tg.press(ORGANISER_ID, data_of(shown, "ann:schedule"))
    assert "Gửi lúc nào?" in ask["text"] and "giờ Việt Nam" in ask["text"]
    (echo,) = await tg.send(ORGANISER_ID, when)
    assert echo["text"].startswith("Gửi lúc ") and echo["text"].endswith("(giờ Việt Nam)?")
    (answer,) = await tg.press(ORGANISER_ID, data_of(echo, "ann:at"))
    return str(answer["text"])


def announcements_to(fake: FakeTelegram, chat_id: int) -> list[str]:
    """Return the announcements (not replies or reports) a chat received."""
    return [t for t in fake.sent_texts(chat_id) if t.startswith("📢")]


async def outbox_size(app: App) -> int:
    """Return how many outbox rows exist (read-only look at the table)."""
    return int(await app.services.db.scalar("SELECT count(*) FROM outbox"))


# ---------------------------------------------------------------------------- send now
async def test_announce_to_everyone_previews_then_delivers_exactly_that(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    people = await seed(app, 4, registered=3)
    question = await ask_audience(tg, "Họp lúc <8h> & ăn trưa tại <b>hội trường</b>")
    assert question["text"] == "Gửi thông báo này cho ai?"
    assert buttons(question) == [
        ("Tất cả đại biểu đã đăng ký", "ann:all"), ("Một đoàn…", "ann:delegations"),
        ("Một loại đại biểu…", "ann:kinds"), ("Hủy", "ann:cancel"),
    ]
    (shown,) = await tg.press(ORGANISER_ID, "ann:all")
    expected = HEADER_VI + ("Họp lúc &lt;8h&gt; &amp; ăn trưa tại "
                            "&lt;b&gt;hội trường&lt;/b&gt;")
    assert shown["text"] == "\n\n".join([
        "<b>Xem trước</b> — đại biểu sẽ nhận được đúng nội dung sau:", expected,
        "Người nhận: <b>Tất cả đại biểu đã đăng ký</b> — 3 tài khoản."])
    assert [label for label, _ in buttons(shown)] == ["Gửi ngay tới 3 tài khoản", "Hẹn giờ gửi",
                                                      "Hủy"]
    assert data_of(shown, "ann:cancel") == "ann:cancel"
    assert await outbox_size(app) == 0  # a preview queues nothing

    (answer,) = await tg.press(ORGANISER_ID, data_of(shown, "ann:send"))
    assert answer["text"].startswith(
        "✅ Đã đưa thông báo #1 vào hàng gửi: 3 tài khoản, 3 tin nhắn.")
    item = await broadcasts.get(app.services.db, 1)
    assert item is not None and item.status == "queued" and item.audience == {"type": "all"}
    assert (await outbox.counts(app.services.db, 1))["pending"] == 3

    await drain(app, clock)
    for person in people[:3]:
        assert person.user_id is not None
        assert announcements_to(fake, person.user_id) == [expected]
    assert all(m.get("parse_mode") == "HTML" for m in fake.sent_messages(people[0].user_id))
    assert (await outbox.counts(app.services.db, 1))["sent"] == 3
    assert people[3].user_id is None  # not registered: nothing can reach them
    assert len([t for t in fake.sent_texts() if t == expected]) == 3


async def test_text_is_asked_for_when_the_command_has_none(
    app: App, tg: TelegramChat
) -> None:
    await seed(app, 2)
    for command in ("/announce", "/announce    "):
        (ask,) = await tg.texts(ORGANISER_ID, command)
        assert ask == "Vui lòng gửi nội dung thông báo trong một tin nhắn. Gõ /help để hủy."
    (too_long,) = await tg.texts(ORGANISER_ID, "x" * 10_000)
    assert "Tin nhắn quá dài (tối đa 4096 ký tự)" in too_long
    (question,) = await tg.send(ORGANISER_ID, "Chiều nay 14h họp tổ")  # the step was kept
    assert question["text"] == "Gửi thông báo này cho ai?"
    (shown,) = await tg.press(ORGANISER_ID, "ann:all")
    assert HEADER_VI + "Chiều nay 14h họp tổ" in shown["text"]
    assert "— 2 tài khoản." in shown["text"]
    assert await outbox_size(app) == 0


async def test_one_delegation_reaches_only_its_members(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    people = await seed(app, 6)
    await ask_audience(tg, "Đoàn họp riêng lúc 11h30")
    (choose,) = await tg.press(ORGANISER_ID, "ann:delegations")
    names = sorted(DELEGATIONS)
    assert choose["text"] == "Chọn đoàn nhận thông báo:"
    assert buttons(choose) == [(name, f"ann:d:{i}") for i, name in enumerate(names)]
    (shown,) = await tg.press(ORGANISER_ID, "ann:d:1")
    assert f"Người nhận: <b>{names[1]}</b> — 2 tài khoản." in shown["text"]
    await tg.press(ORGANISER_ID, data_of(shown, "ann:send"))
    await drain(app, clock)
    members = {p.user_id for p in people if p.delegate.delegation == names[1]}
    reached = {p.user_id for p in people if p.user_id and announcements_to(fake, p.user_id)}
    assert reached == members and len(members) == 2
    item = await broadcasts.get(app.services.db, 1)
    assert item is not None and item.audience == {"type": "delegation", "value": names[1]}


async def test_one_kind_reaches_only_that_kind(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    people = await seed(app, 10)  # the tenth is an alternate
    await ask_audience(tg, "Đại biểu chính thức nhận thẻ biểu quyết")
    (choose,) = await tg.press(ORGANISER_ID, "ann:kinds")
    assert choose["text"] == "Chọn loại đại biểu nhận thông báo:"
    assert buttons(choose) == [("Đại biểu chính thức", "ann:k:official"),
                               ("Đại biểu dự khuyết", "ann:k:alternate"),
                               ("Khách mời", "ann:k:guest")]
    (shown,) = await tg.press(ORGANISER_ID, "ann:k:official")
    assert "Người nhận: <b>Đại biểu chính thức</b> — 9 tài khoản." in shown["text"]
    answer = (await tg.press(ORGANISER_ID, data_of(shown, "ann:send")))[0]["text"]
    assert "vào hàng gửi: 9 tài khoản, 9 tin nhắn." in answer
    await drain(app, clock)
    for person in people:
        assert person.user_id is not None
        got = announcements_to(fake, person.user_id)
        assert got == ([] if person.delegate.kind == "alternate" else [
            HEADER_VI + "Đại biểu chính thức nhận thẻ biểu quyết"])


async def test_an_audience_with_nobody_offers_only_cancel(
    app: App, tg: TelegramChat
) -> None:
    await seed(app, 3)
    shown = await preview(tg, "Khách mời vào cửa B", "ann:kinds", "ann:k:guest")
    assert "— 0 tài khoản." in shown["text"]
    assert "Trong nhóm này chưa có đại biểu nào đăng ký" in shown["text"]
    assert buttons(shown) == [("Hủy", "ann:cancel")]


async def test_send_pressed_on_an_empty_audience_leaves_no_endless_broadcast(
    app: App, tg: TelegramChat
) -> None:
    """A 'send' press reaching an audience of nobody (an old keyboard, a forged press) must
    not leave a broadcast 'queued' forever: it has no rows, so it can never finish."""
    await seed(app, 3)
    await preview(tg, "Khách mời vào cửa B", "ann:kinds", "ann:k:guest")
    await tg.press(ORGANISER_ID, "ann:send")
    assert await outbox_size(app) == 0
    assert await broadcasts.with_status(app.services.db, "queued") == []


async def test_cancel_sends_nothing_and_old_buttons_are_stale(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    people = await seed(app, 3)
    shown = await preview(tg, "Tin sẽ bị hủy")
    (answer,) = await tg.press(ORGANISER_ID, "ann:cancel")
    assert answer["text"] == "Đã hủy, không gửi gì."
    old_buttons = [data_of(shown, "ann:send"), data_of(shown, "ann:schedule")]
    for data in (*old_buttons, "ann:send", "ann:all", "ann:d:0", "ann:k:official"):
        (stale,) = await tg.press(ORGANISER_ID, data)
        assert STALE in stale["text"], data
    await drain(app, clock)
    assert await outbox_size(app) == 0
    assert await broadcasts.recent(app.services.db) == []
    assert all(announcements_to(fake, p.user_id or 0) == [] for p in people)
    assert await audit.entries(app.services.db, action="announce.queued") == []


async def test_send_on_an_older_preview_does_not_send_the_newer_draft(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    """'Send now to 3' under the preview of text A (to everyone) must not send text B, which
    the organiser drafted afterwards for one delegation and has not confirmed."""
    people = await seed(app, 3)
    old = await preview(tg, "Tin A cho mọi người")
    assert "Gửi ngay tới 3 tài khoản" in [label for label, _ in buttons(old)]
    old_id = fake._last_bot_message[ORGANISER_ID]  # the fake's id of that preview message
    newer = await preview(tg, "Tin B chỉ cho một đoàn", "ann:delegations", "ann:d:0")
    assert "— 1 tài khoản." in newer["text"]
    await tg.press(ORGANISER_ID, data_of(old, "ann:send"), message_id=old_id)
    await drain(app, clock)
    received = [t for p in people for t in announcements_to(fake, p.user_id or 0)]
    assert HEADER_VI + "Tin B chỉ cho một đoàn" not in received
    assert received in ([], [HEADER_VI + "Tin A cho mọi người"] * 3)


# ---------------------------------------------------------------------------- scheduling
async def test_schedule_list_and_cancel_before_it_starts(
    app: App, tg: TelegramChat, clock: FixedClock
) -> None:
    await seed(app, 3)
    shown = await preview(tg, "Hẹn giờ: <họp> tổ 3")
    await tg.press(ORGANISER_ID, data_of(shown, "ann:schedule"))
    (bad,) = await tg.texts(ORGANISER_ID, "chiều nay")
    assert bad.startswith("“chiều nay” chưa có giờ gửi; hãy ghi thêm giờ. Ví dụ: ")
    (bad_hour,) = await tg.texts(ORGANISER_ID, "25:10")
    assert bad_hour.startswith("Không có giờ “25:10”: giờ từ 0 đến 23, phút từ 00 đến 59.")
    (past,) = await tg.texts(ORGANISER_ID, "07:00")  # the clock says 07:30 in Hanoi
    assert past == ("Thời điểm 07:00, Thứ Ba 11/08 đã qua. "
                    "Vui lòng nhập một thời điểm sắp tới, ví dụ “mai 8h”.")
    (echo,) = await tg.send(ORGANISER_ID, "14h30")
    assert echo["text"] == "Gửi lúc 14:30, Thứ Ba 11/08 (giờ Việt Nam)?"
    assert await broadcasts.with_status(app.services.db, "scheduled") == []  # not yet
    (done,) = await tg.press(ORGANISER_ID, data_of(echo, "ann:at"))
    assert done["text"] == ("🕑 Đã hẹn gửi thông báo #1 lúc 14:30, Thứ Ba 11/08. "
                            "Gõ /scheduled để xem hoặc hủy.")
    item = await broadcasts.get(app.services.db, 1)
    assert item is not None and item.status == "scheduled"
    assert item.send_at is not None
    assert from_iso(item.send_at) == datetime(2026, 8, 11, 14, 30, tzinfo=HANOI)
    assert await outbox_size(app) == 0

    (listing,) = await tg.send(ORGANISER_ID, "/scheduled")
    assert listing["text"] == ("<b>Thông báo đang hẹn giờ</b>\n#1 — 14:30, Thứ Ba 11/08 — "
                               "Tất cả đại biểu đã đăng ký: Hẹn giờ: &lt;họp&gt; tổ 3")
    assert buttons(listing) == [("Hủy #1", "ann:unschedule:1")]
    (ask,) = await tg.press(ORGANISER_ID, "ann:unschedule:1")  # asks first: test_confirm.py
    assert buttons(ask) == [("Hủy thông báo #1", "ann:drop:1"), ("Không, vẫn gửi", "ann:keep:1")]
    (gone,) = await tg.press(ORGANISER_ID, "ann:drop:1")
    assert gone["text"] == "Đã hủy thông báo hẹn giờ #1; thông báo sẽ không được gửi."
    item = await broadcasts.get(app.services.db, 1)
    assert item is not None and item.status == "cancelled"
    (again,) = await tg.press(ORGANISER_ID, "ann:unschedule:1")
    assert again["text"].startswith("Không hủy được thông báo #1")
    (empty,) = await tg.texts(ORGANISER_ID, "/scheduled")
    assert empty == "Không có thông báo nào đang hẹn giờ."

    clock.advance(timedelta(hours=8))  # its time comes: a cancelled one is not sent
    await announcements.release(app.services, 1)
    assert await announcements.jobs(app.services) == []
    assert await outbox_size(app) == 0


async def test_schedule_on_another_day_in_the_event_timezone(
    app: App, tg: TelegramChat
) -> None:
    await seed(app, 2)
    answer = await schedule(tg, "Ngày mai khai mạc", "12/08 14:30", "ann:kinds",
                            "ann:k:official")
    assert "lúc 14:30, Thứ Tư 12/08" in answer
    item = await broadcasts.get(app.services.db, 1)
    assert item is not None and item.send_at == "2026-08-12T07:30:00.000+00:00"
    assert item.audience == {"type": "kind", "value": "official"}
    jobs = await announcements.jobs(app.services)
    assert [(j.id, j.at) for j in jobs] == [
        ("announce:1", datetime(2026, 8, 12, 7, 30, tzinfo=UTC))]


async def test_release_queues_once_then_it_is_too_late_to_cancel(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    people = await seed(app, 3)
    await schedule(tg, "Giải lao 15 phút", "09:00")
    clock.set(datetime(2026, 8, 11, 9, 0, tzinfo=HANOI))
    await announcements.release(app.services, 1)
    await announcements.release(app.services, 1)  # a second run (a retry, a race) adds nothing
    assert await outbox_size(app) == 3
    assert (await outbox.counts(app.services.db, 1))["pending"] == 3
    (late,) = await tg.press(ORGANISER_ID, "ann:unschedule:1")
    assert late["text"] == ("Không hủy được thông báo #1: thông báo đã được gửi đi "
                            "hoặc đã bị hủy trước đó.")
    await drain(app, clock)
    for person in people:
        assert announcements_to(fake, person.user_id or 0) == [HEADER_VI + "Giải lao 15 phút"]
    item = await broadcasts.get(app.services.db, 1)
    assert item is not None and item.status == "done"
    assert item.queued_at == to_iso(datetime(2026, 8, 11, 9, 0, tzinfo=HANOI))
    # The organiser got the report in the chat they scheduled from.
    assert any(t.startswith("🏁 Đã gửi xong thông báo #1: 3/3")
               for t in fake.sent_texts(ORGANISER_ID))


async def test_announcement_missed_while_down_is_released_at_once(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    """The policy: a scheduled announcement whose time passed while the bot was down goes
    out as soon as the jobs are rebuilt; a later one stays scheduled."""
    await seed(app, 2)
    await schedule(tg, "Đã lỡ giờ", "10:00")
    await schedule(tg, "Còn sớm", "12/08 09:00")
    clock.set(datetime(2026, 8, 11, 11, 0, tzinfo=HANOI))  # the bot was down from 9 to 11
    jobs = await announcements.jobs(app.services)
    assert [(j.id, j.at) for j in jobs] == [
        ("announce:2", datetime(2026, 8, 12, 9, 0, tzinfo=HANOI))]
    missed = await broadcasts.get(app.services.db, 1)
    later = await broadcasts.get(app.services.db, 2)
    assert missed is not None and missed.status == "queued"
    assert later is not None and later.status == "scheduled"
    assert (await outbox.counts(app.services.db, 1))["pending"] == 2
    assert await outbox_size(app) == 2
    released = await audit.entries(app.services.db, action="announce.released")
    assert [(e.actor, e.details) for e in released] == [
        ("bot", {"broadcast": 1, "recipients": 2})]
    await drain(app, clock)
    assert announcements_to(fake, 50_000) == [HEADER_VI + "Đã lỡ giờ"]


async def test_scheduler_holds_the_job_and_running_it_releases_the_announcement(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    """APScheduler fires on the real clock, so the injected clock is set to the real time."""
    clock.set(datetime.now(UTC).replace(microsecond=0))
    await seed(app, 2)
    await app.scheduler.start()
    try:
        assert app.scheduler.jobs() == []
        local = (clock.now() + timedelta(days=2)).astimezone(HANOI).replace(second=0)
        answer = await schedule(tg, "Hẹn trước hai ngày", f"{local:%d/%m/%Y %H:%M}")
        this_year = local.year == clock.now().astimezone(HANOI).year
        day = f"{local:%d/%m}" if this_year else f"{local:%d/%m/%Y}"  # the year when not this
        assert f"lúc {local:%H:%M}, " in answer and f" {day}." in answer
        assert app.scheduler.jobs() == [("announce:1", local.astimezone(UTC))]
        await tg.press(ORGANISER_ID, "ann:unschedule:1")
        await tg.press(ORGANISER_ID, "ann:drop:1")
        assert app.scheduler.jobs() == []

        await schedule(tg, "Đến giờ thì gửi", f"{local:%d/%m/%Y %H:%M}")
        assert [job_id for job_id, _ in app.scheduler.jobs()] == ["announce:2"]
        # Make APScheduler fire the job now, as it would at its time.
        app.scheduler.aps.modify_job("announce:2", next_run_time=datetime.now(UTC))
        status = "scheduled"
        for _ in range(100):  # at most 1 s of real time; a working job takes milliseconds
            item = await broadcasts.get(app.services.db, 2)
            status = item.status if item else "missing"
            if status != "scheduled":
                break
            await asyncio.sleep(0.01)
        assert status == "queued", "the scheduler's job did not release the announcement"
        assert (await outbox.counts(app.services.db, 2))["pending"] == 2
    finally:
        app.scheduler.shutdown()


# ---------------------------------------------------------------------------- audit
async def test_audit_log_records_who_did_what_to_whom_and_the_outcome(
    app: App, tg: TelegramChat, clock: FixedClock
) -> None:
    await seed(app, 10)  # one alternate
    await queue(tg, "Mời dự bế mạc", "ann:delegations", "ann:d:2")
    await schedule(tg, "Sáng mai", "12/08 08:00", "ann:kinds", "ann:k:alternate")
    await tg.press(ORGANISER_ID, "ann:unschedule:2")
    await tg.press(ORGANISER_ID, "ann:drop:2")
    await drain(app, clock)
    entries = list(reversed(await audit.entries(app.services.db)))
    actions = [(e.actor, e.action) for e in entries]
    organiser = f"telegram:{ORGANISER_ID}"
    assert actions == [(organiser, "announce.queued"), (organiser, "announce.scheduled"),
                       (organiser, "announce.cancelled"), ("bot", "broadcast.finished")]
    queued, scheduled, cancelled, finished = (e.details for e in entries)
    name = sorted(DELEGATIONS)[2]
    assert queued == {"broadcast": 1, "audience": {"type": "delegation", "value": name},
                      "recipients": 3, "text": "Mời dự bế mạc"}
    assert scheduled == {"broadcast": 2, "audience": {"type": "kind", "value": "alternate"},
                         "send_at": "2026-08-12T01:00:00.000+00:00", "text": "Sáng mai"}
    assert cancelled == {"broadcast": 2}
    assert finished == {"broadcast": 1, "pending": 0, "sending": 0, "sent": 3, "failed": 0,
                        "blocked": 0}


# ---------------------------------------------------------------------------- permissions
@pytest.mark.parametrize("command", ["/announce Tin giả mạo", "/announce", "/scheduled",
                                     "/deliveries", "/deliveries 1"])
async def test_delegate_cannot_use_organiser_commands(
    app: App, tg: TelegramChat, command: str
) -> None:
    await seed(app, 2)
    await schedule(tg, "Của Ban Tổ chức", "12/08 08:00")
    (answer,) = await tg.texts(DELEGATE_ID, command)
    assert answer == ORGANISERS_ONLY
    (answer,) = await tg.texts(DELEGATE_ID, "Nội dung tiếp theo")  # no flow was started
    assert answer != "Gửi thông báo này cho ai?"
    assert [b.id for b in await broadcasts.recent(app.services.db)] == [1]
    assert await outbox_size(app) == 0


@pytest.mark.parametrize("data", ["ann:send", "ann:all", "ann:unschedule:1", "ann:drop:1",
                                  "ann:keep:1", "ann:schedule", "ann:cancel", "ann:d:0",
                                  "ann:at:0", "ann:retime:0"])
async def test_delegate_pressing_forged_buttons_is_refused(
    app: App, tg: TelegramChat, clock: FixedClock, data: str
) -> None:
    await seed(app, 2)
    await schedule(tg, "Của Ban Tổ chức", "12/08 08:00")
    await preview(tg, "Bản nháp của Ban Tổ chức")  # an organiser flow is open meanwhile
    (answer,) = await tg.press(DELEGATE_ID, data)
    assert answer["text"] == ORGANISERS_ONLY
    await drain(app, clock)
    assert await outbox_size(app) == 0
    items = await broadcasts.recent(app.services.db)
    assert [(b.id, b.status) for b in items] == [(1, "scheduled")]
    assert [e.action for e in await audit.entries(app.services.db)] == ["announce.scheduled"]


async def test_a_delegate_whose_app_is_in_english_gets_announcements_in_english(
    app: App, tg: TelegramChat, fake: FakeTelegram, clock: FixedClock
) -> None:
    """Without /language, a broadcast follows the language the person's app reports, as a
    direct reply does; a choice made with /language still wins."""
    people = await seed(app, 3)
    english, chosen, plain = (p.user_id or 0 for p in people)
    await tg.send(english, "/help", language_code="en")
    await tg.send(chosen, "/language vi", language_code="en")
    await queue(tg, "Họp lúc 8 giờ")
    await drain(app, clock)
    assert announcements_to(fake, english) == [
        "📢 <b>Announcement from the organisers</b>\n\nHọp lúc 8 giờ"]
    assert announcements_to(fake, chosen) == [HEADER_VI + "Họp lúc 8 giờ"]
    assert announcements_to(fake, plain) == [HEADER_VI + "Họp lúc 8 giờ"]
