"""Direct replies survive a 429, a 5xx or a timeout, on Telegram and on Zalo (issue 11.4).

The real channels talk to the fake servers, which answer the reply's first send(s) with an
injected failure; the waits go to a recorder instead of the clock (no real sleep), so what
is checked is what the fake recorded (each call and its status), the reply that arrived,
the waits asked for, and the single log line when the platform keeps refusing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.channels.retry import GaveUp, Retrier, RetryPolicy, Verdict
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.delivery import DeliveryError
from testkit.fake_telegram import FakeTelegram
from testkit.fake_zalo import FakeZalo
from testkit.telegram_harness import TelegramChat, telegram_config
from testkit.zalo_harness import ZaloChat, start_zalo
from tests.conftest import DELEGATE_ID

HELP_VI = "<b>Các lệnh bạn có thể dùng</b>"
HELP_PLAIN = "Các lệnh bạn có thể dùng\n"
ZALO_USER = "a1b2c3d4e5"


class Waits:
    """Stands in for asyncio.sleep: notes each wait, lets other tasks run, waits no time."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        await asyncio.sleep(0)


async def telegram_channel(app: App, fake: FakeTelegram, *,
                           read_timeout: float = 5.0) -> tuple[TelegramChannel, Waits]:
    """Start a polling Telegram channel whose reply retries wait on a recorder."""
    channel = TelegramChannel(app, telegram_config(fake), poll_timeout=1,
                              read_timeout=read_timeout)
    waits = Waits()
    channel.replies.sleep = waits
    app.add_channel(channel)
    await channel.start()
    return channel, waits


def statuses(fake: FakeTelegram | FakeZalo, method: str) -> list[int]:
    """Return the HTTP status of every call of `method` the fake recorded, in order."""
    return [call.status for call in fake.calls_to(method)]


@pytest.fixture
async def zfake() -> AsyncIterator[FakeZalo]:
    """Return a running fake Zalo Bot API server on 127.0.0.1."""
    async with FakeZalo() as server:
        yield server


@pytest.fixture
async def zalo(app: App, zfake: FakeZalo) -> AsyncIterator[tuple[ZaloChat, Waits]]:
    """Return a chat driver for a polling Zalo channel whose retries wait on a recorder."""
    channel = await start_zalo(app, zfake)
    waits = Waits()
    channel.replies.sleep = waits
    try:
        yield ZaloChat(zfake, channel), waits
    finally:
        await channel.stop()


# ---------------------------------------------------------------------------- Telegram
async def test_a_429_on_the_reply_to_help_waits_retry_after_and_the_answer_arrives(
    app: App, fake: FakeTelegram
) -> None:
    channel, waits = await telegram_channel(app, fake)
    try:
        fake.fail_next("sendMessage", 429, retry_after=3)
        (answer,) = await TelegramChat(fake, channel).texts(DELEGATE_ID, "/help")
        assert answer.startswith(HELP_VI)
        assert statuses(fake, "sendMessage") == [429, 200]
        assert waits.seconds == [3.0]  # exactly what Telegram asked for
        assert fake.sent_texts(DELEGATE_ID) == [answer]  # once, not twice
    finally:
        await channel.stop()


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_5xx_on_the_reply_is_retried_after_a_back_off(
    app: App, fake: FakeTelegram, status: int
) -> None:
    channel, waits = await telegram_channel(app, fake)
    try:
        fake.fail_next("sendMessage", status, times=2)
        (answer,) = await TelegramChat(fake, channel).texts(DELEGATE_ID, "/help")
        assert answer.startswith(HELP_VI)
        assert statuses(fake, "sendMessage") == [status, status, 200]
        assert waits.seconds == [1.0, 2.0]  # doubling
    finally:
        await channel.stop()


