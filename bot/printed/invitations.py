"""Invitations: one A5 portrait page per delegate.

From the top: the event's name and days; "GIẤY MỜI"; "Kính gửi" with the form of address
and the delegate's name; unit, delegation and seat; the first session's title, time and
place (when there is a programme); then the invite code in large type beside the QR code of
the Telegram link that registers the delegate, and three lines on how to reach the bot.
Every text is fitted to its box (`bot.printed.pdf.fit`); the boxes are fixed, so a long name
takes smaller type, never another page.
"""

from __future__ import annotations

from fpdf import FPDF

from bot.printed.content import Card, PrintJob
from bot.printed.pdf import Box, Colour, Measure, draw_qr, fit_and_draw, new_document

WIDTH, HEIGHT = 148.0, 210.0
MARGIN = 14.0
INNER = WIDTH - 2 * MARGIN
ACCENT: Colour = (160, 20, 20)
GREY: Colour = (70, 70, 70)

EVENT_BOX = Box(MARGIN, 12.0, INNER, 17.0)
DATES_BOX = Box(MARGIN, 30.0, INNER, 5.5)
RULE_Y = 39.0
TITLE_BOX = Box(MARGIN, 43.0, INNER, 9.0)
TO_BOX = Box(MARGIN, 55.0, INNER, 6.0)
NAME_BOX = Box(MARGIN, 61.0, INNER, 17.0)
DETAILS_TOP = 81.0
DETAIL_HEIGHT = 7.0  # each line of details: two lines of small type at most
DETAIL_GAP = 1.0
QR_BOX = Box(MARGIN, 129.0, 40.0, 40.0)
CODE_LABEL_BOX = Box(60.0, 132.0, WIDTH - MARGIN - 60.0, 5.5)
CODE_BOX = Box(60.0, 138.0, WIDTH - MARGIN - 60.0, 11.0)
SCAN_BOX = Box(60.0, 153.0, WIDTH - MARGIN - 60.0, 12.0)
STEPS_TOP = 173.5
STEP_HEIGHT = 9.0


def render(job: PrintJob) -> bytes:
    """Return the PDF of one invitation per card of `job`."""
    pdf = new_document(WIDTH, HEIGHT)
    regular, bold = Measure(pdf, ""), Measure(pdf, "B")
    shared = _shared_lines(job)
    for card in job.cards:
        pdf.add_page()
        _page(pdf, regular, bold, job, shared, card)
    return bytes(pdf.output())


def _shared_lines(job: PrintJob) -> list[str]:
    """Return the programme's lines, the same on every invitation."""
    title, when, place = job.first_session
    lines = []
    if title:
        lines.append(job.say("print.invitation.first", title=title))
    if when:
        lines.append(job.say("print.invitation.time", when=when))
    if place:
        lines.append(job.say("print.invitation.place", place=place))
    return lines


def _page(pdf: FPDF, regular: Measure, bold: Measure, job: PrintJob, shared: list[str],
          card: Card) -> None:
    say = job.say
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.4)
    pdf.rect(7.0, 7.0, WIDTH - 14.0, HEIGHT - 14.0)
    fit_and_draw(pdf, bold, job.event.upper(), EVENT_BOX, 14.0, align="C", valign="M",
                 colour=ACCENT)
    if job.dates:
        fit_and_draw(pdf, regular, job.dates, DATES_BOX, 10.5, align="C", colour=GREY)
    pdf.line(WIDTH / 2 - 25, RULE_Y, WIDTH / 2 + 25, RULE_Y)
    fit_and_draw(pdf, bold, say("print.invitation.title"), TITLE_BOX, 18.0, align="C",
                 colour=ACCENT)
    fit_and_draw(pdf, regular, say("print.invitation.to"), TO_BOX, 12.0, align="C")
    fit_and_draw(pdf, bold, card.name, NAME_BOX, 18.0, align="C", valign="M")
    y = DETAILS_TOP
    details = [say(f"print.invitation.{field}", value=value) for field, value in (
        ("unit", card.unit), ("delegation", card.delegation), ("seat", card.seat)) if value]
    for line in [*details, *shared]:
        fitted = fit_and_draw(pdf, regular, line, Box(MARGIN, y, INNER, DETAIL_HEIGHT), 10.5)
        y += fitted.height + DETAIL_GAP
    draw_qr(pdf, card.invite_link, QR_BOX.x, QR_BOX.y, QR_BOX.w)
    fit_and_draw(pdf, regular, say("print.invitation.code_label"), CODE_LABEL_BOX, 10.0,
                 colour=GREY)
    fit_and_draw(pdf, bold, card.code, CODE_BOX, 24.0, max_lines=1)
    fit_and_draw(pdf, regular, say("print.invitation.scan"), SCAN_BOX, 9.0, colour=GREY)
    zalo = (say("print.invitation.zalo_named", bot=job.zalo_name) if job.zalo_name
            else say("print.invitation.zalo"))
    for i, step in enumerate((say("print.invitation.telegram"), zalo,
                              say("print.invitation.after"))):
        box = Box(MARGIN, STEPS_TOP + i * STEP_HEIGHT, INNER, STEP_HEIGHT)
        fit_and_draw(pdf, regular, step, box, 9.0)
