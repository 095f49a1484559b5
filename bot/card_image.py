"""The delegate's card as a picture (PNG): the event, who they are, and the QR code of their
check-in link, which staff scan at the door (handlers/card.py sends it).

Drawn with Pillow; the QR code's modules come from `segno` and are drawn as squares, so the
code stays sharp at any scale. The texts come in already translated (plain text, no HTML);
the font is the bundled Noto Sans (bot/fonts/, SIL Open Font Licence), which has every
Vietnamese letter and tone mark.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path(__file__).parent / "fonts"
FONT_REGULAR = FONT_DIR / "NotoSans-Regular.ttf"
FONT_BOLD = FONT_DIR / "NotoSans-Bold.ttf"

WIDTH = 720
MARGIN = 40
VALUE_X = 150  # where the values start, right of their labels
QR_SIDE = 440  # pixels the QR code takes at most (quiet zone included)
QR_BORDER = 4  # modules of quiet zone, as the standard asks
HEADER = (153, 27, 27)  # a deep red band for the event's name
INK = (17, 17, 17)
MUTED = (85, 85, 85)
WHITE = (255, 255, 255)

Font = ImageFont.FreeTypeFont


@dataclass(frozen=True, slots=True)
class CardText:
    """What a card says, translated: the event, the name, (label, value) lines, the kind,
    and the line under the QR code."""

    event: str
    name: str
    lines: tuple[tuple[str, str], ...]
    kind: str
    scan_hint: str


@cache
def font(bold: bool, size: int) -> Font:
    """Return the bundled font at a size."""
    return ImageFont.truetype(str(FONT_BOLD if bold else FONT_REGULAR), size)


def wrap(text: str, face: Font, width: int) -> list[str]:
    """Split text into lines no wider than `width` pixels (a word too long stays whole)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and face.getlength(candidate) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def qr_modules(link: str) -> list[list[bool]]:
    """Return the QR code of `link` as rows of dark (True) and light modules, quiet zone
    included."""
    code = segno.make(link, error="m", micro=False)
    return [[bool(v) for v in row] for row in code.matrix_iter(scale=1, border=QR_BORDER)]


def qr_scale(modules: int) -> int:
    """Return the pixels per module that fit the QR code in `QR_SIDE`."""
    return max(1, QR_SIDE // modules)


def render(text: CardText, link: str | None) -> bytes:
    """Return the card as PNG bytes; without a link (no platform has deep links), no QR."""
    inner = WIDTH - 2 * MARGIN
    title, big, body = font(True, 30), font(True, 44), font(False, 28)
    label_font, hint = font(True, 24), font(False, 24)
    event_lines = wrap(text.event, title, inner)
    name_lines = wrap(text.name, big, inner)
    body_lines = [(label, line) for label, value in text.lines
                  for line in wrap(value, body, inner - VALUE_X)]
    modules = qr_modules(link) if link else []
    scale = qr_scale(len(modules)) if modules else 0
    qr_side = len(modules) * scale
    header = MARGIN + 40 * len(event_lines) + 20
    height = (header + 30 + 56 * len(name_lines) + 10 + 44 * len(body_lines) + 60
              + (qr_side + 40 if modules else 0) + MARGIN)
    image = Image.new("RGB", (WIDTH, height), WHITE)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, header), fill=HEADER)
    y = MARGIN - 10
    for line in event_lines:
        draw.text((MARGIN, y), line, font=title, fill=WHITE)
        y += 40
    y = header + 30
    for line in name_lines:
        draw.text((MARGIN, y), line, font=big, fill=INK)
        y += 56
    y += 10
    shown_label = None
    for label, line in body_lines:
        if label != shown_label:
            draw.text((MARGIN, y + 3), label, font=label_font, fill=MUTED)
            shown_label = label
        draw.text((MARGIN + VALUE_X, y), line, font=body, fill=INK)
        y += 44
    draw.text((MARGIN, y + 6), text.kind, font=font(True, 30), fill=HEADER)
    y += 60
    if modules:
        left = (WIDTH - qr_side) // 2
        for row, values in enumerate(modules):
            for column, dark in enumerate(values):
                if dark:
                    x0, y0 = left + column * scale, y + row * scale
                    draw.rectangle((x0, y0, x0 + scale - 1, y0 + scale - 1), fill=INK)
        y += qr_side + 4
        width = hint.getlength(text.scan_hint)
        draw.text(((WIDTH - width) / 2, y), text.scan_hint, font=hint, fill=MUTED)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def qr_origin(text: CardText, link: str) -> tuple[int, int, int]:
    """Return (left, top, pixels per module) of the QR code on the card `render` draws
    (tests read the code back from the picture with it)."""
    inner = WIDTH - 2 * MARGIN
    header = MARGIN + 40 * len(wrap(text.event, font(True, 30), inner)) + 20
    names = len(wrap(text.name, font(True, 44), inner))
    body = sum(len(wrap(value, font(False, 28), inner - VALUE_X)) for _, value in text.lines)
    modules = len(qr_modules(link))
    scale = qr_scale(modules)
    top = header + 30 + 56 * names + 10 + 44 * body + 60
    return (WIDTH - modules * scale) // 2, top, scale
