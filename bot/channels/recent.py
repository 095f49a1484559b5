"""Remember the ids of the last few thousand updates, to take a platform's retry only once.

A platform that posts to a webhook tries again when it thinks the first post failed (a slow
answer, a dropped connection), with the same message id. `RecentIds` keeps the last `size`
ids in the order first seen and forgets the oldest, so memory stays bounded however long
the bot runs.
"""

from __future__ import annotations

from collections import OrderedDict

DEFAULT_SIZE = 4096


class RecentIds:
    """The last `size` ids seen, oldest forgotten first."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        if size < 1:
            raise ValueError("RecentIds needs room for at least one id")
        self.size = size
        self._seen: OrderedDict[str, None] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """Note `key`; tell whether it was not among the last `size` ids seen."""
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._seen)
