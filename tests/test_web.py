"""The dashboard's routes through an httpx client on its ASGI application.

Login through a one-time link (used once, for ten minutes; the session cookie's flags; the
redirect to a URL without the token), the login explanation without a session, the
refusals (a used, expired or unknown link; a checker on an organiser page; a POST without
its CSRF token; a form too large), the security headers, the pages' figures, the
delegates' filters and Vietnamese order, the actions and their audit entries, the audit
log's filters, the live figures, and `/web` in chat (a delegate's is refused).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.app import App
from bot.clock import FixedClock, to_iso
from bot.config import Config
from bot.web import auth
from bot.web.guard import MAX_FORM
from storage import audit, delegates, registrations, web_sessions
from storage.delegates import DelegateData
from testkit.fake_telegram import FakeTelegram
from testkit.people import seed
from testkit.telegram_harness import TelegramChat, start_channel
from testkit.web_client import log_in, new_link, token_of, web_client
from tests.conftest import DELEGATE_ID, ORGANISER_ID, make_config

PUBLIC = "https://daihoi.example.org"
PAGES = ("/", "/delegates", "/delegates/1", "/audit", "/events?once=1")
LOGIN_HOW = "gửi lệnh /web cho bot"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a config with the dashboard on, behind https."""
    return make_config(tmp_path, web={"enabled": True, "public_url": PUBLIC})


@pytest.fixture
async def client(app: App) -> AsyncIterator[httpx.AsyncClient]:
    """Return a browser-like client of the dashboard (no session yet)."""
    async with web_client(app) as made:
        yield made


async def test_without_a_session_every_page_explains_how_to_log_in(
    app: App, client: httpx.AsyncClient
) -> None:
    await seed(app, 3)
    for page in PAGES:
        answer = await client.get(page)
        assert answer.status_code == 401, page
        assert LOGIN_HOW in answer.text, page
        assert "Đại biểu Thử" not in answer.text


async def test_a_link_opens_one_session_and_lands_on_a_url_without_the_token(
    app: App, client: httpx.AsyncClient
) -> None:
    await seed(app, 10, registered=4)
    link = await new_link(app)
    assert link.startswith(f"{PUBLIC}/login?t=")
    shown = await client.get(link)
    assert shown.status_code == 200 and token_of(link) in shown.text  # the form, not used yet
    assert await auth.link_state(app.services.db, app.services.clock, token_of(link)) == "valid"
    done = await client.post("/login", data={"t": token_of(link)})
    assert done.status_code == 303 and done.headers["location"] == "/"
    cookie = done.headers["set-cookie"]
    assert cookie.startswith(f"{auth.COOKIE}=")
    for flag in ("HttpOnly", "SameSite=Lax", "Secure", f"Max-Age={12 * 3600}", "Path=/"):
        assert flag in cookie
    page = await client.get("/")
    assert page.status_code == 200
    assert "4/10 đại biểu (40%)" in page.text and "<svg" in page.text
    entries = await audit.search(app.services.db, action="web.login")
    assert [e.actor for e in entries] == [f"telegram:{ORGANISER_ID}"]


async def test_the_cookie_is_not_secure_over_plain_http(tmp_path: Path, clock: FixedClock) -> None:
    plain = make_config(tmp_path, web={"enabled": True, "port": 8099})
    app = await App.open(plain, clock=clock)
    try:
        async with web_client(app) as client:
            link = await new_link(app)
            assert link.startswith("http://127.0.0.1:8099/login?t=")
            done = await client.post("/login", data={"t": token_of(link)})
            assert done.status_code == 303 and "Secure" not in done.headers["set-cookie"]
    finally:
        await app.close()


async def test_a_used_link_opens_nothing(app: App, client: httpx.AsyncClient) -> None:
    link = await new_link(app)
    await log_in(client, link)
    async with web_client(app) as other:
        again = await other.post("/login", data={"t": token_of(link)})
        assert again.status_code == 401 and "đã được dùng" in again.text
        assert "set-cookie" not in again.headers
        shown = await other.get(link)
        assert shown.status_code == 401 and "đã được dùng" in shown.text
        assert (await other.get("/")).status_code == 401


