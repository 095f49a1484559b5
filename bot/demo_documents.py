"""The demo's congress documents (`examples/documents.toml`): made into PDFs with the bundled
font when the demo database is seeded, and published as organisers publish them, so that a
delegate trying the demo finds something under /documents.

A document is either paragraphs of text (one starting with "Điều", an article, is a heading) or,
with `agenda = true`, the programme of the demo's sessions, day by day.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from bot.clock import from_iso
from bot.context import Services
from bot.printed.pdf import FAMILY, new_document
from handlers import document_publish
from storage import agenda, documents

FILE = "documents.toml"
A4 = (210.0, 297.0)
MARGIN = 20.0  # mm
TITLE_PT, HEADING_PT, BODY_PT = 16, 12, 11
HEADING = "Điều "  # a paragraph that opens an article of the rules

Line = tuple[str, bool]  # a paragraph, and whether it is a heading


async def seed(services: Services, folder: Path) -> int:
    """Publish the sample documents of `folder` when the database has none; return how many
    were published."""
    if await documents.all_documents(services.db):
        return 0
    entries: list[dict[str, Any]] = tomllib.loads((folder / FILE).read_text("utf-8"))["document"]
    for entry in reversed(entries):  # /documents lists the newest first
        lines = (await _programme(services) if entry.get("agenda") else
                 [(text, text.startswith(HEADING)) for text in entry["paragraphs"]])
        data = render(entry["title"], lines)
        plan = await document_publish.prepare(services, entry["file"], data, entry["title"], {})
        await document_publish.publish(services, plan, data, "demo")
    return len(entries)


async def _programme(services: Services) -> list[Line]:
    """Return the programme as lines: a heading per day, then its sessions."""
    t = services.texts.in_language(services.config.event.language)
    dates = services.dates()
    lines: list[Line] = []
    last_day = None
    for session in await agenda.all_sessions(services.db):
        start = dates.local(from_iso(session.starts_at))
        end = dates.local(from_iso(session.ends_at))
        if start.date() != last_day:
            last_day = start.date()
            lines.append((str(dates.day(t, last_day)), True))
        where = f" — {session.location}" if session.location else ""
        lines.append((f"{start:%H:%M}–{end:%H:%M}   {session.title}{where}", False))
    return lines


def render(title: str, paragraphs: list[Line]) -> bytes:
    """Return an A4 PDF of a title and its paragraphs, each (text, whether a heading:
    bold, with space above)."""
    pdf = new_document(*A4)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, MARGIN)
    pdf.add_page()
    width = A4[0] - 2 * MARGIN
    pdf.set_font(FAMILY, "B", TITLE_PT)
    pdf.multi_cell(width, TITLE_PT * 0.6, title, align="C")
    pdf.ln(6)
    for text, heading in paragraphs:
        pdf.set_font(FAMILY, "B" if heading else "", HEADING_PT if heading else BODY_PT)
        if heading:
            pdf.ln(3)
        pdf.multi_cell(width, BODY_PT * 0.55, text)
        pdf.ln(1.5)
    return bytes(pdf.output())
