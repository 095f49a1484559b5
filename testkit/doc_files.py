"""Small real files for the document tests: PDF (text in a compressed content stream, an
optional document title), Word, Excel, PNG and JPEG, made in memory."""

from __future__ import annotations

import io
import zipfile
import zlib

from openpyxl import Workbook


def _pdf_string(text: str) -> bytes:
    """Return a PDF literal string: UTF-16 with its mark, parentheses escaped."""
    raw = b"\xfe\xff" + text.encode("utf-16-be")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def pdf(*lines: str, title: str | None = None, compress: bool = True,
        padding: int = 0) -> bytes:
    """Return a one-page PDF drawing `lines` (each a Tj string), its content stream deflated
    unless `compress` is false; `padding` bytes of a comment make it as large as wanted."""
    content = b"BT /F1 12 Tf 72 720 Td " + b" ".join(
        _pdf_string(line) + b" Tj 0 -14 Td" for line in lines) + b" ET"
    body = zlib.compress(content) if compress else content
    flate = b" /Filter /FlateDecode" if compress else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d%s >>\nstream\n" % (len(body), flate) + body + b"\nendstream",
    ]
    info = b""
    if title is not None:
        objects.append(b"<< /Title " + _pdf_string(title) + b" >>")
        info = b" /Info 5 0 R"
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    if padding:
        out.write(b"%" + b"x" * padding + b"\n")
    for number, obj in enumerate(objects, 1):
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    out.write(b"trailer\n<< /Root 1 0 R /Size %d%s >>\n%%%%EOF\n" % (len(objects) + 1, info))
    return out.getvalue()


def docx(*paragraphs: list[str]) -> bytes:
    """Return a Word document whose paragraphs are made of the given runs."""
    body = "".join("<w:p><w:pPr/>" + "".join(f"<w:r><w:t xml:space=\"preserve\">{run}</w:t></w:r>"
                                             for run in runs) + "</w:p>"
                   for runs in paragraphs)
    xml = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
           'openxmlformats.org/wordprocessingml/2006/main"><w:body>' + body +
           "</w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return out.getvalue()


def xlsx(*cells: str) -> bytes:
    """Return a workbook with the given texts down its first column."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for i, text in enumerate(cells, 1):
        sheet.cell(row=i, column=1, value=text)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
