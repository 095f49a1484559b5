"""The time step of /announce scheduling, end to end on Telegram (the real channel against the
fake Bot API): what organisers type is read as `bot.when` reads it, echoed in full with the
zone's name, and scheduled at exactly that time only when confirmed; bad inputs each get
their reason and examples, and the step stays open for another try. Zalo: tests/test_zalo.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.clock import FixedClock, from_iso
from handlers import announcements
from storage import broadcasts
from testkit.people import seed
from testkit.telegram_harness import TelegramChat, buttons
from tests.conftest import ORGANISER_ID

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
EXAMPLES = ("Ví dụ: <code>8h30</code> (hôm nay), <code>mai 8h</code>, <code>thứ ba 14h</code>, "
            "<code>12/08 8h30</code> hoặc <code>12/08/2026 08:30</code>.")


def data_of(message: dict[str, Any], action: str) -> str:
    """Return the callback data of the message's button for `action` (e.g. "ann:at")."""
    (data,) = [d for _, d in buttons(message) if d == action or d.startswith(f"{action}:")]
    return data


async def ask_when(tg: TelegramChat) -> dict[str, Any]:
    """Write an announcement to everyone and press "schedule"; return the question."""
    await tg.send(ORGANISER_ID, "/announce Họp tổ 3")
    (shown,) = await tg.press(ORGANISER_ID, "ann:all")
    (ask,) = await tg.press(ORGANISER_ID, data_of(shown, "ann:schedule"))
    return ask


async def scheduled_at(app: App) -> list[datetime]:
    """Return the send times of the scheduled announcements."""
    items = await broadcasts.with_status(app.services.db, "scheduled")
    return [from_iso(b.send_at or "") for b in items]


async def test_the_question_names_the_zone_and_shows_what_can_be_typed(
    app: App, tg: TelegramChat
) -> None:
    await seed(app, 2)
    ask = await ask_when(tg)
    assert ask["text"] == f"Gửi lúc nào? Nhập thời điểm theo giờ Việt Nam. {EXAMPLES}"


@pytest.mark.parametrize(("typed", "echoed", "expected"), [
    ("8h30", "08:30, Thứ Ba 11/08", datetime(2026, 8, 11, 8, 30, tzinfo=HANOI)),
    ("mai 8h", "08:00, Thứ Tư 12/08", datetime(2026, 8, 12, 8, tzinfo=HANOI)),
    ("thứ ba 14h", "14:00, Thứ Ba 11/08", datetime(2026, 8, 11, 14, tzinfo=HANOI)),
    ("thu 6 9h", "09:00, Thứ Sáu 14/08", datetime(2026, 8, 14, 9, tzinfo=HANOI)),
    ("12/08 8h30", "08:30, Thứ Tư 12/08", datetime(2026, 8, 12, 8, 30, tzinfo=HANOI)),
    ("12/08/2026 08:30", "08:30, Thứ Tư 12/08", datetime(2026, 8, 12, 8, 30, tzinfo=HANOI)),
    ("02/01 8h", "08:00, Thứ Bảy 02/01/2027", datetime(2027, 1, 2, 8, tzinfo=HANOI)),
])
async def test_the_time_is_echoed_in_full_then_scheduled_at_it(
    app: App, tg: TelegramChat, typed: str, echoed: str, expected: datetime
) -> None:
    await seed(app, 2)
    await ask_when(tg)
    (echo,) = await tg.send(ORGANISER_ID, typed)
    assert echo["text"] == f"Gửi lúc {echoed} (giờ Việt Nam)?"
    assert [label for label, _ in buttons(echo)] == [
        "Đúng, hẹn giờ gửi", "Nhập thời điểm khác", "Hủy"]
    assert await scheduled_at(app) == []  # nothing until it is confirmed
    (done,) = await tg.press(ORGANISER_ID, data_of(echo, "ann:at"))
    assert done["text"] == (f"🕑 Đã hẹn gửi thông báo #1 lúc {echoed}. "
                            "Gõ /scheduled để xem hoặc hủy.")
    assert await scheduled_at(app) == [expected]
    jobs = await announcements.jobs(app.services)
    assert [(j.id, j.at) for j in jobs] == [("announce:1", expected.astimezone(UTC))]


@pytest.mark.parametrize(("typed", "reason"), [
    ("25h", "Không có giờ “25h”: giờ từ 0 đến 23, phút từ 00 đến 59."),
    ("32/13", "Không có ngày “32/13”: hãy ghi ngày trước, tháng sau, ví dụ 12/08 hoặc 12/08/2026."),
    ("thứ tám", "Không có ngày “thứ tám” trong tuần: chỉ có thứ hai đến thứ bảy và chủ nhật "
                "(cũng có thể viết thứ 2 … thứ 7, t2 … t7, cn)."),
    ("mai", "“mai” chưa có giờ gửi; hãy ghi thêm giờ."),
    ("lúc nào cũng được", "Tôi chưa đọc được thời điểm “lúc nào cũng được”."),
    ("<b>sớm</b>", "Tôi chưa đọc được thời điểm “&lt;b&gt;sớm&lt;/b&gt;”."),
    ("7h", "Thời điểm 07:00, Thứ Ba 11/08 đã qua. "
           "Vui lòng nhập một thời điểm sắp tới, ví dụ “mai 8h”."),
])
async def test_bad_inputs_each_get_a_clear_answer_and_the_step_stays_open(
    app: App, tg: TelegramChat, typed: str, reason: str
) -> None:
    await seed(app, 2)
    await ask_when(tg)
    (answer,) = await tg.texts(ORGANISER_ID, typed)
    assert answer.startswith(reason)
    assert await scheduled_at(app) == []
    (echo,) = await tg.send(ORGANISER_ID, "mai 8h")  # still asking: a good time works now
    assert echo["text"] == "Gửi lúc 08:00, Thứ Tư 12/08 (giờ Việt Nam)?"


async def test_another_time_replaces_the_echo_and_the_older_button_is_stale(
    app: App, tg: TelegramChat
) -> None:
    await seed(app, 2)
    await ask_when(tg)
    (first,) = await tg.send(ORGANISER_ID, "mai 8h")
    (ask,) = await tg.press(ORGANISER_ID, data_of(first, "ann:retime"))
    assert ask["text"].startswith("Gửi lúc nào?")
    (second,) = await tg.send(ORGANISER_ID, "mai 9h")
    (stale,) = await tg.press(ORGANISER_ID, data_of(first, "ann:at"))
    assert stale["text"].startswith("Lựa chọn này đã hết hiệu lực")
    assert await scheduled_at(app) == []
    await tg.press(ORGANISER_ID, data_of(second, "ann:at"))
    assert await scheduled_at(app) == [datetime(2026, 8, 12, 9, tzinfo=HANOI)]


async def test_a_time_that_passes_before_the_press_is_refused(
    app: App, tg: TelegramChat, clock: FixedClock
) -> None:
    await seed(app, 2)
    await ask_when(tg)
    (echo,) = await tg.send(ORGANISER_ID, "8h")
    clock.advance(timedelta(hours=1))  # 08:30 in Hanoi when the button is pressed
    (late,) = await tg.press(ORGANISER_ID, data_of(echo, "ann:at"))
    assert late["text"] == ("Thời điểm 08:00, Thứ Ba 11/08 đã qua. "
                            "Vui lòng nhập một thời điểm sắp tới, ví dụ “mai 8h”.")
    assert await scheduled_at(app) == []
    (again,) = await tg.send(ORGANISER_ID, "9h")  # asked again
    assert again["text"] == "Gửi lúc 09:00, Thứ Ba 11/08 (giờ Việt Nam)?"
