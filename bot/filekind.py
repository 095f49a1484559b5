"""What each kind of file organisers send in chat gives the one file flow (`handlers.uploads`).

A kind recognises its files, checks one into a report (writing nothing) and applies it. The
flow does the rest once, for every kind: who may send files, the size limit, fetching the
bytes, keeping a clean file until the organiser presses one of the buttons the kind offers
(each carries the file's token, so a button under an older report cannot apply a newer file),
checking it again at the press, applying or cancelling. A kind without `confirm` is applied
as soon as it is clean: a result becomes a draft, which has buttons of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from bot.context import Context
from bot.i18n import Markup
from bot.model import Reply
from bot.tabular import Table

PlanT = TypeVar("PlanT")


@dataclass(frozen=True, slots=True)
class Offer:
    """A button under a clean file's report: the action it takes, its label's text key and
    the label's parameters."""

    action: str
    label: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Checked(Generic[PlanT]):
    """What checking a file found: the report, the kind's plan, whether it may be applied,
    and the buttons to offer (a kind applied at once leaves the report of a clean file empty)."""

    report: Markup
    plan: PlanT
    ok: bool
    offers: tuple[Offer, ...] = ()


@dataclass(frozen=True, slots=True)
class Confirm:
    """How a kind's files wait for the organiser: the callback prefix of their buttons, the
    actions those may carry besides "cancel", and the text key that answers a cancel."""

    prefix: str
    actions: tuple[str, ...]
    cancelled: str


class FileKind(Protocol[PlanT]):
    """One kind of file organisers send in chat (a roster, a programme, a result, ...)."""

    name: str  # what the flow calls it; also the purpose its files are staged under
    confirm: Confirm | None  # None: applied as soon as it is clean

    def recognise(self, file_name: str, table: Table | None) -> bool:
        """Tell whether a file is of this kind (`table` is None when it is no readable table)."""
        ...

    async def check(self, ctx: Context, file_name: str, data: bytes,
                    action: str = "") -> Checked[PlanT]:
        """Read and check a file, writing nothing; `action` names the button pressed, if any."""
        ...

    async def apply(self, ctx: Context, action: str, checked: Checked[PlanT]) -> Reply:
        """Apply a clean file and say what was done."""
        ...
