"""Checks on a congress document before anything of it is stored (issue 17).

A file is refused, with a `Refusal` naming its locale key (``documents.error.*``) and the
parameters of its message, when: it is empty; it is over the platform's limit (`MAX_BYTES`);
its extension is not one of PDF, DOCX, XLSX, JPEG or PNG; its content is not what its
extension says (read by content: a PDF header, a Word or Excel package, an image signature);
its title is empty or too long; or it is stamped as a state secret.

State secrets go on paper only: the stamps are MẬT, TỐI MẬT and TUYỆT MẬT (Law on the
Protection of State Secrets 2018, art. 8). "Tối mật" and "tuyệt mật" mean nothing else and
count in any case. "Mật" alone is a syllable of many ordinary words (bí mật, mật khẩu, mật
độ, bảo mật, thân mật, mật ong), so only the upper-case word MẬT counts, as stamps are
printed, and not when it is one syllable of such a word (`_ORDINARY_BEFORE`,
`_ORDINARY_AFTER`): "BẢO VỆ BÍ MẬT NHÀ NƯỚC" is a title, "BÁO CÁO MẬT" is stamped. The title,
the caption and the first page's text are searched. The first page's text is read without a
PDF library: a PDF's title and the strings of its first content streams, through its
ToUnicode maps where its fonts draw glyph numbers (`bot.pdftext`), a Word document's first
paragraphs, a workbook's first strings. A page that is only a scanned picture has no text to
read; its title and caption are still checked.
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

from bot.pdftext import pdf_text

MIB = 1024 * 1024
# Telegram lets a bot download a file of up to 20 MB (getFile) and send up to 50 MB: a
# document must go both ways (sent in chat by an organiser, sent on to delegates).
MAX_BYTES = 20 * MIB
TITLE_MAX = 200
FIRST_PAGE_CHARS = 4000  # the text searched for a stamp: about a page
_INFLATED_MAX = 2 * MIB  # of a Word or Excel package's part, at most this is unpacked

TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
_KIND_OF_TYPE = {".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx", ".jpg": "jpeg",
                 ".jpeg": "jpeg", ".png": "png"}
_ORDINARY_BEFORE = frozenset({"BÍ", "BẢO", "THÂN", "ĐỘ", "TÚI", "CƠ", "KÍN"})
_ORDINARY_AFTER = frozenset({"KHẨU", "MÃ", "ĐỘ", "THIẾT", "ONG", "THƯ", "NGỌT", "DANH", "VỤ",
                             "THÁM", "LỆNH", "NGỮ", "ƯỚC", "ĐÀM", "GẤU", "MÍA", "ĐẮNG"})
_WORD = re.compile(r"\w+")
_STRONG = re.compile(r"(?<!\w)(tối|tuyệt)\s+mật(?!\w)")


@dataclass(frozen=True)
class Refusal(Exception):
    """Why a document is refused: a locale key and its message's parameters."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """A file that passed the checks: its name, type and bytes."""

    file_name: str
    mime: str
    data: bytes


def suffix_of(file_name: str) -> str:
    """Return a file name's extension, lower case with its dot ("" when none)."""
    return PurePath(file_name).suffix.lower()


def is_document_file(file_name: str) -> bool:
    """Tell whether a file's extension is one only documents have (PDF, Word, images): such
    a file sent in chat is a document, never a roster, programme or result file."""
    return suffix_of(file_name) in TYPES and suffix_of(file_name) != ".xlsx"


def check_title(title: str) -> str:
    """Return the title tidied (one space between words); raise Refusal if empty or long."""
    tidy = " ".join(unicodedata.normalize("NFC", title).split())
    if not tidy:
        raise Refusal("documents.error.no_title")
    if len(tidy) > TITLE_MAX:
        raise Refusal("documents.error.title_long", {"max": TITLE_MAX})
    return tidy


def check_file(file_name: str, data: bytes, *, title: str, caption: str = "") -> CheckedFile:
    """Check a document's file, title and caption; raise Refusal for the first problem."""
    suffix = suffix_of(file_name)
    if suffix not in TYPES:
        raise Refusal("documents.error.type", {"file": file_name})
    if not data:
        raise Refusal("documents.error.empty", {"file": file_name})
    if len(data) > MAX_BYTES:
        raise Refusal("documents.error.too_big", {"file": file_name, "max_mb": MAX_BYTES // MIB})
    found = kind_of(data)
    if found != _KIND_OF_TYPE[suffix]:
        key = "documents.error.mismatch" if found else "documents.error.unreadable"
        raise Refusal(key, {"file": file_name, "extension": suffix,
                            "found": _label(found)})
    for text in (title, caption, first_page_text(found, data)):
        stamp = secret_stamp(text)
        if stamp is not None:
            raise Refusal("documents.error.secret", {"stamp": stamp})
    return CheckedFile(file_name, TYPES[suffix], data)


def _label(kind: str | None) -> str:
    return {"pdf": "PDF", "docx": "Word", "xlsx": "Excel", "jpeg": "JPEG", "png": "PNG",
            "zip": "ZIP"}.get(kind or "", "?")


def kind_of(data: bytes) -> str | None:
    """Return what a file holds by its content: pdf, docx, xlsx, jpeg, png, zip or None."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    return None


def secret_stamp(text: str) -> str | None:
    """Return the state-secret stamp a text carries (MẬT, TỐI MẬT, TUYỆT MẬT), or None."""
    text = unicodedata.normalize("NFC", text)
    strong = _STRONG.search(text.casefold())
    if strong is not None:
        return f"{strong.group(1).upper()} MẬT"
    for line in text.splitlines():
        words = _WORD.findall(line)
        for i, word in enumerate(words):
            if word != "MẬT":
                continue
            before = words[i - 1] if i > 0 else ""
            after = words[i + 1] if i + 1 < len(words) else ""
            if before not in _ORDINARY_BEFORE and after not in _ORDINARY_AFTER:
                return "MẬT"
    return None


def first_page_text(kind: str | None, data: bytes) -> str:
    """Return about the first page's text of a PDF, Word or Excel file ("" for others)."""
    try:
        if kind == "pdf":
            return pdf_text(data)[:FIRST_PAGE_CHARS * 4]  # each string read up to 4 ways
        if kind == "docx":
            return _package_text(data, ("word/document.xml",))[:FIRST_PAGE_CHARS]
        if kind == "xlsx":
            parts = ("xl/sharedStrings.xml", "xl/worksheets/sheet1.xml")  # shared, inline
            return _package_text(data, parts)[:FIRST_PAGE_CHARS]
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return ""
    return ""


_PARAGRAPH = re.compile(rb"<(w:p|si|is)[ >].*?</\1>", re.S)
_RUN_TEXT = re.compile(rb"<(?:w:)?t(?: [^>]*)?>([^<]*)</(?:w:)?t>")


def _package_text(data: bytes, parts: tuple[str, ...]) -> str:
    """Return the text of a Word document's paragraphs or a workbook's strings (shared, or
    inline in its first sheet), one a line (a word split over runs joined again)."""
    lines = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        for part in (p for p in parts if p in names):
            with archive.open(part) as fh:
                xml = fh.read(_INFLATED_MAX)
            lines += [b"".join(_RUN_TEXT.findall(m.group(0))).decode("utf-8", "replace")
                      for m in _PARAGRAPH.finditer(xml)]
    return html.unescape("\n".join(lines))
