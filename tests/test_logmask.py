"""The log mask: no configured token or webhook secret, of any channel, in any log record.

Records are checked as handlers get them (pytest's capture handler formats them as the
bot's own handler does): the message with its arguments, the exception's text and
traceback, the stack, and URL-encoded forms; and a real library error that quotes the
token (python-telegram-bot's InvalidToken, httpx's request log) against the fake server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import InvalidToken

from bot import logmask
from bot.config import Config
from testkit.fake_telegram import FakeTelegram
from tests.conftest import make_config

TELEGRAM = "123456:AAH-telegram-SECRET_token"
ZALO = "zalo-SECRET-token-0099"
TG_HOOK = "tg-hook-secret_42"
ZALO_HOOK = "zalo-hook-secret-77"
SECRETS = (TELEGRAM, ZALO, TG_HOOK, ZALO_HOOK)
log = logging.getLogger("tests.logmask")


@pytest.fixture
def masked(tmp_path: Path) -> Iterator[Config]:
    """Install the mask for a config holding a secret in every channel; remove it after."""
    config = make_config(
        tmp_path, telegram={"token": TELEGRAM, "webhook": {"secret_token": TG_HOOK}},
        zalo={"token": ZALO, "webhook": {"secret_token": ZALO_HOOK}})
    previous = logging.getLogRecordFactory()
    logmask.install(config)
    try:
        yield config
    finally:
        logging.setLogRecordFactory(previous)


def test_every_channel_secret_is_known(masked: Config) -> None:
    assert sorted(logmask.secrets_of(masked)) == sorted(SECRETS)


@pytest.mark.parametrize("secret", SECRETS)
def test_secrets_are_masked_in_message_args_exception_and_stack(
    masked: Config, caplog: pytest.LogCaptureFixture, secret: str
) -> None:
    caplog.set_level(logging.DEBUG, logger="tests.logmask")
    log.info(f"in the message {secret}")
    log.info("in the arguments %s and %r", secret, {"token": secret})
    log.info("in a URL http://x/bot%s/getMe", secret.replace(":", "%3A"))
    try:
        raise RuntimeError(f"the token `{secret}` was rejected")
    except RuntimeError:
        log.exception("in the exception")
    log.warning("and a stack", stack_info=True)
    text = caplog.text
    assert secret not in text
    assert secret.replace(":", "%3A") not in text
    assert text.count(logmask.MASK) >= 5
    assert "RuntimeError: the token `***` was rejected" in text
    assert all(record.args in (None, ()) for record in caplog.records)


def test_ordinary_text_is_left_alone(masked: Config, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="tests.logmask")
    log.info("sent %d of %d to %s", 3, 4, "Đoàn Sở Y tế")
    assert caplog.records[0].getMessage() == "sent 3 of 4 to Đoàn Sở Y tế"


async def test_a_library_that_quotes_the_token_is_masked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "987654:WRONG-token-for-the-fake"
    config = make_config(tmp_path, telegram={"token": wrong})
    previous = logging.getLogRecordFactory()
    logmask.install(config)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="httpx")  # the command line quiets it: not here
    try:
        async with FakeTelegram() as fake:
            bot = Bot(wrong, base_url=fake.base_url)
            with pytest.raises(InvalidToken) as raised:
                await bot.initialize()
            assert wrong in str(raised.value)  # what the library would have logged
            logging.getLogger("delegate_bot").error("start failed", exc_info=raised.value)
            await bot.shutdown()
    finally:
        logging.setLogRecordFactory(previous)
    assert "getMe" in caplog.text  # httpx logged the request URL
    assert wrong not in caplog.text
    assert "The token `***` was rejected by the server." in caplog.text
