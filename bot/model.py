"""Channel-neutral messages: what a person sent (`Incoming`) and what the bot answers (`Reply`).

Channels turn platform updates into `Incoming` and render `Reply` for their platform;
handlers see only these types. Reply text is HTML in Telegram's subset: values that come
from users or files are escaped by the translator before they reach it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

CALLBACK_DATA_MAX_BYTES = 64


@dataclass(frozen=True, slots=True)
class Contact:
    """A phone number shared in the chat, and whose it is (platform user id or None)."""

    phone_number: str
    user_id: str | None


@dataclass(frozen=True, slots=True)
class Document:
    """A file sent in the chat: its name, size and a way to fetch its bytes."""

    file_name: str
    size: int
    fetch: Callable[[], Awaitable[bytes]] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class OutgoingFile:
    """A file the bot sends to a chat: by the platform's id of an earlier upload when it has
    one (`file_id`), else uploaded from `read()`; `caption` is HTML."""

    file_name: str
    caption: str
    file_id: str | None
    read: Callable[[], Awaitable[bytes]] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message or choice from a person, whatever the platform."""

    platform: str
    user_id: str
    chat_id: str
    display_name: str = ""
    language: str | None = None
    text: str = ""
    command: str | None = None
    args: tuple[str, ...] = ()
    choice: str | None = None
    contact: Contact | None = None
    document: Document | None = None

    @property
    def args_text(self) -> str:
        """Return the arguments after the command as one string."""
        return " ".join(self.args)


@dataclass(frozen=True, slots=True)
class Choice:
    """A button (Telegram) or numbered option (Zalo, console): a label and its callback data."""

    label: str
    data: str

    def __post_init__(self) -> None:
        size = len(self.data.encode())
        if not 1 <= size <= CALLBACK_DATA_MAX_BYTES:
            raise ValueError(f"choice data must be 1-64 bytes, got {size}: {self.data!r}")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a reply: its name and its bytes. Only for a channel whose
    capabilities have `files`; features ask before they attach one."""

    file_name: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Picture:
    """A picture the bot made (a PNG), sent where the platform takes uploaded pictures."""

    data: bytes = field(repr=False)
    file_name: str = "picture.png"


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to send back: HTML text, optional choices, optionally a phone-number request.

    `replaces_question`: the answer to a choice that takes the place of the question whose
    button was pressed (its buttons go with it), where the channel can edit messages;
    elsewhere it is sent as usual. `attachment`: a file sent with the text (as its caption
    where it fits). `picture`: sent with the text as its caption by channels
    that can upload pictures (`Capabilities.picture_upload`); others send the text only.
    """

    text: str
    choices: tuple[Choice, ...] = ()
    request_contact: bool = False
    columns: int = 1
    replaces_question: bool = False
    attachment: Attachment | None = None
    picture: Picture | None = None


MAX_ID_DIGITS = 12


def parse_id(text: str) -> int | None:
    """Read a number from callback data or an argument: ASCII digits only, of sane length
    ("²" is a digit to Python but not a number to int(); a 30-digit id overflows SQLite)."""
    if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS:
        return int(text)
    return None


def parse_command(text: str) -> tuple[str | None, tuple[str, ...]]:
    """Split '/cmd@bot a b' into ('cmd', ('a', 'b')); return (None, ()) for other text."""
    if not text.startswith("/") or len(text) < 2:
        return None, ()
    head, *rest = text.split()
    name = head[1:].split("@", 1)[0].lower()
    if not name or not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
        return None, ()
    return name, tuple(rest)
