"""Badges: 85 × 54 mm (a bank card), eight to an A4 page, with cut marks.

The badges touch each other in a 2 × 4 grid centred on the page, so one cut separates two;
short marks outside the grid show where to cut. On each: a band at the top in the colour of
the delegate's kind, with the event's name; the name in large type; the delegation and the
seat; the check-in QR code (`bot.checkin_link`); and at the bottom a band in the same colour
with the kind in words (official, alternate, guest), so the kind reads without the colour
(in black-and-white print, or for a colour-blind reader).
"""

from __future__ import annotations

from fpdf import FPDF

from bot.printed.content import Card, PrintJob
from bot.printed.pdf import WHITE, Box, Colour, Measure, draw_qr, fit_and_draw, new_document

PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
WIDTH, HEIGHT = 85.0, 54.0
COLUMNS, ROWS = 2, 4
PER_PAGE = COLUMNS * ROWS
LEFT = (PAGE_WIDTH - COLUMNS * WIDTH) / 2
TOP = (PAGE_HEIGHT - ROWS * HEIGHT) / 2
MARK_GAP, MARK_LENGTH = 2.0, 6.0  # cut marks: how far from the grid they start, how long

COLOURS: dict[str, Colour] = {
    "official": (176, 24, 24),  # red
    "alternate": (20, 70, 150),  # blue
    "guest": (30, 110, 50),  # green
}
TEXT: Colour = (0, 0, 0)
GREY: Colour = (70, 70, 70)

# Boxes within a badge, from its top left corner.
INSET = 1.5  # white around the bands: a cut a little off shows no neighbour's colour
TOP_BAND = Box(INSET, INSET, WIDTH - 2 * INSET, 8.5)
EVENT_BOX = Box(4.0, 2.0, WIDTH - 8.0, 7.0)
NAME_BOX = Box(4.0, 11.0, 48.0, 21.0)
DELEGATION_BOX = Box(4.0, 33.0, 48.0, 7.5)
SEAT_BOX = Box(4.0, 40.8, 48.0, 5.0)
QR_BOX = Box(55.0, 11.0, 27.0, 27.0)
CHECKIN_BOX = Box(55.0, 38.3, 27.0, 3.5)
BOTTOM_BAND = Box(INSET, 46.5, WIDTH - 2 * INSET, HEIGHT - 46.5 - INSET)
KIND_BOX = Box(4.0, 46.75, WIDTH - 8.0, 5.5)


def origin(index: int) -> tuple[float, float]:
    """Return the top left corner (mm) of the badge at `index` on its page."""
    slot = index % PER_PAGE
    return LEFT + (slot % COLUMNS) * WIDTH, TOP + (slot // COLUMNS) * HEIGHT


def render(job: PrintJob) -> bytes:
    """Return the PDF of one badge per card of `job`, eight to a page."""
    pdf = new_document(PAGE_WIDTH, PAGE_HEIGHT)
    regular, bold = Measure(pdf, ""), Measure(pdf, "B")
    for index, card in enumerate(job.cards):
        if index % PER_PAGE == 0:
            pdf.add_page()
            _cut_marks(pdf)
        _badge(pdf, regular, bold, job, card, *origin(index))
    return bytes(pdf.output())


def _cut_marks(pdf: FPDF) -> None:
    """Draw the marks outside the grid where each cut line meets the page's edge region."""
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    right, bottom = LEFT + COLUMNS * WIDTH, TOP + ROWS * HEIGHT
    for col in range(COLUMNS + 1):
        x = LEFT + col * WIDTH
        pdf.line(x, TOP - MARK_GAP - MARK_LENGTH, x, TOP - MARK_GAP)
        pdf.line(x, bottom + MARK_GAP, x, bottom + MARK_GAP + MARK_LENGTH)
    for row in range(ROWS + 1):
        y = TOP + row * HEIGHT
        pdf.line(LEFT - MARK_GAP - MARK_LENGTH, y, LEFT - MARK_GAP, y)
        pdf.line(right + MARK_GAP, y, right + MARK_GAP + MARK_LENGTH, y)


def _at(box: Box, x: float, y: float) -> Box:
    return Box(x + box.x, y + box.y, box.w, box.h)


def _badge(pdf: FPDF, regular: Measure, bold: Measure, job: PrintJob, card: Card,
           x: float, y: float) -> None:
    colour = COLOURS.get(card.kind, COLOURS["official"])
    pdf.set_fill_color(*colour)
    for band in (TOP_BAND, BOTTOM_BAND):
        pdf.rect(x + band.x, y + band.y, band.w, band.h, style="F")
    fit_and_draw(pdf, bold, job.event, _at(EVENT_BOX, x, y), 8.0, align="C", valign="M",
                 colour=WHITE)
    fit_and_draw(pdf, bold, card.name, _at(NAME_BOX, x, y), 16.0, valign="M", colour=TEXT)
    if card.delegation:
        fit_and_draw(pdf, regular, card.delegation, _at(DELEGATION_BOX, x, y), 8.0,
                     colour=GREY)
    if card.seat:
        fit_and_draw(pdf, bold, job.say("print.badge.seat", seat=card.seat),
                     _at(SEAT_BOX, x, y), 9.0, max_lines=1, colour=TEXT)
    draw_qr(pdf, card.checkin_link, x + QR_BOX.x, y + QR_BOX.y, QR_BOX.w)
    fit_and_draw(pdf, regular, job.say("print.badge.checkin"), _at(CHECKIN_BOX, x, y), 6.0,
                 align="C", max_lines=1, colour=GREY)
    fit_and_draw(pdf, bold, job.say(f"print.badge.kind.{card.kind}"), _at(KIND_BOX, x, y),
                 9.0, align="C", valign="M", max_lines=1, colour=WHITE)
