"""Tests proving that testkit/fake_zalo.py speaks the Zalo Bot Platform API as documented."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import tornado.httpserver
import tornado.netutil
import tornado.web

from testkit.fake_zalo import (
    DOCUMENTED,
    DOCUMENTED_SAMPLE,
    NAME_KEYS,
    SECRET_HEADER,
    SHAPES,
    FakeZalo,
    Shape,
)

USER = "8a1f3c5e7b9d0f21"
OTHER = "4c2e6a8b0d1f3e57"
HEX = re.compile(r"[0-9a-f]+")


@pytest.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    """A running fake server."""
    async with FakeZalo() as server:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client."""
    async with httpx.AsyncClient(timeout=5) as http:
        yield http


def url(fake: FakeZalo, method: str, token: str | None = None) -> str:
    """The URL of one API method, as the channel builds it."""
    return f"{fake.base_url}/bot{token or fake.token}/{method}"


async def call(
    client: httpx.AsyncClient, fake: FakeZalo, method: str, **params: Any
) -> httpx.Response:
    """POST a JSON body to one API method."""
    return await client.post(url(fake, method), json=params)


def is_ms(value: object) -> bool:
    """True for an int timestamp in milliseconds close to now."""
    return isinstance(value, int) and abs(value - time.time() * 1000) < 60_000


async def test_get_me_and_urls(fake: FakeZalo, client: httpx.AsyncClient) -> None:
    """getMe returns the bot account; the base URL points at the bound port."""
    assert fake.port > 0 and fake.base_url == f"http://127.0.0.1:{fake.port}"
    got = await call(client, fake, "getMe")
    assert got.status_code == 200 and got.headers["Content-Type"] == "application/json"
    body = got.json()
    assert body["ok"] is True and set(body) == {"ok", "result"}
    me = body["result"]
    assert HEX.fullmatch(me["id"]) and me["display_name"] == "Trợ lý Đại hội"
    assert me["account_type"] == "BASIC" and me["can_join_groups"] is False
    assert isinstance(me["account_name"], str)
    assert [(c.method, c.status, c.error_code) for c in fake.calls] == [("getMe", 200, None)]


async def test_wrong_token_and_unknown_method(fake: FakeZalo, client: httpx.AsyncClient) -> None:
    """A wrong token is a 401 envelope; unknown (or wrongly cased) methods are 404."""
    wrong = await client.post(url(fake, "getMe", token="nope"), json={})
    assert wrong.status_code == 401
    assert wrong.json()["ok"] is False and wrong.json()["error_code"] == 401
    for method in ("noSuchMethod", "sendmessage"):
        missing = await call(client, fake, method, chat_id=USER, text="x")
        assert missing.status_code == 404 and missing.json()["error_code"] == 404
    assert [(c.method, c.status) for c in fake.calls] == [
        ("getMe", 401), ("noSuchMethod", 404), ("sendmessage", 404),
    ]  # fmt: skip
    assert fake.sent_messages() == [] and fake.calls_to("SENDMESSAGE") == []


async def test_push_text_then_get_updates(fake: FakeZalo, client: httpx.AsyncClient) -> None:
    """getUpdates returns the one pushed update, then long-polls and answers 408."""
    update = fake.push_text(USER, "xin chào", display_name="Nguyễn Văn A")
    assert fake.pending_updates == 1
    got = await call(client, fake, "getUpdates", timeout=0.2)
    assert got.status_code == 200 and got.json() == {"ok": True, "result": update}
    assert update["event_name"] == "message.text.received"
    message = update["message"]
    assert message["from"] == {"id": USER, "display_name": "Nguyễn Văn A", "is_bot": False}
    assert message["chat"] == {"id": USER, "chat_type": "PRIVATE"}
    assert message["text"] == "xin chào" and HEX.fullmatch(message["message_id"])
    assert is_ms(message["date"]) and fake.pending_updates == 0

    poll = asyncio.create_task(call(client, fake, "getUpdates", timeout=0.5))
    await fake.wait_polling(1)  # it waits for an update instead of answering at once
    empty = await poll
    assert empty.status_code == 200
    assert empty.json() == {"ok": False, "error_code": 408, "description": "Request timeout"}
    assert [(c.status, c.error_code) for c in fake.calls_to("getUpdates")] == [
        (200, None), (200, 408),
    ]  # fmt: skip
    assert len(await fake.wait_for("getUpdates", timeout=0.1)) == 1  # only the delivery counts