async def test_an_expired_link_opens_nothing(app: App, client: httpx.AsyncClient,
                                             clock: FixedClock) -> None:
    link = await new_link(app)
    clock.advance(timedelta(minutes=10, seconds=1))
    shown = await client.get(link)
    assert shown.status_code == 401 and "đã hết hạn" in shown.text
    done = await client.post("/login", data={"t": token_of(link)})
    assert done.status_code == 401 and "đã hết hạn" in done.text
    assert (await client.get("/")).status_code == 401


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 5000])
async def test_an_unknown_link_opens_nothing(client: httpx.AsyncClient, token: str) -> None:
    shown = await client.get("/login", params={"t": token})
    assert shown.status_code == 401 and LOGIN_HOW in shown.text
    done = await client.post("/login", data={"t": token})
    assert done.status_code == 401 and "set-cookie" not in done.headers


async def test_a_session_ends_after_twelve_hours(app: App, client: httpx.AsyncClient,
                                                 clock: FixedClock) -> None:
    await log_in(client, await new_link(app))
    clock.advance(timedelta(hours=11, minutes=59))
    assert (await client.get("/")).status_code == 200
    clock.advance(timedelta(minutes=2))
    assert (await client.get("/")).status_code == 401


async def test_every_answer_carries_the_security_headers(app: App,
                                                         client: httpx.AsyncClient) -> None:
    await log_in(client, await new_link(app))
    for page in (*PAGES, "/static/live.js", "/nowhere", "/login"):
        answer = await client.get(page)
        csp = answer.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, page
        assert "frame-ancestors 'none'" in csp
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
    page = await client.get("/")
    assert "<script>" not in page.text and " style=" not in page.text  # nothing inline
    assert re.findall(r'<script src="([^"]+)"', page.text) == ["/static/live.js"]
    assert "http://" not in page.text and "https://" not in page.text  # nothing from outside


async def test_a_checker_session_opens_no_organiser_page(app: App,
                                                         client: httpx.AsyncClient) -> None:
    await log_in_as_checker(app, client)
    for page in PAGES:
        answer = await client.get(page)
        assert answer.status_code == 403, page
        assert "chỉ mở được bàn điểm danh" in answer.text


async def log_in_as_checker(app: App, client: httpx.AsyncClient) -> None:
    """Open a checker's session (the role issue 14's checkers get)."""
    link = await new_link(app, actor="telegram:7007", role=web_sessions.CHECKER)
    done = await client.post("/login", data={"t": token_of(link)})
    assert done.status_code == 303


async def test_a_post_without_its_csrf_token_is_refused(app: App,
                                                        client: httpx.AsyncClient) -> None:
    people = await seed(app, 2)
    target = f"/delegates/{people[0].delegate.id}/unlink"
    assert (await client.post(target, data={"csrf": "x"})).status_code == 403  # no session
    csrf = await log_in(client, await new_link(app))
    for data in ({}, {"csrf": ""}, {"csrf": csrf + "x"}):
        answer = await client.post(target, data=data)
        assert answer.status_code == 403 and "mã bảo vệ" in answer.text
    assert len(await registrations.accounts_of(app.services.db, people[0].delegate.id)) == 1
    assert (await client.post("/logout", data={})).status_code == 403
    answer = await client.post(target, data={"csrf": csrf})
    assert answer.status_code == 200 and "Đã hủy liên kết 1 tài khoản" in answer.text
    assert await registrations.accounts_of(app.services.db, people[0].delegate.id) == []
    entry = (await audit.search(app.services.db, action="delegate.unlinked"))[0]
    assert entry.actor == f"telegram:{ORGANISER_ID}"
    assert entry.details["delegate"] == people[0].delegate.code


