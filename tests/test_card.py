"""/card and /newcard through the real channels (point 1): a picture with the QR code of the
check-in link on Telegram (read back from the pixels), text with a note to show the printed
badge on Zalo, and a new token that revokes the old card."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot import card_image
from bot.app import App
from bot.clock import to_iso
from storage import audit, delegates, registrations, users
from storage.delegates import DelegateData
from storage.users import ChatUser
from testkit.congress_day import load_programme, scan_text
from testkit.people import Person, seed
from testkit.telegram_harness import TelegramChat
from testkit.texts import vi
from testkit.zalo_harness import ZaloChat
from tests.conftest import ORGANISER_ID

BOT = "delegate_test_bot"
ZALO_DELEGATE = "a1b2c3d4"



def read_qr(png: bytes, text: card_image.CardText, link: str) -> list[list[bool]]:
    """Return the modules of the QR code drawn on a card, read from its pixels."""
    image = Image.open(io.BytesIO(png)).convert("L")
    left, top, scale = card_image.qr_origin(text, link)
    size = len(card_image.qr_modules(link))
    return [[image.getpixel((left + c * scale + scale // 2, top + r * scale + scale // 2))
             < 128 for c in range(size)] for r in range(size)]  # type: ignore[operator]


@pytest.fixture
async def people(app: App) -> list[Person]:
    """Three delegates registered on Telegram, one of them with markup in their name."""
    await load_programme(app)
    found = await seed(app, 3)
    await delegates.apply_import(app.services.db, upserts=[DelegateData(
        "T0002", "Lê <b>Thị</b> & Hoa", "Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi",
        "Đoàn <Sở>", "alternate", None, "B7", "INVITE0002")], remove_codes=[],
        now=to_iso(app.services.clock.now()))
    return found


async def test_card_is_a_picture_whose_qr_code_is_the_check_in_link(
        app: App, tg: TelegramChat, people: list[Person]) -> None:
    person = people[2]
    assert person.user_id is not None
    await tg.send(person.user_id, "/card")
    [(chat, png, caption)] = tg.fake.photos
    assert chat == person.user_id
    assert "Lê <b>Thị</b> & Hoa" in caption and "Đoàn <Sở>" in caption  # shown as written
    assert "Đại biểu dự khuyết" in caption and "B7" in caption
    token = await delegates.checkin_token(app.services.db, person.delegate.id)
    link = f"https://t.me/{BOT}?start=ci_{token}"
    text = card_image.CardText(
        "Đại hội thử nghiệm", "Lê <b>Thị</b> & Hoa",
        (("Đơn vị", "Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi"), ("Đoàn", "Đoàn <Sở>"),
         ("Ghế", "B7")), "Đại biểu dự khuyết", "Mã điểm danh — cán bộ tại cửa quét mã này")
    assert read_qr(png, text, link) == card_image.qr_modules(link)
    assert Image.open(io.BytesIO(png)).format == "PNG"
    # The card's link checks the delegate in when the organiser opens it.
    assert "Đã điểm danh" in "".join(await tg.texts(ORGANISER_ID, f"/start ci_{token}"))


async def test_card_is_refused_to_someone_not_registered(
        app: App, tg: TelegramChat, people: list[Person]) -> None:
    assert await tg.texts(4242, "/card") == [vi("registration.not_registered")]
    assert tg.fake.photos == []


async def test_on_zalo_the_card_is_text_with_a_note_to_show_the_printed_badge(
        app: App, zalo: ZaloChat, tg: TelegramChat, people: list[Person]) -> None:
    db, now = app.services.db, to_iso(app.services.clock.now())
    await users.touch(db, ChatUser("zalo", ZALO_DELEGATE, ZALO_DELEGATE, "Hà"), now)
    assert await registrations.link(db, "zalo", ZALO_DELEGATE, people[0].delegate.id,
                                    "invite_code", now)
    answer = await zalo.say(ZALO_DELEGATE, "/card")
    assert people[0].delegate.full_name in answer and "Đoàn Sở Tài chính" in answer
    assert "xuất trình thẻ đại biểu đã in" in answer
    assert zalo.fake.calls_to("sendPhoto") == []


async def test_newcard_revokes_the_old_card_and_tells_the_delegate(
        app: App, tg: TelegramChat, people: list[Person]) -> None:
    person = people[0]
    assert person.user_id is not None
    old = await scan_text(app, person.delegate.id)
    before = len(tg.fake.sent_texts(person.user_id))
    answer = await tg.texts(ORGANISER_ID, "/newcard T0000")
    assert answer == [vi("card.new_done", name=person.delegate.full_name, code="T0000")]
    assert tg.fake.sent_texts(person.user_id)[before:] == [
        "Ban Tổ chức đã cấp mã điểm danh mới cho đồng chí. Thẻ cũ không còn dùng được;"
        " gõ /card để nhận thẻ mới."]
    assert await tg.texts(ORGANISER_ID, old) == [vi("checkin.unknown_card")]
    new = await scan_text(app, person.delegate.id)
    assert new != old and "Đã điểm danh" in "".join(await tg.texts(ORGANISER_ID, new))
    [entry] = await audit.entries(app.services.db, action="checkin.token_reissued")
    assert entry.details == {"delegate": "T0000"} and entry.actor == f"telegram:{ORGANISER_ID}"


@pytest.mark.parametrize(("text", "key"), [("/newcard", "card.new_usage"),
                                           ("/newcard A B", "card.new_usage"),
                                           ("/newcard NOPE", "card.new_unknown")])
async def test_newcard_bad_input(app: App, tg: TelegramChat, people: list[Person], text: str,
                                 key: str) -> None:
    tokens = await delegates.checkin_tokens(app.services.db)
    assert await tg.texts(ORGANISER_ID, text) == [vi(key, code="NOPE")]
    assert await delegates.checkin_tokens(app.services.db) == tokens


def test_the_card_font_has_every_vietnamese_letter() -> None:
    face = card_image.font(False, 28)
    letters = "ăâđêôơưĂÂĐÊÔƠƯàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
    def drawn(text: str) -> tuple[tuple[int, int], bytes]:
        mask = face.getmask(text)
        return mask.size, bytes(mask)

    missing = drawn("\ue000")  # what the font draws for a character it lacks
    for letter in letters:
        assert drawn(letter) != missing, letter
    assert card_image.FONT_REGULAR.is_file() and card_image.FONT_BOLD.is_file()
