"""Tests proving that testkit/fake_telegram.py speaks the Bot API as python-telegram-bot expects."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator

import httpx
import pytest
import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters
from telegram.request import HTTPXRequest

from testkit.chat_limit import ChatLimit
from testkit.fake_telegram import FakeTelegram, UploadedFile, html_to_text

USER = 4242
STRANGER = 777  # never wrote to the bot
# RetryAfter.retry_after warns about its future timedelta type unless PTB_TIMEDELTA is set.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A running fake server, to which USER has written before."""
    async with FakeTelegram() as server:
        server.declare_chat(USER)
        yield server


def make_bot(fake: FakeTelegram, token: str | None = None, **request: float) -> Bot:
    """A real telegram.Bot pointed at the fake (optionally with HTTPXRequest timeouts)."""
    kwargs = {"request": HTTPXRequest(**request)} if request else {}
    return Bot(
        token or fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url, **kwargs
    )


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    """An initialized real telegram.Bot talking to the fake."""
    async with make_bot(fake) as real_bot:
        yield real_bot


async def test_get_me_and_urls(fake: FakeTelegram, bot: Bot) -> None:
    """getMe returns a valid bot User; URLs point at the bound port."""
    me = await bot.get_me()
    assert me.is_bot and me.username == "delegate_test_bot" and me.id == 123456
    assert fake.port > 0 and fake.base_url == f"http://127.0.0.1:{fake.port}/bot"
    assert fake.base_file_url.endswith("/file/bot")
    assert [c.method for c in fake.calls] == ["getMe", "getMe"]  # initialize() + get_me()
    assert all(c.status == 200 for c in fake.calls)


async def test_send_message_round_trip(fake: FakeTelegram, bot: Bot) -> None:
    """HTML text and an inline keyboard are decoded; the Message returned is valid."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Có", callback_data="lang:vi")]])
    text = "<b>Xin chào</b> &amp; <i>welcome</i>"
    msg = await bot.send_message(USER, text, parse_mode="HTML", reply_markup=keyboard)
    msg2 = await bot.send_message(USER, "123")
    assert msg.text == "Xin chào & welcome" and msg.chat.id == USER and msg.from_user.is_bot
    assert msg.reply_markup == keyboard and msg2.message_id == msg.message_id + 1
    params = fake.sent_messages(USER)[0]
    assert params["chat_id"] == USER and params["text"] == text and params["parse_mode"] == "HTML"
    assert params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Có", "callback_data": "lang:vi"}]]
    }
    assert fake.sent_texts() == [text, "123"] and fake.sent_texts(1) == []
    assert len(await fake.wait_for("sendmessage", 2)) == 2


@pytest.mark.parametrize(
    "markup",
    ["<b>x", "<b>x</i>", "a < b", "<foo>x</foo>", "x</b>", "<span>x</span>", "<b x</b>"],
)
async def test_bad_html_is_rejected(bot: Bot, markup: str) -> None:
    """Malformed or unsupported HTML gives BadRequest "can't parse entities"."""
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, markup, parse_mode="HTML")


def test_html_to_text() -> None:
    """Supported tags are stripped and only Telegram's entities are decoded."""
    markup = (
        '<b>1</b><strong>2</strong><i>3</i><u>4</u><s>5</s><span class="tg-spoiler">6</span>'
        '<a href="https://x.org/?a=1&amp;b=2">7</a><code>8</code><pre>9</pre>'
        "<blockquote>&lt;&gt;&quot;&#65;&#x42;</blockquote> AT&T &nbsp;"
    )
    assert html_to_text(markup) == '123456789<>"AB AT&T &nbsp;'


async def test_text_length_limits(fake: FakeTelegram, bot: Bot) -> None:
    """4096 visible characters pass (markup not counted), 4097 fail, empty text fails."""
    await bot.send_message(USER, "x" * 4096)
    await bot.send_message(USER, "<b>" + "&lt;" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")
    assert len(fake.sent_messages()) == 2
    assert [c.status for c in fake.calls_to("sendMessage")] == [200, 200, 400, 400]


async def test_callback_data_limit(bot: Bot) -> None:
    """callback_data must be 1..64 bytes."""
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="é" * 32)]])
    await bot.send_message(USER, "fits", reply_markup=ok)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("no", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "too long", reply_markup=too_long)


