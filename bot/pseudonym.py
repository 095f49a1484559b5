"""How the logs name chat accounts: by a pseudonym, never by their platform id.

A pseudonym is a keyed hash (HMAC-SHA-256, 48 bits shown) of the platform and the account's
id, with a random key the bot keeps in its database (`meta`). The same account has the same
pseudonym in every log line and across restarts, so one person's steps can be followed; but
the log alone, without the database, does not say who it is. Logs never put a pseudonym
beside a delegate's code: what an organiser did to which delegate is in the audit log,
inside the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from storage import meta
from storage.db import Database

KEY_NAME = "log_pseudonym_key"
KEY_BYTES = 32
DIGEST_CHARS = 12


class Pseudonyms:
    """Turn chat accounts into the opaque names the logs use."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    async def load(cls, db: Database) -> Pseudonyms:
        """Return the pseudonyms keyed by the database's own secret (made on first use)."""
        return cls(bytes.fromhex(await meta.keep_first(db, KEY_NAME,
                                                     secrets.token_hex(KEY_BYTES))))

    @classmethod
    def ephemeral(cls) -> Pseudonyms:
        """Return pseudonyms with a key of this process only (no database at hand)."""
        return cls(secrets.token_bytes(KEY_BYTES))

    def account(self, platform: str, user_id: str) -> str:
        """Return the pseudonym of a platform account, e.g. "telegram-3f2a9c1b0d4e"."""
        message = f"{platform}:{user_id}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).hexdigest()[:DIGEST_CHARS]
        return f"{platform}-{digest}"

    def actor(self, actor: str) -> str:
        """Return how the logs name an audit actor: an account's pseudonym, or "cli"/"bot"."""
        platform, sep, user_id = actor.partition(":")
        return self.account(platform, user_id) if sep else actor
