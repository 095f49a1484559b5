"""Find the feature handler for an incoming message and collect its replies.

Order: a command (which ends any flow in progress), a choice by its `prefix:` data, a shared
contact or document, the sender's stored conversation step, and finally free text. Messages
of one person are handled one at a time, in order; different people in parallel.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal

from bot.clock import to_iso
from bot.context import Context, Services
from bot.model import Incoming, Reply
from storage import registrations, users
from storage.users import ChatUser

log = logging.getLogger(__name__)

Result = Reply | list[Reply] | None
Handler = Callable[[Context], Awaitable[Result]]
MAX_TEXT = 4096
START = "start"  # the command a deep link opens the bot with: `/start <payload>`


@dataclass(frozen=True)
class Command:
    """A slash command: its handler, whether only organisers (or only registered people) may
    use it, and if it is listed."""

    name: str
    handler: Handler
    organiser: bool = False
    listed: bool | Literal["registered"] = True  # "registered": listed to registered people
    registered: bool = False
    also: Callable[[Context], bool] | None = None  # who else may use an organiser command


class _KeyedLocks:
    """One lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: tuple[str, str]) -> AsyncIterator[None]:
        lock, users_ = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users_ + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users_ = self._locks[key]
            if users_ == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users_ - 1)


class Router:
    """The table of commands, choices and steps, filled by each feature's `register`."""

    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}
        self.choices: dict[str, tuple[Handler, bool]] = {}
        self.for_registered: set[str] = set()  # choice prefixes only registered people use
        self.steps: dict[str, tuple[Handler, bool]] = {}
        self.on_contact: Handler | None = None
        self.on_document: Handler | None = None
        self.on_text: Handler | None = None
        self.start_payloads: dict[str, Handler] = {}
        self._locks = _KeyedLocks()

    def command(self, name: str, handler: Handler, *, organiser: bool = False,
                listed: bool | Literal["registered"] = True, registered: bool = False,
                also: Callable[[Context], bool] | None = None) -> None:
        """Route `/name` to `handler`; organiser commands are refused to everyone else (but
        those `also` lets in, such as the check-in desk's checkers), and `registered` ones
        (about a delegate's seat) to people not registered yet, to whom they are not listed
        either (nor those `listed="registered"`)."""
        if name in self.commands:
            raise ValueError(f"command /{name} registered twice")
        self.commands[name] = Command(name, handler, organiser, listed, registered, also)

    def choice(self, prefix: str, handler: Handler, *, organiser: bool = False,
               registered: bool = False) -> None:
        """Route choices whose data is `prefix:payload` to `handler` (organisers' if marked;
        registered people's only if `registered`)."""
        if prefix in self.choices or ":" in prefix:
            raise ValueError(f"bad or duplicate choice prefix {prefix!r}")
        self.choices[prefix] = (handler, organiser)
        if registered:
            self.for_registered.add(prefix)

    def step(self, name: str, handler: Handler, *, organiser: bool = False) -> None:
        """Route the next message of a person whose stored step is `name` to `handler`
        (organisers' steps end, refused, for anyone who is no longer one)."""
        if name in self.steps:
            raise ValueError(f"step {name!r} registered twice")
        self.steps[name] = (handler, organiser)

    def start_payload(self, prefix: str, handler: Handler) -> None:
        """Route `/start <prefix>...` (a deep link's payload, a scanned QR code) to `handler`,
        before /start's own handler sees it; the handler checks who may use it."""
        if prefix in self.start_payloads or not prefix:
            raise ValueError(f"bad or duplicate start payload prefix {prefix!r}")
        self.start_payloads[prefix] = handler

    def contact(self, handler: Handler) -> None:
        """Route shared contacts (phone numbers) to `handler`."""
        self.on_contact = handler

    def document(self, handler: Handler) -> None:
        """Route documents (files) to `handler`."""
        self.on_document = handler

    def text(self, handler: Handler) -> None:
        """Route free text that nothing else claims to `handler`."""
        self.on_text = handler

    def visible_commands(self, organiser: bool, registered: bool = True) -> list[Command]:
        """Return the listed commands a person may use, delegates' first (those about a
        delegate's seat only to a `registered` person)."""
        listed = [c for c in self.commands.values() if c.listed and (
            registered or not (c.registered or c.listed == "registered"))]
        return [c for c in listed if not c.organiser] + (
            [c for c in listed if c.organiser] if organiser else []
        )

    async def dispatch(self, services: Services, msg: Incoming) -> list[Reply]:
        """Handle one incoming message and return the replies for its sender."""
        async with self._locks.hold((msg.platform, msg.user_id)):
            user = await self._load_user(services, msg)
            ctx = Context(services, msg, user)
            result = await self._route(ctx)
        if result is None:
            return []
        return result if isinstance(result, list) else [result]

    async def _load_user(self, services: Services, msg: Incoming) -> ChatUser:
        user = await users.get(services.db, msg.platform, msg.user_id)
        seen = (msg.chat_id, msg.display_name, msg.language)
        if user is None or user.blocked_at is not None or (
            (user.chat_id, user.display_name, user.platform_language) != seen
        ):
            fresh = ChatUser(msg.platform, msg.user_id, msg.chat_id, msg.display_name,
                             platform_language=msg.language)
            await users.touch(services.db, fresh, to_iso(services.clock.now()))
            if user is None:
                return fresh
            user.chat_id, user.display_name, user.platform_language = seen
            user.blocked_at = None
        return user

    async def _route(self, ctx: Context) -> Result:
        msg = ctx.msg
        if len(msg.text) > MAX_TEXT:
            return ctx.reply("error.too_long", limit=MAX_TEXT)
        if msg.command is not None:
            return await self._command(ctx, msg.command)
        if msg.choice is not None:
            prefix, _, ctx.payload = msg.choice.partition(":")
            if prefix not in self.choices:
                return ctx.reply("error.stale_choice")
            handler, organiser = self.choices[prefix]
            if organiser and not ctx.is_organiser:
                return ctx.reply("error.organisers_only")
            if prefix in self.for_registered and not await is_registered(ctx):
                return ctx.reply("registration.not_registered")
            return await handler(ctx)
        if msg.contact is not None:
            return await self.on_contact(ctx) if self.on_contact else ctx.reply("error.no_contact")
        if msg.document is not None:
            if self.on_document:
                return await self.on_document(ctx)
            return ctx.reply("error.no_document")
        if not msg.text.strip():  # a sticker or a photo is no answer to a question
            return ctx.reply("error.unsupported")
        step = self.steps.get(ctx.user.step or "")
        if step is not None:
            handler, organiser = step
            if organiser and not ctx.is_organiser:
                await ctx.clear_step()
                return ctx.reply("error.organisers_only")
            return await handler(ctx)
        return await self.on_text(ctx) if self.on_text else ctx.reply("fallback.text")

    async def _command(self, ctx: Context, name: str) -> Result:
        if name == START and ctx.msg.args:
            for prefix, handler in self.start_payloads.items():
                if ctx.msg.args[0].startswith(prefix):
                    await ctx.clear_step()
                    return await handler(ctx)
        command = self.commands.get(name)
        if command is None:
            return ctx.reply("fallback.unknown_command", command=f"/{name}")
        if command.organiser and not ctx.is_organiser and not (
                command.also is not None and command.also(ctx)):
            log.info("refused /%s to %s", name, ctx.who)
            return ctx.reply("error.organisers_only")
        await ctx.clear_step()
        if command.registered and not await is_registered(ctx):
            return ctx.reply("registration.not_registered")
        return await command.handler(ctx)


async def is_registered(ctx: Context) -> bool:
    """Tell whether the sender's account is linked to a delegate of the roster."""
    return await registrations.delegate_id_of(ctx.db, ctx.msg.platform,
                                              ctx.msg.user_id) is not None
