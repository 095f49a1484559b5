"""What the fake Zalo reads off the wire and how it checks it, and the shapes of the
updates it writes.

Wire format of the real API, as mirrored here:

- every call is ``POST {base}/bot<TOKEN>/<method>`` with a JSON object body (form-encoded
  bodies and query strings are accepted too; their values stay strings); method names are
  case-sensitive, so ``sendmessage`` is an unknown method (404);
- every answer is an envelope: ``{"ok": true, "result": ...}`` or
  ``{"ok": false, "error_code": N, "description": "..."}`` (HTTP status N, except below);
- ``getUpdates`` has no offset: each call returns ONE update (an object, not a list) and
  consumes it; when none arrives within ``timeout`` seconds (default 30) it answers HTTP 200
  with ``{"ok": false, "error_code": 408, "description": "Request timeout"}``;
- an update is ``{"event_name": "message.text.received", "message": {"from": {...},
  "chat": {...}, "text": ..., "message_id": <hex>, "date": <ms>}}``; ids are hex strings
  and ``date`` is in milliseconds since the epoch;
- the platform promises no one shape of update (see the README's "Zalo: the shapes of an
  update"), so the fake writes the updates it builds in the ``shape`` it is given: with or
  without ``event_name`` (the documented getUpdates sample has none), the sender's name under
  ``display_name``, ``name`` or ``first_name`` (the documented sample), with or without
  ``is_bot``; ``DOCUMENTED`` is the sample's shape and ``SHAPES`` every combination seen;
- with ``webhook_delivery_url`` set (the tests' local listener standing in for the public
  HTTPS url given to ``setWebhook``), updates pushed while a webhook is set are POSTed there,
  in order, as Zalo does, instead of waiting for ``getUpdates``;
- a webhook delivery is a POST of ``{"ok": true, "result": <update>}`` carrying the header
  ``X-Bot-Api-Secret-Token``; ``getUpdates`` answers 409 while a webhook is set;
- ``sendChatAction`` answers ``{"ok": true}`` without a result, as documented.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import tornado.httputil

from testkit.fake_server import JSON, ApiError

TEXT_LIMIT = 2000  # Zalo's limit for sendMessage text and sendPhoto captions
SECRET_HEADER = "X-Bot-Api-Secret-Token"
DEFAULT_POLL_TIMEOUT = 30.0  # seconds, when getUpdates is called without ``timeout``
METHODS = frozenset({
    "getMe", "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo", "sendMessage",
    "sendPhoto", "sendSticker", "sendChatAction",
})  # fmt: skip
BY_LOWER = {name.lower(): name for name in METHODS}
RATE_COUNTED = frozenset({"sendMessage"})
CHAT_ACTIONS = frozenset({"typing", "upload_photo"})
NO_RESULT = object()  # a method whose success envelope has no "result" (sendChatAction)
NAME_KEYS = ("display_name", "name", "first_name")  # where senders' names have been seen
PHOTO_KEYS = ("photo", "photo_url")  # where an image message's picture has been seen
DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: the user has blocked the bot or is not reachable",
    404: "Not Found",
    408: "Request timeout",
    409: "Conflict: getUpdates is not available while a webhook is set; call deleteWebhook",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class Shape:
    """How the fake writes the updates it builds: which of the seen variants it uses."""

    event_name: bool = True  # "event_name": "message.<kind>.received" (observed clients)
    name_key: str = "display_name"  # one of NAME_KEYS
    is_bot: bool = True  # "from" carries "is_bot": false

    def __post_init__(self) -> None:
        if self.name_key not in NAME_KEYS:
            raise ValueError(f"name_key must be one of {NAME_KEYS}, got {self.name_key!r}")

    @property
    def label(self) -> str:
        """A short name for test ids, e.g. "event-display_name" or "bare-first_name"."""
        return f"{'event' if self.event_name else 'bare'}-{self.name_key}"


DOCUMENTED = Shape(event_name=False, name_key="first_name", is_bot=False)  # getUpdates sample
SHAPES = tuple(Shape(event, key) for event in (True, False) for key in NAME_KEYS)
DOCUMENTED_SAMPLE: JSON = {  # the documented getUpdates sample's result, as published
    "message": {
        "chat": {"id": "e4ea2cd5189df1c3a88c", "chat_type": "PRIVATE"},
        "text": "Xin chào", "message_id": "16f6366b3f02645a3d15", "date": 1766619597466,
        "from": {"id": "e4ea2cd5189df1c3a88c", "first_name": "Nguyen Van A"},
    },
}  # fmt: skip



def now_ms() -> int:
    """Milliseconds since the epoch, the unit of Zalo's ``date`` fields."""
    return int(time.time() * 1000)


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units (conservative: an emoji counts 2, as in bot.text)."""
    return len(text.encode("utf-16-le")) // 2


def required_str(params: JSON, key: str) -> str:
    """Return a required non-empty string parameter; raise ApiError(400) otherwise."""
    value = params.get(key)
    if value is None or value == "":
        raise ApiError(400, f"Bad Request: {key} is required")
    if not isinstance(value, str):
        raise ApiError(400, f"Bad Request: {key} must be a string")
    return value


def checked_text(params: JSON, key: str, *, required: bool) -> str | None:
    """Validate a text or caption of 1..TEXT_LIMIT characters; return it (None if absent)."""
    if key not in params and not required:
        return None
    value = params.get(key)
    if not isinstance(value, str):
        raise ApiError(400, f"Bad Request: {key} must be a string")
    if not value.strip():
        raise ApiError(400, f"Bad Request: {key} is empty")
    if utf16_length(value) > TEXT_LIMIT:
        raise ApiError(400, f"Bad Request: {key} is too long (at most {TEXT_LIMIT} characters)")
    return value


def parse(request: tornado.httputil.HTTPServerRequest) -> JSON:
    """Decode a request's query and form values (as strings) and its JSON object body."""
    params: JSON = {}
    for source in (request.query_arguments, request.body_arguments):
        for key, values in source.items():
            params[key] = values[-1].decode("utf-8", "replace")
    if request.body and request.headers.get("Content-Type", "").startswith("application/json"):
        try:
            body = json.loads(request.body)
        except ValueError:
            raise ApiError(400, "Bad Request: the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: the body must be a JSON object")
        params.update(body)
    return params
