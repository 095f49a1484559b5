"""What a feature handler gets: the application's services and the message being handled."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot import channels as registry
from bot.channels.base import Capabilities, Channel
from bot.clock import Clock
from bot.config import Config
from bot.fanout import language_for
from bot.i18n import Markup, Translator
from bot.localtime import LocalDates
from bot.model import Choice, Incoming, Reply
from bot.pseudonym import Pseudonyms
from storage import users
from storage.db import Database
from storage.users import ChatUser

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.router import Router

Sender = Callable[[str, str, Reply], Awaitable[None]]


async def _nothing() -> None:
    return None


@dataclass
class Services:
    """Long-lived parts of the application, shared by every handler."""

    db: Database
    config: Config
    texts: Translator
    clock: Clock
    router: Router
    organisers: dict[str, set[str]] = field(default_factory=dict)
    senders: dict[str, Sender] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    wake_delivery: Callable[[], None] = lambda: None
    reschedule: Callable[[], Awaitable[None]] = field(default=_nothing)
    pseudonyms: Pseudonyms = field(default_factory=Pseudonyms.ephemeral)

    def dates(self) -> LocalDates:
        """Write dates and times in the event's zone, as seen now."""
        return LocalDates.at(self.config.event.tz, self.clock.now())

    def attach(self, channel: Channel) -> None:
        """Send on the channel's platform through it, and take its capabilities from it."""
        self.channels[channel.platform] = channel
        self.senders[channel.platform] = channel.send

    def capabilities(self, platform: str) -> Capabilities:
        """Return what `platform` can do: its running channel's word, else its declaration
        under this config (a command-line run has no channel running)."""
        channel = self.channels.get(platform)
        if channel is not None:
            return channel.capabilities
        return registry.spec(platform).capabilities(self.config)

    def is_organiser(self, platform: str, user_id: str) -> bool:
        """Tell whether this platform account belongs to an organiser."""
        return user_id in self.organisers.get(platform, set())

    async def send(self, platform: str, chat_id: str, reply: Reply) -> bool:
        """Send a message now to a chat on a platform; False if it could not go (the person
        blocked the bot, the platform is down, the channel is not running): logged, and the
        handler goes on."""
        sender = self.senders.get(platform)
        if sender is None:
            return False
        try:
            await sender(platform, chat_id, reply)
        except Exception as exc:
            log.warning("could not send to a %s chat: %s", platform, type(exc).__name__)
            return False
        return True


@dataclass
class Context:
    """One message being handled: who sent it, in which language, and the services."""

    services: Services
    msg: Incoming
    user: ChatUser
    payload: str = ""

    @property
    def db(self) -> Database:
        """Return the database."""
        return self.services.db

    @property
    def lang(self) -> str:
        """Return the language to answer in: chosen, else the app's, else the event's."""
        return language_for(self.services, self.user.language, self.msg.language)

    @property
    def actor(self) -> str:
        """Return how the audit log names the sender: "platform:user_id"."""
        return f"{self.msg.platform}:{self.msg.user_id}"

    @property
    def who(self) -> str:
        """Return how the logs name the sender: a pseudonym, never the platform id."""
        return self.services.pseudonyms.account(self.msg.platform, self.msg.user_id)

    @property
    def capabilities(self) -> Capabilities:
        """Return what the sender's platform can do (buttons, contact sharing, ...)."""
        return self.services.capabilities(self.msg.platform)

    @property
    def is_organiser(self) -> bool:
        """Tell whether the sender is an organiser."""
        return self.services.is_organiser(self.msg.platform, self.msg.user_id)

    def t(self, key: str, /, **params: object) -> Markup:
        """Return a text in the sender's language."""
        return self.services.texts.t(self.lang, key, **params)

    def reply(self, key: str, /, **params: object) -> Reply:
        """Return a Reply holding one text in the sender's language."""
        return Reply(self.t(key, **params))

    def choice(self, key: str, data: str, /, **params: object) -> Choice:
        """Return a button whose label is a text (plain, not HTML) in the sender's language."""
        return Choice(html.unescape(self.t(key, **params)), data)

    async def set_step(self, step: str, data: dict[str, Any] | None = None) -> None:
        """Remember that the sender's next message belongs to `step` (no write when the
        account, as loaded for this message, is at that step with that data already)."""
        data = dict(data or {})
        if (self.user.step, self.user.step_data) == (step, data):
            return
        self.user.step, self.user.step_data = step, data
        await users.set_step(self.db, self.msg.platform, self.msg.user_id, step, data)

    async def clear_step(self) -> None:
        """Forget the sender's conversation step."""
        if self.user.step is not None:
            self.user.step, self.user.step_data = None, {}
            await users.set_step(self.db, self.msg.platform, self.msg.user_id, None, None)
