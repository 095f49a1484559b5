"""/deliveries lists what was sent to somebody: a reminder that had nobody to remind (no
registered, unmuted delegate in the session's audience) is not a delivery to watch."""

from __future__ import annotations

from bot.app import App
from bot.clock import to_iso
from bot.delivery import messages_for
from storage import broadcasts
from storage.broadcasts import NewBroadcast
from storage.outbox import NewMessage
from testkit.telegram_harness import TelegramChat
from tests.conftest import DELEGATE_ID, ORGANISER_ID


async def queue(app: App, kind: str, body: str, chats: list[str]) -> int:
    """Queue a broadcast of `kind` to Telegram chats; return its id."""

    def build(broadcast_id: int) -> list[NewMessage]:
        return [m for chat in chats for m in messages_for(
            f"t{broadcast_id}:{chat}", "telegram", chat, body, broadcast_id=broadcast_id)]

    queued = await broadcasts.create_queued(app.services.db, NewBroadcast(
        kind, {"type": "all"}, body, "bot", build), to_iso(app.services.clock.now()))
    assert queued is not None
    return queued[0]


async def test_empty_reminders_are_left_out_of_the_list_but_can_be_opened(
    app: App, tg: TelegramChat
) -> None:
    empty = await queue(app, "reminder", "Phiên không ai dự", [])
    sent = await queue(app, "reminder", "Phiên khai mạc", ["50001", "50002"])
    nobody = await queue(app, "announcement", "Thông báo cho đoàn trống", [])
    (listing,) = await tg.texts(ORGANISER_ID, "/deliveries")
    lines = listing.split("\n")
    assert [line.split(" ")[0] for line in lines[1:]] == [f"#{nobody}", f"#{sent}"]
    assert f"#{sent} nhắc lịch (đang gửi): 0/2 đã gửi" in listing
    assert "0/0" not in listing.replace(f"#{nobody} thông báo (xong): 0/0", "")
    (details,) = await tg.texts(ORGANISER_ID, f"/deliveries {empty}")
    assert details.startswith("📤")  # the number still opens it


async def test_a_list_of_nothing_but_empty_reminders_says_nothing_was_sent(
    app: App, tg: TelegramChat
) -> None:
    for _ in range(3):
        await queue(app, "reminder", "Phiên không ai dự", [])
    assert await tg.texts(ORGANISER_ID, "/deliveries") == ["Chưa gửi thông báo nào."]


async def test_many_empty_reminders_do_not_push_real_deliveries_off_the_list(
    app: App, tg: TelegramChat
) -> None:
    real = await queue(app, "announcement", "Họp lúc 8h", ["50001"])
    for _ in range(12):
        await queue(app, "reminder", "Phiên không ai dự", [])
    (listing,) = await tg.texts(ORGANISER_ID, "/deliveries")
    assert listing.split("\n")[1].startswith(f"#{real} thông báo")


async def test_a_delegate_cannot_list_deliveries(app: App, tg: TelegramChat) -> None:
    await queue(app, "announcement", "Họp lúc 8h", ["50001"])
    assert await tg.texts(DELEGATE_ID, "/deliveries") == ["Lệnh này chỉ dành cho Ban Tổ chức."]
