"""`delegate-bot roster print`: invitations and badges as a PDF, read back as people and
phones read them (text, QR codes decoded from the rendered pages, where each name landed),
and every way the command refuses."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pypdf
import pytest

from bot.printed import badges, invitations
from bot.printed.pdf import font_folder
from storage import agenda, delegates, registrations, users
from storage.agenda import SessionData
from storage.db import Database
from storage.delegates import DelegateData
from storage.users import ChatUser
from tests.cli_runner import Run, failure, listing, plain, run
from tests.print_pages import glyphs, inside, name_glyphs, page_texts, qr_codes

BOT = "daihoi_thu_bot"
NOW = "2026-08-01T00:00:00Z"
PEOPLE = [  # code, name, delegation, kind
    ("D01", "Nguyễn Thị Ngọc Huyền", "Đoàn Sở Y tế", "official"),
    ("D02", "Trần Văn Đức", "Đoàn Sở Tài chính", "official"),
    ("D03", "Hoàng Thị Phương Thảo", "Đoàn Sở Y tế", "alternate"),
    ("D04", "Lê Quỳnh Anh", "Đoàn Sở Tài chính", "guest"),
    ("D05", "Võ Nguyễn Hữu Nghĩa", "Đoàn Sở Y tế", "official"),
    ("D06", "Phạm Thị Ánh Tuyết", "Đoàn Sở Giáo dục và Đào tạo", "official"),
    ("D07", "Đặng Hữu Phúc", "Đoàn Sở Giáo dục và Đào tạo", "alternate"),
    ("D08", "Bùi Thị Yến", "Đoàn Sở Tài chính", "official"),
    ("D09", "Đỗ Mạnh Cường", "Đoàn Sở Y tế", "guest"),
    ("D10", "Lương Thế Vinh", "Đoàn Sở Tài chính", "official"),
    ("D11", "Ngô Thị Kiều Trinh", "Đoàn Sở Y tế", "official"),
]
LONG_NAME = ("Nguyễn Hoàng Bảo Khánh Ngọc Diệp Thị Xuân Hương Quỳnh Anh Thư Mỹ Linh Hồng "
             "Nhung Tuyết Mai Lan Phượng Đức Thắng Quốc Tuấn Hữu Nghĩa")[:120]


def invite(code: str) -> str:
    """Return the invite code the seeded delegate `code` has."""
    return f"KHK7XFQM{code}"


async def _seed(path: Path, people: list[tuple[str, str, str, str]], registered: tuple[str, ...],
                with_agenda: bool) -> dict[str, str]:
    """Write a roster (and a programme) to a new database; return {code: check-in token}."""
    db = await Database.open(path)
    try:
        await delegates.apply_import(db, upserts=[
            DelegateData(code, name, "Sở Tài chính tỉnh Khánh Hòa", delegation, kind, None,
                         f"A-{i + 1}", invite(code))
            for i, (code, name, delegation, kind) in enumerate(people)], remove_codes=[], now=NOW)
        for n, code in enumerate(registered):
            found = await delegates.find_by_code(db, code)
            assert found is not None
            user = str(70_000 + n)
            await users.touch(db, ChatUser("telegram", user, user, f"U{n}"), NOW)
            assert await registrations.link(db, "telegram", user, found.id,
                                             "invite_code", NOW)
        if with_agenda:
            await agenda.apply_import(db, upserts=[
                SessionData("open", "2026-08-11T00:30:00Z", "2026-08-11T02:00:00Z",
                            "Khai mạc Đại hội", "Hội trường Trung tâm Hội nghị tỉnh", "", "",
                            "plenary", "all"),
                SessionData("vote", "2026-08-12T01:00:00Z", "2026-08-12T03:00:00Z",
                            "Bầu cử", "Hội trường Trung tâm Hội nghị tỉnh", "", "",
                            "plenary", "all")], cancel_keys=[], notice=None, now=NOW)
        tokens = await delegates.checkin_tokens(db)
        return {d.code: tokens[d.id] for d in await delegates.all_delegates(db)}
    finally:
        await db.close()


def setup(tmp_path: Path, people: list[tuple[str, str, str, str]] | None = None, *,
          registered: tuple[str, ...] = (), with_agenda: bool = True,
          username: str = BOT) -> tuple[Path, dict[str, str]]:
    """Write a config and a database; return the config's path and the check-in tokens."""
    database = tmp_path / "bot.sqlite3"
    tokens = asyncio.run(_seed(database, PEOPLE if people is None else people, registered,
                               with_agenda))
    config = tmp_path / "config.toml"
    config.write_text(f'[event]\nname = "Đại hội đại biểu Đảng bộ tỉnh lần thứ XIX"\n\n'
                      f'[storage]\npath = "{database.name}"\n\n'
                      f'[telegram]\nbot_username = "{username}"\n', encoding="utf-8")
    return config, tokens


