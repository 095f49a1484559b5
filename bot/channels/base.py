"""What every channel is: its declared capabilities, the protocol the app runs, its spec.

A feature never asks which platform a person writes from; it asks what that platform can do
(`Capabilities`: buttons, contact sharing, deep links, text limit, rate, files, pictures).
Each channel module in this package declares a `SPEC` (`ChannelSpec`): its capabilities
under a config, and how to build the channel from its config section.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.model import Reply

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Config

PAYLOAD = "{payload}"


class TokenRejected(Exception):
    """The platform refused the bot's token: no retry helps, the config must change."""

    def __init__(self, platform: str) -> None:
        super().__init__(f"{platform}: the platform rejected the bot's token")
        self.platform = platform


class PlatformUnreachable(Exception):
    """The platform did not answer, or cannot serve now (network down, timeout, 5xx, 429):
    starting again later may work. `reason` names what happened, never the token."""

    def __init__(self, platform: str, reason: str, retry_after: float = 0.0) -> None:
        super().__init__(f"{platform}: {reason}")
        self.platform, self.reason, self.retry_after = platform, reason, retry_after


@dataclass(frozen=True)
class Capabilities:
    """What a platform's channel can do, as features and the delivery worker see it."""

    buttons: bool  # choices as buttons (else a numbered list answered by number or text)
    contact_sharing: bool  # a person can share their own phone number with one tap
    text_limit: int  # the longest message the platform takes, in characters
    rate: float  # outbox messages per second on this platform
    files: bool  # people can send files (rosters, programmes) and the bot can send them
    pictures: bool  # the bot can send pictures
    deep_link_template: str = ""  # a link that opens the bot with a payload; "" when none
    picture_upload: bool = False  # pictures it made itself (uploads bytes; else by URL only)

    def deep_link(self, payload: str) -> str | None:
        """Return the link that opens a chat with the bot carrying `payload`, or None."""
        if not self.deep_link_template:
            return None
        return self.deep_link_template.replace(PAYLOAD, payload)


class Channel(Protocol):
    """A platform adapter: turns updates into Incoming, renders Reply, runs until stopped."""

    platform: str

    @property
    def capabilities(self) -> Capabilities:
        """Return what this channel can do (under the app's config)."""
        ...

    async def start(self) -> None:
        """Connect and start receiving updates; raise TokenRejected or PlatformUnreachable
        when the platform refuses the token or cannot be reached (after which `stop` may be
        called and `start` tried again)."""
        ...

    async def stop(self) -> None:
        """Stop receiving, finish what is in flight, disconnect."""
        ...

    async def send(self, platform: str, chat_id: str, reply: Reply) -> None:
        """Send a reply to a chat now."""
        ...

    async def deliver(self, chat_id: str, text: str) -> str:
        """Send one outbox message; return its message id; raise DeliveryError on failure."""
        ...

    async def edit(self, chat_id: str, message_id: str, text: str) -> None:
        """Replace the text of a message the bot sent; raise DeliveryError on failure."""
        ...


class ChoiceStore(Protocol):
    """What the app keeps for channels without buttons: the numbered choices last offered to
    a person (so a restart does not lose them), and the language the person chose."""

    async def offered(self, platform: str, user_id: str) -> list[tuple[str, str]]:
        """Return the (label, data) choices last offered to this account."""
        ...

    async def offer(self, platform: str, user_id: str,
                    choices: list[tuple[str, str]]) -> None:
        """Remember the choices just offered (an empty list forgets them)."""
        ...

    async def language(self, platform: str, user_id: str) -> str | None:
        """Return the language this account chose, or None."""
        ...


def as_declared(declared: Capabilities, config: Config) -> Capabilities:
    """Return the declared capabilities unchanged (nothing in the config alters them)."""
    return declared


@dataclass(frozen=True)
class ChannelSpec:
    """One platform as the app knows it, declared by its channel module as `SPEC`.

    `platform` names the config section that enables it (`[telegram] enabled = true`).
    `declared` is what the platform can do at its default rate; `configure` applies a config
    (its rate, its deep links) without running anything; `discover` may ask the platform
    what the config leaves out (a bot's username); `build` makes the channel, or is None for
    channels not started from config (the console).
    """

    platform: str
    declared: Capabilities
    configure: Callable[[Capabilities, Config], Capabilities] = as_declared
    build: Callable[[App, Config], Channel] | None = None
    discover: Callable[[Config], Awaitable[Capabilities]] | None = None

    def capabilities(self, config: Config) -> Capabilities:
        """Return what this platform can do under `config`."""
        return self.configure(self.declared, config)