async def test_long_poll_returns_when_pushed(fake: FakeZalo, client: httpx.AsyncClient) -> None:
    """A pending long poll answers as soon as an update is pushed."""
    poll = asyncio.create_task(call(client, fake, "getUpdates", timeout="30"))
    await fake.wait_polling(1)
    update = fake.push_text(USER, "hello", chat_id=OTHER)
    got = await asyncio.wait_for(poll, 2)
    assert got.json() == {"ok": True, "result": update}  # the update, not a 408 after 30 s
    assert update["message"]["chat"] == {"id": OTHER, "chat_type": "GROUP"}
    await fake.wait_polling(0)


async def test_one_update_per_call(fake: FakeZalo, client: httpx.AsyncClient) -> None:
    """Three queued updates come one per call, in order, each consumed once."""
    pushed = [fake.push_text(USER, "1"), fake.push_sticker(USER), fake.push_image(OTHER)]
    got = [(await call(client, fake, "getUpdates", timeout=0)).json() for _ in range(4)]
    assert [g["result"] for g in got[:3]] == pushed
    assert got[3]["error_code"] == 408
    assert [u["event_name"] for u in pushed] == [
        "message.text.received", "message.sticker.received", "message.image.received",
    ]  # fmt: skip
    assert all("text" not in u["message"] for u in pushed[1:])
    assert len({u["message"]["message_id"] for u in pushed}) == 3
    assert len(await fake.wait_for("getUpdates", 3)) == 3


async def test_send_message_limits(fake: FakeZalo, client: httpx.AsyncClient) -> None:
    """Text of 1..2000 characters (UTF-16 units) passes; longer, empty or no chat fails."""
    ok = await call(client, fake, "sendMessage", chat_id=USER, text="x" * 2000)
    result = ok.json()["result"]
    assert ok.status_code == 200 and HEX.fullmatch(result["message_id"]) and is_ms(result["date"])
    assert (await call(client, fake, "sendMessage", chat_id=OTHER, text="😀" * 1000)).is_success
    failures = [
        {"chat_id": USER, "text": "x" * 2001},
        {"chat_id": USER, "text": "😀" * 1000 + "x"},
        {"chat_id": USER, "text": ""},
        {"chat_id": USER, "text": " \n"},
        {"chat_id": USER},
        {"text": "no chat"},
        {"chat_id": 12345, "text": "not a string id"},
    ]
    for params in failures:
        bad = await call(client, fake, "sendMessage", **params)
        assert bad.status_code == 400, params
        body = bad.json()
        assert set(body) == {"ok", "error_code", "description"} and body["ok"] is False
        assert body["error_code"] == 400 and body["description"]
    form = await client.post(url(fake, "sendMessage"), data={"chat_id": USER, "text": "form"})
    assert form.json()["ok"] is True
    assert fake.sent_texts() == ["x" * 2000, "😀" * 1000, "form"]
    assert fake.sent_texts(USER) == ["x" * 2000, "form"] and fake.sent_texts("ffff") == []
    assert fake.sent_messages(OTHER) == [{"chat_id": OTHER, "text": "😀" * 1000}]
    statuses = [c.status for c in fake.calls_to("sendMessage")]
    assert statuses == [200, 200] + [400] * len(failures) + [200]
    assert len(await fake.wait_for("sendMessage", 3)) == 3


async def test_other_send_methods(fake: FakeZalo, client: httpx.AsyncClient) -> None:
    """sendPhoto, sendSticker and sendChatAction validate and answer like Zalo."""
    photo = await call(client, fake, "sendPhoto", chat_id=USER, photo="https://x.org/a.jpg")
    assert HEX.fullmatch(photo.json()["result"]["message_id"])
    sticker = await call(client, fake, "sendSticker", chat_id=USER, sticker="abc123")
    assert is_ms(sticker.json()["result"]["date"])
    action = await call(client, fake, "sendChatAction", chat_id=USER, action="typing")
    assert action.json() == {"ok": True}
    bad = [
        ("sendPhoto", {"chat_id": USER}),
        ("sendPhoto", {"chat_id": USER, "photo": "https://x.org/a.jpg", "caption": "x" * 2001}),
        ("sendSticker", {"chat_id": USER}),
        ("sendChatAction", {"chat_id": USER, "action": "dancing"}),
    ]
    for method, params in bad:
        assert (await call(client, fake, method, **params)).status_code == 400, method
    assert fake.sent_messages() == []


