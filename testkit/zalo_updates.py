"""The fake Zalo's side of the users: the updates a test pushes (text, stickers, images) in
the shape it is given, queued for getUpdates or POSTed to the webhook, in order, as Zalo
does once a webhook is set.
"""

from __future__ import annotations

import asyncio
from collections import deque

from testkit.fake_server import JSON, FakeServer, Seconds
from testkit.zalo_wire import PHOTO_KEYS, SECRET_HEADER, Shape, now_ms


class ZaloUpdates(FakeServer):
    """Fake Zalo state: updates waiting for getUpdates, and the webhook they may go to."""

    def __init__(self, token: str, *, shape: Shape | None = None,
                 clock: Seconds | None = None) -> None:
        """Prepare empty state; updates are built in ``shape`` (default: every field seen)."""
        super().__init__(token, clock=clock)
        self.shape = shape or Shape()  # how the updates built by make_update/push_* look
        self.webhook_url: str | None = None  # set by setWebhook; getUpdates answers 409 then
        self.webhook_secret: str | None = None
        self.webhook_delivery_url: str | None = None  # where pushed updates are POSTed then
        self.webhook_statuses: list[int] = []  # HTTP status of each such delivery, in order
        self._delivery: asyncio.Task[None] | None = None  # the latest webhook delivery
        self._updates: deque[JSON] = deque()
        self._counter = 0

    @property
    def pending_updates(self) -> int:
        """How many pushed updates no getUpdates call has consumed yet."""
        return len(self._updates)

    async def _before_stop(self) -> None:
        """Let the webhook deliveries under way finish."""
        if self._delivery is not None:
            await asyncio.gather(self._delivery, return_exceptions=True)

    def push_update(self, update: JSON) -> JSON:
        """Queue a raw update for getUpdates (or POST it to the webhook, see above); return it."""
        if self.webhook_url is not None and self.webhook_delivery_url is not None:
            self._delivery = asyncio.create_task(self._deliver(self._delivery, update))
            return update
        self._updates.append(update)
        self._wake("_update_event")
        return update

    async def _deliver(self, previous: asyncio.Task[None] | None, update: JSON) -> None:
        """POST an update to the webhook after the ones pushed before it."""
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        assert self.webhook_delivery_url is not None
        status = await self.post_webhook(self.webhook_delivery_url, update,
                                         secret_token=self.webhook_secret)
        self.webhook_statuses.append(status)

    def make_update(
        self, user_id: str, text: str, *, display_name: str = "Đại biểu",
        chat_id: str | None = None,
    ) -> JSON:  # fmt: skip
        """Build a text update (without queueing it), e.g. for post_webhook."""
        return self._update("message.text.received", user_id, display_name, chat_id, {"text": text})

    def push_text(
        self, user_id: str, text: str, *, display_name: str = "Đại biểu",
        chat_id: str | None = None,
    ) -> JSON:  # fmt: skip
        """Queue a text message from ``user_id`` (in its private chat unless ``chat_id``)."""
        return self.push_update(self.make_update(user_id, text, display_name=display_name,
                                                 chat_id=chat_id))  # fmt: skip

    def push_sticker(self, user_id: str, *, display_name: str = "Đại biểu") -> JSON:
        """Queue a sticker message (no text)."""
        sticker = self._hex_id()
        extra = {"sticker": sticker, "url": f"https://zalo.example/sticker/{sticker}.png"}
        update = self._update("message.sticker.received", user_id, display_name, None, extra)
        return self.push_update(update)

    def push_image(
        self, user_id: str, *, caption: str | None = None, display_name: str = "Đại biểu",
        photo_key: str = "photo",
    ) -> JSON:  # fmt: skip
        """Queue an image message (no text; an optional caption; the URL under `photo_key`)."""
        if photo_key not in PHOTO_KEYS:
            raise ValueError(f"photo_key must be one of {PHOTO_KEYS}, got {photo_key!r}")
        extra: JSON = {photo_key: f"https://zalo.example/photo/{self._hex_id()}.jpg"}
        if caption is not None:
            extra["caption"] = caption
        update = self._update("message.image.received", user_id, display_name, None, extra)
        return self.push_update(update)

    async def post_webhook(
        self, url: str, update: JSON, *, secret_token: str | None, envelope: bool = True
    ) -> int:
        """POST an update to a webhook URL like Zalo does; return the HTTP status.

        The body is ``{"ok": true, "result": update}`` (the documented webhook shape), or the
        bare update with ``envelope=False``; the secret goes in ``X-Bot-Api-Secret-Token``.
        """
        headers = {} if secret_token is None else {SECRET_HEADER: secret_token}
        body = {"ok": True, "result": update} if envelope else update
        return (await self._client().post(url, json=body, headers=headers)).status_code

    def _hex_id(self) -> str:
        """A fresh 20-digit hex id, like Zalo's message ids."""
        self._counter += 1
        return f"{0x5A10 << 64 | self._counter:020x}"

    def _update(
        self, event_name: str, user_id: str, display_name: str, chat_id: str | None, extra: JSON
    ) -> JSON:
        chat_id = user_id if chat_id is None else chat_id
        shape = self.shape
        sender: JSON = {"id": user_id, shape.name_key: display_name}
        if shape.is_bot:
            sender["is_bot"] = False
        message = {
            "from": sender,
            "chat": {"id": chat_id, "chat_type": "PRIVATE" if chat_id == user_id else "GROUP"},
            **extra, "message_id": self._hex_id(), "date": now_ms(),
        }  # fmt: skip
        return {"event_name": event_name, "message": message} if shape.event_name else {
            "message": message}
