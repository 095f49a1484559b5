"""Outcomes of sends not written to the database yet: written together, kept on failure.

The delivery worker notes each outcome here as its answer arrives and writes what has
gathered in one transaction; answers that arrive during a write go in the next one. When a
write fails (the database locked, full, read-only), everything stays here and the next write
tries again: nothing the platform already took is forgotten, and no restart is needed. The
rows this process sent (or gave up) are `done` meanwhile, so they do not hold back their
chat's next message.
"""

from __future__ import annotations

import asyncio

from storage import outbox, users
from storage.db import Database
from storage.outbox import Outcome


class Ledger:
    """Outcomes and 403 blocks waiting to be written, and the broadcasts they changed."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.failing = False      # the last write failed
        self.touched: set[int] = set()  # broadcasts whose rows a write changed
        self._outcomes: dict[int, tuple[Outcome, int | None]] = {}  # row id -> (, broadcast)
        self._blocks: dict[tuple[str, str], tuple[str, str]] = {}  # -> (reason, when)
        self._lock = asyncio.Lock()

    def __len__(self) -> int:
        """Return how many outcomes wait to be written."""
        return len(self._outcomes)

    @property
    def waiting(self) -> bool:
        """Tell whether anything waits to be written."""
        return bool(self._outcomes or self._blocks)

    def add(self, outcome: Outcome, broadcast_id: int | None) -> None:
        """Note what became of one claimed row."""
        self._outcomes[outcome.id] = (outcome, broadcast_id)

    def block(self, platform: str, chat_id: str, reason: str, when: str) -> None:
        """Note that a chat blocked the bot (its account and waiting rows get marked)."""
        self._blocks[platform, chat_id] = (reason, when)

    def blocked(self, platform: str, chat_id: str) -> str | None:
        """Return why a chat is blocked if that is not written yet, else None."""
        block = self._blocks.get((platform, chat_id))
        return block[0] if block else None

    def done(self) -> list[int]:
        """Return the rows sent or given up whose outcome is not written yet."""
        return [row_id for row_id, (o, _) in self._outcomes.items() if o.state != "pending"]

    async def write(self, *, unless_failing: bool = False) -> None:
        """Write everything waiting; on failure keep it and raise. With `unless_failing`,
        leave it to a later write when the last one failed."""
        async with self._lock:
            if unless_failing and self.failing:
                return
            waiting = list(self._outcomes.items())
            try:
                if waiting:
                    await outbox.record(self.db, [outcome for _, (outcome, _) in waiting])
                    for row_id, entry in waiting:
                        if self._outcomes.get(row_id) is entry:
                            del self._outcomes[row_id]
                    self.touched |= {bid for _, (_, bid) in waiting if bid is not None}
                for (platform, chat_id), (reason, when) in list(self._blocks.items()):
                    await users.mark_blocked(self.db, platform, chat_id, when)
                    self.touched |= await outbox.block_chat(self.db, platform, chat_id, reason)
                    del self._blocks[platform, chat_id]
            except BaseException:
                self.failing = True
                raise
            self.failing = False

    def take_touched(self) -> set[int]:
        """Return the broadcasts changed since the last call, and forget them."""
        touched, self.touched = self.touched, set()
        return touched
