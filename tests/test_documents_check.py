"""The checks on a congress document: type by content, empty, too big, title, and the
state-secret stamps (with the ordinary words that hold "mật")."""

from __future__ import annotations

import io

import pytest

from bot.documents_check import MAX_BYTES, Refusal, check_file, secret_stamp
from testkit.doc_files import JPEG, PNG, docx, pdf, xlsx


@pytest.mark.parametrize("text", [
    "MẬT", "TỐI MẬT", "TUYỆT MẬT", "Báo cáo — MẬT", "BÁO CÁO MẬT", "tài liệu tối mật",
    "Tuyệt mật: phương án nhân sự", "ĐỘ MẬT: MẬT", "MẬT\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "MA\u0302\u0323T",  # MẬT with combining marks, as some keyboards write it
])
def test_stamps_are_found(text: str) -> None:
    """Each stamp is found, as a word, composed or not."""
    assert secret_stamp(text) is not None


@pytest.mark.parametrize("text", [
    "Mật khẩu đăng nhập hệ thống", "Quy chế bảo mật thông tin", "BẢO VỆ BÍ MẬT NHÀ NƯỚC",
    "Mật độ dân số tỉnh", "MẬT ĐỘ DÂN SỐ", "HƯỚNG DẪN ĐẶT MẬT KHẨU", "quan hệ mật thiết",
    "Mặt trận Tổ quốc", "MẶT TRẬN TỔ QUỐC VIỆT NAM", "Báo cáo chính trị", "bí mật", "mật",
    "Mật ong Hà Giang", "KMẬT", "MẬTX",
])
def test_ordinary_words_are_no_stamp(text: str) -> None:
    """"Mật" inside ordinary words, in any case, and "Mặt" are no stamp."""
    assert secret_stamp(text) is None


def refusal(file_name: str, data: bytes, title: str = "Tài liệu", caption: str = "") -> Refusal:
    with pytest.raises(Refusal) as refused:
        check_file(file_name, data, title=title, caption=caption)
    return refused.value


def test_good_files_pass() -> None:
    """PDF, Word, Excel, PNG and JPEG files whose content matches their extension pass."""
    for name, data, mime in [("a.pdf", pdf("Dự thảo"), "application/pdf"),
                             ("b.docx", docx(["Báo cáo"]), "wordprocessingml"),
                             ("c.xlsx", xlsx("Danh sách"), "spreadsheetml"),
                             ("d.PNG", PNG, "image/png"), ("e.jpeg", JPEG, "image/jpeg")]:
        assert mime in check_file(name, data, title="Tài liệu").mime


def test_bad_files_are_refused() -> None:
    """Another extension, an empty file, a file over the limit, a file whose content is
    another type's, and one of no type at all: each its own refusal."""
    assert refusal("a.exe", b"MZ").key == "documents.error.type"
    assert refusal("a.doc", b"x").key == "documents.error.type"
    assert refusal("a.pdf", b"").key == "documents.error.empty"
    assert refusal("a.pdf", b"%PDF-" + b"0" * MAX_BYTES).key == "documents.error.too_big"
    wrong = refusal("bao-cao.pdf", docx(["x"]))
    assert wrong.key == "documents.error.mismatch" and wrong.params["found"] == "Word"
    assert refusal("anh.png", JPEG).params["found"] == "JPEG"
    assert refusal("so-lieu.xlsx", docx(["x"])).key == "documents.error.mismatch"
    assert refusal("x.docx", b"PK\x03\x04 broken").key == "documents.error.unreadable"
    assert refusal("x.pdf", b"just text").key == "documents.error.unreadable"


def test_stamps_in_title_caption_and_first_page() -> None:
    """A stamp in the title, the caption, a PDF's text (deflated or not), its document
    title, a Word paragraph split over runs or a workbook's cells: refused, naming it."""
    assert refusal("a.pdf", pdf("x"), title="TỐI MẬT - Phương án").params["stamp"] == "TỐI MẬT"
    assert refusal("a.pdf", pdf("x"), caption="/document Kế hoạch MẬT").key == (
        "documents.error.secret")
    assert refusal("a.pdf", pdf("ĐẢNG CỘNG SẢN VIỆT NAM", "MẬT")).params["stamp"] == "MẬT"
    assert refusal("a.pdf", pdf("TUYỆT MẬT", compress=False)).params["stamp"] == "TUYỆT MẬT"
    assert refusal("a.pdf", pdf("x", title="Tối mật")).key == "documents.error.secret"
    assert refusal("a.docx", docx(["Chính phủ"], ["TỐI M", "ẬT"])).key == (
        "documents.error.secret")
    assert refusal("a.xlsx", xlsx("Danh sách", "MẬT")).key == "documents.error.secret"
    # The ordinary words pass: a password policy, the protection of state secrets.
    check_file("a.pdf", pdf("Quy định về mật khẩu", "BẢO VỆ BÍ MẬT NHÀ NƯỚC"),
               title="Mật khẩu wifi hội trường")


def fpdf_document(*lines: tuple[str, str]) -> bytes:
    """Return a PDF as fpdf2 writes it with the bundled Noto Sans (embedded, subset, glyph
    numbers with a ToUnicode map: as Word and LibreOffice write theirs), one line per
    (style, text), regular "" or bold "B"."""
    from fpdf import FPDF

    from bot.printed.pdf import font_folder

    document = FPDF()
    document.add_font("Noto", "", font_folder() / "NotoSans-Regular.ttf")
    document.add_font("Noto", "B", font_folder() / "NotoSans-Bold.ttf")
    document.add_page()
    for style, text in lines:
        document.set_font("Noto", style, 13)
        document.cell(text=text)
        document.ln()
    return bytes(document.output())


def test_a_stamp_drawn_with_an_embedded_font_is_found() -> None:
    """A stamp drawn in glyph numbers (read through the ToUnicode maps, one per font) is
    refused; the same page without it, with ordinary words holding "mật", passes; what
    pypdf reads of the page, the reader reads too."""
    import pypdf

    from bot.pdftext import pdf_text

    stamped = fpdf_document(("", "ĐẢNG BỘ TỈNH"), ("B", "TỐI MẬT"), ("", "Số 12-BC/TU"))
    assert refusal("bc.pdf", stamped).params["stamp"] == "TỐI MẬT"
    assert refusal("bc.pdf", fpdf_document(("B", "MẬT"), ("", "Báo cáo"))).key == (
        "documents.error.secret")
    ordinary = fpdf_document(("B", "BẢO VỆ BÍ MẬT NHÀ NƯỚC"), ("", "Mật khẩu wifi: 1234"),
                             ("", "Mật độ dân số tăng"))
    check_file("quy-che.pdf", ordinary, title="Quy chế")
    read = pdf_text(ordinary).splitlines()
    for line in pypdf.PdfReader(io.BytesIO(ordinary)).pages[0].extract_text().splitlines():
        assert line.strip() in read
