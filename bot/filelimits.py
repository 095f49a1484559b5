"""How much a file organisers send or import may hold, and reading it off the event loop.

A file is parsed by the bot that serves every chat, so a hostile one (a "spreadsheet bomb":
a few megabytes that unpack to gigabytes, a cell at column XFD on every row, a million
shared strings) must neither exhaust the machine nor hold up the others. `Limits` says how
much a file may hold; each limit is checked before the file is read (its size; an .xlsx
file's zip directory) or while it is read (rows, columns, cells, text), and a file over one
is refused with a `LimitExceeded` that names the limit (a locale key, ``tabular.error.*``).
`off_loop` runs the parsing in a worker thread of its own, one file at a time, with the cyclic
garbage collector paused, so the event loop goes on serving chats and two large files never
sit in memory together.

The limits are far above what a congress needs (5,000 delegates, a few hundred sessions or
candidates) and far below what hurts: any file they allow parses in well under 256 MB (see
`bench/hostile_files.py` for the figures).
"""

from __future__ import annotations

import asyncio
import functools
import gc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

__all__ = ["LIMITS", "MIB", "LimitExceeded", "Limits", "off_loop"]

MIB = 1024 * 1024
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Limits:
    """What one file may hold."""

    file_bytes: int = 10 * MIB  # a file as sent in chat or imported (the upload limit)
    toml_bytes: int = 1 * MIB  # a programme written in TOML
    unpacked_bytes: int = 32 * MIB  # an .xlsx file's parts once unpacked, all together
    parts: int = 1_000  # the files inside an .xlsx (a zip) file
    rows: int = 10_000  # records (.csv, blank ones too), or the last row number (.xlsx)
    columns: int = 100  # the last column a cell may be in (CV)
    cells: int = 300_000  # cells holding a value
    shared_strings: int = 300_000  # the distinct texts of an .xlsx file
    text_chars: int = 32_767  # the text of one cell (Excel's own limit), or of any XML node
    table_chars: int = 20_000_000  # the text of all cells (one shared string, many cells)
    line_chars: int = 64 * 1024  # one line of a .csv file
    markup: int = 20_000  # XML elements outside the cells of an .xlsx file (styles, ...)
    markup_bytes: int = 2 * MIB  # an XML part other than the sheets and shared strings


LIMITS = Limits()


class LimitExceeded(Exception):
    """A file over one of its limits: which (a field of `Limits`), its value, and where."""

    def __init__(self, name: str, limit: int, line: int | None = None,
                 column: str | None = None) -> None:
        super().__init__(name, limit, line, column)
        self.name, self.limit, self.line, self.column = name, limit, line, column

    @property
    def key(self) -> str:
        """Return the locale key of the refusal: ``tabular.error.limit_<name>``."""
        return f"tabular.error.limit_{self.name}"

    @property
    def params(self) -> dict[str, str | int]:
        """Return the locale text's parameters: the limit (in MB when it is a size)."""
        if self.name.endswith("_bytes"):
            return {"max_mb": max(1, self.limit // MIB)}
        return {"max": self.limit}


_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="file-reader")


async def off_loop(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a file's parsing in the file reader thread and wait for it without blocking."""
    loop = asyncio.get_running_loop()
    call = functools.partial(func, *args, **kwargs)
    return await loop.run_in_executor(_WORKER, functools.partial(_collector_paused, call))


def _collector_paused(call: Callable[[], T]) -> T:
    """Run `call` with Python's cyclic garbage collector paused.

    Reading a large file makes hundreds of thousands of objects, and each full collection
    the allocations trigger walks all of them while holding the interpreter: 50-190 ms
    during which no chat is served, whichever thread runs it. Paused, memory is still freed
    as objects are dropped (reference counting); only cycles wait, and reading makes few.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return call()
    finally:
        if enabled:
            gc.enable()
