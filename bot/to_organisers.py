"""A notice to every organiser through the outbox, each in their own language.

Organisers are platform user ids from the config; one who never wrote to the bot has no chat
the bot can write to and is left out. The notice is a broadcast whose rows are built in the
transaction of whatever it reports (a reported absence, ...), so it is neither lost nor sent
twice (`storage.broadcasts.queue_in`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.context import Services
from bot.delivery import messages_for
from bot.fanout import language_for
from storage import users
from storage.broadcasts import NewBroadcast
from storage.outbox import NewMessage


@dataclass(frozen=True, slots=True)
class Organiser:
    """An organiser's chat the bot can write to, and their language."""

    platform: str
    chat_id: str
    language: str


async def reachable(services: Services) -> list[Organiser]:
    """Return the organisers who wrote to the bot at least once, in a stable order."""
    found = []
    for platform, ids in sorted(services.organisers.items()):
        for user_id in sorted(ids):
            person = await users.get(services.db, platform, user_id)
            if person is None or person.blocked_at is not None:
                continue
            found.append(Organiser(platform, person.chat_id, language_for(
                services, person.language, person.platform_language)))
    return found


def notice(services: Services, people: list[Organiser], kind: str, body: str, actor: str,
           render: Callable[[str], str]) -> NewBroadcast | None:
    """Return the broadcast of one notice to `people` (None when nobody can be told);
    `render` gives its text in a language."""
    if not people:
        return None
    texts = {language: render(language) for language in {p.language for p in people}}

    def build(broadcast_id: int) -> list[NewMessage]:
        rows: list[NewMessage] = []
        for person in people:
            rows += messages_for(f"o{broadcast_id}:{person.platform}:{person.chat_id}",
                                 person.platform, person.chat_id, texts[person.language],
                                 broadcast_id=broadcast_id)
        return rows

    return NewBroadcast(kind, {"type": "organisers"}, body, actor, build)