async def test_get_updates_offset_and_long_polling(fake: FakeTelegram, bot: Bot) -> None:
    """Updates are confirmed by offset; a long poll returns as soon as an update arrives."""
    first = fake.push_text(USER, "/start hi", language_code=None)
    second = fake.push_callback(USER, "lang:vi")
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first, second]
    assert (
        updates[0].message.text == "/start hi"
        and updates[0].message.from_user.language_code is None
    )
    assert updates[0].message.entities[0].type == "bot_command"
    assert updates[1].callback_query.data == "lang:vi"
    assert updates[1].callback_query.from_user.language_code == "vi"
    assert [u.update_id for u in await bot.get_updates(offset=second, timeout=0)] == [second]
    assert await bot.get_updates(offset=second + 1, timeout=0) == ()

    poll = asyncio.create_task(bot.get_updates(offset=second + 1, timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done()
    third = fake.push_text(USER, "hello", edited=True)
    (update,) = await asyncio.wait_for(poll, 2)  # an update, not the () of a timed-out poll
    assert update.update_id == third and update.edited_message.text == "hello"
    assert await bot.get_updates(offset=third + 1, timeout=0) == ()


async def test_callback_refers_to_the_bots_message(fake: FakeTelegram, bot: Bot) -> None:
    """push_callback carries the bot's message; edits return the edited Message."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(USER, "choose", reply_markup=keyboard)
    fake.push_callback(USER, "a", message_id=sent.message_id)
    (update,) = await bot.get_updates()
    assert update.callback_query.message.message_id == sent.message_id
    assert update.callback_query.message.reply_markup == keyboard
    assert await update.callback_query.answer()
    edited = await bot.edit_message_text("chosen", chat_id=USER, message_id=sent.message_id)
    assert edited.text == "chosen" and edited.reply_markup is None and edited.edit_date
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("chosen", chat_id=USER, message_id=sent.message_id)


async def test_other_updates_are_valid(fake: FakeTelegram, bot: Bot) -> None:
    """Contact, sticker, photo and group updates de-serialize in PTB."""
    fake.push_contact(USER, "+84901234567", contact_user_id=USER)
    fake.push_sticker(USER)
    fake.push_photo(USER)
    fake.push_new_chat_members(-100, USER)
    fake.push_text(USER, "hi group", chat_id=-100, chat_type="group")
    contact, sticker, photo, joined, group = await bot.get_updates()
    assert contact.message.contact.phone_number == "+84901234567"
    assert sticker.message.sticker and photo.message.photo
    assert joined.message.new_chat_members[0].id == USER and joined.message.chat.type == "group"
    assert group.effective_chat.id == -100 and group.message.text == "hi group"


@pytest.mark.parametrize(
    ("status", "error", "match"),
    [
        (403, Forbidden, "bot was blocked by the user"),
        (400, BadRequest, "(?i)chat not found"),
        (500, NetworkError, "Internal Server Error"),
    ],
)
async def test_fail_next(
    fake: FakeTelegram, bot: Bot, status: int, error: type[Exception], match: str
) -> None:
    """Injected failures map to PTB's exceptions, then the method works again."""
    fake.fail_next("sendMessage", status, times=2)
    for _ in range(2):
        with pytest.raises(error, match=match):
            await bot.send_message(USER, "x")
    await bot.send_message(USER, "x")
    assert [c.status for c in fake.calls_to("sendMessage")] == [status, status, 200]


async def test_fail_next_429_is_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    """429 carries parameters.retry_after, which PTB turns into RetryAfter."""
    fake.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "x")
    assert info.value.retry_after in (7, dtm.timedelta(seconds=7))
    assert fake.calls[-1].status == 429


async def test_hang_next_times_out(fake: FakeTelegram) -> None:
    """A hung request makes the client's read timeout fire; it is recorded with status 0."""
    async with make_bot(fake, read_timeout=0.3) as slow_bot:
        fake.hang_next("sendMessage")
        with pytest.raises(TimedOut):
            await slow_bot.send_message(USER, "x")
        await slow_bot.send_message(USER, "y")
    assert [c.status for c in fake.calls_to("sendMessage")] == [0, 200]
    assert fake.sent_texts() == ["y"]


async def test_documents_both_ways(fake: FakeTelegram, bot: Bot) -> None:
    """Pushed documents download via getFile; sendDocument uploads are recorded."""
    content = bytes(range(256)) * 10
    fake.push_document(USER, "Danh sách.xlsx", content, mime_type="application/vnd.ms-excel")
    (update,) = await bot.get_updates()
    document = update.message.document
    assert document.file_name == "Danh sách.xlsx" and document.file_size == len(content)
    file = await bot.get_file(document.file_id)
    assert bytes(await file.download_as_bytearray()) == content

    sent = await bot.send_document(USER, b"a,b\n1,2\n", filename="export.csv", caption="<b>ok</b>",
                                   parse_mode="HTML")  # fmt: skip
    upload = fake.calls_to("sendDocument")[0].params
    assert isinstance(upload["document"], UploadedFile) and upload["chat_id"] == USER
    assert (
        upload["document"].filename == "export.csv" and upload["document"].content == b"a,b\n1,2\n"
    )
    assert sent.document.file_name == "export.csv" and sent.caption == "ok"
    resent = await bot.get_file(sent.document.file_id)
    assert bytes(await resent.download_as_bytearray()) == b"a,b\n1,2\n"
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("nope")


async def test_wrong_token_and_unknown_method(fake: FakeTelegram, bot: Bot) -> None:
    """A wrong token is 401 (InvalidToken); an unknown method is 404."""
    with pytest.raises(InvalidToken):
        await make_bot(fake, token="999:WRONG").get_me()
    assert fake.calls[-1].status == 401
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    assert fake.calls[-1].method == "noSuchMethod" and fake.calls[-1].status == 404
    assert await bot.do_api_request("SENDCHATACTION", {"chat_id": USER, "action": "typing"})


async def test_rate_limit(fake: FakeTelegram, bot: Bot) -> None:
    """Above rate_limit messages per second, Telegram-style 429s are answered."""
    fake.rate_limit = 3
    results = await asyncio.gather(
        *(bot.send_message(USER, str(i)) for i in range(5)), return_exceptions=True
    )
    assert sum(isinstance(r, RetryAfter) for r in results) == 2
    assert fake.rate_limited_count == 2 and len(fake.sent_messages()) == 3


async def test_commands_webhook_and_misc(fake: FakeTelegram, bot: Bot) -> None:
    """Commands round-trip; a webhook blocks getUpdates (409) until deleted."""
    assert await bot.set_my_commands([("start", "Bắt đầu"), ("help", "Trợ giúp")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert fake.calls_to("setMyCommands")[0].params["commands"][0]["command"] == "start"
    assert await bot.send_chat_action(USER, "typing")
    assert (await bot.get_webhook_info()).url == ""
    fake.push_text(USER, "pending")
    assert await bot.set_webhook("https://example.org/hook", secret_token="s3")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


async def test_raw_http_encodings(fake: FakeTelegram) -> None:
    """Query strings, JSON bodies and any-case method names work; results are JSON."""
    url = f"{fake.base_url}{fake.token}"
    fake.declare_chat(-5)
    fake.declare_chat(12)
    async with httpx.AsyncClient() as client:
        got = await client.get(f"{url}/SendMessage", params={"chat_id": "-5", "text": "7"})
        assert got.status_code == 200 and got.json()["result"]["chat"]["type"] == "group"
        body = {"chat_id": "12", "text": "hi", "reply_markup": {"inline_keyboard": []}}
        assert (await client.post(f"{url}/sendmessage", json=body)).json()["ok"] is True
        missing = await client.post(f"{url}/sendMessage", data={"text": "no chat"})
        assert missing.json() == {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: chat_id is empty",
        }
        bad = await client.post(f"{url}/getUpdates", json=[1])
        assert bad.status_code == 400 and bad.json()["description"].startswith("Bad Request")
        assert (await client.get(f"{fake.base_file_url}{fake.token}/nope")).status_code == 404
    assert fake.sent_messages() == [{"chat_id": -5, "text": "7"}, {**body, "chat_id": 12}]
    methods = [c.method for c in fake.calls]
    assert methods == ["sendMessage"] * 3 + ["getUpdates", "downloadFile"]


async def test_wait_for_times_out_with_summary(fake: FakeTelegram, bot: Bot) -> None:
    """wait_for raises AssertionError listing the calls seen."""
    await bot.send_message(USER, "x")
    with pytest.raises(AssertionError, match=r"getMe:200.*sendMessage:200"):
        await fake.wait_for("sendMessage", 2, timeout=0.05)


async def test_stop_releases_long_poll_and_hang() -> None:
    """stop() returns promptly even with a pending long poll and a hung request."""
    fake = FakeTelegram()
    await fake.start()
    async with make_bot(fake) as real_bot:
        fake.hang_next("sendMessage")
        poll = asyncio.create_task(real_bot.get_updates(timeout=30))
        hung = asyncio.create_task(real_bot.send_message(USER, "x"))
        await asyncio.sleep(0.05)
        await fake.stop()
        assert await asyncio.wait_for(poll, 2) == ()  # released: a 30 s poll answered empty
        with pytest.raises(NetworkError):
            await asyncio.wait_for(hung, 2)


class _WebhookHandler(tornado.web.RequestHandler):
    received: list[tuple[str | None, bytes]] = []  # noqa: RUF012

    def post(self) -> None:
        self.received.append((self.request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                              self.request.body))  # fmt: skip


async def test_post_webhook(fake: FakeTelegram) -> None:
    """post_webhook POSTs the update JSON with the secret token header."""
    server = tornado.httpserver.HTTPServer(tornado.web.Application([("/hook", _WebhookHandler)]))
    (sock,) = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server.add_sockets([sock])
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    try:
        status = await fake.post_webhook(url, {"message": {"text": "x"}}, secret_token="s3")
        assert status == 200
        assert await fake.post_webhook(url + "x", {}, secret_token=None) == 404
    finally:
        server.stop()
        await server.close_all_connections()
    secret, body = _WebhookHandler.received[-1]
    assert secret == "s3" and httpx.Response(200, content=body).json()["update_id"] >= 1


async def test_application_polling_end_to_end(fake: FakeTelegram) -> None:
    """A real Application polling the fake handles a pushed message and replies."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"echo: {update.message.text}")

    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        fake.push_text(USER, "xin chào")
        await fake.wait_for("sendMessage", timeout=3)
        assert fake.sent_texts(USER) == ["echo: xin chào"]
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


# ---------------------------------------------------------------------------- as strict as Telegram
async def raw(fake: FakeTelegram, method: str, **params: object) -> httpx.Response:
    """Call the fake with a JSON body, as any client may."""
    async with httpx.AsyncClient() as client:
        return await client.post(f"{fake.base_url}{fake.token}/{method}", json=params)


async def test_a_chat_that_never_wrote_is_not_found(fake: FakeTelegram, bot: Bot) -> None:
    for send in (lambda: bot.send_message(STRANGER, "x"),
                 lambda: bot.send_document(STRANGER, b"a", filename="a.txt"),
                 lambda: bot.send_chat_action(STRANGER, "typing"),
                 lambda: bot.edit_message_text("x", chat_id=STRANGER, message_id=1),
                 lambda: bot.set_my_commands([("help", "Trợ giúp")],
                                             scope=BotCommandScopeChat(STRANGER))):
        with pytest.raises(BadRequest, match="Chat not found"):
            await send()
    assert fake.sent_messages() == [] and not fake.knows_chat(STRANGER)


async def test_a_chat_is_known_once_it_writes_or_is_declared(fake: FakeTelegram,
                                                              bot: Bot) -> None:
    fake.push_text(STRANGER, "xin chào")
    fake.push_new_chat_members(-100, USER)
    fake.declare_chat(-200)
    fake.declare_chats([9, 10])
    fake.push_update({"message": {"message_id": 1, "date": 0, "text": "hi",
                                  "chat": {"id": 11, "type": "private", "first_name": "A"}}})
    for chat in (STRANGER, -100, -200, 9, 10, 11):
        assert (await bot.send_message(chat, "ok")).chat.id == chat


async def test_edits_and_deletions_of_unknown_messages_are_refused(fake: FakeTelegram,
                                                                    bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=99)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_reply_markup(chat_id=USER, message_id=99)
    sent = await bot.send_message(USER, "một")
    assert (await bot.edit_message_text("hai", chat_id=USER, message_id=sent.message_id)).text
    assert await bot.delete_message(USER, sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("ba", chat_id=USER, message_id=sent.message_id)


async def test_a_button_press_on_a_message_sent_before_the_test_can_be_edited(
    fake: FakeTelegram, bot: Bot
) -> None:
    fake.push_callback(USER, "x", message_id=41)
    (update,) = await bot.get_updates()
    assert await update.callback_query.answer()
    assert await bot.edit_message_text("đã chọn", chat_id=USER, message_id=41)


async def test_lengths_count_utf16_units(fake: FakeTelegram, bot: Bot) -> None:
    """An emoji is two units: 2048 of them fill a message, 2049 are too long."""
    fake.chat_limit = None  # this test is about lengths
    await bot.send_message(USER, "😀" * 2048)
    await bot.send_message(USER, "<b>" + "😀" * 2048 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "😀" * 2049)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "x" * 4095 + "😀")
    await bot.send_document(USER, b"a", filename="a.txt", caption="😀" * 512)
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(USER, b"a", filename="a.txt", caption="😀" * 513)
    sent = await bot.send_message(USER, "x")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.edit_message_text("é😀" * 1366, chat_id=USER, message_id=sent.message_id)


async def test_one_chat_gets_a_burst_then_one_message_a_second(fake: FakeTelegram,
                                                                bot: Bot) -> None:
    fake.declare_chat(USER + 1)
    for i in range(3):
        await bot.send_message(USER, f"{i}")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "3")
    assert info.value.retry_after in (1, dtm.timedelta(seconds=1))
    assert fake.calls[-1].status == 429 and fake.chat_limit is not None
    assert fake.chat_limit.limited == 1
    await bot.send_message(USER + 1, "another chat is not held back")
    fake.advance(1.0)
    await bot.send_message(USER, "3")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "4")
    await fake.sleep(5.0)  # refills up to the burst, no more
    for i in range(3):
        await bot.send_message(USER, f"{5 + i}")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "8")
    assert fake.sent_texts(USER) == ["0", "1", "2", "3", "5", "6", "7"]


async def test_the_limit_per_chat_can_be_switched_off(fake: FakeTelegram, bot: Bot) -> None:
    fake.chat_limit = None
    for i in range(20):
        await bot.send_message(USER, f"{i}")
    assert len(fake.sent_messages(USER)) == 20


async def test_the_fake_counts_time_on_the_clock_it_is_given() -> None:
    now = [1000.0]
    async with FakeTelegram(clock=lambda: now[0]) as fake:
        fake.declare_chat(USER)
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            for i in range(3):
                await bot.send_message(USER, f"{i}")
            with pytest.raises(RetryAfter):
                await bot.send_message(USER, "3")
            now[0] += 2  # the test's clock moved (the delivery worker slept)
            await bot.send_message(USER, "3")
            assert fake.now() == 1002.0
            fake.advance(0.5)
            assert fake.now() == 1002.5


def test_the_bucket_refills_at_its_rate_and_never_above_the_burst() -> None:
    limit = ChatLimit(burst=2, per_second=0.5)
    assert [limit.take("a", 0.0), limit.take("a", 0.0), limit.take("a", 0.0)] == [None, None, 2]
    assert limit.take("a", 1.0) == 1  # half a message refilled: one more second to wait
    assert limit.take("a", 2.0) is None
    assert limit.take("b", 2.0) is None  # chats are counted apart
    assert [limit.take("a", 100.0) for _ in range(3)] == [None, None, 2]
    assert limit.take("a", 50.0) == 2  # a clock set back refills nothing
    assert limit.limited == 4


async def test_requests_are_checked_against_the_bot_api(fake: FakeTelegram) -> None:
    missing = await raw(fake, "deleteMessage", chat_id=USER)
    assert missing.status_code == 400
    assert missing.json()["description"] == "Bad Request: message_id is empty"
    typed = await raw(fake, "deleteMessage", chat_id=USER, message_id="first")
    assert typed.status_code == 400 and "Integer" in typed.json()["description"]
    polled = await raw(fake, "getUpdates", timeout=0.5)
    assert polled.status_code == 400 and "timeout" in polled.json()["description"]
    assert fake.unknown_params == []
    sent = await raw(fake, "sendMessage", chat_id=USER, text="x", disable_web_preview=True)
    assert sent.status_code == 200  # Telegram ignores a field it does not have; the fake notes it
    assert fake.unknown_params == [("sendMessage", "disable_web_preview")]


@pytest.mark.parametrize("commands", [
    [("Help", "Trợ giúp")], [("x" * 33, "dài")], [("help", " ")], [("help", "d" * 257)],
    [(f"c{i}", "x") for i in range(101)],
])  # fmt: skip
async def test_bad_command_menus_are_refused(bot: Bot, commands: list[tuple[str, str]]) -> None:
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand(c, d) for c, d in commands])


async def test_bad_chat_actions_and_callback_answers_are_refused(fake: FakeTelegram,
                                                                 bot: Bot) -> None:
    assert await bot.send_chat_action(USER, "upload_document")
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(USER, "dancing")
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query("12345")
    fake.push_callback(USER, "x")
    (update,) = await bot.get_updates()
    with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
        await update.callback_query.answer("x" * 201)
    assert await update.callback_query.answer("x" * 200)


async def test_send_document_by_file_id_must_name_one_the_fake_issued(
        fake: FakeTelegram, bot: Bot) -> None:
    """A document sent by a file_id the fake never issued (or by a URL) is refused, as a
    forged one; one it issued (by an upload) is sent again without a new upload."""
    sent = await bot.send_document(USER, b"%PDF-1.4", filename="a.pdf")
    again = await bot.send_document(USER, sent.document.file_id)
    assert again.document.file_id == sent.document.file_id
    for forged in ("DOC999", "https://example.org/a.pdf"):
        with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
            await bot.send_document(USER, forged)
    uploads = [c for c in fake.calls_to("sendDocument")
               if isinstance(c.params["document"], UploadedFile)]
    assert len(uploads) == 1
