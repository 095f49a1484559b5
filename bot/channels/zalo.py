"""The Zalo channel, over httpx, for the Zalo Bot Platform API.

Long polling (`getUpdates`: one update per call, error 408 when nothing came) or a webhook
(`setWebhook` with a secret, checked in constant time against `X-Bot-Api-Secret-Token`).
Zalo has no buttons: choices are numbered lists, answered by number or by text, and kept by
the app (a `ChoiceStore`: the channel holds no storage) so that a restart does not lose
them. Messages are plain text, split at 2,000 characters; ids are strings; dates come in
milliseconds. Updates of one person are handled in order; different people in parallel.
Only private chats are served, as on Telegram: a message from a group is never linked to
anyone; a command there gets one line saying so, anything else is ignored.
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import logging
from typing import Any

import httpx

from bot.app import App
from bot.channels import numbered, zalo_updates
from bot.channels.base import (
    Capabilities,
    ChannelSpec,
    ChoiceStore,
    PlatformUnreachable,
    TokenRejected,
)
from bot.channels.recent import RecentIds
from bot.channels.retry import RETRY_AFTER, TRANSIENT, GaveUp, Retrier, RetryPolicy, Verdict
from bot.channels.webhook import Webhook
from bot.config import Config, ZaloConfig
from bot.delivery import DeliveryError
from bot.model import Incoming, Reply, parse_command
from bot.text import ZALO_LIMIT, html_to_plain, split_html

log = logging.getLogger(__name__)

PLATFORM = "zalo"
WEBHOOK_PATH = ZaloConfig.WEBHOOK_PATH  # the path the webhook server serves (config checks it)
SECRET_HEADER = "X-Bot-Api-Secret-Token"
NOTHING_NEW = 408
REJECTED = 401  # the token (Zalo answers 401 Unauthorized, as Telegram does)
MAX_BACKOFF = 30.0

# Pictures: the Bot API has sendPhoto, by URL only (no upload: a picture the bot makes cannot
# go). Files: it has no way to send or receive a document.
DECLARED = Capabilities(buttons=False, contact_sharing=False, text_limit=ZALO_LIMIT,
                        rate=10.0, files=False, pictures=True)


def capabilities(declared: Capabilities, config: Config) -> Capabilities:
    """Return Zalo's capabilities under `config` (its rate)."""
    return dataclasses.replace(declared, rate=config.delivery.zalo_rate)


class ZaloError(Exception):
    """An error answer of the Zalo Bot API (or no usable answer at all)."""

    def __init__(self, status: int, error_code: int, description: str,
                 retry_after: float = 0.0) -> None:
        super().__init__(f"{error_code}: {description}")
        self.status, self.error_code, self.description = status, error_code, description
        self.retry_after = retry_after


def split_plain(text: str, limit: int = DECLARED.text_limit) -> list[str]:
    """Split plain text at clean boundaries into parts of at most `limit` characters."""
    return [html.unescape(part) for part in split_html(html.escape(text, quote=False), limit)]


