"""The Telegram channel end to end: the real Application against the fake Bot API server."""

from __future__ import annotations

import logging
import re
import socket
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FixedClock
from bot.config import Config
from bot.context import Context
from bot.model import Reply
from testkit.fake_telegram import FakeTelegram, html_to_text
from testkit.telegram_harness import TelegramChat, buttons, start_channel
from tests.conftest import DELEGATE_ID, ORGANISER_ID, make_config


async def test_start_welcomes_in_vietnamese_html(tg: TelegramChat) -> None:
    messages = await tg.send(DELEGATE_ID, "/start", first_name="Trần <Bình> & Co")
    assert messages[0]["parse_mode"] == "HTML"
    assert "Xin chào Trần &lt;Bình&gt; &amp; Co!" in messages[0]["text"]
    assert "<b>Đại hội thử nghiệm</b>" in messages[0]["text"]


async def test_help_lists_organiser_commands_only_to_organisers(tg: TelegramChat) -> None:
    (delegate,) = await tg.texts(DELEGATE_ID, "/help")
    (organiser,) = await tg.texts(ORGANISER_ID, "/help")
    assert "/agenda" in delegate and "/registrations" not in delegate
    assert "/registrations" in organiser
    # Neither is registered as a delegate: what is about one's seat is not listed.
    assert not any(c in text for c in ("/me", "/forget", "/reminders")
                   for text in (delegate, organiser))
    assert "Dành cho Ban Tổ chức" in organiser


async def test_language_choice_by_button_is_remembered(
    tg: TelegramChat, fake: FakeTelegram, config: Config, clock: FixedClock
) -> None:
    (ask,) = await tg.send(DELEGATE_ID, "/language")
    assert buttons(ask) == [("Tiếng Việt", "lang:vi"), ("English", "lang:en")]
    (done,) = await tg.press(DELEGATE_ID, "lang:en")
    assert done["text"] == "Switched to English."
    assert len(fake.calls_to("answerCallbackQuery")) == 1
    removed = fake.calls_to("editMessageReplyMarkup")[-1].params
    assert removed["chat_id"] == DELEGATE_ID and "reply_markup" not in removed
    (help_,) = await tg.texts(DELEGATE_ID, "/help")
    assert help_.startswith("<b>Commands you can use</b>")
    # A new process on the same database still answers in English.
    await tg.channel.stop()
    again = await App.open(config, clock=clock)
    try:
        channel = await start_channel(again, fake)
        try:
            (text,) = await TelegramChat(fake, channel).texts(DELEGATE_ID, "/help")
            assert text.startswith("<b>Commands you can use</b>")
        finally:
            await channel.stop()
    finally:
        await again.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/nosuch", "Tôi không biết lệnh /nosuch."),
        ("/help@delegate_test_bot junk * _ args", "<b>Các lệnh bạn có thể dùng</b>"),
        ("/language xx yy", "Tôi chưa hỗ trợ ngôn ngữ «xx»"),
        ("x" * 10_000, "Tin nhắn quá dài (tối đa 4096 ký tự)"),
        # Not registered yet, and no invite code: how to register.
        ("<b>&amp; *bold* _it_ 🎉 שלום مرحبا", "Để đăng ký, hãy gửi <b>mã mời</b>"),
        ("/", "Để đăng ký, hãy gửi <b>mã mời</b>"),
    ],
)
async def test_bad_input_gets_a_clear_answer(tg: TelegramChat, text: str, expected: str) -> None:
    (answer,) = await tg.texts(DELEGATE_ID, text)
    assert expected in answer


async def test_unsupported_updates_are_answered_or_ignored(
    tg: TelegramChat, fake: FakeTelegram
) -> None:
    (sticker,) = await tg.push(DELEGATE_ID, lambda: fake.push_sticker(DELEGATE_ID))
    assert "chỉ đọc được tin nhắn chữ" in sticker["text"]
    (photo,) = await tg.push(DELEGATE_ID, lambda: fake.push_photo(DELEGATE_ID))
    assert "chỉ đọc được tin nhắn chữ" in photo["text"]
    fake.push_new_chat_members(-100500, DELEGATE_ID)
    fake.push_text(DELEGATE_ID, "/help", edited=True)
    fake.push_text(DELEGATE_ID, "/help", chat_id=-100500, chat_type="group")
    (after,) = await tg.texts(DELEGATE_ID, "/help")  # handled in order after the others
    assert "Các lệnh" in after
    assert fake.sent_messages(-100500) == []
    assert len(fake.sent_messages(DELEGATE_ID)) == 3


async def test_command_menus_in_both_languages_and_for_organisers(
    tg: TelegramChat, fake: FakeTelegram
) -> None:
    calls = fake.calls_to("setMyCommands")
    by_language = {c.params.get("language_code"): c.params for c in calls
                   if "language_code" in c.params}
    assert {"vi", "en"} <= set(by_language)
    vi_names = [c["command"] for c in by_language["vi"]["commands"]]
    assert "start" in vi_names and "registrations" not in vi_names
    assert by_language["en"]["commands"][0]["description"] == "introduction and getting started"
    scoped = [c.params for c in calls if c.params.get("scope", {}).get("type") == "chat"]
    assert scoped and scoped[0]["scope"]["chat_id"] == ORGANISER_ID
    assert "registrations" in [c["command"] for c in scoped[0]["commands"]]


