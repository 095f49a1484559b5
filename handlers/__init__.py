"""Feature handlers, one module per feature; `FEATURES` lists them all in one place.

Each module has `register(router)`. Order matters only for `fallback`, which claims free
text and so comes last. The roster and programme imports (`roster`, `agenda_import`) have no
command of their own: their files come in through `uploads`, whose `KINDS` lists every kind
of file organisers send in chat.
"""

from __future__ import annotations

from types import ModuleType

from bot.router import Router
from handlers import (
    absent,
    agenda,
    announcements,
    attendance,
    card,
    checkin,
    deliveries,
    document_notices,
    document_publish,
    documents,
    fallback,
    language,
    overview,
    printing,
    registration,
    reminders,
    replace,
    results,
    uploads,
    web,
)
from handlers import help as help_

FEATURES: tuple[ModuleType, ...] = (
    registration, agenda, reminders, results, documents, help_, language,
    uploads, overview, announcements, deliveries, printing, checkin,
    attendance, card, replace, absent, document_publish, document_notices, web,
    fallback,
)


def build_router() -> Router:
    """Return a router with every feature registered."""
    router = Router()
    for feature in FEATURES:
        feature.register(router)
    return router
