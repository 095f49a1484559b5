"""The hall screen's changing code: an HMAC of the 30-second period and a per-event secret.

`delegate-bot checkin screen` shows a QR code of `/start hall_<code>` (and the code itself,
for platforms without deep links: `/checkin <code>`). The code of the period shown now and of
the one just before are taken, so a delegate scanning as it changes is not refused; a code
two periods old or older is refused, so a photo sent to someone at home does not work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from storage import meta
from storage.db import Database

PERIOD_SECONDS = 30
MAX_AGE = 1  # periods: the current code and the previous one are good
HALL_PREFIX = "hall_"
CODE_LENGTH = 8  # base32 characters: 40 bits
SECRET_KEY = "hall_secret"


def period(now: datetime) -> int:
    """Return the number of the 30-second period `now` falls in."""
    return int(now.timestamp()) // PERIOD_SECONDS


def code(secret: bytes, counter: int) -> str:
    """Return the code of one period."""
    digest = hmac.new(secret, counter.to_bytes(8, "big", signed=True), hashlib.sha256).digest()
    return base64.b32encode(digest)[:CODE_LENGTH].decode()


def normalise(text: str) -> str:
    """Return a typed code as it is compared: upper case, no spaces or dashes."""
    return "".join(c for c in text.upper() if c not in " -")


def is_valid(secret: bytes, given: str, now: datetime) -> bool:
    """Tell whether `given` is the code of the current period or of the one just before."""
    wanted = normalise(given).encode()
    current = period(now)
    return any(hmac.compare_digest(wanted, code(secret, current - age).encode())
               for age in range(MAX_AGE + 1))


def payload(secret: bytes, now: datetime) -> str:
    """Return the deep-link payload of the code shown now."""
    return HALL_PREFIX + code(secret, period(now))


async def event_secret(db: Database) -> bytes:
    """Return the event's secret for hall codes, made on first use and kept in the database."""
    return bytes.fromhex(await meta.keep_first(db, SECRET_KEY, secrets.token_hex(32)))