def print_pdf(config: Path, out: Path, *args: str) -> Run:
    """Run `roster print` with the config."""
    return run("--config", str(config), "roster", "print", str(out), *args)


def test_invitations_one_page_each_with_names_codes_programme_and_working_qr(
        tmp_path: Path) -> None:
    config, _ = setup(tmp_path)
    out = tmp_path / "giay-moi.pdf"
    result = print_pdf(config, out)
    assert result.code == 0, result.err
    assert result.out == plain("print.cli.done.invitations", count=11, pages=11,
                               file=str(out)) + "\n"
    data = out.read_bytes()
    texts = page_texts(data)
    assert len(texts) == len(PEOPLE)
    # Delegation order, then Vietnamese name order (given name first).
    firsts = [next(name for _, name, _, _ in PEOPLE if name in text) for text in texts]
    assert firsts[:3] == ["Đặng Hữu Phúc", "Phạm Thị Ánh Tuyết", "Lê Quỳnh Anh"]
    codes = {name: code for code, name, _, _ in PEOPLE}
    for name, text in zip(firsts, texts, strict=True):
        assert "Kính gửi: Đồng chí" in text
        assert "KHK7-XFQM-" + codes[name] in text  # grouped for reading
        assert "Từ ngày 11 tháng 8 năm 2026 đến ngày 12 tháng 8 năm 2026" in text
        assert "Phiên đầu tiên: Khai mạc Đại hội" in text
        assert "Thời gian: 7 giờ 30, Thứ Ba, ngày 11 tháng 8 năm 2026" in text
        assert "Địa điểm: Hội trường Trung tâm Hội nghị tỉnh" in text
        assert "quét mã QR" in text and "Zalo" in text
    decoded = qr_codes(data)
    assert decoded == [[f"https://t.me/{BOT}?start={invite(codes[name])}"] for name in firsts]


def test_badges_eight_per_page_with_kind_in_words_and_check_in_qr(tmp_path: Path) -> None:
    config, tokens = setup(tmp_path)
    out = tmp_path / "the.pdf"
    result = print_pdf(config, out, "--layout", "badges")
    assert result.code == 0, result.err
    assert result.out == plain("print.cli.done.badges", count=11, pages=2, file=str(out)) + "\n"
    data = out.read_bytes()
    texts = page_texts(data)
    assert len(texts) == 2
    everything = " ".join(texts)
    for _, name, _, _ in PEOPLE:
        assert name in everything
    assert texts[0].count("Quét để điểm danh") == 8 and texts[1].count("Quét để điểm danh") == 3
    kinds = {"official": "ĐẠI BIỂU CHÍNH THỨC", "alternate": "ĐẠI BIỂU DỰ KHUYẾT",
             "guest": "KHÁCH MỜI"}
    assert everything.count(kinds["official"]) == 7
    assert everything.count(kinds["alternate"]) == 2 and everything.count(kinds["guest"]) == 2
    decoded = qr_codes(data)
    assert [len(page) for page in decoded] == [8, 3]
    assert sorted(code for page in decoded for code in page) == sorted(
        f"https://t.me/{BOT}?start=ci_{token}" for token in tokens.values())


