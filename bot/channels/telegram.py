"""The Telegram channel, through python-telegram-bot's `Application`.

Private messages, shared contacts, documents and inline-button presses become `Incoming`;
replies go out as HTML (split at 4096 characters) with choices as inline keyboards. Group
messages and other update kinds are ignored; stickers and photos get a polite answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import html
import logging
import os
import warnings
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.app import App
from bot.channels import connections
from bot.channels.base import Capabilities, ChannelSpec, PlatformUnreachable, TokenRejected
from bot.channels.retry import GaveUp, RetryPolicy
from bot.channels.telegram_retry import RetryingLimiter
from bot.channels.webhook import Webhook
from bot.config import Config, TelegramConfig
from bot.delivery import DeliveryError
from bot.model import (
    Attachment,
    Contact,
    Document,
    Incoming,
    OutgoingFile,
    Reply,
    parse_command,
)
from bot.text import TELEGRAM_LIMIT, split_html

log = logging.getLogger(__name__)

# python-telegram-bot 22 is moving durations (RetryAfter.retry_after) to timedelta and warns on
# every read of the old int; opt in to the new type (the code below takes either).
os.environ.setdefault("PTB_TIMEDELTA", "true")

PLATFORM = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
POOL_SIZE = 8
POOL_TIMEOUT = 30.0
# A pause after each getUpdates answer before the next poll: under load the updates that come
# meanwhile arrive in one answer instead of one poll each (bench.updates: 0.63 -> 0.18 polls
# per update, about 450 -> 600 updates a second); an idle bot's long poll is not delayed.
POLL_PAUSE = 0.005
DEEP_LINK = "https://t.me/{username}?start={{payload}}"
CAPTION_LIMIT = 1024  # a document's or a photo's caption, in characters
FILE_WRITE_TIMEOUT = 120.0  # seconds to upload a file (a congress's invitations: megabytes)

DECLARED = Capabilities(buttons=True, contact_sharing=True, text_limit=TELEGRAM_LIMIT,
                        rate=25.0, files=True, pictures=True, picture_upload=True)


def capabilities(declared: Capabilities, config: Config, username: str = "") -> Capabilities:
    """Return Telegram's capabilities under `config`: its rate, and deep links when the bot's
    username is known (from the config, else as learnt from Telegram)."""
    username = config.telegram.bot_username or username
    return dataclasses.replace(
        declared, rate=config.delivery.telegram_rate,
        deep_link_template=DEEP_LINK.format(username=username) if username else "")


async def discover(config: Config) -> Capabilities:
    """Return the capabilities under `config`, asking Telegram for the bot's username when
    the config does not give it and a token does."""
    username = ""
    if not config.telegram.bot_username and config.telegram.token:
        base = config.telegram.api_base_url.rstrip("/")
        try:
            async with Bot(config.telegram.token, base_url=f"{base}/bot") as bot:
                username = bot.username
        except TelegramError:
            log.debug("could not ask Telegram for the bot's username")
    return capabilities(DECLARED, config, username)


def _quiet_raw_sends() -> None:
    """Silence the warning PTB gives for `do_api_request("sendMessage")` and
    `("editMessageText")` (the raw sends, chosen on purpose); every other warning stays."""
    warnings.filterwarnings(
        "ignore", message=r"Please use 'Bot\.(sendMessage|editMessageText)' instead of",
        category=PTBUserWarning, module=__name__)


# Every text goes as Telegram HTML, without link previews.
_HTML = {"parse_mode": ParseMode.HTML, "link_preview_options": {"is_disabled": True}}


def _inline_keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.choices:
        return None
    rows = [reply.choices[i:i + reply.columns] for i in range(0, len(reply.choices), reply.columns)]
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(c.label, callback_data=c.data) for c in row] for row in rows]
    )


def _upload(attachment: Attachment) -> InputFile:
    """Return a reply's attachment as a file to upload, under its name."""
    return InputFile(attachment.data, filename=attachment.file_name)