@pytest.mark.parametrize("status", [429, 403, 500])
async def test_fail_next(fake: FakeZalo, client: httpx.AsyncClient, status: int) -> None:
    """Injected failures answer HTTP status + envelope twice, then the method works again."""
    retry_after = 7 if status == 429 else None
    fake.fail_next("sendMessage", status, times=2, retry_after=retry_after)
    for _ in range(2):
        got = await call(client, fake, "sendMessage", chat_id=USER, text="x")
        assert got.status_code == status
        assert got.json()["ok"] is False and got.json()["error_code"] == status
        assert got.headers.get("Retry-After") == (None if retry_after is None else "7")
    assert (await call(client, fake, "sendMessage", chat_id=USER, text="x")).is_success
    assert [c.status for c in fake.calls_to("sendMessage")] == [status, status, 200]
    assert fake.sent_texts() == ["x"]


async def test_fail_next_custom_envelope(fake: FakeZalo, client: httpx.AsyncClient) -> None:
    """error_code and description can differ from the HTTP status; method case is ignored."""
    fake.fail_next("getme", 400, error_code=-201, description="Invalid token format")
    got = await call(client, fake, "getMe")
    assert got.status_code == 400
    assert got.json() == {"ok": False, "error_code": -201, "description": "Invalid token format"}
    assert fake.calls[-1].error_code == -201


async def test_hang_next_times_out(fake: FakeZalo) -> None:
    """A hung request makes the client's timeout fire; it is recorded with status 0."""
    fake.hang_next("sendMessage")
    async with httpx.AsyncClient(timeout=0.2) as quick:
        with pytest.raises(httpx.ReadTimeout):
            await call(quick, fake, "sendMessage", chat_id=USER, text="x")
        assert (await call(quick, fake, "sendMessage", chat_id=USER, text="y")).is_success
    assert [c.status for c in fake.calls_to("sendMessage")] == [0, 200]
    assert fake.sent_texts() == ["y"]


async def test_webhook_blocks_polling(fake: FakeZalo, client: httpx.AsyncClient) -> None:
    """setWebhook needs HTTPS and an 8..256 character secret; getUpdates conflicts meanwhile."""
    info = (await call(client, fake, "getWebhookInfo")).json()["result"]
    assert info["url"] == "" and fake.webhook_url is None and fake.webhook_secret is None
    for params in (
        {"url": "http://bot.example.org/zalo", "secret_token": "s" * 8},
        {"url": "https://bot.example.org/zalo", "secret_token": "s" * 7},
        {"url": "https://bot.example.org/zalo", "secret_token": "s" * 257},
        {"url": "https://bot.example.org/zalo"},
        {"secret_token": "s" * 8},
    ):
        refused = await call(client, fake, "setWebhook", **params)
        assert refused.status_code == 400 and refused.json()["error_code"] == 400
    assert fake.webhook_url is None

    update = fake.push_text(USER, "pending")
    hook, secret = "https://bot.example.org/zalo", "s" * 256
    set_ = (await call(client, fake, "setWebhook", url=hook, secret_token=secret)).json()
    assert set_["ok"] is True and set_["result"]["url"] == hook
    assert is_ms(set_["result"]["updated_at"])
    assert fake.webhook_url == hook and fake.webhook_secret == secret
    assert (await call(client, fake, "getWebhookInfo")).json()["result"]["url"] == hook
    for _ in range(2):
        conflict = await call(client, fake, "getUpdates", timeout=0)
        assert conflict.status_code == 409 and conflict.json()["error_code"] == 409
    deleted = (await call(client, fake, "deleteWebhook")).json()
    assert deleted["ok"] is True and deleted["result"]["url"] == ""
    assert fake.webhook_url is None and fake.webhook_secret is None
    assert (await call(client, fake, "getUpdates", timeout=0)).json()["result"] == update