async def test_a_timed_out_reply_is_retried(app: App, fake: FakeTelegram) -> None:
    channel, waits = await telegram_channel(app, fake, read_timeout=0.3)
    try:
        fake.hang_next("sendMessage")
        (answer,) = await TelegramChat(fake, channel).texts(DELEGATE_ID, "/help")
        assert answer.startswith(HELP_VI)
        assert statuses(fake, "sendMessage") == [0, 200]  # 0: never answered
        assert waits.seconds == [1.0]
    finally:
        await channel.stop()


async def test_a_pressed_button_survives_a_429_on_its_answer_and_its_reply(
    app: App, fake: FakeTelegram
) -> None:
    channel, waits = await telegram_channel(app, fake)
    try:
        chat = TelegramChat(fake, channel)
        await chat.send(DELEGATE_ID, "/language")
        fake.fail_next("answerCallbackQuery", 429, retry_after=1)
        fake.fail_next("sendMessage", 429, retry_after=2)
        (done,) = await chat.press(DELEGATE_ID, "lang:en")
        assert done["text"] == "Switched to English."
        assert statuses(fake, "answerCallbackQuery") == [429, 200]
        assert waits.seconds == [1.0, 2.0]
    finally:
        await channel.stop()


async def test_after_the_bound_one_line_is_logged_and_the_bot_goes_on(
    app: App, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    channel, waits = await telegram_channel(app, fake)
    try:
        chat = TelegramChat(fake, channel)
        fake.fail_next("sendMessage", 502, times=4)
        with caplog.at_level(logging.WARNING):
            assert await chat.texts(DELEGATE_ID, "/help") == []
        assert statuses(fake, "sendMessage") == [502] * 4  # no apology tried on top
        assert waits.seconds == [1.0, 2.0, 4.0]
        lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [r.getMessage() for r in lines] == [
            "gave up telegram sendMessage after 4 tries: Bad Gateway"]
        assert lines[0].exc_info is None  # one line, no traceback
        (answer,) = await chat.texts(DELEGATE_ID, "/help")  # the next one goes through
        assert answer.startswith(HELP_VI)
    finally:
        await channel.stop()


@pytest.mark.parametrize(("status", "description"), [
    (403, "Forbidden: bot was blocked by the user"),
    (400, "Bad Request: chat not found"),
])
async def test_a_refusal_is_not_retried(
    app: App, fake: FakeTelegram, status: int, description: str
) -> None:
    channel, waits = await telegram_channel(app, fake)
    try:
        fake.fail_next("sendMessage", status, description=description)
        await TelegramChat(fake, channel).texts(DELEGATE_ID, "/help")
        assert statuses(fake, "sendMessage")[0] == status
        assert waits.seconds == []
    finally:
        await channel.stop()


async def test_a_429_asking_too_long_is_given_up_at_once(
    app: App, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    channel, waits = await telegram_channel(app, fake)
    try:
        fake.fail_next("sendMessage", 429, retry_after=3600)
        with caplog.at_level(logging.WARNING):
            assert await TelegramChat(fake, channel).texts(DELEGATE_ID, "/help") == []
        assert waits.seconds == []
        assert statuses(fake, "sendMessage") == [429]
        assert "gave up telegram sendMessage after 1 tries" in caplog.text
    finally:
        await channel.stop()


async def test_the_outbox_bot_is_left_to_the_delivery_worker(
    app: App, fake: FakeTelegram
) -> None:
    """The worker paces and retries outbox sends itself: the channel does not retry them."""
    channel, waits = await telegram_channel(app, fake)
    try:
        fake.fail_next("sendMessage", 429, retry_after=3)
        with pytest.raises(DeliveryError) as caught:
            await channel.deliver(str(DELEGATE_ID), "Thông báo")
        assert caught.value.kind == DeliveryError.RETRY_AFTER
        assert waits.seconds == [] and statuses(fake, "sendMessage") == [429]
    finally:
        await channel.stop()


# ---------------------------------------------------------------------------- Zalo
async def test_zalo_a_429_on_the_reply_to_help_is_retried(
    zalo: tuple[ZaloChat, Waits], zfake: FakeZalo
) -> None:
    chat, waits = zalo
    zfake.fail_next("sendMessage", 429, retry_after=2)
    (answer,) = await chat.send(ZALO_USER, "/help")
    assert answer.startswith(HELP_PLAIN)
    assert statuses(zfake, "sendMessage") == [429, 200]
    assert waits.seconds == [2.0]
    assert zfake.sent_texts(ZALO_USER) == [answer]


@pytest.mark.parametrize("status", [500, 502])
async def test_zalo_a_5xx_on_the_reply_is_retried(
    zalo: tuple[ZaloChat, Waits], zfake: FakeZalo, status: int
) -> None:
    chat, waits = zalo
    zfake.fail_next("sendMessage", status)
    (answer,) = await chat.send(ZALO_USER, "/help")
    assert answer.startswith(HELP_PLAIN)
    assert statuses(zfake, "sendMessage") == [status, 200]
    assert waits.seconds == [1.0]


async def test_zalo_a_timed_out_reply_is_retried(app: App, zfake: FakeZalo) -> None:
    channel = await start_zalo(app, zfake, request_timeout=0.3)
    waits = Waits()
    channel.replies.sleep = waits
    try:
        zfake.hang_next("sendMessage")
        (answer,) = await ZaloChat(zfake, channel).send(ZALO_USER, "/help")
        assert answer.startswith(HELP_PLAIN)
        assert waits.seconds == [1.0]
    finally:
        await channel.stop()


async def test_zalo_after_the_bound_one_line_and_no_apology(
    zalo: tuple[ZaloChat, Waits], zfake: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    chat, waits = zalo
    zfake.fail_next("sendMessage", 503, times=4)
    with caplog.at_level(logging.WARNING):
        assert await chat.send(ZALO_USER, "/help") == []
    assert statuses(zfake, "sendMessage") == [503] * 4
    assert waits.seconds == [1.0, 2.0, 4.0]
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and lines[0].exc_info is None
    assert lines[0].getMessage().startswith("gave up zalo sendMessage after 4 tries: 503")
    (answer,) = await chat.send(ZALO_USER, "/help")
    assert answer.startswith(HELP_PLAIN)


async def test_zalo_a_refusal_is_not_retried(
    zalo: tuple[ZaloChat, Waits], zfake: FakeZalo
) -> None:
    chat, waits = zalo
    zfake.fail_next("sendMessage", 403)
    await chat.send(ZALO_USER, "/help")
    assert statuses(zfake, "sendMessage")[0] == 403
    assert waits.seconds == []


async def test_zalo_outbox_sends_are_not_retried_by_the_channel(
    zalo: tuple[ZaloChat, Waits], zfake: FakeZalo
) -> None:
    chat, waits = zalo
    zfake.fail_next("sendMessage", 502)
    channel: ZaloChannel = chat.channel
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(ZALO_USER, "Thông báo")
    assert caught.value.kind == DeliveryError.TRANSIENT
    assert waits.seconds == [] and statuses(zfake, "sendMessage") == [502]


# ---------------------------------------------------------------------------- the policy
async def test_the_retrier_stops_at_its_bound_and_raises_gave_up() -> None:
    waits = Waits()
    tries = 0

    async def failing() -> None:
        nonlocal tries
        tries += 1
        raise OSError("down")

    retrier = Retrier(lambda exc: Verdict("transient", reason=str(exc)),
                      RetryPolicy(attempts=3, first_backoff=0.5, max_backoff=0.75), sleep=waits)
    with pytest.raises(GaveUp, match="down"):
        await retrier.run(failing, "a test send")
    assert tries == 3 and waits.seconds == [0.5, 0.75]


def test_a_policy_without_a_try_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one try"):
        RetryPolicy(attempts=0)
