"""About the first page's text of a PDF, read without a PDF library, to look for a stamp.

What is read: the document's title (its Info dictionary) and the strings the first content
streams draw (`Tj`, `TJ`, `'`, `"`), what each operator shows on a line of its own (a
line of a page, mostly: word processors draw a line with one `TJ`). A string is read
as a PDF text string (UTF-16 with its mark, else UTF-8, else Latin-1) and, for fonts that
draw glyph numbers (Word's, LibreOffice's and fpdf2's embedded fonts: Identity-H), through
each `ToUnicode` map of the file in turn; which font draws which string is not followed,
so a string may come out once per map: a stamp is looked for in each reading. Streams are
inflated when compressed with Flate (another compression is skipped), at most
`INFLATED_MAX` bytes each; pictures and embedded font programs are never inflated.
"""

from __future__ import annotations

import itertools
import re
import zlib

INFLATED_MAX = 2 * 1024 * 1024  # bytes of one stream, inflated
STREAMS_MAX = 400  # streams looked at, in file order
CONTENTS_READ = 3  # content streams read: the first page's, in most files
CMAPS_MAX = 8  # ToUnicode maps tried

_STREAM = re.compile(rb"(?<!end)stream\r?\n")
HEAD_MAX = 4096  # bytes before a stream searched for its dictionary (from its "obj")
_SKIPPED = (b"/Image", b"/Length1", b"/Length2", b"/Length3", b"/FontFile", b"/Type1C",
            b"/CIDFontType0C", b"/OpenType", b"/XRef", b"/ObjStm", b"/Metadata")
_STRING = re.compile(rb"\((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\)|<[0-9A-Fa-f\s]*>", re.S)
_SHOWS = re.compile(rb"(?:Tj|TJ|'|\")(?![A-Za-z])")
_INFO_TITLE = re.compile(rb"/Title\s*(\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f\s]*>)", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f\s]+)>")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

CMap = tuple[int, dict[int, str]]  # (code width in bytes, code -> text)


def pdf_text(data: bytes) -> str:
    """Return a PDF's title and the text of its first content streams, one piece a line."""
    pieces = [decode_text(raw_string(m.group(1))) for m in _INFO_TITLE.finditer(data)]
    contents: list[bytes] = []
    cmaps: list[CMap] = []
    for body in _streams(data):
        if b"beginbfchar" in body or b"beginbfrange" in body:
            if len(cmaps) < CMAPS_MAX:
                cmaps.append(parse_cmap(body))
        elif _SHOWS.search(body) and len(contents) < CONTENTS_READ:
            contents.append(body)
    for body in contents:
        for shown in _SHOWS.split(body):  # what one operator shows: a string, or a TJ array
            strings = [raw_string(s) for s in _STRING.findall(shown)]
            if not strings:
                continue
            pieces.append("".join(decode_text(s) for s in strings))
            pieces += ["".join(through(cmap, s) for s in strings) for cmap in cmaps]
    return "\n".join(p for p in pieces if p.strip())


def _streams(data: bytes) -> list[bytes]:
    """Return the bodies of the file's streams worth reading, inflated."""
    found = []
    for match in itertools.islice(_STREAM.finditer(data), STREAMS_MAX):
        window = data[max(0, match.start() - HEAD_MAX):match.start()]
        head = window[window.rfind(b"obj") + 1:]  # the stream's dictionary
        if any(word in head for word in _SKIPPED):
            continue
        start = match.end()
        end = data.find(b"endstream", start)
        if end < 0:
            break
        body = data[start:end]
        if b"/FlateDecode" in head:
            try:
                body = zlib.decompressobj().decompress(body, INFLATED_MAX)
            except zlib.error:
                continue
        elif b"/Filter" in head:
            continue  # another compression: not read
        found.append(body)
    return found


def raw_string(token: bytes) -> bytes:
    """Return the bytes of a PDF string token: (literal) or <hex>."""
    if token.startswith(b"<"):
        digits = re.sub(rb"\s", b"", token[1:-1])
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())
    return re.sub(rb"\\([0-7]{1,3}|.)", lambda m: _unescape(m.group(1)), token[1:-1],
                  flags=re.S)


def _unescape(code: bytes) -> bytes:
    if code[:1].isdigit():
        return bytes([int(code, 8) & 0xFF])
    return _ESCAPES.get(code, code if code not in (b"\n", b"\r") else b"")


def decode_text(raw: bytes) -> str:
    """Read a PDF text string: UTF-16 with its mark, else UTF-8, else Latin-1."""
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parse_cmap(body: bytes) -> CMap:
    """Read a ToUnicode map: its code width and its bfchar and bfrange entries."""
    width = 2
    space = re.search(rb"begincodespacerange\s*<([0-9A-Fa-f]+)>", body)
    if space is not None:
        width = max(1, len(space.group(1)) // 2)
    table: dict[int, str] = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", body, re.S):
        values = _HEX.findall(section)
        for src, dst in zip(values[0::2], values[1::2], strict=False):
            table[_number(src)] = _utf16(dst)
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", body, re.S):
        for low, high, rest in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])", section):
            first, last = _number(low), min(_number(high), _number(low) + 0xFFFF)
            if rest.startswith(b"["):
                for code, dst in zip(range(first, last + 1), _HEX.findall(rest), strict=False):
                    table[code] = _utf16(dst)
                continue
            start = _utf16(rest[1:-1])
            if start:
                for offset in range(last - first + 1):
                    table[first + offset] = start[:-1] + chr(ord(start[-1]) + offset)
    return width, table


def through(cmap: CMap, raw: bytes) -> str:
    """Read a string's codes through a ToUnicode map ("" when it maps none of them)."""
    width, table = cmap
    if len(raw) % width:
        return ""
    codes = [int.from_bytes(raw[i:i + width], "big") for i in range(0, len(raw), width)]
    text = [table.get(code, "") for code in codes]
    return "".join(text) if any(text) else ""


def _number(hex_digits: bytes) -> int:
    return int(re.sub(rb"\s", b"", hex_digits) or b"0", 16)


def _utf16(hex_digits: bytes) -> str:
    digits = re.sub(rb"\s", b"", hex_digits)
    try:
        return bytes.fromhex(digits.decode()).decode("utf-16-be")
    except (ValueError, UnicodeDecodeError):
        return ""