def test_a_120_character_name_stays_inside_its_box(tmp_path: Path) -> None:
    assert len(LONG_NAME) == 120
    people = [("L01", LONG_NAME, "Đoàn Sở Y tế", "official"), *PEOPLE[:2]]
    config, _ = setup(tmp_path, people)
    for layout, box in (("invitations", invitations.NAME_BOX), ("badges", None)):
        out = tmp_path / f"{layout}.pdf"
        assert print_pdf(config, out, "--layout", layout).code == 0
        data = out.read_bytes()
        assert LONG_NAME in " ".join(page_texts(data))
        page = 0 if layout == "badges" else 2  # Y tế after Tài chính: the last invitation
        if box is None:
            x, y = badges.origin(2)
            box = badges.NAME_BOX.__class__(x + badges.NAME_BOX.x, y + badges.NAME_BOX.y,
                                            badges.NAME_BOX.w, badges.NAME_BOX.h)
        found = name_glyphs(glyphs(data, page), LONG_NAME)
        outside = [g.char for g in found if not inside(g.box, box)]
        assert outside == [], f"{layout}: {outside}"
        lines = {round(g.box.y + g.box.h, 1) for g in found if g.char.isalpha()}
        assert len(lines) > 1  # wrapped, not squeezed onto one line


def test_one_delegation_and_only_unregistered(tmp_path: Path) -> None:
    config, _ = setup(tmp_path, registered=("D02", "D08"))
    out = tmp_path / "tc.pdf"
    result = print_pdf(config, out, "--delegation", "  đoàn sở TÀI   chính ",
                       "--only-unregistered")
    assert result.code == 0, result.err
    text = " ".join(page_texts(out.read_bytes()))
    assert len(page_texts(out.read_bytes())) == 2
    assert "Lê Quỳnh Anh" in text and "Lương Thế Vinh" in text
    assert "Trần Văn Đức" not in text and "Nguyễn Thị Ngọc Huyền" not in text


def test_without_a_programme_the_invitation_leaves_the_session_out(tmp_path: Path) -> None:
    config, _ = setup(tmp_path, PEOPLE[:1], with_agenda=False)
    out = tmp_path / "a.pdf"
    assert print_pdf(config, out).code == 0
    (text,) = page_texts(out.read_bytes())
    assert "Nguyễn Thị Ngọc Huyền" in text and "Thời gian" not in text and "ngày" not in text


