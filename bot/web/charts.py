"""Charts drawn as SVG on the server: progress bars and a registrations-over-time line.

No chart service and no script: the SVG is part of the page. A bar's filled part carries
`data-live-width="<key>"`, so the live updates (static/live.js) move it without a reload.
Labels are escaped; sizes are in the viewBox's units (a bar is 100 wide: its width is the
percentage).
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT, PAD = 600, 180, 28


def percent(part: int, whole: int) -> float:
    """Return part of whole in percent, one decimal (0 for an empty whole)."""
    return round(100 * part / whole, 1) if whole else 0.0


def bar(key: str, part: int, whole: int, label: str) -> Markup:
    """Return a horizontal progress bar; `label` is read out by screen readers."""
    return Markup(
        '<svg class="bar" viewBox="0 0 100 6" preserveAspectRatio="none" role="img"'
        f' aria-label="{escape(label)}"><rect class="bar-bg" width="100" height="6"/>'
        f'<rect class="bar-fg" data-live-width="{escape(key)}" width="{percent(part, whole)}"'
        ' height="6"/></svg>')


def with_line(key: str, part: int, whole: int, line_at: int, label: str) -> Markup:
    """Return a progress bar with a mark at `line_at` of `whole` (the quorum's line)."""
    at = percent(line_at, whole)
    return Markup(
        '<svg class="bar tall" viewBox="0 0 100 6" preserveAspectRatio="none" role="img"'
        f' aria-label="{escape(label)}"><rect class="bar-bg" width="100" height="6"/>'
        f'<rect class="bar-fg" data-live-width="{escape(key)}" width="{percent(part, whole)}"'
        f' height="6"/><line class="quorum" x1="{at}" x2="{at}" y1="0" y2="6"/></svg>')


def stacked(key: str, parts: list[tuple[str, int]], whole: int, label: str) -> Markup:
    """Return a bar split into coloured parts (class, count), e.g. sent, failed, blocked."""
    rects, x = [], 0.0
    for css, count in parts:
        width = percent(count, whole)
        rects.append(f'<rect class="{escape(css)}" data-live-width="{escape(key)}.{escape(css)}"'
                     f' data-live-x="{escape(key)}.{escape(css)}.x" x="{x}" width="{width}"'
                     ' height="6"/>')
        x = round(x + width, 1)
    return Markup(
        '<svg class="bar" viewBox="0 0 100 6" preserveAspectRatio="none" role="img"'
        f' aria-label="{escape(label)}"><rect class="bar-bg" width="100" height="6"/>'
        + "".join(rects) + "</svg>")


def timeline(points: list[tuple[datetime, int]], label: str) -> Markup:
    """Return the running total of registrations over time as a step line, with the first
    and last hour and the total written on it; `points` are (local hour, count in it)."""
    if not points:
        return Markup("")
    total = sum(count for _, count in points)
    start, end = points[0][0].timestamp(), points[-1][0].timestamp()
    span = max(end - start, 1.0)
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    coords: list[tuple[float, float]] = [(PAD, HEIGHT - PAD)]
    running = 0
    for moment, count in points:
        x = PAD + inner_w * (moment.timestamp() - start) / span if len(points) > 1 else PAD
        y_before = HEIGHT - PAD - inner_h * running / total
        running += count
        y = HEIGHT - PAD - inner_h * running / total
        coords += [(x, y_before), (x, y)]
    coords.append((WIDTH - PAD, coords[-1][1]))
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    first, last = points[0][0], points[-1][0]
    return Markup(
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-label="{escape(label)}">'
        f'<line class="axis" x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}"'
        f' y2="{HEIGHT - PAD}"/>'
        f'<polyline class="line" points="{line}"/>'
        f'<text class="tick" x="{PAD}" y="{HEIGHT - 8}">{first:%H:%M %d/%m}</text>'
        f'<text class="tick end" x="{WIDTH - PAD}" y="{HEIGHT - 8}">{last:%H:%M %d/%m}</text>'
        f'<text class="tick" x="{PAD}" y="{PAD - 10}">{total}</text></svg>')