def _network_reason(exc: NetworkError) -> str:
    """Say what went wrong on the way to Telegram, in the words of the error's cause (the
    HTTP library's, which hold no URL) rather than PTB's message."""
    if isinstance(exc, TimedOut):
        return "no answer in time"
    cause = exc.__cause__ or exc.__context__
    return type(cause).__name__ if cause is not None else exc.message


def _polling_failed(exc: TelegramError) -> None:
    """Log a failed getUpdates in one line (PTB retries it, waiting longer each time up to
    30 s; its own callback would log a whole traceback each time)."""
    reason = _network_reason(exc) if isinstance(exc, NetworkError) else exc.message
    log.warning("telegram: getUpdates failed (%s); trying again", reason)


@contextlib.contextmanager
def _classified() -> Iterator[None]:
    """Turn python-telegram-bot's errors into the delivery worker's DeliveryError."""
    try:
        yield
    except RetryAfter as exc:
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        raise DeliveryError(DeliveryError.RETRY_AFTER, exc.message, seconds) from exc
    except Forbidden as exc:
        raise DeliveryError(DeliveryError.BLOCKED, exc.message) from exc
    except BadRequest as exc:
        raise DeliveryError(DeliveryError.REJECTED, exc.message) from exc
    except NetworkError as exc:  # timeouts and 5xx (BadRequest, a subclass, is caught above)
        raise DeliveryError(DeliveryError.TRANSIENT, exc.message or type(exc).__name__) from exc
    except TelegramError as exc:
        raise DeliveryError(DeliveryError.REJECTED, exc.message) from exc


