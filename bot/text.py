"""Message text helpers: split HTML at clean boundaries, and turn HTML into plain text.

Telegram refuses messages over 4096 characters and Zalo over 2000, so long texts are cut at a
paragraph, line, sentence or word boundary (in that order of preference), never inside a tag
or an entity; a tag open at a cut is closed at the end of one part and opened again in the next.
"""

from __future__ import annotations

import html
import re

TELEGRAM_LIMIT = 4096
ZALO_LIMIT = 2000

_TAG = re.compile(r"(<[^<>]*>)")
_ATOM = re.compile(r"(\n{2,}|\n|(?<=[.!?…:;])[ \t]+|[ \t]+)")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z0-9-]+)")


def visible_length(text: str) -> int:
    """Return the length Telegram counts (UTF-16 units of the text without tags)."""
    plain = html.unescape(_TAG.sub("", text))
    return len(plain.encode("utf-16-le")) // 2


def shorten(text: str, size: int) -> str:
    """Return text cut to at most `size` characters, ending in "…" when cut."""
    return text if len(text) <= size else text[: size - 1] + "…"


def html_to_plain(text: str) -> str:
    """Return the text a person reads, without tags (for platforms with no markup)."""
    return html.unescape(_TAG.sub("", text))


def _tag_name(tag: str) -> str:
    """Return a tag's name as written ("B" for "<B>" and "</B>"), or "" when it has none."""
    match = _TAG_NAME.match(tag)
    return match.group(1) if match else ""


def _pieces(word: str, size: int) -> list[str]:
    """Cut an over-long word into pieces of at most `size` UTF-16 units (a character that
    alone is longer, an emoji at size 1, stands alone), never inside an entity."""
    pieces: list[str] = []
    piece, units = "", 0
    for char in html.unescape(word):
        width = len(char.encode("utf-16-le")) // 2
        if piece and units + width > size:
            pieces.append(piece)
            piece, units = "", 0
        piece, units = piece + char, units + width
    return [html.escape(p, quote=False) for p in (*pieces, piece) if p]


def _atoms(text: str, limit: int) -> list[tuple[int, str]]:
    """Return (kind, value) pieces: kind -2 a tag, -3 a word, 0..3 a break of that priority.

    Words longer than half the limit are cut into pieces joined by breaks of priority -1.
    """
    atoms: list[tuple[int, str]] = []
    half = max(1, limit // 2)
    for part in _TAG.split(text):
        if not part:
            continue
        if _TAG.fullmatch(part):
            atoms.append((-2, part))
            continue
        for i, piece in enumerate(_ATOM.split(part)):
            if not piece:
                continue
            if i % 2 == 1:
                prio = 3 if piece.startswith("\n\n") else 2 if piece == "\n" else (
                    1 if atoms and atoms[-1][1][-1:] in ".!?…:;" else 0)
                atoms.append((prio, piece[:half]))
            elif visible_length(piece) <= half:
                atoms.append((-3, piece))
            else:
                for j, cut in enumerate(_pieces(piece, half)):
                    if j:
                        atoms.append((-1, ""))
                    atoms.append((-3, cut))
    return atoms


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split HTML text into parts of at most `limit` visible characters (UTF-16 units) each;
    `limit` must be at least 2, the length of one emoji."""
    if limit < 2:
        raise ValueError(f"the limit must be at least 2 UTF-16 units, not {limit}")
    if visible_length(text) <= limit:
        return [text]
    atoms = _atoms(text, limit)
    offsets = [0]  # visible offset before atom i
    stacks: list[tuple[str, ...]] = [()]  # tags open before atom i
    for kind, value in atoms:
        offsets.append(offsets[-1] + (0 if kind == -2 else visible_length(value)))
        stack = stacks[-1]
        if kind == -2:
            name = _tag_name(value).lower()
            if value.startswith("</"):
                if stack and _tag_name(stack[-1]).lower() == name:
                    stack = stack[:-1]
            elif not value.endswith("/>"):
                stack = (*stack, value)
        stacks.append(stack)
    parts: list[str] = []
    start = 0
    while start < len(atoms):
        if offsets[-1] - offsets[start] <= limit:
            end = len(atoms)
            cut = end
        else:
            end = start
            while end < len(atoms) and offsets[end + 1] - offsets[start] <= limit:
                end += 1
            cut = _cut(atoms, offsets, start, end, limit)
        body = "".join(v for _, v in atoms[start:cut])
        closing = "".join(f"</{_tag_name(t)}>" for t in reversed(stacks[cut]))
        part = "".join(stacks[start]) + body + closing
        if html_to_plain(part).strip():
            parts.append(part)
        start = cut + 1 if cut < len(atoms) and atoms[cut][0] >= -1 else cut
    return parts


def _cut(atoms: list[tuple[int, str]], offsets: list[int], start: int, end: int,
         limit: int) -> int:
    """Return where the part from atom `start` ends: at the best break among atoms
    start+1..end (atoms[start:end] fit the limit; the break at `end` itself may end it), late
    enough; else after a break it starts with; else, for words joined only by tags, before a
    tag (after any closing tag)."""
    breaks = [i for i in range(start + 1, end + 1) if atoms[i][0] >= -1]
    if breaks:
        early = offsets[start] + limit // 4
        late = [i for i in breaks if offsets[i] >= early] or breaks
        return max(late, key=lambda i: (atoms[i][0], i))
    if atoms[start][0] >= -1:  # the part would be this break alone (dropped as blank)
        return start + 1
    tags = [i for i in range(start + 1, end + 1) if atoms[i][0] == -2]
    if not tags:
        raise AssertionError("no break point")  # cannot happen: words fit in half the limit
    cut = tags[-1]
    while cut < len(atoms) and atoms[cut][0] == -2 and atoms[cut][1].startswith("</"):
        cut += 1
    return cut