class ZaloChannel:
    """Runs one bot account on the Zalo Bot Platform."""

    platform = PLATFORM

    def __init__(self, app: App, config: ZaloConfig, *, poll_timeout: int = 30,
                 request_timeout: float = 10.0, choices: ChoiceStore | None = None,
                 reply_retry: RetryPolicy | None = None) -> None:
        self.app = app
        self.config = config
        self.choices = choices or app.choices
        self.poll_timeout = poll_timeout
        self.request_timeout = request_timeout
        self.base = f"{config.api_base_url.rstrip('/')}/bot{config.token}"
        self.http: httpx.AsyncClient | None = None
        self.handled = 0  # updates fully handled, for monitoring and tests
        self._handled_changed = asyncio.Condition()
        self._poller: asyncio.Task[None] | None = None
        self._webhook: Webhook | None = None
        self._last: dict[str, asyncio.Task[None]] = {}  # each person's latest update task
        self._running = False
        self._recent = RecentIds()  # (sender, message id) of the updates taken lately
        # Replies survive a 429, a 5xx or a timeout (bounded); tests replace its `sleep`.
        self.replies = Retrier(_retryable, reply_retry)

    @classmethod
    def from_config(cls, app: App, config: Config) -> ZaloChannel:
        """Build the channel of the [zalo] section."""
        return cls(app, config.zalo)

    @property
    def capabilities(self) -> Capabilities:
        """Return what Zalo can do under the app's config."""
        return capabilities(DECLARED, self.app.services.config)

    async def call(self, method: str, **params: Any) -> Any:
        """Call a Bot API method; return its result or raise ZaloError."""
        assert self.http is not None, "the channel is not started"
        timeout = self.request_timeout + float(params.get("timeout", 0))
        response = await self.http.post(f"{self.base}/{method}", json=params, timeout=timeout)
        try:
            body = response.json()
        except ValueError:
            raise ZaloError(response.status_code, response.status_code,
                            "not a JSON answer") from None
        if isinstance(body, dict) and body.get("ok"):
            return body.get("result")
        body = body if isinstance(body, dict) else {}
        raise ZaloError(response.status_code,
                        _number(body.get("error_code"), response.status_code),
                        str(body.get("description") or ""),
                        _number(response.headers.get("Retry-After"), 0))

    async def start(self) -> None:
        """Check the token, then start polling or the webhook server.

        Raise TokenRejected when Zalo refuses the token, PlatformUnreachable when it cannot
        be reached or cannot serve now (the caller may stop and try again)."""
        self.http = httpx.AsyncClient()
        self._running = True
        try:
            me = await self.call("getMe")
        except ZaloError as exc:
            if REJECTED in (exc.status, exc.error_code):
                raise TokenRejected(PLATFORM) from None
            if exc.status >= 500 or exc.status == 429 or exc.error_code == 429:
                raise PlatformUnreachable(PLATFORM, f"{exc.status} {exc.description}",
                                          exc.retry_after) from None
            raise
        except httpx.TransportError as exc:  # no network, no answer in time
            raise PlatformUnreachable(PLATFORM, type(exc).__name__) from None
        log.info("zalo bot %s is up", zalo_updates.bot_name(me))
        if self.config.mode == "webhook":
            # Served by the bot's web server (bot/channels/webhook.py: the secret is checked
            # and the body capped before it is read; 503 once the channel stops), then
            # announced to Zalo.
            hook = self.config.webhook
            self._webhook = Webhook(WEBHOOK_PATH, hook.secret_token, SECRET_HEADER,
                                    self._take_posted, accepting=lambda: self.accepting)
            await self.app.web.attach(self._webhook, hook.listen, hook.port)
            await self.call("setWebhook", url=hook.url, secret_token=hook.secret_token)
        else:
            try:
                await self.call("deleteWebhook")
            except ZaloError as exc:
                log.debug("deleteWebhook: %s", exc)
            self._poller = asyncio.create_task(self._poll())

    @property
    def accepting(self) -> bool:
        """Tell whether the channel takes updates (started and not stopped)."""
        return self._running

    async def stop(self) -> None:
        """Stop receiving (updates posted from now on are refused), let the updates in
        flight finish, close the connection."""
        self._running = False
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        if self._webhook is not None:
            await self.app.web.detach(self._webhook)  # kept-alive connections close too
            self._webhook = None
        await asyncio.gather(*self._last.values(), return_exceptions=True)
        if self.http is not None:
            await self.http.aclose()

    async def _poll(self) -> None:
        backoff = 1.0
        while self._running:
            try:
                update = await self.call("getUpdates", timeout=self.poll_timeout)
            except ZaloError as exc:
                if exc.error_code == NOTHING_NEW:
                    continue
                log.warning("zalo getUpdates failed: %s", exc)
            except httpx.HTTPError as exc:
                log.warning("zalo getUpdates failed: %s", type(exc).__name__)
            except Exception:  # polling must go on whatever one answer holds
                log.exception("zalo getUpdates answer could not be used")
            else:
                backoff = 1.0
                for item in update if isinstance(update, list) else [update]:
                    if isinstance(item, dict):
                        self.dispatch(item)
                continue
            await asyncio.sleep(backoff)
            backoff = min(MAX_BACKOFF, backoff * 2)

    async def _take_posted(self, update: Any) -> bool:
        """Take an update posted to the webhook (the platform may wrap it in "result")."""
        if isinstance(update, dict) and isinstance(update.get("result"), dict):
            update = update["result"]  # the platform wraps it: {"ok": true, "result": {...}}
        if isinstance(update, dict):
            self.dispatch(update)
        return True

    def dispatch(self, update: dict[str, Any]) -> bool:
        """Handle an update in the background, after the same person's earlier ones.

        Return False when it is not taken: the channel has stopped, or the platform sent
        this message again (a webhook retry: same sender, same message id).
        """
        if not self._running:
            log.info("a zalo update came after stop: ignored")
            return False
        key = zalo_updates.message_key(update)
        if key and not self._recent.first_time(key):
            log.info("a zalo message came again: handled once")
            return False
        sender = str(_field(_field(update, "message"), "from").get("id", ""))
        previous = self._last.get(sender)
        task = asyncio.create_task(self._handle(update, previous))
        self._last[sender] = task
        task.add_done_callback(lambda done: self._forget(sender, done))
        return True

    def _forget(self, sender: str, task: asyncio.Task[None]) -> None:
        if self._last.get(sender) is task:
            del self._last[sender]

    async def _handle(self, update: dict[str, Any], previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        try:
            read = zalo_updates.parse_update(update)
            if read is not None and not read.is_bot and not zalo_updates.is_private(read):
                await self._private_only(read)
                return
            msg = await self.to_incoming(update)
            if msg is not None:
                for reply in await self.app.handle(msg):
                    await self._reply(msg, reply)
        except GaveUp:
            pass  # Zalo kept refusing the reply: logged in one line, an apology would fail
        except Exception:
            log.exception("error handling a zalo update (%s)", update.get("event_name"))
            await self._apologise(update)
        finally:
            async with self._handled_changed:
                self.handled += 1
                self._handled_changed.notify_all()

    async def wait_handled(self, count: int) -> None:
        """Wait until `count` updates have been handled in all (replies sent)."""
        async with self._handled_changed:
            await self._handled_changed.wait_for(lambda: self.handled >= count)

    async def to_incoming(self, update: dict[str, Any]) -> Incoming | None:
        """Turn a private message into an Incoming; None for what the bot does not read
        (anything from a bot, or from a group or any chat that is not private)."""
        read = zalo_updates.parse_update(update)
        if read is None or read.is_bot or not zalo_updates.is_private(read):
            return None
        user_id, chat_id, name, text = read.user_id, read.chat_id, read.name, read.text
        command, args = parse_command(text)
        if command is not None:
            return Incoming(PLATFORM, user_id, chat_id, name, None, text, command, args)
        offered = await self.choices.offered(PLATFORM, user_id)
        chosen = numbered.match(text, offered) if text and offered else None
        if chosen is not None:
            return Incoming(PLATFORM, user_id, chat_id, name, None, text, choice=chosen.data)
        return Incoming(PLATFORM, user_id, chat_id, name, None, text)

    async def _private_only(self, read: zalo_updates.ZaloMessage) -> None:
        """Answer a command sent in a group with one line saying the bot works in private
        chats; ignore everything else said there. Nothing is linked or remembered."""
        log.debug("zalo message in a %s chat ignored", read.chat_type or "non-private")
        command, _ = parse_command(read.text)
        if command is not None:
            text = html_to_plain(self.app.texts.t(None, "error.private_only"))
            await self._send_text(read.chat_id, text)

    async def _reply(self, msg: Incoming, reply: Reply) -> None:
        language = await self.choices.language(PLATFORM, msg.user_id)
        await self.choices.offer(PLATFORM, msg.user_id,
                                 [(c.label, c.data) for c in reply.choices])
        await self._send_text(msg.chat_id, numbered.render(reply, self.app.texts, language))

    async def _send_text(self, chat_id: str, text: str, *, retried: bool = True) -> str:
        """Send plain text in parts; each part retried unless the outbox retries it."""
        message_id = ""
        for part in split_plain(text):
            def send(part: str = part) -> Any:
                return self.call("sendMessage", chat_id=chat_id, text=part)

            result = await (self.replies.run(send, "zalo sendMessage") if retried else send())
            message_id = str((result or {}).get("message_id", ""))
        return message_id

    async def _apologise(self, update: dict[str, Any]) -> None:
        chat = _field(_field(update, "message"), "chat").get("id")
        if not chat:
            return
        try:
            await self._send_text(str(chat), html_to_plain(self.app.texts.t(None,
                                                                            "error.internal")))
        except (ZaloError, httpx.HTTPError) as exc:
            log.warning("could not tell the zalo user about the error: %s", exc)
        except GaveUp:
            pass  # logged

    async def send(self, platform: str, chat_id: str, reply: Reply) -> None:
        """Send a reply to a chat now (choices numbered)."""
        await self._send_text(chat_id, numbered.render(reply, self.app.texts, None))

    async def deliver(self, chat_id: str, text: str) -> str:
        """Send one outbox message as plain text; raise DeliveryError when it fails."""
        try:
            return await self._send_text(chat_id, html_to_plain(text), retried=False)
        except ZaloError as exc:
            reason = f"{exc.error_code}: {exc.description}"
            if exc.error_code == 429 or exc.status == 429:
                raise DeliveryError(DeliveryError.RETRY_AFTER, reason,
                                    exc.retry_after or 1.0) from exc
            if exc.error_code == 403 or exc.status == 403:
                raise DeliveryError(DeliveryError.BLOCKED, reason) from exc
            if exc.status >= 500 or exc.error_code >= 500:
                raise DeliveryError(DeliveryError.TRANSIENT, reason) from exc
            raise DeliveryError(DeliveryError.REJECTED, reason) from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(DeliveryError.TRANSIENT, type(exc).__name__) from exc

    async def edit(self, chat_id: str, message_id: str, text: str) -> None:
        """Zalo cannot edit a sent message: progress is not shown, the final summary is."""


def _number(value: object, default: int) -> int:
    """Read an integer the platform sent (an error code, Retry-After seconds), or `default`."""
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def _retryable(exc: BaseException) -> Verdict | None:
    """Return how a failed reply may be retried (a 429, a 5xx, a timeout); else None."""
    if isinstance(exc, ZaloError):
        reason = f"{exc.error_code}: {exc.description}"
        if 429 in (exc.error_code, exc.status):
            return Verdict(RETRY_AFTER, exc.retry_after or 1.0, reason)
        if exc.status >= 500 or exc.error_code >= 500:
            return Verdict(TRANSIENT, reason=reason)
        return None
    if isinstance(exc, httpx.TransportError):  # timeouts, refused or dropped connections
        return Verdict(TRANSIENT, reason=type(exc).__name__)
    return None


def _field(value: object, key: str) -> dict[str, Any]:
    """Return value[key] when both are JSON objects, else an empty one (malformed updates)."""
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, dict) else {}


SPEC = ChannelSpec(PLATFORM, DECLARED, capabilities, ZaloChannel.from_config)
