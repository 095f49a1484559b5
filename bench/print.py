"""Benchmark: printing 5,000 invitations and 5,000 badges, beside blank pages.

Run from the repository root; it takes about a minute::

    .venv/bin/python -m bench.print [--delegates 5000]

Set-up (its own process): a database in a temporary folder gets ``--delegates`` delegates
with Vietnamese names of three to six words (one in fifty of 60 to 120 characters, so that
names are wrapped and shrunk), units and seats, round-robin over twelve delegations (every
tenth an alternate, every twentieth a guest), written with ``storage.delegates.apply_import``
in one batch, and a programme of two sessions; a config names the Telegram bot, so every
page has its QR codes.

(1) Invitations: ``delegate-bot roster print FILE.pdf`` as organisers run it (a child
    process: reading the roster, laying out one A5 page per delegate with its QR code, and
    writing the file): seconds and peak RSS, the file's size and pages. Baseline, in a
    process of its own: fpdf2 writing as many blank A5 pages.
(2) Badges: the same with ``--layout badges`` (eight per A4 page, one QR code each).
    Baseline: fpdf2 writing as many blank A4 pages as the badges take.

Targets (issue 15): at most 15 s and 300 MB each. Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

from bench.common import peak_rss_mb, print_result, print_table, run_child, run_phase

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
          "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Thanh", "Minh", "Ngọc", "Quốc", "Thu", "Xuân", "Bảo",
          "Phương", "Kim", "Hoài")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Huyền",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Nghĩa", "Phúc", "Phượng",
         "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Thắng", "Trinh", "Tuấn", "Tuyết", "Vinh",
         "Yến")
DELEGATIONS = [f"Đoàn đại biểu Đảng bộ {place}" for place in (
    "Khối các cơ quan tỉnh", "Khối doanh nghiệp tỉnh", "thành phố Nha Trang",
    "thành phố Cam Ranh", "thị xã Ninh Hòa", "huyện Vạn Ninh", "huyện Diên Khánh",
    "huyện Khánh Vĩnh", "huyện Khánh Sơn", "huyện Cam Lâm", "huyện đảo Trường Sa",
    "Quân sự tỉnh")]


def _name(rng: random.Random, i: int) -> str:
    words = [rng.choice(FAMILY), *rng.sample(MIDDLE, rng.randint(1, 3)), rng.choice(GIVEN)]
    if i % 50 == 49:  # a long name, to be wrapped and shrunk
        while len(" ".join(words)) < rng.randint(60, 120):
            words.insert(1, rng.choice(MIDDLE + GIVEN))
    return " ".join(words)[:120]


async def _setup(folder: Path, count: int) -> None:
    from storage import agenda, delegates
    from storage.agenda import SessionData
    from storage.db import Database
    from storage.delegates import DelegateData

    rng = random.Random(15)
    db = await Database.open(folder / "bench.sqlite3")
    try:
        rows = [DelegateData(f"B{i:05d}", _name(rng, i), f"Đơn vị số {i % 40 + 1}",
                             DELEGATIONS[i % len(DELEGATIONS)],
                             "guest" if i % 20 == 19 else "alternate" if i % 10 == 9
                             else "official", None, f"{chr(65 + i % 8)}-{i % 300 + 1}",
                             f"BENCH{i:05d}XY") for i in range(count)]
        now = "2026-08-01T00:00:00Z"
        await delegates.apply_import(db, upserts=rows, remove_codes=[], now=now)
        await agenda.apply_import(db, upserts=[
            SessionData("open", "2026-08-11T00:30:00Z", "2026-08-11T02:00:00Z",
                        "Khai mạc Đại hội", "Hội trường Trung tâm Hội nghị tỉnh", "", "",
                        "plenary", "all"),
            SessionData("close", "2026-08-12T08:00:00Z", "2026-08-12T09:00:00Z", "Bế mạc",
                        "Hội trường Trung tâm Hội nghị tỉnh", "", "", "plenary", "all")],
            cancel_keys=[], notice=None, now=now)
    finally:
        await db.close()
    (folder / "config.toml").write_text(
        '[event]\nname = "Đại hội đại biểu Đảng bộ tỉnh Khánh Hòa lần thứ XIX"\n\n'
        '[storage]\npath = "bench.sqlite3"\n\n[telegram]\nbot_username = "daihoi_bench_bot"\n',
        encoding="utf-8")


def _blank(pages: int, width: float, height: float, out: Path) -> dict[str, float]:
    from fpdf import FPDF

    start = time.perf_counter()
    pdf = FPDF(unit="mm", format=(width, height))
    for _ in range(pages):
        pdf.add_page()
    out.write_bytes(bytes(pdf.output()))
    return {"seconds": time.perf_counter() - start, "rss_mb": peak_rss_mb(),
            "mb": out.stat().st_size / 2**20, "pages": pages}


def _print(folder: Path, layout: str) -> tuple[float, float, float, int]:
    """Run the command line; return its seconds, peak RSS, file size (MiB) and pages."""
    import pypdf

    out = folder / f"{layout}.pdf"
    child = run_child([sys.executable, "-m", "bot", "--config", str(folder / "config.toml"),
                       "roster", "print", str(out), "--layout", layout, "--force"])
    pages = len(pypdf.PdfReader(out).pages)
    return child.wall, child.rss_mb, out.stat().st_size / 2**20, pages


def main() -> None:
    """Run the phases (or, with --phase, one of them in this process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delegates", type=int, default=5000)
    parser.add_argument("--phase", choices=("setup", "blank"))
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--pages", type=int)
    parser.add_argument("--size", default="A5")
    args = parser.parse_args()
    if args.phase == "setup":
        asyncio.run(_setup(args.folder, args.delegates))
        print_result({"rss_mb": peak_rss_mb()})
        return
    if args.phase == "blank":
        width, height = (148.0, 210.0) if args.size == "A5" else (210.0, 297.0)
        print_result(_blank(args.pages, width, height, args.folder / f"blank-{args.size}.pdf"))
        return
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        setup = run_phase("bench.print", "--phase", "setup", "--folder", name,
                          "--delegates", str(args.delegates))
        rows = []
        for layout, size, pages in (("invitations", "A5", args.delegates),
                                    ("badges", "A4", -(-args.delegates // 8))):
            seconds, rss, mb, printed = _print(folder, layout)
            blank = run_phase("bench.print", "--phase", "blank", "--folder", name,
                              "--pages", str(pages), "--size", size)
            rows.append((f"{args.delegates} {layout} (roster print)", f"{seconds:.2f}",
                         f"{rss:.0f}", f"{mb:.1f}", str(printed)))
            rows.append((f"  baseline: {pages} blank {size} pages (fpdf2)",
                         f"{blank['seconds']:.2f}", f"{blank['rss_mb']:.0f}",
                         f"{blank['mb']:.1f}", str(blank["pages"])))
    print_table(f"Printing (set-up: {setup['wall']:.1f} s); targets: 15 s and 300 MB each",
                rows, ("what", "seconds", "peak RSS MB", "file MB", "pages"))


if __name__ == "__main__":
    main()
