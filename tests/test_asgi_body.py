"""Reading a raw ASGI body within a limit (the dashboard's guard and the webhooks)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from bot.asgi import ClientGone, read_body


def messages(items: Iterable[dict[str, Any]]) -> Any:
    pending = list(items)

    async def receive() -> dict[str, Any]:
        return pending.pop(0)
    return receive


async def test_chunks_are_joined_within_the_limit() -> None:
    receive = messages([{"type": "http.request", "body": b"ab", "more_body": True},
                        {"type": "http.request", "body": b"cd"}])
    assert await read_body(receive, 4) == b"abcd"


async def test_a_body_over_the_limit_is_refused_as_soon_as_it_passes() -> None:
    receive = messages([{"type": "http.request", "body": b"abc", "more_body": True},
                        {"type": "http.request", "body": b"de", "more_body": True}])
    assert await read_body(receive, 4) is None


async def test_a_client_that_leaves_midway_is_gone() -> None:
    receive = messages([{"type": "http.request", "body": b"ab", "more_body": True},
                        {"type": "http.disconnect"}])
    with pytest.raises(ClientGone):
        await read_body(receive, 10)