async def test_the_csrf_token_may_come_in_a_header(app: App, client: httpx.AsyncClient) -> None:
    people = await seed(app, 1)
    csrf = await log_in(client, await new_link(app))
    target = f"/delegates/{people[0].delegate.id}/checkin-token"
    before = await delegates.checkin_token(app.services.db, people[0].delegate.id)
    answer = await client.post(target, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 200 and "Đã cấp mã điểm danh mới" in answer.text
    after = await delegates.checkin_token(app.services.db, people[0].delegate.id)
    assert after is not None and after != before and after in answer.text
    entry = (await audit.search(app.services.db, action="delegate.checkin_token"))[0]
    assert entry.details == {"delegate": people[0].delegate.code}


async def test_a_form_too_large_or_not_a_form_is_refused(app: App,
                                                         client: httpx.AsyncClient) -> None:
    people = await seed(app, 1)
    csrf = await log_in(client, await new_link(app))
    target = f"/delegates/{people[0].delegate.id}/unlink"
    big = await client.post(target, data={"csrf": csrf, "x": "a" * (MAX_FORM + 1)})
    assert big.status_code == 413
    upload = await client.post(target, files={"file": ("x.xlsx", b"\x00PK garbage")})
    assert upload.status_code == 403  # a file without the token changes nothing
    garbage = await client.post(target, content=b"\xff\xfe--not a form",
                                headers={"content-type": "multipart/form-data; boundary=zz"})
    assert garbage.status_code == 400
    assert len(await registrations.accounts_of(app.services.db, people[0].delegate.id)) == 1


async def test_logging_out_in_the_browser_ends_the_session(app: App,
                                                           client: httpx.AsyncClient) -> None:
    csrf = await log_in(client, await new_link(app))
    answer = await client.post("/logout", data={"csrf": csrf})
    assert answer.status_code == 200 and "Đã đăng xuất" in answer.text
    assert "Max-Age=0" in answer.headers["set-cookie"]
    assert (await client.get("/")).status_code == 401


async def add_people(app: App, rows: list[tuple[str, str, str, str]]) -> None:
    """Import delegates given as (code, full name, delegation, kind)."""
    data = [DelegateData(code, name, "Đơn vị", delegation, kind, None, "", f"INV{code}")
            for code, name, delegation, kind in rows]
    await delegates.apply_import(app.services.db, upserts=data, remove_codes=[],
                                 now=to_iso(app.services.clock.now()))


async def test_the_delegates_are_listed_in_vietnamese_order_and_filtered(
    app: App, client: httpx.AsyncClient
) -> None:
    await add_people(app, [("A1", "Trần Văn Ánh", "Đoàn Y tế", "official"),
                           ("A2", "Nguyễn Thị Ánh", "Đoàn Giáo dục", "official"),
                           ("A3", "Lê Đức Anh", "Đoàn Y tế", "alternate"),
                           ("A4", "Phạm Thị Bình", "Đoàn Giáo dục", "guest"),
                           ("A5", "<script>alert(1)</script> Đăng", "Đoàn Y tế", "official")])
    await log_in(client, await new_link(app))

    async def names(**params: str) -> list[str]:
        page = await client.get("/delegates", params=params)
        assert page.status_code == 200
        return re.findall(r'<a href="/delegates/\d+">([^<]*)</a>', page.text)

    # Given name first (Anh < Ánh < Bình < Đăng), then family and middle names.
    assert await names() == ["Lê Đức Anh", "Nguyễn Thị Ánh", "Trần Văn Ánh", "Phạm Thị Bình",
                             "&lt;script&gt;alert(1)&lt;/script&gt; Đăng"]
    assert await names(q="anh") == ["Lê Đức Anh", "Nguyễn Thị Ánh", "Trần Văn Ánh"]
    assert await names(q="LÊ anh") == ["Lê Đức Anh"]
    assert await names(q="dang") == ["&lt;script&gt;alert(1)&lt;/script&gt; Đăng"]
    assert await names(kind="alternate") == ["Lê Đức Anh"]
    assert await names(delegation="Đoàn Giáo dục") == ["Nguyễn Thị Ánh", "Phạm Thị Bình"]
    assert await names(registered="yes") == []
    assert len(await names(registered="no")) == 5
    assert await names(platform="zalo") == []
    assert await names(q="nobody") == []
    assert await names(page="999", q="anh") == ["Lê Đức Anh", "Nguyễn Thị Ánh", "Trần Văn Ánh"]
    # The page keeps a sorted copy of the roster and of the links: both follow changes.
    await add_people(app, [("A6", "Đỗ Văn An", "Đoàn Y tế", "official")])
    assert (await names())[:2] == ["Đỗ Văn An", "Lê Đức Anh"]  # An before Anh
    await seed_more(app)  # Hoàng Văn Mới registers
    assert await names(registered="yes") == ["Hoàng Văn Mới"]
    mine = await delegates.find_by_code(app.services.db, "Z1")
    assert mine is not None
    await registrations.unlink_delegate(app.services.db, mine.id)
    assert await names(registered="yes") == []


async def test_a_delegates_page_shows_accounts_and_audit_trail(
    app: App, client: httpx.AsyncClient
) -> None:
    people = await seed(app, 2)
    await log_in(client, await new_link(app))
    delegate = people[0].delegate
    page = await client.get(f"/delegates/{delegate.id}")
    assert page.status_code == 200
    assert delegate.full_name in page.text and "Telegram" in page.text and "U0" in page.text
    for bad in ("999999", "abc", "1" * 40, "-1"):
        assert (await client.get(f"/delegates/{bad}")).status_code == 404, bad


async def test_the_audit_log_is_filtered(app: App, client: httpx.AsyncClient) -> None:
    db, now = app.services.db, to_iso(app.services.clock.now())
    await audit.record(db, actor="cli", action="roster.imported", details={"rows": 3}, now=now)
    await audit.record(db, actor="telegram:1", action="delegate.unlinked",
                       details={"delegate": "D7"}, now=now)
    await log_in(client, await new_link(app))

    async def actions(**params: str) -> list[str]:
        page = await client.get("/audit", params=params)
        assert page.status_code == 200
        return re.findall(r'<td title="([^"]*)">', page.text)

    assert await actions() == ["web.login", "delegate.unlinked", "roster.imported"]
    assert await actions(action="roster.imported") == ["roster.imported"]
    assert await actions(actor="telegram:1") == ["delegate.unlinked"]
    assert await actions(delegate="D7") == ["delegate.unlinked"]
    assert await actions(delegate="nobody") == []
    assert await actions(before="abc") == ["web.login", "delegate.unlinked", "roster.imported"]
    page = await client.get("/audit")
    assert "Hủy liên kết tài khoản" in page.text and "Nhập danh sách đại biểu" in page.text


async def test_the_live_stream_sends_the_overview_figures(app: App,
                                                          client: httpx.AsyncClient) -> None:
    people = await seed(app, 10, registered=3)
    await log_in(client, await new_link(app))
    first = await client.get("/events?once=1")
    assert first.headers["content-type"].startswith("text/event-stream")
    assert "event: overview" in first.text and '"total": "3/10 đại biểu (30%)"' in first.text
    assert people[5].delegate is not None
    await registrations.link(app.services.db, "telegram", str(people[0].user_id),
                             people[5].delegate.id, "invite_code",
                             to_iso(app.services.clock.now()))  # already linked: no change
    await seed_more(app)
    again = await client.get("/events?once=1")
    assert '"total": "4/11 đại biểu (36%)"' in again.text


async def seed_more(app: App) -> None:
    """Add one delegate and register them."""
    await add_people(app, [("Z1", "Hoàng Văn Mới", "Đoàn Mới", "official")])
    added = await delegates.find_by_code(app.services.db, "Z1")
    assert added is not None
    from storage import users
    from storage.users import ChatUser
    now = to_iso(app.services.clock.now())
    await users.touch(app.services.db, ChatUser("telegram", "77", "77", "Mới"), now)
    assert await registrations.link(app.services.db, "telegram", "77", added.id,
                                    "invite_code", now)


async def test_web_in_chat_sends_an_organiser_a_link_and_refuses_a_delegate(
    app: App, fake: FakeTelegram, client: httpx.AsyncClient
) -> None:
    channel = await start_channel(app, fake)
    try:
        tg = TelegramChat(fake, channel)
        refused = await tg.texts(DELEGATE_ID, "/web")
        assert refused == ["Lệnh này chỉ dành cho Ban Tổ chức."]
        assert await web_sessions.count_open(app.services.db, "0") == 0
        answer = await tg.texts(ORGANISER_ID, "/web")
        link = re.search(rf"{re.escape(PUBLIC)}/login\?t=[\w-]+", answer[0])
        assert link is not None and "10 phút" in answer[0]
        await log_in(client, link.group(0))
        assert (await client.get("/")).status_code == 200
        assert await tg.texts(ORGANISER_ID, "/web help") == [
            "Gõ <code>/web</code> để nhận liên kết đăng nhập, hoặc <code>/web logout</code> để"
            " đăng xuất mọi phiên."]
        ended = await tg.texts(ORGANISER_ID, "/web logout")
        assert ended == ["Đã đăng xuất 1 phiên trên trình duyệt."]
        assert (await client.get("/")).status_code == 401
        assert await tg.texts(DELEGATE_ID, "/web logout") == ["Lệnh này chỉ dành cho Ban Tổ chức."]
    finally:
        await channel.stop()


async def test_web_in_chat_gives_a_checker_a_link_to_the_desk_only(
    tmp_path: Path, clock: FixedClock, fake: FakeTelegram
) -> None:
    """A checker ([organisers.checkers]) is not an organiser, yet their /web gets a link;
    its session opens the check-in desk and no organiser page. A delegate's stays refused."""
    checker = 7007
    fake.declare_chat(checker)
    app = await App.open(make_config(tmp_path, web={"enabled": True, "public_url": PUBLIC},
                                     organisers={"checkers": {"telegram": [checker]}}),
                         clock=clock)
    channel = await start_channel(app, fake)
    try:
        tg = TelegramChat(fake, channel)
        assert await tg.texts(DELEGATE_ID, "/web") == ["Lệnh này chỉ dành cho Ban Tổ chức."]
        (answer,) = await tg.texts(checker, "/web")
        assert answer.startswith("Liên kết đăng nhập bàn điểm danh")
        link = re.search(rf"{re.escape(PUBLIC)}/login\?t=[\w-]+", answer)
        assert link is not None
        async with web_client(app) as client:
            done = await client.post("/login", data={"t": token_of(link.group(0))})
            assert done.status_code == 303
            assert (await client.get("/checkin")).status_code == 200
            for page in ("/", "/delegates", "/documents", "/announce"):
                refused = await client.get(page)
                assert refused.status_code == 403, page
                assert "chỉ mở được bàn điểm danh" in refused.text
        (entry,) = await audit.search(app.services.db, action="web.login")
        assert entry.actor == f"telegram:{checker}" and entry.details == {"role": "checker"}
        assert await tg.texts(checker, "/web logout") == [
            "Đã đăng xuất 1 phiên trên trình duyệt."]
    finally:
        await channel.stop()
        await app.close()


async def test_web_in_chat_says_when_the_dashboard_is_off(tmp_path: Path, clock: FixedClock,
                                                          fake: FakeTelegram) -> None:
    app = await App.open(make_config(tmp_path), clock=clock)
    channel = await start_channel(app, fake)
    try:
        answer = await TelegramChat(fake, channel).texts(ORGANISER_ID, "/web")
        assert answer == ["Bảng điều khiển trên trình duyệt chưa được bật (mục <code>[web]</code>,"
                          " <code>enabled = true</code> trong tệp cấu hình)."]
    finally:
        await channel.stop()
        await app.close()


async def test_an_organiser_who_chose_english_gets_the_pages_in_english(
    app: App, client: httpx.AsyncClient
) -> None:
    await seed(app, 4, registered=1)
    link = await auth.make_link(app.services.db, app.services.clock, app.services.config.web,
                                actor=f"telegram:{ORGANISER_ID}", language="en")
    await log_in(client, link)
    page = await client.get("/")
    assert '<html lang="en">' in page.text and "Overview" in page.text
    assert "1/4 delegates (25%)" in page.text and "Tổng quan" not in page.text
    events = await client.get("/events?once=1")
    assert '"total": "1/4 delegates (25%)"' in events.text


async def test_the_overview_shows_who_is_present_against_the_quorum(
    app: App, client: httpx.AsyncClient
) -> None:
    from bot import demo
    from storage import attendance

    await demo.seed(app)  # the sample congress: its programme opens at 07:00 on 11/08
    await log_in(client, await new_link(app))
    officials = [d for d in await delegates.all_delegates(app.services.db)
                 if d.kind == "official"]
    page = await client.get("/")
    assert "Có mặt: buổi sáng Thứ Ba 11/08" in page.text
    assert f"0/{len(officials)}" in page.text and 'class="quorum"' in page.text
    needed = -(-2 * len(officials) // 3)
    assert f"Chưa đủ số đại biểu cần thiết (2/3: ít nhất {needed}), còn thiếu {needed}." in (
        page.text)
    now = to_iso(app.services.clock.now())
    for person in officials[:needed]:
        await attendance.check_in(app.services.db, attendance.Checkin(
            person.id, "2026-08-11/am", now, "staff", "telegram", "7007", "Tổ đón tiếp"))
    events = await client.get("/events?once=1")
    assert f'"att": "{needed}/{len(officials)}"' in events.text
    assert f"Đã đủ số đại biểu cần thiết (2/3: ít nhất {needed} đại biểu chính thức)." in (
        events.text)


def every_route(app: App) -> list[tuple[str, str]]:
    """Return (method, path) of every route of the dashboard, path parameters set to 1."""
    from starlette.routing import Route

    from bot.web.site import build

    site = build(app)
    found = []
    for route in site.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route):
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                found.append((method, route.path.replace("{id}", "1")))
    return found


async def test_every_route_refuses_without_a_session_and_to_a_checker(
    app: App, client: httpx.AsyncClient
) -> None:
    await seed(app, 2)
    routes = every_route(app)
    assert len(routes) >= 20
    public = {("GET", "/login"), ("POST", "/login"),  # their token is their proof; the
              ("GET", "/documents/file"), ("POST", "/documents/file")}  # links' own tests
    for method, path in routes:
        if (method, path) in public:
            continue
        answer = await client.request(method, path)
        if method == "GET":
            assert answer.status_code == 401 and LOGIN_HOW in answer.text, path
        else:
            assert answer.status_code == 403, path  # no session, no CSRF token
    await log_in_as_checker(app, client)
    page = await client.get("/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None  # the logout form
    desk = {"/checkin", "/checkin/hall"}  # a checker's pages
    for method, path in routes:
        if (method, path) in public or path == "/logout" or path in desk:
            continue
        answer = await client.request(method, path, data={"csrf": csrf.group(1)}
                                      if method == "POST" else None)
        assert answer.status_code == 403 and "chỉ mở được bàn điểm danh" in answer.text, path


async def test_present_filter_checkins_and_an_alternate_taking_a_seat(
    app: App, client: httpx.AsyncClient
) -> None:
    from bot import demo
    from storage import attendance

    await demo.seed(app)  # the sample congress, on its first morning
    csrf = await log_in(client, await new_link(app))
    everyone = sorted(await delegates.all_delegates(app.services.db), key=lambda d: d.code)
    official = next(d for d in everyone if d.kind == "official")
    alternate = next(d for d in everyone if d.kind == "alternate")
    now = to_iso(app.services.clock.now())
    await attendance.check_in(app.services.db, attendance.Checkin(
        official.id, "2026-08-11/am", now, "staff", "telegram", "7007", "Tổ đón tiếp"))
    present = await client.get("/delegates", params={"present": "yes"})
    assert re.findall(r'<a href="/delegates/\d+">([^<]*)</a>', present.text) == [
        official.full_name]
    page = await client.get(f"/delegates/{official.id}")
    assert "Tổ đón tiếp" in page.text and "2026-08-11/am" in page.text
    assert f'<option value="{alternate.code}">' in page.text
    target = f"/delegates/{official.id}/replace"
    assert (await client.post(target, data={"alternate": alternate.code})).status_code == 403
    asked = await client.post(target, data={"csrf": csrf, "alternate": alternate.code})
    assert asked.status_code == 200 and "Xác nhận thay thế" in asked.text
    assert await attendance.replacements(app.services.db) == []  # nothing before the yes
    done = await client.post(target, data={"csrf": csrf, "alternate": alternate.code,
                                           "confirm": "yes"})
    assert done.status_code == 200 and "Đã ghi nhận" in done.text
    (seat,) = await attendance.replacements(app.services.db)
    assert (seat.official_id, seat.alternate_id) == (official.id, alternate.id)
    again = await client.post(target, data={"csrf": csrf, "alternate": alternate.code,
                                            "confirm": "yes"})
    assert again.status_code == 400
    wrong = await client.post(f"/delegates/{alternate.id}/replace",
                              data={"csrf": csrf, "alternate": official.code})
    assert wrong.status_code == 400
    unknown = await client.post(target, data={"csrf": csrf, "alternate": "NOBODY"})
    assert unknown.status_code == 400 and "NOBODY" in unknown.text
    assert len(await attendance.replacements(app.services.db)) == 1
