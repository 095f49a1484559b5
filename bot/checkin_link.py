"""The check-in payload: what a badge's or card's QR code opens the bot with.

A check-in link is the platform's deep link (`bot.channels.deep_linker`) with the payload
`ci_<token>`; `/start ci_<token>` reaches the bot when staff scan it. Invitations, badges,
cards and `roster export` all build it here, so the prefix lives in one place.
"""

from __future__ import annotations

CHECKIN_PREFIX = "ci_"


def checkin_payload(token: str) -> str:
    """The deep-link payload for a delegate's check-in token."""
    return CHECKIN_PREFIX + token


def token_from_payload(payload: str) -> str | None:
    """The check-in token a `/start` payload carries, or None when it is not a check-in."""
    if not payload.startswith(CHECKIN_PREFIX):
        return None
    token = payload[len(CHECKIN_PREFIX):]
    return token or None
