"""The drawing both printed layouts share: the bundled font, text fitted to a box, QR codes.

The font is Noto Sans (regular and bold, `bot/fonts/`, SIL Open Font License), which has
every Vietnamese letter precomposed; fpdf2 embeds only the glyphs a document uses (a subset).
Text is fitted to its box by `fit`: words are wrapped onto lines, and the size shrinks from
the layout's size, a quarter point at a time, until every line is within the width and the
lines within the height; a word is never cut. The boxes are sized so that the longest name
the roster allows (200 characters) fits at `FLOOR_PT` or more; a single word too wide for its
box even there is squeezed horizontally, still whole. QR codes (`segno`)
are drawn as vector rectangles, one per run of dark modules, so they print sharp at any size.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import RenderStyle

FAMILY = "NotoSans"
PT_MM = 25.4 / 72  # one typographic point in millimetres
LINE = 1.32  # line pitch, in font sizes
ASCENT = 1.07  # from the top of a line to its baseline: room for a capital's stacked marks
DESCENT = 0.3  # below the baseline: g, y, and the dot of ạ
STEP_PT = 0.25  # how finely the size shrinks
FLOOR_PT = 4.0  # the smallest size text shrinks to
QUIET_ZONE = 2  # modules of white around a QR code (the page around it is white too)
MASK = 2  # see qr_blocks
FIT_CACHE = 2000  # texts fitted once per document (those repeated on every page)

Colour = tuple[int, int, int]
FILL = RenderStyle.F
BLACK: Colour = (0, 0, 0)
WHITE: Colour = (255, 255, 255)


def font_folder() -> Path:
    """Return the folder of the bundled font files and their licence."""
    return Path(str(resources.files("bot") / "fonts"))


def new_document(width: float, height: float) -> FPDF:
    """Return an empty document in millimetres, pages `width` × `height`, with the
    bundled font loaded (regular "" and bold "B"), no automatic page breaks, and compressed
    page streams."""
    pdf = FPDF(orientation="portrait", unit="mm", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    folder = font_folder()
    pdf.add_font(FAMILY, "", folder / "NotoSans-Regular.ttf")
    pdf.add_font(FAMILY, "B", folder / "NotoSans-Bold.ttf")
    pdf.set_font(FAMILY, "", 10)
    pdf.set_creator("delegate-bot")
    return pdf


def clean(text: str) -> str:
    """Return `text` in composed form (NFC: the font's precomposed Vietnamese letters) on
    one line, with its spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True)