async def test_rate_limit(fake: FakeZalo, client: httpx.AsyncClient) -> None:
    """Above rate_limit sendMessage calls per second, 429 envelopes are answered."""
    fake.rate_limit = 3
    results = await asyncio.gather(
        *(call(client, fake, "sendMessage", chat_id=USER, text=str(i)) for i in range(5))
    )
    limited = [r for r in results if r.status_code == 429]
    assert len(limited) == 2 and all(r.json()["error_code"] == 429 for r in limited)
    assert all(r.headers["Retry-After"] == "1" for r in limited)
    assert fake.rate_limited_count == 2 and len(fake.sent_messages()) == 3


async def test_bad_requests(fake: FakeZalo, client: httpx.AsyncClient) -> None:
    """Non-object or invalid JSON bodies and a bad timeout are 400 envelopes."""
    endpoint = url(fake, "getUpdates")
    headers = {"Content-Type": "application/json"}
    for body in (b"[1]", b"{nope", b'{"timeout": "soon"}', b'{"timeout": -1}'):
        got = await client.post(endpoint, content=body, headers=headers)
        assert got.status_code == 400 and got.json()["error_code"] == 400, body
    query = await client.get(endpoint, params={"timeout": "0"})
    assert query.status_code == 200 and query.json()["error_code"] == 408


async def test_wait_for_times_out_with_summary(fake: FakeZalo, client: httpx.AsyncClient) -> None:
    """wait_for and wait_polling raise AssertionError describing what they saw."""
    await call(client, fake, "sendMessage", chat_id=USER, text="x")
    with pytest.raises(AssertionError, match=r"sendMessage:200"):
        await fake.wait_for("sendMessage", 2, timeout=0.05)
    with pytest.raises(AssertionError, match=r"pending getUpdates \(got 0\)"):
        await fake.wait_polling(1, timeout=0.05)


async def test_abandoned_poll_keeps_the_update(fake: FakeZalo) -> None:
    """A long poll whose client went away does not swallow the next update."""
    async with httpx.AsyncClient(timeout=0.2) as quick:
        with pytest.raises(httpx.ReadTimeout):
            await call(quick, fake, "getUpdates", timeout=30)
    await fake.wait_polling(0)
    update = fake.push_text(USER, "still here")
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await call(http, fake, "getUpdates", timeout=0)).json()["result"] == update
    assert [c.status for c in fake.calls_to("getUpdates")] == [0, 200]


async def test_stop_releases_long_poll_and_hang(client: httpx.AsyncClient) -> None:
    """stop() returns promptly; a pending long poll gets 408, a hung request is cut."""
    fake = FakeZalo()
    await fake.start()
    fake.hang_next("sendMessage")
    poll = asyncio.create_task(call(client, fake, "getUpdates", timeout=30))
    hung = asyncio.create_task(call(client, fake, "sendMessage", chat_id=USER, text="x"))
    await fake.wait_polling(1)
    await fake.stop()
    got = await asyncio.wait_for(poll, 2)
    assert got.json()["error_code"] == 408  # released: the 30 s poll ended by stop()
    with pytest.raises(httpx.TransportError):
        await asyncio.wait_for(hung, 2)
    await fake.stop()  # idempotent


class _WebhookHandler(tornado.web.RequestHandler):
    """Records what a webhook receiver gets."""

    received: list[tuple[str | None, bytes]] = []  # noqa: RUF012

    def post(self) -> None:
        """Keep the secret header and the body."""
        self.received.append((self.request.headers.get(SECRET_HEADER), self.request.body))


