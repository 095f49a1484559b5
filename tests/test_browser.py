"""End to end in a real browser: headless Chromium (the system's) driven by Playwright.

An organiser asks the bot for /web (through the fake Telegram), opens the link, lands on the
overview at a URL without the token, sees the counts, and watches the registered count move
when a delegate registers, without reloading; then opens Đại biểu, a delegate's page and
Nhật ký, and sends an announcement from Thông báo whose progress reaches 100% without a
reload; publishes a document from Tài liệu (checked, previewed, listed). A screenshot of
each page (in Vietnamese) is taken; with DELEGATE_BOT_SCREENSHOTS
set to a folder they are kept there (the README's are in docs/screenshots).

Chromium is the system's (`apt-get install chromium`; `.ci/run` installs it when missing),
never one downloaded by `playwright install`. Without it the test is skipped, saying so;
under CI (CI=true) it fails instead.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import demo
from bot.app import App
from bot.clock import FixedClock, to_iso
from bot.web import live
from handlers import document_publish
from storage import agenda, attendance, delegates, documents, outbox, registrations, users
from storage.users import ChatUser
from testkit.doc_files import pdf
from testkit.fake_telegram import FakeTelegram
from testkit.telegram_harness import TelegramChat, start_channel
from testkit.zalo_harness import free_port
from tests.conftest import ORGANISER_ID, make_config

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_MS = 15_000
DAY_BEFORE = datetime(2026, 8, 10, 1, 0, tzinfo=UTC)  # 08:00 in Hanoi, the day before
MORNING = datetime(2026, 8, 11, 0, 20, tzinfo=UTC)  # 07:20 in Hanoi, the first day


def system_chromium() -> str:
    """Return the system's Chromium, or skip (fail under CI) saying why there is none."""
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    reason = ""
    if found is None:
        reason = "no system Chromium (apt-get install chromium): browser tests not run"
    else:
        try:
            import playwright.async_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is missing (pip install -e '.[test]')"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    assert found is not None
    return found


@pytest.fixture
async def dashboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[App]:
    """Return a running app with its dashboard on a free port of 127.0.0.1, over the sample
    congress (examples/), the day before it opens."""
    monkeypatch.setattr(live, "INTERVAL", 0.2)  # live figures every 0.2 s, not 2 s
    config = make_config(tmp_path, web={"enabled": True, "port": free_port()},
                         event={"name": "Đại hội đại biểu Đảng bộ tỉnh lần thứ XV"})
    app = await App.open(config, clock=FixedClock(DAY_BEFORE))
    await demo.seed(app)
    await app.web.start()
    try:
        yield app
    finally:
        await app.web.stop()
        await app.close()


async def register_over_the_day(app: App, count: int) -> list[int]:
    """Register the first `count` delegates of the roster on Telegram, a few each quarter of
    an hour (the curve of registrations over time); return their user ids."""
    clock = app.services.clock
    assert isinstance(clock, FixedClock)
    people = sorted(await delegates.all_delegates(app.services.db), key=lambda d: d.code)
    ids = []
    for i, person in enumerate(people[:count]):
        if i % 7 == 0:
            clock.advance(timedelta(minutes=15 + 20 * (i % 3)))
        ids.append(await register(app, person.id, 60_000 + i))
    return ids


async def check_in_the_morning(app: App, count: int) -> None:
    """Move to 07:20 on the first congress day and check `count` official delegates in."""
    clock = app.services.clock
    assert isinstance(clock, FixedClock)
    clock.advance(MORNING - clock.now())
    now = to_iso(clock.now())
    officials = [d for d in sorted(await delegates.all_delegates(app.services.db),
                                   key=lambda d: d.code) if d.kind == "official"]
    for person in officials[:count]:
        await attendance.check_in(app.services.db, attendance.Checkin(
            person.id, "2026-08-11/am", now, "staff", "telegram", "7007", "Tổ đón tiếp"))


async def publish_documents(app: App) -> None:
    """Publish a few congress documents as an organiser would (one later withdrawn)."""
    services = app.services
    first = (await agenda.all_sessions(services.db))[0]
    for title, options, pages in (
        ("Dự thảo Báo cáo chính trị", {"session": str(first.id)}, 40),
        ("Danh sách giới thiệu bầu cử Ban Chấp hành", {"audience": "official"}, 3),
        ("Chương trình Đại hội (bản cũ)", {}, 1),
    ):
        data = pdf(*[f"{title}, trang {n}" for n in range(1, pages + 1)], compress=False)
        plan = await document_publish.prepare(services, f"{title}.pdf", data, title, options)
        done = await document_publish.publish(services, plan, data, f"telegram:{ORGANISER_ID}")
    assert await documents.withdraw(services.db, done.document_id,
                                    to_iso(services.clock.now()))


