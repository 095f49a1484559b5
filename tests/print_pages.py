"""Read printed PDFs back as a person (or a phone) would: their text, their QR codes
decoded from the rendered pages, and where each character landed on the page."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdf
import pypdfium2 as pdfium
import zxingcpp

from bot.printed.pdf import Box

MM_PER_PT = 25.4 / 72


def words(text: str) -> str:
    """Return `text` with every run of white space as one space (lines joined)."""
    return " ".join(text.split())


def page_texts(data: bytes) -> list[str]:
    """Return the text of each page (pypdf), lines joined."""
    return [words(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def qr_codes(data: bytes, *, scale: float = 4.0) -> list[list[str]]:
    """Return the QR codes decoded from each page rendered as a picture (pypdfium2 at
    `scale` × 72 dpi, then zxing-cpp), sorted."""
    pages = []
    document = pdfium.PdfDocument(data)
    for page in document:
        image = page.render(scale=scale).to_pil().convert("L")
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        pages.append(sorted(code.text for code in found))
    document.close()
    return pages


@dataclass(frozen=True)
class Glyph:
    """One character on a page and its ink box, in millimetres from the top left."""

    char: str
    box: Box


def glyphs(data: bytes, page_index: int) -> list[Glyph]:
    """Return every character of a page with its tight box (pdfium)."""
    document = pdfium.PdfDocument(data)
    page = document[page_index]
    height_mm = page.get_height() * MM_PER_PT
    text = page.get_textpage()
    out = []
    for i in range(text.count_chars()):
        char = text.get_text_range(i, 1)
        left, bottom, right, top = text.get_charbox(i)
        out.append(Glyph(char, Box(left * MM_PER_PT, height_mm - top * MM_PER_PT,
                                   (right - left) * MM_PER_PT, (top - bottom) * MM_PER_PT)))
    text.close()
    document.close()
    return out


def name_glyphs(all_glyphs: list[Glyph], name: str) -> list[Glyph]:
    """Return the glyphs of `name` (its letters in order, white space aside)."""
    letters = [g for g in all_glyphs if not g.char.isspace()]
    wanted = "".join(name.split())
    text = "".join(g.char for g in letters)
    start = text.find(wanted)
    assert start >= 0, f"{name!r} is not on the page"
    return letters[start:start + len(wanted)]


def inside(glyph: Box, box: Box, tolerance: float = 0.05) -> bool:
    """Tell whether a glyph's box is within `box` (mm)."""
    return (glyph.x >= box.x - tolerance and glyph.y >= box.y - tolerance
            and glyph.x + glyph.w <= box.x + box.w + tolerance
            and glyph.y + glyph.h <= box.y + box.h + tolerance)