class Box:
    """A rectangle on the page, in millimetres from the top left corner."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Fitted:
    """Text fitted to a box: the font size (pt), the lines, and the width of each (mm)."""

    size: float
    lines: tuple[str, ...]
    widths: tuple[float, ...]

    @property
    def height(self) -> float:
        """Return the height the lines take, in millimetres."""
        return lines_height(len(self.lines), self.size)


def lines_height(count: int, size: float) -> float:
    """Return the height `count` lines of `size` points take, in millimetres."""
    return ((count - 1) * LINE + ASCENT + DESCENT) * size * PT_MM


class Measure:
    """Widths of words in one style of the font, at one point (cached: a name is measured
    at every size it is tried at by scaling, not by measuring again)."""

    def __init__(self, pdf: FPDF, style: str) -> None:
        self.pdf, self.style = pdf, style
        self._widths: dict[str, float] = {}
        self.fitted: dict[tuple[str, Box, float, int | None], Fitted] = {}  # see `fit`

    def width(self, word: str) -> float:
        """Return the width of `word` at one point, in millimetres."""
        known = self._widths.get(word)
        if known is None:
            self.pdf.set_font(FAMILY, self.style, 1)
            known = self._widths[word] = self.pdf.get_string_width(word)
        return known


def wrap(words: list[str], unit: list[float], space: float, size: float,
         width: float) -> tuple[list[str], list[float]] | None:
    """Put words on lines no wider than `width` at `size`; None when a word alone is wider."""
    lines: list[str] = []
    widths: list[float] = []
    current: list[str] = []
    current_width = 0.0
    for word, w1 in zip(words, unit, strict=True):
        w = w1 * size
        if w > width:
            return None
        if current and current_width + space * size + w <= width:
            current.append(word)
            current_width += space * size + w
            continue
        if current:
            lines.append(" ".join(current))
            widths.append(current_width)
        current, current_width = [word], w
    if current:
        lines.append(" ".join(current))
        widths.append(current_width)
    return lines, widths


def fit(measure: Measure, text: str, box: Box, size: float,
        max_lines: int | None = None) -> Fitted:
    """Fit `text` to `box`: wrapped at `size` if it fits, else at the largest smaller size
    that does, down to FLOOR_PT (and, at most, `max_lines` lines). The texts every page
    repeats are fitted once (kept in `measure`)."""
    key = (text, box, size, max_lines)
    known = measure.fitted.get(key)
    if known is None:
        known = _fit(measure, text, box, size, max_lines)
        if len(measure.fitted) < FIT_CACHE:
            measure.fitted[key] = known
    return known


def _fit(measure: Measure, text: str, box: Box, size: float,
         max_lines: int | None) -> Fitted:
    words = clean(text).split(" ")
    unit = [measure.width(w) for w in words]
    space = measure.width(" ")
    current = size
    while current >= FLOOR_PT - 1e-9:  # the first size that fits is the largest
        wrapped = wrap(words, unit, space, current, box.w)
        if wrapped is not None:
            lines, widths = wrapped
            if lines_height(len(lines), current) <= box.h and (
                    max_lines is None or len(lines) <= max_lines):
                return Fitted(current, tuple(lines), tuple(widths))
        current = round(current - STEP_PT, 2)
    # Nothing fits even at the floor (a 200-character word): one line per word at the floor,
    # a word wider than the box squeezed to its width by `draw`, still whole.
    return Fitted(FLOOR_PT, tuple(words), tuple(w * FLOOR_PT for w in unit))


def draw(pdf: FPDF, fitted: Fitted, box: Box, style: str, *, align: str = "L",
         valign: str = "T", colour: Colour = BLACK) -> None:
    """Write fitted lines in `box`: aligned left, centre ("C") or right ("R"), from the top
    ("T") or centred vertically ("M")."""
    pdf.set_font(FAMILY, style, fitted.size)
    pdf.set_text_color(*colour)
    top = box.y + (box.h - fitted.height) / 2 if valign == "M" else box.y
    pitch = fitted.size * PT_MM
    for i, (line, width) in enumerate(zip(fitted.lines, fitted.widths, strict=True)):
        x = box.x
        if align == "C":
            x += max(box.w - width, 0) / 2
        elif align == "R":
            x += max(box.w - width, 0)
        baseline = top + (ASCENT + i * LINE) * pitch
        if width > box.w + 1e-6:  # only a word too wide for the box at the floor size
            pdf.set_stretching(100 * box.w / width)
            pdf.text(box.x, baseline, line)
            pdf.set_stretching(100)
        else:
            pdf.text(x, baseline, line)


def fit_and_draw(pdf: FPDF, measure: Measure, text: str, box: Box, size: float, *,
                 align: str = "L", valign: str = "T", colour: Colour = BLACK,
                 max_lines: int | None = None) -> Fitted:
    """Fit `text` to `box` and write it there (see `fit` and `draw`)."""
    fitted = fit(measure, text, box, size, max_lines)
    draw(pdf, fitted, box, measure.style, align=align, valign=valign, colour=colour)
    return fitted


def qr_blocks(data: str) -> tuple[int, list[tuple[int, int, int, int]]]:
    """Return the size of `data`'s QR code in modules (no quiet zone) and its dark modules
    as rectangles (row, column, width, height): each row's runs of dark modules, a run
    joined with the same run in the rows below it.

    The mask pattern is fixed (`MASK`): segno's search for the best of the eight costs three
    milliseconds a code, most of the time a page takes, and any mask is valid (the tests and
    `bench/print.py` decode every code).
    """
    matrix = segno.make(data, error="m", micro=False, mask=MASK).matrix
    open_blocks: dict[tuple[int, int], list[int]] = {}  # (column, width) -> [row, height]
    blocks = []
    for row, modules in enumerate(matrix):
        runs = set()
        start = None
        for col, dark in enumerate((*modules, 0)):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                runs.add((start, col - start))
                start = None
        for key in [k for k in open_blocks if k not in runs]:
            first, height = open_blocks.pop(key)
            blocks.append((first, key[0], key[1], height))
        for key in runs:
            if key in open_blocks:
                open_blocks[key][1] += 1
            else:
                open_blocks[key] = [row, 1]
    blocks += [(first, key[0], key[1], height) for key, (first, height) in open_blocks.items()]
    return len(matrix), blocks


def draw_qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """Draw `data`'s QR code as vector rectangles in the square at (x, y) of side `size`,
    with a white quiet zone inside the square."""
    modules, blocks = qr_blocks(data)
    cell = size / (modules + 2 * QUIET_ZONE)
    pdf.set_fill_color(*WHITE)
    pdf.rect(x, y, size, size, style=FILL)
    pdf.set_fill_color(*BLACK)
    k, page_height = pdf.k, pdf.h
    left, top = (x + QUIET_ZONE * cell) * k, (page_height - y - QUIET_ZONE * cell) * k
    step = cell * k
    # One path of rectangles filled at once, written as fpdf2 writes its own rect() (in
    # points, y upwards): a call per rectangle was half the time of a page. Each is a hair
    # larger than its modules, so that no white seam shows between them.
    path = " ".join(
        f"{left + col * step:.2f} {top - row * step:.2f} {width * step + 0.03:.2f} "
        f"{-(height * step + 0.03):.2f} re" for row, col, width, height in blocks)
    pdf._out(f"{path} f")  # fpdf2's page stream, as rect() writes to it
