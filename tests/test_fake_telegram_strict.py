"""The fake Telegram answers as strictly as Telegram: unknown chats and messages, lengths in
UTF-16 units, the Bot API's fields, and about one message a second to one chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import BadRequest, RetryAfter

from testkit.chat_limit import ChatLimit
from testkit.fake_telegram import FakeTelegram

USER = 4242
STRANGER = 777  # never wrote to the bot
# RetryAfter.retry_after warns about its future timedelta type unless PTB_TIMEDELTA is set.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A running fake on its own clock, to which USER has written before."""
    async with FakeTelegram() as server:
        server.declare_chat(USER)
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    """An initialized real telegram.Bot talking to the fake."""
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


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
    assert info.value.retry_after in (1, timedelta(seconds=1))
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
        await bot.do_api_request("sendChatAction", {"chat_id": USER, "action": "dancing"})
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query("12345")
    fake.push_callback(USER, "x")
    (update,) = await bot.get_updates()
    with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
        await update.callback_query.answer("x" * 201)
    assert await update.callback_query.answer("x" * 200)
