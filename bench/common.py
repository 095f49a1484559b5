"""Shared helpers for the benchmarks in `bench/`: peak memory, percentiles, a table printer.

Stable API (other benchmarks import these): `peak_rss_mb`, `percentile`, `print_table`.
"""

from __future__ import annotations

import math
import os
import resource
import sys
from pathlib import Path

__all__ = ["peak_rss_mb", "percentile", "print_table"]

_STATUS = Path("/proc/self/status")


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MiB (VmHWM, else ru_maxrss)."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes vs kB


def percentile(values: list[float], p: float) -> float:
    """Return the p-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, not {p}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def print_table(title: str, rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> None:
    """Print rows under headers as a rich table (first column left, others right)."""
    from rich.console import Console  # imported here: measured children skip its start-up
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, header in enumerate(headers):
        table.add_column(header, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=132)  # piped or captured: do not squeeze into 80 columns
    console.print(table)
