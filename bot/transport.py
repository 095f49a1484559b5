"""What a channel offers the delivery worker: `Transport` (send, edit) and `DeliveryError`.

Channels raise `DeliveryError`, classified by what the worker should do next. `bot.delivery`
re-exports both names.
"""

from __future__ import annotations

from typing import Protocol


class DeliveryError(Exception):
    """A send that did not go through, classified for the worker."""

    RETRY_AFTER = "retry_after"   # the platform asks us to slow down
    TRANSIENT = "transient"       # timeout or server error: try again later
    BLOCKED = "blocked"           # the person blocked the bot
    REJECTED = "rejected"         # the platform refused this message: do not retry

    def __init__(self, kind: str, reason: str, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.kind, self.reason, self.retry_after = kind, reason, retry_after


class Transport(Protocol):
    """What a channel offers the worker: send and edit, raising DeliveryError."""

    platform: str

    async def deliver(self, chat_id: str, text: str) -> str:
        """Send HTML text within the platform's limit; return the message id."""
        ...

    async def edit(self, chat_id: str, message_id: str, text: str) -> None:
        """Replace the text of a message the bot sent."""
        ...
