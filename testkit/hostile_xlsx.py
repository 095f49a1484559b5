"""Build .xlsx files by hand, the way an attacker would: raw XML parts in a zip, streamed.

openpyxl cannot write a spreadsheet bomb (a cell at column XFD on every row, a deflate bomb,
a part that lies about its size, a document type declaration), so `xlsx` writes the few
parts a workbook needs itself, each part's XML streamed into the zip from an iterable of
fragments, so a part of hundreds of megabytes never sits in memory. The tests of
`bot.filelimits` and `bench/hostile_files.py` build their files with it.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
Part = str | bytes | Iterable[str]


def cell(reference: str, text: str) -> str:
    """Return a cell holding `text` as an inline string."""
    return f'<c r="{reference}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def shared(reference: str, index: int) -> str:
    """Return a cell holding shared string number `index`."""
    return f'<c r="{reference}" t="s"><v>{index}</v></c>'


def row(number: int, *cells: str) -> str:
    """Return a row element holding `cells`."""
    return f'<row r="{number}">{"".join(cells)}</row>'


def table_rows(rows: Iterable[Iterable[str]], first: int = 1) -> Iterator[str]:
    """Yield rows of plain texts as row elements of inline-string cells (A, B, C, ...)."""
    for number, texts in enumerate(rows, start=first):
        yield row(number, *(cell(f"{_letters(i)}{number}", t) for i, t in enumerate(texts, 1)
                            if t))


def xlsx(rows: Iterable[str], *, strings: Iterable[str] | None = None,
         styles: Part | None = None, extra: Mapping[str, Part] | None = None,
         workbook_head: str = "", level: int = 6) -> bytes:
    """Return a workbook whose first sheet holds the row elements `rows` (fragments, streamed),
    with shared strings (`<si>` fragments), a styles part and `extra` parts if given."""
    overrides = {"/xl/workbook.xml": f"{_CT}.sheet.main+xml",
                 "/xl/worksheets/sheet1.xml": f"{_CT}.worksheet+xml"}
    rels = [("rId1", "worksheet", "worksheets/sheet1.xml")]
    if strings is not None:
        overrides["/xl/sharedStrings.xml"] = f"{_CT}.sharedStrings+xml"
        rels.append(("rId2", "sharedStrings", "sharedStrings.xml"))
    if styles is not None:
        overrides["/xl/styles.xml"] = f"{_CT}.styles+xml"
        rels.append(("rId3", "styles", "styles.xml"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        _write(archive, "[Content_Types].xml", [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>',
            *(f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in overrides.items()),
            "</Types>"])
        _write(archive, "_rels/.rels", [
            f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'])
        _write(archive, "xl/workbook.xml", [
            f'{workbook_head}<workbook xmlns="{MAIN}" xmlns:r="{_REL}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'])
        _write(archive, "xl/_rels/workbook.xml.rels", [
            f'<Relationships xmlns="{_PKG_REL}">',
            *(f'<Relationship Id="{i}" Type="{_REL}/{k}" Target="{t}"/>' for i, k, t in rels),
            "</Relationships>"])
        _write(archive, "xl/worksheets/sheet1.xml", _wrapped(
            f'<worksheet xmlns="{MAIN}"><sheetData>', rows, "</sheetData></worksheet>"))
        if strings is not None:
            _write(archive, "xl/sharedStrings.xml", _wrapped(f'<sst xmlns="{MAIN}">', strings,
                                                               "</sst>"))
        if styles is not None:
            _write(archive, "xl/styles.xml", styles)
        for name, part in (extra or {}).items():
            _write(archive, name, part)
    return buffer.getvalue()


def styles_with(xfs: int, padding: int = 0) -> Iterator[str]:
    """Yield a styles part with `xfs` cell formats (a styles bomb when there are many),
    and `padding` characters of comments."""
    for _ in range(padding // 30_000):
        yield f"<!--{'p' * 29_993}-->"
    yield (f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font/></fonts><fills count="1">'
           '<fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/>'
           '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
           f'borderId="0"/></cellStyleXfs><cellXfs count="{xfs}">')
    for _ in range(xfs):
        yield '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    yield ('</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
           "</cellStyles></styleSheet>")


def lie_about_sizes(data: bytes, name: str, size: int) -> bytes:
    """Return a zip whose part `name` claims to unpack to `size` bytes (a lying bomb)."""
    out = bytearray(data)
    encoded = name.encode()
    at = 0
    while (at := out.find(encoded, at + 1)) > 0:
        if out[at - 30 : at - 26] == b"PK\x03\x04":  # local header: size at offset 22
            struct.pack_into("<I", out, at - 30 + 22, size)
        elif out[at - 46 : at - 42] == b"PK\x01\x02":  # directory entry: size at offset 24
            struct.pack_into("<I", out, at - 46 + 24, size)
    return bytes(out)


def _wrapped(head: str, body: Iterable[str], tail: str) -> Iterator[str]:
    yield head
    yield from body
    yield tail


def _write(archive: zipfile.ZipFile, name: str, part: Part) -> None:
    """Write one part, streaming an iterable of fragments."""
    if isinstance(part, (str, bytes)):
        archive.writestr(name, part)
        return
    with archive.open(name, "w") as stream:
        chunk: list[str] = []
        size = 0
        for fragment in part:
            chunk.append(fragment)
            size += len(fragment)
            if size >= 1 << 16:
                stream.write("".join(chunk).encode())
                chunk, size = [], 0
        stream.write("".join(chunk).encode())


def _letters(position: int) -> str:
    letters = ""
    while position > 0:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