async def test_failing_command_menu_is_logged_not_fatal(
    app: App, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_next("setMyCommands", 400, description="Bad Request: BOT_COMMAND_INVALID")
    with caplog.at_level(logging.WARNING):
        channel = await start_channel(app, fake)
    try:
        assert "could not set the command menus" in caplog.text
        (answer,) = await TelegramChat(fake, channel).texts(DELEGATE_ID, "/help")
        assert "Các lệnh" in answer
    finally:
        await channel.stop()


async def test_handler_error_is_logged_with_update_id_and_answered_politely(
    app: App, tg: TelegramChat, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(ctx: Context) -> Reply:
        raise RuntimeError("database on fire")

    app.services.router.command("boom", boom)
    with caplog.at_level(logging.ERROR):
        update_id = fake.push_text(DELEGATE_ID, "/boom")
        await fake.wait_for("sendMessage")
    assert fake.sent_texts(DELEGATE_ID)[-1].startswith("Xin lỗi, đã có lỗi")
    assert f"error handling update {update_id}" in caplog.text
    (answer,) = await tg.texts(DELEGATE_ID, "/help")  # the bot carries on
    assert "Các lệnh" in answer


async def test_long_reply_is_split_under_the_limit(tg: TelegramChat, fake: FakeTelegram,
                                                   app: App) -> None:
    paragraphs = "\n\n".join(f"<b>Mục {i}</b>: " + "nội dung " * 40 for i in range(40))
    fake.declare_chat(DELEGATE_ID)  # the delegate wrote to the bot before
    assert await app.services.send("telegram", str(DELEGATE_ID), Reply(paragraphs))
    texts = fake.sent_texts(DELEGATE_ID)
    assert len(texts) == 4
    assert all(len(t) <= 4096 + 200 for t in texts)
    assert all(t.startswith("<b>Mục") for t in texts)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_checks_the_secret_token(app: App, fake: FakeTelegram,
                                               tmp_path: Path) -> None:
    from bot.config import WebhookConfig

    port = _free_port()
    hook = WebhookConfig(url="https://bot.example.org/telegram", listen="127.0.0.1", port=port,
                         secret_token="s3cret-token_1")
    channel = await start_channel(app, fake, mode="webhook", webhook=hook)
    try:
        set_hook = fake.calls_to("setWebhook")[-1].params
        assert set_hook["url"] == "https://bot.example.org/telegram"
        assert set_hook["secret_token"] == "s3cret-token_1"
        url = f"http://127.0.0.1:{port}/telegram"
        update = {"message": {"message_id": 1, "date": 0, "text": "/help",
                              "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                              "chat": {"id": DELEGATE_ID, "type": "private"},
                              "from": {"id": DELEGATE_ID, "is_bot": False, "first_name": "A"}}}
        assert await fake.post_webhook(url, dict(update), secret_token="wrong") == 403
        assert await fake.post_webhook(url, dict(update), secret_token=None) == 403
        assert fake.sent_messages(DELEGATE_ID) == []
        assert await fake.post_webhook(url, dict(update), secret_token="s3cret-token_1") == 200
        await channel.wait_handled(1)
        assert "Các lệnh" in fake.sent_texts(DELEGATE_ID)[0]
    finally:
        await channel.stop()


async def test_a_press_counts_even_when_answering_the_callback_fails(
    tg: TelegramChat, fake: FakeTelegram
) -> None:
    """Telegram refuses to answer a query that is too old; the choice still takes effect."""
    await tg.send(DELEGATE_ID, "/language")
    fake.fail_next("answerCallbackQuery", 400,
                   description="Bad Request: query is too old and response timeout expired")
    (done,) = await tg.press(DELEGATE_ID, "lang:en")
    assert done["text"] == "Switched to English."


async def test_a_reply_in_many_parts_waits_out_the_chats_limit_on_the_injected_clock(
    tg: TelegramChat, fake: FakeTelegram, app: App
) -> None:
    """Telegram takes a burst of 3, then about one message a second, to one chat: a reply in
    six parts gets 429s, waits them out (on the fake's clock, injected), and arrives whole."""
    paragraphs = "\n\n".join(f"<b>Mục {i}</b>: " + "nội dung " * 40 for i in range(60))
    fake.declare_chat(DELEGATE_ID)
    assert fake.chat_limit is not None
    before = fake.now()
    assert await app.services.send("telegram", str(DELEGATE_ID), Reply(paragraphs))
    texts = fake.sent_texts(DELEGATE_ID)
    assert len(texts) == 6 and all(t.startswith("<b>Mục") for t in texts)
    squashed = re.sub(r"\s+", "", "".join(html_to_text(t) for t in texts))
    assert squashed == re.sub(r"\s+", "", html_to_text(paragraphs))  # whole, in order
    assert fake.chat_limit.limited >= 1
    assert [c.status for c in fake.calls_to("sendMessage")].count(429) == fake.chat_limit.limited
    assert fake.now() - before >= 3  # the three parts after the burst each waited a second


async def test_an_organiser_who_never_wrote_does_not_stop_the_other_menus(
    tmp_path: Path, clock: FixedClock, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram knows no chat of a person who never wrote to the bot: that organiser's menu
    waits, and the menus of the others are set all the same."""
    config = make_config(tmp_path, organisers={"telegram": [9002, ORGANISER_ID]})
    fake.declare_chat(ORGANISER_ID)
    app = await App.open(config, clock=clock)
    try:
        channel = await start_channel(app, fake)
        await channel.stop()
    finally:
        await app.close()
    scoped = {c.params["scope"]["chat_id"]: c.status for c in fake.calls_to("setMyCommands")
              if c.params.get("scope", {}).get("type") == "chat"}
    assert scoped == {9002: 400, ORGANISER_ID: 200}
    assert {c.params.get("language_code") for c in fake.calls_to("setMyCommands")
            if c.status == 200} >= {"vi", "en"}
    assert "could not set the command menus" not in caplog.text