class TelegramChannel:
    """Runs one bot account on Telegram, by long polling or by webhook."""

    platform = PLATFORM

    def __init__(self, app: App, config: TelegramConfig, *, read_timeout: float = 10.0,
                 poll_timeout: int = 30, outbox_connections: int | None = None,
                 reply_retry: RetryPolicy | None = None) -> None:
        _quiet_raw_sends()  # here: a test runner resets warning filters between tests
        self.app = app
        self.config = config
        self.poll_timeout = poll_timeout
        self.username = ""  # learnt at start
        self.handled = 0  # updates fully handled, for monitoring and tests
        self._handled_changed = asyncio.Condition()
        self._webhook: Webhook | None = None
        base = config.api_base_url.rstrip("/")
        # Replies, edits and button answers survive a 429, a 5xx or a timeout (bounded);
        # tests replace `self.replies.sleep`.
        limiter = RetryingLimiter(reply_retry)
        self.replies = limiter.retrier
        self.application = (
            Application.builder()
            .token(config.token)
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            .concurrent_updates(True)
            # httpcore checks every pooled connection on every request: a small pool is
            # much faster than the default 256 (bench/updates.py), waiting a bit for a slot;
            # and its connections answer that check cheaply (bot/channels/connections.py).
            .request(connections.request(POOL_SIZE, pool_timeout=POOL_TIMEOUT,
                                         read_timeout=read_timeout))
            .get_updates_request(connections.request(1, pool_timeout=1.0,
                                                     read_timeout=read_timeout + poll_timeout))
            .rate_limiter(limiter)
            .build()
        )
        # The outbox has connections of its own, so a broadcast never keeps a reply waiting
        # for one: as many as the delivery worker sends at once ([delivery] connections).
        outbox_pool = outbox_connections or app.services.config.delivery.connections
        self.outbox_bot = Bot(
            config.token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot",
            request=connections.request(outbox_pool, pool_timeout=POOL_TIMEOUT,
                                        read_timeout=read_timeout),
        )
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        self.application.add_handler(MessageHandler(private, self._on_message))
        self.application.add_handler(CallbackQueryHandler(self._on_callback))
        self.application.add_error_handler(self._on_error)

    @classmethod
    def from_config(cls, app: App, config: Config) -> TelegramChannel:
        """Build the channel of the [telegram] section."""
        return cls(app, config.telegram)

    @property
    def bot_username(self) -> str:
        """Return the bot's @username (known after start)."""
        return self.application.bot.username

    @property
    def capabilities(self) -> Capabilities:
        """Return what Telegram can do under the app's config (deep links once started)."""
        return capabilities(DECLARED, self.app.services.config, self.username)

    async def start(self) -> None:
        """Connect, publish the command menus, and start polling or the webhook server.

        Raise TokenRejected when Telegram refuses the token, PlatformUnreachable when it
        cannot be reached or cannot serve now (the caller may stop and try again)."""
        try:
            await self._start()
        except InvalidToken:
            raise TokenRejected(PLATFORM) from None
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise PlatformUnreachable(PLATFORM, "429 Too Many Requests", seconds) from None
        except NetworkError as exc:  # no network, a timeout, a 5xx (BadRequest is not here)
            if isinstance(exc, BadRequest):
                raise
            raise PlatformUnreachable(PLATFORM, _network_reason(exc)) from None

    async def _start(self) -> None:
        await self.application.initialize()
        self.username = self.application.bot.username
        await self.outbox_bot.initialize()
        await self.set_commands()
        await self.application.start()
        updater = self.application.updater
        assert updater is not None
        if self.config.mode == "webhook":
            # Served by the bot's web server rather than by PTB's Updater, whose handler
            # reads a whole body (up to 100 MB) before it looks at the secret: see
            # bot/channels/webhook.py. Served first, then announced to Telegram.
            hook = self.config.webhook
            self._webhook = Webhook(self.config.WEBHOOK_PATH, hook.secret_token, SECRET_HEADER,
                                    self._take)
            await self.app.web.attach(self._webhook, hook.listen, hook.port)
            await self.application.bot.set_webhook(
                url=hook.url, secret_token=hook.secret_token,
                allowed_updates=["message", "callback_query"])
        else:
            await updater.start_polling(
                poll_interval=POLL_PAUSE, timeout=self.poll_timeout,
                allowed_updates=["message", "callback_query"], error_callback=_polling_failed,
            )

    async def _take(self, data: Any) -> bool:
        """Queue an update posted to the webhook for the Application; False if it is none."""
        try:
            update = Update.de_json(data, self.application.bot) if isinstance(data, dict) else None
        except Exception:  # a body that is JSON but no update
            update = None
        if update is None:
            return False
        self.application.bot.insert_callback_data(update)
        await self.application.update_queue.put(update)
        return True

    async def stop(self) -> None:
        """Stop fetching updates, let handlers in flight finish, then disconnect."""
        if self._webhook is not None:
            await self.app.web.detach(self._webhook)
            self._webhook = None
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        await self.application.bot.shutdown()  # when start failed half-way, shut it as well
        await self.outbox_bot.shutdown()

    async def set_commands(self) -> None:
        """Publish the command menu in each language, and the organisers' longer one."""
        router, texts = self.app.services.router, self.app.texts
        bot = self.application.bot

        def menu(lang: str, organiser: bool) -> list[BotCommand]:
            return [BotCommand(c.name, html.unescape(texts.t(lang, f"command.{c.name}")))
                    for c in router.visible_commands(organiser)]

        try:
            for lang in texts.texts:
                await bot.set_my_commands(menu(lang, False), language_code=lang)
            await bot.set_my_commands(menu(texts.default, False), scope=BotCommandScopeDefault())
        except TelegramError as exc:
            log.warning("could not set the command menus: %s", exc)
            return
        for chat_id in self.app.services.organisers.get(PLATFORM, ()):
            try:  # one at a time: Telegram knows no chat of an organiser who never wrote
                await bot.set_my_commands(menu(texts.default, True),
                                          scope=BotCommandScopeChat(int(chat_id)))
            except TelegramError as exc:
                log.info("no organiser menu for Telegram chat %s yet: %s", chat_id, exc)

    async def send(self, platform: str, chat_id: str, reply: Reply) -> None:
        """Send a reply, split at Telegram's limit; choices go with the last part."""
        await self._send(int(chat_id), reply, None)

    async def _send(self, chat_id: int, reply: Reply, language: str | None) -> None:
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = _inline_keyboard(reply)
        if reply.request_contact:
            label = html.unescape(self.app.texts.t(language, "registration.share_phone"))
            markup = ReplyKeyboardMarkup([[KeyboardButton(label, request_contact=True)]],
                                         resize_keyboard=True, one_time_keyboard=True)
        if reply.attachment is not None and len(split_html(reply.text, CAPTION_LIMIT)) == 1:
            await self._send_document(chat_id, _upload(reply.attachment), reply.text, markup)
            return
        text = reply.text
        if reply.picture is not None:
            fits = len(split_html(text, CAPTION_LIMIT)) == 1
            await self.application.bot.send_photo(
                chat_id, InputFile(reply.picture.data, filename=reply.picture.file_name),
                caption=text if fits else None, parse_mode=ParseMode.HTML,
                reply_markup=markup if fits else None)
            if fits:
                return
        parts = split_html(text, DECLARED.text_limit)
        for i, part in enumerate(parts):
            params: dict[str, Any] = {"chat_id": chat_id, "text": part, **_HTML}
            if markup is not None and i == len(parts) - 1:
                params["reply_markup"] = markup
            # Raw, as the outbox sends (see deliver): through the retrying limiter, without
            # building a Message object of the answer, which nothing reads.
            await self.application.bot.do_api_request("sendMessage", params)
        if reply.attachment is not None:  # text too long for a caption: the file after it
            await self._send_document(chat_id, _upload(reply.attachment), None)

    async def _send_document(
        self, chat_id: int, document: InputFile | str, caption: str | None,
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None,
    ) -> Message:
        """Send a document, uploaded or by the file_id of an earlier upload, with its caption
        (HTML) and buttons: every file the bot sends goes this way (replies' attachments and
        the congress documents), with time to upload megabytes."""
        return await self.application.bot.send_document(
            chat_id, document, caption=caption, parse_mode=ParseMode.HTML if caption else None,
            reply_markup=markup, write_timeout=FILE_WRITE_TIMEOUT)

    async def deliver(self, chat_id: str, text: str) -> str:
        """Send one outbox message (within the limit); raise DeliveryError when it fails."""
        with _classified():
            # The raw call (public, though PTB warns about it; see _quiet_raw_sends): PTB's
            # request layer and error types, without building a Message object per
            # recipient (a tenth of the CPU of a broadcast, bench/broadcast.py).
            result = await self.outbox_bot.do_api_request("sendMessage", {
                "chat_id": int(chat_id), "text": text, "parse_mode": ParseMode.HTML,
                "link_preview_options": {"is_disabled": True}})
        return str(result["message_id"])

    async def send_file(self, chat_id: str, file: OutgoingFile) -> str:
        """Send a document by its file_id, or upload it when it has none; return the file_id
        Telegram gives it (to send it by that next time). Raise DeliveryError on failure."""
        with _classified():
            document = file.file_id or InputFile(await file.read(), filename=file.file_name)
            message = await self._send_document(int(chat_id), document, file.caption)
        return message.document.file_id if message.document else (file.file_id or "")

    async def edit(self, chat_id: str, message_id: str, text: str) -> None:
        """Replace the text of a message the bot sent; raise DeliveryError when it fails."""
        try:
            with _classified():
                await self.outbox_bot.edit_message_text(
                    text, chat_id=int(chat_id), message_id=int(message_id),
                    parse_mode=ParseMode.HTML, disable_web_page_preview=True)
        except DeliveryError as exc:
            if "not modified" not in exc.reason.lower():
                raise

    def to_incoming(self, update: Update) -> Incoming | None:
        """Turn a private message into an Incoming; None for what the bot does not read."""
        message, user = update.message, update.effective_user
        if message is None or user is None or message.chat.type != "private":
            return None
        text = message.text or message.caption or ""
        command, args = parse_command(text)
        contact = None
        if message.contact is not None:
            owner = message.contact.user_id
            contact = Contact(message.contact.phone_number, None if owner is None else str(owner))
        document = None
        if message.document is not None:
            doc = message.document

            async def fetch() -> bytes:
                file = await doc.get_file()
                return bytes(await file.download_as_bytearray())

            document = Document(doc.file_name or "file", doc.file_size or 0, fetch)
        return Incoming(
            PLATFORM, str(user.id), str(message.chat.id), user.full_name, user.language_code,
            text, command, args, None, contact, document,
        )

    async def wait_handled(self, count: int) -> None:
        """Wait until `count` updates have been handled in all (replies sent)."""
        async with self._handled_changed:
            await self._handled_changed.wait_for(lambda: self.handled >= count)

    async def _count_handled(self) -> None:
        async with self._handled_changed:
            self.handled += 1
            self._handled_changed.notify_all()

    async def _on_message(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            msg = self.to_incoming(update)
            if msg is None:
                return
            for reply in await self.app.handle(msg):
                await self._send(int(msg.chat_id), reply, msg.language)
        finally:
            await self._count_handled()

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self._handle_callback(update)
        finally:
            await self._count_handled()

    async def _handle_callback(self, update: Update) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        # The answer to the press goes out while the press is handled: one round trip less.
        answered = asyncio.create_task(_answer(query))
        try:
            message = query.message
            chat_id = message.chat.id if message is not None else user.id
            msg = Incoming(PLATFORM, str(user.id), str(chat_id), user.full_name,
                           user.language_code, choice=query.data or "")
            replies = await self.app.handle(msg)
            question = message if isinstance(message, Message) else None
            if replies and replies[0].replaces_question and question is not None and (
                await self._replace(question, replies[0])
            ):
                replies = replies[1:]
            elif question is not None and question.reply_markup is not None:
                try:
                    await question.edit_reply_markup(None)
                except TelegramError as exc:
                    log.debug("could not remove the buttons: %s", exc)
            for reply in replies:
                await self._send(chat_id, reply, msg.language)
        finally:
            await answered

    async def _replace(self, question: Message, reply: Reply) -> bool:
        """Edit the question whose button was pressed into `reply` (its buttons go, the
        reply's own come); False when it cannot be (too long, or Telegram refuses)."""
        if reply.request_contact or reply.attachment is not None or len(
                split_html(reply.text, DECLARED.text_limit)) > 1:
            return False
        try:
            params: dict[str, Any] = {"chat_id": question.chat_id,
                                      "message_id": question.message_id, "text": reply.text,
                                      **_HTML}
            if (markup := _inline_keyboard(reply)) is not None:
                params["reply_markup"] = markup
            await self.application.bot.do_api_request("editMessageText", params)  # raw: _send
        except TelegramError as exc:
            log.debug("could not edit the question into its answer: %s", exc)
            return False
        return True

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(context.error, GaveUp):
            return  # a reply Telegram kept refusing: logged in one line, an apology would fail
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("error handling update %s", update_id, exc_info=context.error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        user = update.effective_user
        language = user.language_code if user else None
        try:
            await self.application.bot.send_message(
                update.effective_chat.id, self.app.texts.t(language, "error.internal"),
                parse_mode=ParseMode.HTML,
            )
        except TelegramError as exc:
            log.warning("could not tell the user about the error: %s", exc)


async def _answer(query: CallbackQuery) -> None:
    """Answer a button press (stops the spinner); a failure does not undo the press."""
    try:
        await query.answer()
    except TelegramError as exc:  # e.g. "query is too old": the press still counts
        log.debug("could not answer the callback query: %s", exc)


SPEC = ChannelSpec(PLATFORM, DECLARED, capabilities, TelegramChannel.from_config, discover)