async def test_post_webhook(fake: FakeZalo) -> None:
    """post_webhook POSTs the update in Zalo's envelope with the secret header."""
    app = tornado.web.Application([("/hook", _WebhookHandler)])
    server = tornado.httpserver.HTTPServer(app)
    (sock,) = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server.add_sockets([sock])
    hook = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    update = fake.make_update(USER, "qua webhook")
    try:
        assert await fake.post_webhook(hook, update, secret_token="s3cret-token") == 200
        assert await fake.post_webhook(hook, update, secret_token=None, envelope=False) == 200
        assert await fake.post_webhook(hook + "x", update, secret_token=None) == 404
    finally:
        server.stop()
        await server.close_all_connections()
        await fake.stop()
    (secret, body), (no_secret, bare) = _WebhookHandler.received[-2:]
    assert secret == "s3cret-token" and no_secret is None
    assert httpx.Response(200, content=body).json() == {"ok": True, "result": update}
    assert httpx.Response(200, content=bare).json() == update
    assert fake.pending_updates == 0 and fake.calls == []  # make_update does not queue


def keys(update: dict[str, Any]) -> dict[str, set[str]]:
    """The field names of an update at each level: the update, message, from, chat."""
    message = update["message"]
    return {"update": set(update), "message": set(message), "from": set(message["from"]),
            "chat": set(message["chat"])}


def test_the_documented_shape_is_the_documented_sample() -> None:
    """With the DOCUMENTED shape the fake builds updates exactly as the getUpdates sample is
    laid out: no event_name, the name under first_name, no is_bot."""
    fake = FakeZalo(shape=DOCUMENTED)
    update = fake.make_update(USER, "Xin chào", display_name="Nguyen Van A")
    assert keys(update) == keys(DOCUMENTED_SAMPLE)
    assert update["message"]["from"] == {"id": USER, "first_name": "Nguyen Van A"}
    assert update["message"]["chat"] == {"id": USER, "chat_type": "PRIVATE"}


def test_every_shape_names_the_sender_under_its_key() -> None:
    """SHAPES covers with and without event_name times each name key, nothing twice."""
    assert {(s.event_name, s.name_key) for s in SHAPES} == {
        (event, key) for event in (True, False) for key in NAME_KEYS}
    assert len(SHAPES) == 6 and len({s.label for s in SHAPES}) == 6
    for shape in SHAPES:
        fake = FakeZalo(shape=shape)
        built = [fake.make_update(USER, "x", display_name="Hà"),
                 fake.push_sticker(USER, display_name="Hà"),
                 fake.push_image(USER, photo_key="photo_url", display_name="Hà")]
        for update in built:
            assert ("event_name" in update) is shape.event_name
            assert update["message"]["from"] == {"id": USER, shape.name_key: "Hà"} | (
                {"is_bot": False} if shape.is_bot else {})
        if shape.event_name:
            assert [u["event_name"] for u in built] == [
                "message.text.received", "message.sticker.received", "message.image.received"]
        assert "photo_url" in built[2]["message"] and "photo" not in built[2]["message"]
    with pytest.raises(ValueError, match="name_key"):
        Shape(name_key="username")
    with pytest.raises(ValueError, match="photo_key"):
        FakeZalo().push_image(USER, photo_key="image")


async def test_pushed_updates_go_to_the_webhook_in_order_once_one_is_set(
    fake: FakeZalo, client: httpx.AsyncClient
) -> None:
    """With webhook_delivery_url set, pushes while a webhook is set are POSTed there with
    the secret given to setWebhook, one after the other; nothing is queued for getUpdates."""
    app = tornado.web.Application([("/hook", _WebhookHandler)])
    server = tornado.httpserver.HTTPServer(app)
    (sock,) = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server.add_sockets([sock])
    fake.webhook_delivery_url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    try:
        queued = fake.push_text(USER, "before the webhook")  # no webhook set yet: queued
        assert fake.pending_updates == 1 and fake.webhook_statuses == []
        await call(client, fake, "setWebhook", url="https://bot.example.org/zalo",
                   secret_token="s3cret-token")
        before = len(_WebhookHandler.received)
        pushed = [fake.push_text(USER, str(i)) for i in range(5)]
        await fake.stop()  # waits for the deliveries in flight
    finally:
        server.stop()
        await server.close_all_connections()
    assert fake.webhook_statuses == [200] * 5 and fake.pending_updates == 1
    received = _WebhookHandler.received[before:]
    assert [secret for secret, _ in received] == ["s3cret-token"] * 5
    assert [httpx.Response(200, content=body).json() for _, body in received] == [
        {"ok": True, "result": update} for update in pushed]
    assert queued["message"]["text"] == "before the webhook"
