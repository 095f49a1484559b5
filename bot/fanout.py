"""One fan-out for everything that goes to many people, and the one rule for their language.

Announcements, reminders, agenda change notices and result notices all go the same way: the
message is rendered once per language, then each recipient gets one outbox row (more when
the text is split at the platform's limit) keyed `<key>:<platform>:<chat id>`, so a second
attempt at the same broadcast adds nothing. The rows are returned to the broadcast's builder
and written in the broadcast's own transaction.

A person's language is the one they chose with /language, else the one their app reports
when the bot has it, else the event's. Direct replies (`Context.lang`) follow the same rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from bot.delivery import messages_for
from storage.outbox import NewMessage
from storage.registrations import Recipient

if TYPE_CHECKING:
    from bot.context import Services

Render = Callable[[str], str]


def language_for(services: Services, chosen: str | None, app: str | None) -> str:
    """Return a person's language: the one they chose, else their app's, else the event's."""
    texts = services.texts
    return (texts.supported(chosen) or texts.supported(app)
            or texts.language(services.config.event.language))


def outbox_rows(services: Services, people: Iterable[Recipient], render: Render, *,
                key: str, broadcast_id: int) -> list[NewMessage]:
    """Return the outbox rows of one message to each recipient, in their language; `render`
    is called once per language."""
    texts: dict[str, str] = {}
    rows: list[NewMessage] = []
    for person in people:
        language = language_for(services, person.language, person.platform_language)
        if language not in texts:
            texts[language] = render(language)
        rows += messages_for(f"{key}:{person.platform}:{person.chat_id}", person.platform,
                             person.chat_id, texts[language], delegate_id=person.delegate_id,
                             broadcast_id=broadcast_id)
    return rows