async def register(app: App, delegate_id: int, user_id: int) -> int:
    """Link a Telegram account to a delegate, as registering in chat does."""
    now = to_iso(app.services.clock.now())
    await users.touch(app.services.db, ChatUser("telegram", str(user_id), str(user_id),
                                                f"TK {user_id}"), now)
    assert await registrations.link(app.services.db, "telegram", str(user_id), delegate_id,
                                    "invite_code", now)
    return user_id


async def deliver(app: App, count: int, state: str = "sent") -> None:
    """Record `count` messages of the outbox as the delivery worker would (sent, failed)."""
    now = to_iso(app.services.clock.now())
    claimed = await outbox.claim_due(app.services.db, now, count)
    error = {"failed": "400: chat not found", "blocked": "403: bot was blocked"}.get(state)
    await outbox.record(app.services.db, [outbox.Outcome(c.id, state, now, error=error)
                                          for c in claimed])


async def test_an_organiser_logs_in_from_the_bot_and_watches_the_dashboard_move(
    dashboard: App, fake: FakeTelegram, tmp_path: Path
) -> None:
    executable = system_chromium()
    from playwright.async_api import async_playwright, expect

    await register_over_the_day(dashboard, 180)
    await check_in_the_morning(dashboard, 150)
    late_official = [d for d in sorted(await delegates.all_delegates(dashboard.services.db),
                                       key=lambda d: d.code) if d.kind == "official"][200]
    channel = await start_channel(dashboard, fake)
    shots = Path(os.environ.get("DELEGATE_BOT_SCREENSHOTS") or tmp_path)
    try:
        answer = await TelegramChat(fake, channel).texts(ORGANISER_ID, "/web")
        found = re.search(r"http://127\.0\.0\.1:\d+/login\?t=[\w-]+", answer[0])
        assert found is not None, answer
        async with async_playwright() as driver:
            browser = await driver.chromium.launch(executable_path=executable,
                                                   args=["--no-sandbox"])
            context = await browser.new_context(viewport={"width": 1280, "height": 900},
                                                locale="vi-VN")
            page = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await page.goto(found.group(0))
            await page.wait_for_url(re.compile(r"/$"))
            assert "t=" not in page.url  # the token is gone from the address
            total = page.locator("[data-live=total]")
            await expect(total).to_have_text("180/309 đại biểu (58%)")
            await expect(page.locator("[data-live=att]")).to_have_text("150/299")
            await expect(page.locator("[data-live-status]")).not_to_have_class(
                re.compile("off"))
            # A delegate registers in chat: the count moves without a reload.
            await page.evaluate("window.stayed = true")
            unregistered = await delegates.unregistered(dashboard.services.db, limit=1)
            await register(dashboard, unregistered[0].id, 4242)
            await expect(total).to_have_text("181/309 đại biểu (59%)")
            assert await page.evaluate("window.stayed === true")  # no reload
            await page.screenshot(path=str(shots / "tong-quan.png"), full_page=True)
            # An announcement written on Thông báo: its progress reaches 100% live.
            await page.click("nav >> text=Thông báo")
            await page.fill("textarea[name=body]", "Đề nghị các đồng chí có mặt lúc 7 giờ 15.")
            await page.select_option("select[name=audience]", "kind:official")
            await expect(page.locator("[data-count]")).to_have_text("Sẽ gửi tới 181 tài khoản.")
            await page.click("button:has-text('Xem trước')")
            await expect(page.locator(".message")).to_contain_text("Thông báo của Ban Tổ chức")
            await page.screenshot(path=str(shots / "thong-bao.png"))
            await page.click("button:has-text('Gửi ngay')")
            await page.wait_for_url(re.compile(r"/announce/\d+$"))
            broadcast = int(page.url.rsplit("/", 1)[1])
            done = page.locator(f"[data-live='b.{broadcast}.done']")
            await expect(done).to_have_text("0%")
            await page.evaluate("window.stayed = true")
            await deliver(dashboard, 100)
            await deliver(dashboard, 4, "failed")
            await expect(done).to_have_text("57%")
            await expect(page.locator(f"[data-live='b.{broadcast}.failed']")).to_have_text("4")
            await deliver(dashboard, 76)
            await deliver(dashboard, 1, "blocked")
            await expect(done).to_have_text("100%")
            assert await page.evaluate("window.stayed === true")  # no reload
            await page.reload()  # the lists of those not reached are drawn with the page
            await expect(page.locator("table.list")).to_contain_text("400: chat not found")
            await page.screenshot(path=str(shots / "thong-bao-tien-do.png"))
            await page.click("nav >> text=Đại biểu")
            await expect(page.locator("h1")).to_have_text("Đại biểu")
            await page.screenshot(path=str(shots / "dai-bieu.png"))
            await page.fill("input[name=q]", "db007")
            await page.click("button:has-text('Lọc')")
            rows = page.locator("table.list tbody tr")
            await expect(rows).to_have_count(1)
            name = (await rows.first.locator("a").inner_text()).strip()
            await rows.first.locator("a").click()
            await expect(page.locator("h1")).to_contain_text(name)
            await page.click("button:has-text('Hủy liên kết tài khoản')")
            await expect(page.locator(".notice")).to_contain_text("Đã hủy liên kết 1 tài khoản")
            await page.screenshot(path=str(shots / "dai-bieu-chi-tiet.png"))
            await page.click("nav >> text=Nhật ký")
            await expect(page.locator("table.list")).to_contain_text("Hủy liên kết tài khoản")
            await page.screenshot(path=str(shots / "nhat-ky.png"))
            await page.click("nav >> text=Chương trình")
            await expect(page.locator("table.list")).to_contain_text("Phiên khai mạc")
            await page.screenshot(path=str(shots / "chuong-trinh.png"))
            await page.click("nav >> text=Kết quả")
            await page.click("text=Bầu cử Ban Chấp hành Đảng bộ Khối")
            await expect(page.locator(".message")).to_contain_text("Trần Thị Ánh")
            await page.screenshot(path=str(shots / "ket-qua.png"))
            # A document published from Tài liệu: checked, previewed, then listed.
            await publish_documents(dashboard)
            await page.click("nav >> text=Tài liệu")
            await page.set_input_files("input[name=file]", files=[{
                "name": "quy-che-bau-cu.pdf", "mimeType": "application/pdf",
                "buffer": pdf("Quy chế bầu cử", "Điều 1")}])
            await page.fill("input[name=title]", "Quy chế bầu cử")
            await page.check("input[name=notify]")
            await page.click("button:has-text('Kiểm tra và xem trước')")
            await expect(page.locator(".message")).to_contain_text("Quy chế bầu cử")
            await page.click("button:has-text('Đăng tài liệu')")
            await expect(page.locator("table.list")).to_contain_text("Quy chế bầu cử")
            await expect(page.locator("table.list")).to_contain_text("Đã thu hồi")
            await page.screenshot(path=str(shots / "tai-lieu.png"), full_page=True)
            # A card scanned at the desk: the overview open beside it counts one more, live.
            beside = await context.new_page()
            await beside.goto(dashboard.services.config.web.base_url + "/")
            present = beside.locator("[data-live=att]")
            await expect(present).to_have_text("150/299")
            card = await delegates.checkin_token(dashboard.services.db, late_official.id)
            await page.click("nav >> text=Điểm danh")
            await page.fill("input[name=scan]", f"https://t.me/bot?start=ci_{card}")
            await page.press("input[name=scan]", "Enter")
            await expect(page.locator(".result")).to_contain_text("Đã điểm danh")
            await expect(page.locator(".result")).to_contain_text(late_official.full_name)
            await page.screenshot(path=str(shots / "diem-danh.png"))
            await expect(present).to_have_text("151/299")
            await beside.close()
            await page.goto(page.url.split("/checkin")[0] + "/checkin/hall")
            await expect(page.locator(".hall svg")).to_be_visible()
            await page.screenshot(path=str(shots / "man-hinh-hoi-truong.png"))
            await page.goto(page.url.split("/checkin")[0] + "/audit")
            await page.click("button:has-text('Đăng xuất')")
            await expect(page.locator("h1")).to_have_text("Đăng nhập")
            await page.screenshot(path=str(shots / "dang-nhap.png"))
            assert errors == []  # no script error, nothing refused by the CSP
            await browser.close()
    finally:
        await channel.stop()
    code = await delegates.find_by_code(dashboard.services.db, "DB007")
    assert code is not None
    assert await registrations.accounts_of(dashboard.services.db, code.id) == []
