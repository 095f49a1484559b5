"""How the bot speaks: the configured form of address, and the wording of issue 13 point 6.

Every test goes through the real bot (the Telegram channel against the fake Bot API) and
pins the text a delegate or an organiser gets; the form of address is tried with two values
of `[event] address`, and English keeps "you".
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.clock import FixedClock
from bot.config import Config, ConfigError, load_config
from bot.i18n import ADDRESSES, Translator, load_texts
from bot.localtime import LocalDates
from testkit.fake_telegram import FakeTelegram
from testkit.people import seed
from testkit.telegram_harness import TelegramChat, buttons
from testkit.worker import drain
from tests.conftest import DELEGATE_ID, ORGANISER_ID, make_config
from tests.test_agenda import HANOI, Slot, load
from tests.test_results import TIED, csv_bytes, delegates, election, import_in_chat

TEXTS = load_texts()
ADDRESSED = [{"address": "đồng chí"}, {"address": "anh/chị"}]


@pytest.fixture
def config(tmp_path: Path, request: pytest.FixtureRequest) -> Config:
    """Return a test config; `[event]` values come from an indirect parameter."""
    event: dict[str, Any] = getattr(request, "param", {})
    return make_config(tmp_path, event=event)


def address_of(config: Config) -> str:
    """Return the form of address the config sets."""
    return config.event.address


async def ask_to_confirm(app: App, tg: TelegramChat, language: str = "vi") -> str:
    """Seed one unregistered delegate and send their invite code; return the question."""
    (person,) = await seed(app, 1, registered=0)
    (ask,) = await tg.send(DELEGATE_ID, f"/start {person.delegate.invite_code}",
                           language_code=language)
    return str(ask["text"])


# ---------------------------------------------------------------------------- point 5: address
def test_the_default_address_is_comrade(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[event]\nname = "Đại hội"\n', encoding="utf-8")
    assert load_config(path, env={}).event.address == "đồng chí"


@pytest.mark.parametrize("value", ["ông/bà", "Đồng chí", "", "you"])
def test_a_bad_address_names_the_key_and_the_allowed_values(tmp_path: Path, value: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[event]\naddress = "{value}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert err.value.key == "event.address"
    for allowed in ADDRESSES:
        assert f'"{allowed}"' in err.value.reason
    assert repr(value) in err.value.reason


@pytest.mark.parametrize("config", ADDRESSED, indirect=True)
async def test_the_registration_question_and_welcome_use_the_address(
    app: App, tg: TelegramChat, config: Config
) -> None:
    address = address_of(config)
    ask = await ask_to_confirm(app, tg)
    assert ask.endswith(f"\n\nĐây có phải là {address} không?")
    done = "\n".join(m["text"] for m in await tg.press(DELEGATE_ID, "reg:yes"))
    assert f"Chào mừng {address} <b>Đại biểu Thử 0</b>." in done
    assert done.count(address.capitalize()) >= 1  # "Đồng chí có thể gõ:" opens a sentence
    (again,) = await tg.texts(DELEGATE_ID, "/start")
    assert again.startswith(f"Chào mừng {address} <b>Đại biểu Thử 0</b> trở lại")
    (help_text,) = await tg.texts(DELEGATE_ID, "/help")
    assert help_text.startswith(f"<b>Các lệnh {address} có thể dùng</b>")
    assert "bạn" not in (ask + done + again + help_text).replace("Bạn", "bạn").split()


@pytest.mark.parametrize("config", ADDRESSED, indirect=True)
async def test_a_tie_in_a_result_notice_speaks_of_the_candidates_with_the_address(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock, config: Config
) -> None:
    address = address_of(config)
    vi_ids, en_ids = await delegates(app, 2, english=1)
    draft, _ = await import_in_chat(tg, "kq.csv", csv_bytes(election(TIED)))
    await tg.press(ORGANISER_ID, f"resp:publish:{draft}")
    await drain(app, clock)
    (notice,) = fake.sent_texts(vi_ids[0])
    assert (f"Việc này do Đại hội quyết định; các {address} này chưa được ghi nhận là "
            "trúng cử.") in notice
    (english,) = fake.sent_texts(en_ids[0])
    assert "The congress decides; they are not marked as elected." in english
    assert address not in english


@pytest.mark.parametrize("config", ADDRESSED, indirect=True)
async def test_english_keeps_you_whatever_the_address(
    app: App, tg: TelegramChat, config: Config
) -> None:
    ask = await ask_to_confirm(app, tg, language="en")
    assert ask.endswith("\n\nIs this you?")
    assert address_of(config) not in ask
    (help_text,) = await tg.texts(DELEGATE_ID, "/help", language_code="en")
    assert help_text.startswith("<b>Commands you can use</b>")


def test_every_address_capitalises_at_the_start_of_a_sentence() -> None:
    for address in ADDRESSES:
        texts = Translator({"vi": {"k": "{Address} vui lòng gửi lại. Cảm ơn {address}."},
                            "en": {"k": "Please"}}, address=address)
        assert texts.t("vi", "k") == f"{address[0].upper()}{address[1:]} vui lòng gửi lại. " \
                                     f"Cảm ơn {address}."


def test_no_vietnamese_text_says_ban_to_a_delegate() -> None:
    """Delegates are addressed with {address}; 'bạn' only stays as the English fallback key."""
    said = {key: text for key, text in TEXTS["vi"].items()
            if re.search(r"\bbạn\b", text, re.IGNORECASE) and key != "address.you"}
    assert said == {}


# ---------------------------------------------------------------------------- point 6: wording
def test_one_style_of_quotation_marks() -> None:
    for key, text in TEXTS["vi"].items():
        assert "«" not in text and "»" not in text, key
        assert text.count("“") == text.count("”"), key


async def test_a_bad_date_is_quoted_with_curly_quotes(tg: TelegramChat) -> None:
    (answer,) = await tg.texts(DELEGATE_ID, "/agenda hôm kia")
    assert answer.startswith("Tôi chưa đọc được ngày “hôm kia”.")


async def test_the_time_zone_is_named_as_people_say_it(app: App, tg: TelegramChat) -> None:
    await seed(app, 2)
    await tg.send(ORGANISER_ID, "/announce Họp tổ lúc 14 giờ")
    (shown,) = await tg.press(ORGANISER_ID, "ann:all")
    schedule = [data for _, data in buttons(shown) if data.startswith("ann:schedule:")]
    (ask,) = await tg.press(ORGANISER_ID, schedule[0])
    assert ask["text"].startswith("Gửi lúc nào? Nhập thời điểm theo giờ Việt Nam. Ví dụ: ")
    (echo,) = await tg.texts(ORGANISER_ID, "mai 8h30")
    assert echo.endswith("(giờ Việt Nam)?") and "Asia/" not in echo


@pytest.mark.parametrize("config", [{"timezone": "Asia/Bangkok"}], indirect=True)
async def test_a_zone_without_a_local_name_is_named_by_its_key(
    app: App, tg: TelegramChat
) -> None:
    await seed(app, 1)
    await tg.send(ORGANISER_ID, "/announce Họp")
    await tg.press(ORGANISER_ID, "ann:all")
    schedule = [data for _, data in buttons(fake_last(tg)) if data.startswith("ann:schedule:")]
    (ask,) = await tg.press(ORGANISER_ID, schedule[0])
    assert "theo giờ Asia/Bangkok." in ask["text"]


def fake_last(tg: TelegramChat) -> dict[str, Any]:
    """Return the last message the bot sent the organiser."""
    return tg.fake.sent_messages(ORGANISER_ID)[-1]


async def test_sending_now_says_it_is_queued_in_natural_words_with_one_unit(
    app: App, tg: TelegramChat
) -> None:
    await seed(app, 3)
    await tg.send(ORGANISER_ID, "/announce Họp lúc 8 giờ")
    (shown,) = await tg.press(ORGANISER_ID, "ann:all")
    assert shown["text"].endswith("Người nhận: <b>Tất cả đại biểu đã đăng ký</b> — 3 tài khoản.")
    send = [(label, data) for label, data in buttons(shown) if data.startswith("ann:send:")]
    assert [label for label, _ in send] == ["Gửi ngay tới 3 tài khoản"]  # the same word
    (queued,) = await tg.press(ORGANISER_ID, send[0][1])
    assert queued["text"].startswith("✅ Đã đưa thông báo #1 vào hàng gửi: 3 tài khoản, "
                                     "3 tin nhắn.")
    assert all("xếp hàng" not in text for text in TEXTS["vi"].values())


async def test_a_title_that_says_its_kind_is_not_prefixed_again(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    vi_ids, _ = await delegates(app, 1)
    for number, title in enumerate(("Bầu cử Ban Chấp hành khóa IX", "Ban Kiểm tra khóa IX"), 1):
        draft, _ = await import_in_chat(tg, f"kq{number}.csv",
                                        csv_bytes(election(TIED, title=title)))
        await tg.press(ORGANISER_ID, f"resp:publish:{draft}")
        await drain(app, clock)
    first, second = fake.sent_texts(vi_ids[0])
    assert first.startswith("🗳 <b>Kết quả: Bầu cử Ban Chấp hành khóa IX</b>\n")
    assert second.startswith("🗳 <b>Kết quả bầu cử: Ban Kiểm tra khóa IX</b>\n")


async def test_an_unknown_number_is_written_once(tg: TelegramChat) -> None:
    """No "số #99": the number sign alone says it is a number (results: the CLI's answer)."""
    assert not [key for key, text in TEXTS["vi"].items() if "số #" in text]
    assert Translator.load().t("vi", "results.unknown", id=99).startswith(
        "Không có kết quả #99.")
    (broadcast,) = await tg.texts(ORGANISER_ID, "/deliveries 99")
    assert broadcast == "Không có lần gửi #99. Gõ /deliveries để xem danh sách."


NOWHERE = Slot("nowhere", date(2026, 8, 11), "07:00", "08:00", "Đón đại biểu", location="")
PLACED = Slot("placed", date(2026, 8, 11), "08:30", "10:00", "Báo cáo chính trị")


async def test_a_session_without_a_place_has_no_empty_dash(
    app: App, tg: TelegramChat, clock: FixedClock
) -> None:
    await load(app, clock, [NOWHERE, PLACED])
    (agenda,) = await tg.texts(DELEGATE_ID, "/agenda")
    lines = agenda.split("\n")
    assert "▶️ <b>07:00–08:00 Đón đại biểu</b> (đang diễn ra)" in lines  # 07:30 now
    assert "08:30–10:00 Báo cáo chính trị — Hội trường A" in lines
    (now_next,) = await tg.texts(DELEGATE_ID, "/next")
    assert now_next.startswith("▶️ Đang diễn ra: <b>Đón đại biểu</b>, kết thúc lúc 08:00.")
    assert "— —" not in agenda + now_next and "tại —" not in now_next


async def test_dates_are_written_in_one_order(
    app: App, tg: TelegramChat, clock: FixedClock
) -> None:
    await load(app, clock, [NOWHERE, PLACED])
    await seed(app, 1)
    (now_next,) = await tg.texts(DELEGATE_ID, "/next")
    assert "🕑 08:30, Thứ Ba 11/08 (còn 1 giờ)" in now_next
    (agenda,) = await tg.texts(DELEGATE_ID, "/agenda mai")
    assert agenda.startswith("Không có phiên nào vào Thứ Tư 12/08. Chương trình có các ngày: "
                             "11/08.")
    (reminders,) = await tg.texts(DELEGATE_ID, "/agenda")
    assert reminders.startswith("📅 <b>Chương trình Thứ Ba 11/08</b>\n")


async def test_the_year_is_shown_when_it_is_not_this_year(
    app: App, tg: TelegramChat, clock: FixedClock
) -> None:
    await load(app, clock, [NOWHERE])
    (answer,) = await tg.texts(DELEGATE_ID, "/agenda 11/08/2027")
    assert answer.startswith("Không có phiên nào vào Thứ Tư 11/08/2027.")
    t = Translator.load().in_language("vi")
    dates = LocalDates.at(HANOI, clock.now())
    assert dates.day(t, date(2026, 12, 31)) == "Thứ Năm 31/12"
    assert dates.day(t, date(2025, 12, 31)) == "Thứ Tư 31/12/2025"


async def test_guests_are_counted_apart_from_the_delegates(app: App, tg: TelegramChat) -> None:
    people = await seed(app, 3, registered=1)
    await app.services.db.execute(
        "UPDATE delegates SET kind = 'guest' WHERE code = ?", (people[2].delegate.code,))
    (summary,) = await tg.texts(ORGANISER_ID, "/registrations")
    assert summary.startswith("<b>Đã đăng ký: 1/2 đại biểu (50%)</b>\n"
                              "Khách mời đã đăng ký: 0/1\n")
    assert "<b>Chưa đăng ký: 2 người</b>" in summary  # the list holds the guest too


@pytest.mark.parametrize(("count", "label"), [(1, "Send now to 1 account"),
                                              (2, "Send now to 2 accounts")])
async def test_english_counts_take_their_plural_form(
    app: App, tg: TelegramChat, count: int, label: str
) -> None:
    await seed(app, count)
    await tg.send(ORGANISER_ID, "/language en")
    await tg.send(ORGANISER_ID, "/announce Meeting at 8")
    (shown,) = await tg.press(ORGANISER_ID, "ann:all")
    noun = "account" if count == 1 else "accounts"
    assert shown["text"].endswith(f"— {count} {noun}.")
    assert label in [text for text, _ in buttons(shown)]


def test_plural_forms_in_the_translator() -> None:
    texts = Translator({"vi": {"k": "{n} tài khoản"}, "en": {"k": "{n:account|accounts}"}})
    assert [texts.t("en", "k", n=n) for n in (0, 1, 2)] == [
        "0 accounts", "1 account", "2 accounts"]
    assert texts.t("vi", "k", n=1) == "1 tài khoản"