def test_the_font_is_embedded_and_subset(tmp_path: Path) -> None:
    config, _ = setup(tmp_path, PEOPLE[:2])
    out = tmp_path / "a.pdf"
    assert print_pdf(config, out).code == 0
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    full = (font_folder() / "NotoSans-Regular.ttf").stat().st_size
    for ref in fonts.values():
        font = ref.get_object()
        name = str(font["/BaseFont"]).lstrip("/")
        assert name.split("+")[1] in ("NotoSans", "NotoSansBold") and len(name.split("+")[0]) == 6
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        embedded = descriptor["/FontFile2"].get_object().get_data()
        assert 0 < len(embedded) < full / 4
    assert (font_folder() / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT") == 1


@pytest.mark.parametrize(("args", "key", "params"), [
    (("--delegation", "Đoàn Sở Công Thương"), "print.refused.unknown_delegation",
     {"name": "Đoàn Sở Công Thương",
      "known": "Đoàn Sở Giáo dục và Đào tạo, Đoàn Sở Tài chính, Đoàn Sở Y tế"}),
    (("--only-unregistered", "--delegation", "Đoàn Sở Giáo dục và Đào tạo"),
     "print.refused.nobody", {}),
])
def test_nobody_to_print_is_refused_and_nothing_written(
        tmp_path: Path, args: tuple[str, ...], key: str, params: dict[str, str]) -> None:
    config, _ = setup(tmp_path, registered=("D06", "D07"))
    out = tmp_path / "x.pdf"
    result = print_pdf(config, out, *args)
    assert (result.code, result.out) == (1, "")
    assert result.err == plain(key, **params) + "\n"
    assert not out.exists()


def test_an_empty_roster_is_refused(tmp_path: Path) -> None:
    config, _ = setup(tmp_path, [])
    result = print_pdf(config, tmp_path / "x.pdf")
    assert (result.code, result.err) == (1, plain("print.refused.empty") + "\n")
    assert "x.pdf" not in listing(tmp_path)


def test_without_the_bots_username_there_is_no_link_to_print(tmp_path: Path) -> None:
    config, _ = setup(tmp_path, username="")
    result = print_pdf(config, tmp_path / "x.pdf")
    assert (result.code, result.err) == (1, plain("print.refused.no_link") + "\n")


def test_an_existing_file_stays_unless_forced(tmp_path: Path) -> None:
    config, _ = setup(tmp_path, PEOPLE[:1])
    out = tmp_path / "giay-moi.pdf"
    out.write_bytes(b"an older print")
    result = print_pdf(config, out)
    assert (result.code, result.err) == (1, failure("cli.output.exists", path=out))
    assert out.read_bytes() == b"an older print"
    assert print_pdf(config, out, "--force").code == 0
    assert out.read_bytes().startswith(b"%PDF-")
    assert out.stat().st_mode & 0o777 == 0o600  # every invite code is in it


@pytest.mark.parametrize(("name", "key", "extra"), [
    ("giay-moi.docx", "cli.output.extension", {"extension": ".docx", "supported": ".pdf"}),
    ("missing/giay-moi.pdf", "cli.output.no_folder", {"folder": "missing"}),
])
def test_a_path_that_cannot_be_written_is_refused_before_any_work(
        tmp_path: Path, name: str, key: str, extra: dict[str, str]) -> None:
    config, _ = setup(tmp_path, PEOPLE[:1])
    out = tmp_path / name
    if "folder" in extra:
        extra = {"folder": str(tmp_path / extra["folder"])}
    result = print_pdf(config, out)
    assert (result.code, result.err) == (1, failure(key, path=out, **extra))
    assert sorted(listing(tmp_path)) == ["bot.sqlite3", "config.toml"]


def test_a_folder_as_the_output_is_refused(tmp_path: Path) -> None:
    config, _ = setup(tmp_path, PEOPLE[:1])
    (tmp_path / "out.pdf").mkdir()
    result = print_pdf(config, tmp_path / "out.pdf")
    assert result.code == 1
    assert result.err == failure("cli.output.is_folder", path=tmp_path / "out.pdf",
                                 folder=tmp_path)


def test_an_unknown_layout_is_a_usage_error(tmp_path: Path) -> None:
    config, _ = setup(tmp_path, PEOPLE[:1])
    result = print_pdf(config, tmp_path / "x.pdf", "--layout", "posters")
    assert result.code == 2 and "invalid choice" in result.err


def test_the_longest_name_the_roster_allows_and_a_word_wider_than_the_box_stay_inside(
        tmp_path: Path) -> None:
    longest = " ".join(["Nguyễn Hoàng Bảo Khánh Ngọc"] * 8)[:200].strip()
    one_word = "Nguyễnhoàngbảokhánhngọcdiệpthịxuânhươngquỳnhanhthưmỹlinhhồng"
    people = [("L01", longest, "Đoàn Sở Y tế", "official"),
              ("L02", one_word, "Đoàn Sở Y tế", "guest")]
    config, _ = setup(tmp_path, people)
    out = tmp_path / "badges.pdf"
    assert print_pdf(config, out, "--layout", "badges").code == 0
    data = out.read_bytes()
    page = glyphs(data, 0)
    for index, name in enumerate((longest, one_word)):
        x, y = badges.origin(index)
        box = badges.NAME_BOX.__class__(x + badges.NAME_BOX.x, y + badges.NAME_BOX.y,
                                        badges.NAME_BOX.w, badges.NAME_BOX.h)
        found = name_glyphs(page, name)
        assert [g.char for g in found if not inside(g.box, box)] == [], name[:20]
    assert one_word in page_texts(data)[0].replace(" ", "")  # whole, not cut
