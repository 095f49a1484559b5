"""Benchmark: the worst file each limit allows, and the attacks of issue 12, read by the bot.

Run from the repository root (``tests`` must be importable); it takes about two minutes::

    .venv/bin/python -m bench.hostile_files [--only NAME ...]

Each file is built here (``testkit.hostile_xlsx`` for workbooks) into a temporary folder.
The *worst allowed* files sit just within `bot.filelimits.LIMITS`, each pushing one limit
and the others as far as they go with it: 10,000 rows of 30 cells (CSV and XLSX with
300,000 distinct shared strings), 3,000 rows of 100 columns, CSV lines of 64 KiB, 20 million
characters of text in 610 cells of 32,767, 19,950 cell formats in a styles part of 2 MiB,
an .xlsx unpacking to 31.5 MiB (mostly blanks the sheet keeps between rows), a TOML
programme of 1 MiB. The *attacks* are over the limits: the issue's 200,000-row .xlsx, a
cell at column XFD on 20,000 rows, one 32,000-character string in a million cells, a 1 GiB
deflate bomb, 99,000 cell formats, a CSV line of 10 MiB, 10 MiB of blank CSV lines.

Each file is read in a fresh process (its peak RSS, VmHWM, its own) the way the bot reads a
document sent in chat: the flow recognises its kind, then the roster kind plans the import
against an empty roster (a TOML programme is read as the programme kind reads it), both
off the event loop (`bot.filelimits.off_loop`), while a heartbeat task wakes every
millisecond and notes the longest gap between two beats: the longest time other chats
would have waited. Baseline, in the same run: the same reading called on the event loop,
as the bot did before. Control: the same heartbeat while the reader thread runs plain
Python for as long as the reading took, which measures what any reading in a thread costs
the loop (the interpreter passes between threads every 5 ms) plus the machine's own
scheduling noise, so that what the reading adds shows. "RSS idle" is the process before
reading (interpreter, openpyxl, the file's bytes). Nothing about time is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.common import peak_rss_mb, print_table

JSON = dict[str, Any]
ROOT = Path(__file__).resolve().parent.parent
BEAT = 0.001
MODES = ("off-loop", "on-loop", "control")


# ---------------------------------------------------------------------------- the files
def _text(i: int, width: int) -> str:
    """Return a cell text of `width` characters, distinct for each `i`."""
    return f"Nguyễn Văn {i:07d} ".ljust(width, "x")[:width]


def csv_rows_cells() -> bytes:
    rows = (";".join(_text(r * 30 + c, 28) for c in range(30)) for r in range(9_999))
    return "\r\n".join(["Mã đại biểu;Họ và tên" + ";x" * 28, *rows]).encode()


def csv_columns() -> bytes:
    rows = (";".join(_text(r * 100 + c, 28) for c in range(100)) for r in range(2_999))
    return "\r\n".join([";".join(["Mã đại biểu", "Họ và tên", *"x" * 98]), *rows]).encode()


def csv_long_lines() -> bytes:
    line = ";".join("y" * 640 for _ in range(100))  # 64,099 characters
    return "\r\n".join(["Mã đại biểu;Họ và tên", *[line] * 155]).encode()


def _xlsx() -> Any:
    from testkit import hostile_xlsx

    return hostile_xlsx


def xlsx_rows_cells() -> bytes:
    h = _xlsx()
    rows = (h.row(r, *(h.shared(f"{h._letters(c + 1)}{r}", (r - 1) * 30 + c) for c in range(30)))
            for r in range(1, 10_001))
    strings = (f"<si><t>{_text(i, 20)}</t></si>" for i in range(300_000))
    return h.xlsx(rows, strings=strings)


def xlsx_columns() -> bytes:
    h = _xlsx()
    return h.xlsx(h.row(r, *(h.cell(f"{h._letters(c + 1)}{r}", _text(r * 100 + c, 10))
                             for c in range(100))) for r in range(1, 3_001))


def xlsx_text() -> bytes:
    h = _xlsx()
    strings = (f"<si><t>{_text(i, 32_767)}</t></si>" for i in range(610))
    rows = (h.row(r, *(h.shared(f"{h._letters(c + 1)}{r}", (r - 1) * 10 + c) for c in range(10)))
            for r in range(1, 62))
    return h.xlsx(rows, strings=strings)


def xlsx_styles() -> bytes:
    h = _xlsx()
    return h.xlsx(h.table_rows([["Mã đại biểu", "Họ và tên"], ["DB1", "Hà"]]),
                  styles=h.styles_with(19_950, padding=1_000_000))


def attack_styles() -> bytes:
    h = _xlsx()
    return h.xlsx(h.table_rows([["Mã đại biểu", "Họ và tên"], ["DB1", "Hà"]]),
                  styles=h.styles_with(99_000))


def xlsx_unpacked() -> bytes:
    h = _xlsx()

    def body() -> Iterator[str]:
        yield from h.table_rows([["Mã đại biểu", "Họ và tên"], ["DB1", "Hà"]])
        for _ in range(1_000):  # openpyxl keeps each blank run as the tail of its element
            yield "<x/>" + " " * 32_700

    return h.xlsx(body(), level=9)


def toml_programme() -> bytes:
    session = '[[session]]\nday = "11/08/2026"\nstart = "07:30"\nend = "08:00"\ntitle = "T"\n'
    return (session * (2**20 // len(session))).encode()


def attack_200k_rows() -> bytes:
    h = _xlsx()
    return h.xlsx(h.table_rows([f"DB{i:06d}", f"Đại biểu {i}", "Sở Y tế"]
                               for i in range(200_000)))


def attack_xfd() -> bytes:
    h = _xlsx()
    return h.xlsx(h.row(r, h.cell(f"A{r}", f"DB{r}"), h.cell(f"XFD{r}", "x"))
                  for r in range(1, 20_001))


def attack_text() -> bytes:
    h = _xlsx()
    rows = (h.row(r, *(h.shared(f"{h._letters(c + 1)}{r}", 0) for c in range(100)))
            for r in range(1, 10_001))
    return h.xlsx(rows, strings=[f"<si><t>{'x' * 32_000}</t></si>"], level=9)


def attack_deflate() -> bytes:
    h = _xlsx()
    return h.xlsx((" " * 2**20 for _ in range(1024)), level=9)


def attack_csv_line() -> bytes:
    return b"a;b\r\n" + b";" * (10 * 2**20 - 10)


def attack_csv_blank() -> bytes:
    return b"\r\n" * (5 * 2**20 - 10) + b"a;b\r\n"


FILES: dict[str, tuple[str, str, Callable[[], bytes]]] = {  # name: (group, file name, build)
    "csv 10,000 rows x 30": ("worst allowed", "ds.csv", csv_rows_cells),
    "csv 3,000 rows x 100 columns": ("worst allowed", "ds.csv", csv_columns),
    "csv lines of 64 KiB": ("worst allowed", "ds.csv", csv_long_lines),
    "xlsx 10,000 x 30, 300,000 strings": ("worst allowed", "ds.xlsx", xlsx_rows_cells),
    "xlsx 3,000 rows x 100 columns": ("worst allowed", "ds.xlsx", xlsx_columns),
    "xlsx 20 M characters of text": ("worst allowed", "ds.xlsx", xlsx_text),
    "xlsx 19,950 formats in 2 MiB": ("worst allowed", "ds.xlsx", xlsx_styles),
    "xlsx unpacking to 31.5 MiB": ("worst allowed", "ds.xlsx", xlsx_unpacked),
    "toml of 1 MiB": ("worst allowed", "ct.toml", toml_programme),
    "xlsx 200,000 rows (issue)": ("attack", "ds.xlsx", attack_200k_rows),
    "xlsx XFD on 20,000 rows": ("attack", "ds.xlsx", attack_xfd),
    "xlsx 32,000 chars x 1 M cells": ("attack", "ds.xlsx", attack_text),
    "xlsx deflate bomb of 1 GiB": ("attack", "ds.xlsx", attack_deflate),
    "xlsx 99,000 cell formats": ("attack", "ds.xlsx", attack_styles),
    "csv line of 10 MiB": ("attack", "ds.csv", attack_csv_line),
    "csv of 10 MiB of blank lines": ("attack", "ds.csv", attack_csv_blank),
}


# ---------------------------------------------------------------------------- one reading
async def heartbeat(stop: asyncio.Event, gaps: list[float]) -> None:
    """Beat every millisecond until stopped; note how long each gap between beats was."""
    last = time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(BEAT)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now


async def read_as_the_bot(path: Path, file_name: str, mode: str) -> JSON:
    """Read one file as a chat document is read, off the loop or on it; return the figures."""
    from zoneinfo import ZoneInfo

    import openpyxl  # noqa: F401 - imported before measuring, as in a running bot

    from bot.filelimits import off_loop
    from bot.formats.agenda import read_agenda
    from handlers import roster, uploads
    from storage.db import Database

    data = path.read_bytes()
    db = await Database.open(path.with_suffix(".sqlite3"))
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    existing: list[Any] = []
    idle = peak_rss_mb()
    stop, gaps = asyncio.Event(), []
    beating = asyncio.create_task(heartbeat(stop, gaps))
    await asyncio.sleep(0.05)
    gaps.clear()
    start = time.perf_counter()
    if mode == "control":  # as long as the off-loop reading took, nothing but Python work
        await off_loop(busy, float(file_name))
        stop.set()
        await beating
        await db.close()
        return {"seconds": time.perf_counter() - start, "stall": max(gaps) - BEAT}
    if mode == "off-loop":
        kind = await off_loop(uploads.kind_of, file_name, data)
        if kind.name == "agenda":
            result: Any = await off_loop(read_agenda, data, file_name, zone)
        else:
            result = await roster.plan_from_bytes(db, data, file_name, prune=False)
    else:
        kind = uploads.kind_of(file_name, data)
        if kind.name == "agenda":
            result = read_agenda(data, file_name, zone)
        else:
            result = roster._plan_bytes(existing, data, file_name, False)
    seconds = time.perf_counter() - start
    await asyncio.sleep(0.01)
    stop.set()
    await beating
    await db.close()
    problems = result.problems
    outcome = problems[0].key.rpartition(".")[2] if problems else "read"
    return {"kind": kind.name, "outcome": outcome, "problems": len(problems),
            "seconds": seconds, "stall": max(gaps) - BEAT, "idle": idle, "rss": peak_rss_mb()}


def busy(seconds: float) -> None:
    """Keep the interpreter busy with plain Python for `seconds` (the control)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        sum(range(200))


