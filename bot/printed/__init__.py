"""Printable invitations and badges: a PDF that brings every delegate to the bot.

`content.gather` chooses the delegates and builds their links; `invitations` and `badges`
lay the pages out; `pdf` holds the drawing they share (the bundled font, text fitted to a
box, vector QR codes). `render` makes the PDF of a layout.
"""

from __future__ import annotations

from bot.printed.content import LAYOUTS, PrintJob


def render(layout: str, job: PrintJob) -> bytes:
    """Return the PDF of `job` in `layout` (one of `LAYOUTS`)."""
    if layout == "badges":
        from bot.printed import badges

        return badges.render(job)
    if layout == "invitations":
        from bot.printed import invitations

        return invitations.render(job)
    raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")


def pages(layout: str, count: int) -> int:
    """Return how many pages `count` cards take in `layout`."""
    if layout == "badges":
        from bot.printed.badges import PER_PAGE

        return -(-count // PER_PAGE)
    return count
