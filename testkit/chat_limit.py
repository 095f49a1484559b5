"""Telegram's limit on messages to one chat: a short burst, then about one a second.

Telegram asks bots not to send more than about one message per second to one chat, and
answers 429 with ``retry_after`` (whole seconds) when they do; a short burst goes through.
The fake models it as a token bucket per chat on the fake's clock: ``burst`` messages at
once, then one every ``1 / per_second`` seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class ChatLimit:
    """A token bucket per chat: ``burst`` messages at once, refilled ``per_second``."""

    burst: int = 3
    per_second: float = 1.0
    limited: int = 0  # how many messages it refused
    _buckets: dict[object, tuple[float, float]] = field(default_factory=dict, repr=False)

    def take(self, chat: object, now: float) -> int | None:
        """Count one message to ``chat`` at ``now`` (seconds); return None when it may go,
        else the whole seconds to wait before the next one will."""
        tokens, at = self._buckets.get(chat, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + max(0.0, now - at) * self.per_second)
        if tokens >= 1.0:
            self._buckets[chat] = (tokens - 1.0, now)
            return None
        self._buckets[chat] = (tokens, now)
        self.limited += 1
        return max(1, math.ceil((1.0 - tokens) / self.per_second))