def in_subprocess(path: Path, file_name: str, mode: str) -> JSON:
    """Read one file in a fresh interpreter; return its figures."""
    command = [sys.executable, "-m", "bench.hostile_files", "--child", mode, "--file",
               str(path), "--name", file_name]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"reading {path.name} ({mode}) failed with exit code {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- orchestration
def _row(name: str, size: int, got: dict[str, JSON]) -> tuple[str, ...]:
    off, on, control = got["off-loop"], got["on-loop"], got["control"]
    return (name, f"{size / 1024:,.0f}", off["outcome"], f"{off['stall'] * 1000:.1f}",
            f"{control['stall'] * 1000:.1f}", f"{off['rss']:.0f}", f"{off['seconds']:.2f}",
            f"{on['stall'] * 1000:,.0f}", f"{on['rss']:.0f}", f"{off['idle']:.0f}")


def main(argv: list[str] | None = None) -> None:
    """Build every file, read each in its own process both ways, and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.hostile_files", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="names of the files to read (default: all)")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(asyncio.run(read_as_the_bot(args.file, args.name, args.child))))
        return
    from bot.filelimits import LIMITS

    chosen = [name for name in FILES if not args.only or name in args.only]
    rows: dict[str, list[tuple[str, ...]]] = {"worst allowed": [], "attack": []}
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        for number, name in enumerate(chosen):
            group, file_name, build = FILES[name]
            folder = Path(tmp) / str(number)
            folder.mkdir()
            path = folder / file_name
            path.write_bytes(build())
            got = {mode: in_subprocess(path, file_name, mode) for mode in MODES[:2]}
            got["control"] = in_subprocess(path, str(got["off-loop"]["seconds"]), "control")
            rows[group].append(_row(name, path.stat().st_size, got))
            print(f"{name}: {json.dumps(got)}", file=sys.stderr, flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the end")
    headers = ("file", "KiB", "outcome", "off loop: longest stall ms", "control: stall ms",
               "peak RSS MiB", "seconds", "baseline on loop: stall ms", "peak RSS MiB",
               "RSS idle MiB")
    print_table(f"The worst file each limit allows ({LIMITS})", rows["worst allowed"], headers)
    print_table("Attacks over the limits", rows["attack"], headers)


if __name__ == "__main__":
    main()
