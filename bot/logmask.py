"""Keep secrets out of the logs: every configured token and webhook secret is masked.

Installed once at start-up (`install(config)`), the mask rewrites each log record as it is
made, whoever logs it (our code, python-telegram-bot, httpx, tornado) and whatever handler
writes it: the message with its arguments filled in, the exception's text and traceback,
and the stack. A library that puts a token into an error message ("The token `...` was
rejected") or a URL (`/bot<token>/getMe`) logs `***` in its place.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from bot.config import Config

MASK = "***"
SHORTEST = 6  # a shorter "secret" would mask ordinary words; config checks keep them longer


def secrets_of(config: Config) -> list[str]:
    """Return every secret the config holds: each channel's token and webhook secret."""
    found = []
    for section in config.channels().values():
        found += [section.token, section.webhook.secret_token]
    return found


class Mask:
    """Replaces known secrets (and their URL-encoded forms) in text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms = set()
        for secret in secrets:
            if len(secret) >= SHORTEST:
                forms |= {secret, quote(secret, safe=""), quote(secret)}
        self.forms = sorted(forms, key=len, reverse=True)  # longest first: no partial masks

    def __call__(self, text: str) -> str:
        """Return `text` with every secret replaced by the mask."""
        for form in self.forms:
            if form in text:
                text = text.replace(form, MASK)
        return text


class _Factory:
    """A log-record factory that masks the records the previous factory makes."""

    def __init__(self, inner: Any, mask: Mask) -> None:
        self.inner, self.mask = inner, mask

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.inner(*args, **kwargs)
        if self.mask.forms:
            scrub(record, self.mask)
        return record


def scrub(record: logging.LogRecord, mask: Mask) -> None:
    """Mask the secrets in a record: message and arguments, exception, stack."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: leave it to the handler to report
        message = str(record.msg)
    record.msg, record.args = mask(message), None
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text, record.exc_info = mask(text), None
    elif record.exc_text:
        record.exc_text = mask(record.exc_text)
    if record.stack_info:
        record.stack_info = mask(record.stack_info)


def install(config: Config) -> None:
    """Mask the config's secrets in every log record from now on (again: replace them)."""
    current = logging.getLogRecordFactory()
    inner = current.inner if isinstance(current, _Factory) else current
    logging.setLogRecordFactory(_Factory(inner, Mask(secrets_of(config))))
