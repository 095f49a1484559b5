"""/print in chat: an organiser chooses the layout and whom to print for with buttons and
gets the PDF as one document (real Telegram channel against the fake Bot API); Zalo, which
takes no files from bots, points to the command line; delegates are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.config import Config
from bot.i18n import Translator
from bot.text import html_to_plain
from handlers import printing
from testkit.fake_telegram import FakeTelegram
from testkit.people import DELEGATIONS, FIRST_USER_ID, Person, seed
from testkit.telegram_harness import Message, TelegramChat, buttons
from testkit.telegram_wire import UploadedFile
from testkit.zalo_harness import ZaloChat
from tests.conftest import ORGANISER_ID, make_config
from tests.print_pages import page_texts, qr_codes

TEXTS = Translator.load()
ZALO_ORGANISER = "a1b2c3d4e5f60708"
BOT_LINK = "https://t.me/delegate_test_bot?start="


def say(key: str, **params: object) -> str:
    """Return a Vietnamese text as the chat shows it."""
    return html_to_plain(TEXTS.t("vi", key, **params))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Return a test config with one Telegram and one Zalo organiser."""
    return make_config(tmp_path, organisers={"telegram": [ORGANISER_ID],
                                             "zalo": [ZALO_ORGANISER]})


def documents(fake: FakeTelegram, since: int) -> list[tuple[str, bytes, str]]:
    """Return (file name, bytes, caption) of the documents the bot sent after call `since`."""
    out = []
    for call in fake.calls[since:]:
        if call.method == "sendDocument" and call.ok:
            doc = call.params["document"]
            assert isinstance(doc, UploadedFile)
            out.append((doc.filename, doc.content, str(call.params.get("caption", ""))))
    return out


async def ask_print(tg: TelegramChat, layout: str, who: str) -> tuple[int, list[Message]]:
    """As the organiser, send /print and choose the layout, then whom: return how many calls
    the fake had seen before that last press, and the messages the press answered with."""
    await tg.send(ORGANISER_ID, "/print")
    await tg.press(ORGANISER_ID, f"print:l:{layout}")
    before = len(tg.fake.calls)
    return before, await tg.press(ORGANISER_ID, f"print:f:{layout}:{who}")


async def test_invitations_for_everyone_come_as_one_pdf_document(
        app: App, tg: TelegramChat, fake: FakeTelegram) -> None:
    people = await seed(app, 11, registered=3)
    (question,) = await tg.send(ORGANISER_ID, "/print")
    assert question["text"] == say("print.chat.ask_layout")
    assert buttons(question) == [(say("print.chat.layout.invitations"), "print:l:invitations"),
                                 (say("print.chat.layout.badges"), "print:l:badges")]
    (who,) = await tg.press(ORGANISER_ID, "print:l:invitations")
    assert [data for _, data in buttons(who)] == [
        "print:f:invitations:all", "print:f:invitations:new", "print:f:invitations:one"]
    before = len(fake.calls)
    await tg.press(ORGANISER_ID, "print:f:invitations:all")
    ((name, data, caption),) = documents(fake, before)
    assert name == "giay-moi.pdf"
    assert caption == say("print.chat.done.invitations", count=11, pages=11)
    texts = page_texts(data)
    assert len(texts) == 11
    for person in people:
        assert sum(person.delegate.full_name + " " in text + " " for text in texts) == 1
    links = sorted(code for page in qr_codes(data) for code in page)
    assert links == sorted(BOT_LINK + p.delegate.invite_code for p in people)


async def test_badges_for_one_delegation_through_the_picker(
        app: App, tg: TelegramChat, fake: FakeTelegram) -> None:
    people = await seed(app, 20)
    _, (picker,) = await ask_print(tg, "badges", "one")
    assert picker["text"] == say("print.chat.ask_delegation")
    labels = dict(buttons(picker))
    chosen = DELEGATIONS[1]  # Đoàn Sở Y tế
    before = len(fake.calls)
    await tg.press(ORGANISER_ID, labels[chosen])
    ((name, data, caption),) = documents(fake, before)
    members = [p for p in people if p.delegate.delegation == chosen]
    assert name == "the-dai-bieu.pdf"
    assert caption == say("print.chat.done.badges", count=len(members), pages=1)
    (text,) = page_texts(data)
    assert all(p.delegate.full_name in text for p in members)
    assert not any(p.delegate.full_name + " " in text + " " for p in people if p not in members)


async def test_only_the_unregistered(app: App, tg: TelegramChat, fake: FakeTelegram) -> None:
    people = await seed(app, 6, registered=4)
    before, _ = await ask_print(tg, "invitations", "new")
    ((_, data, _),) = documents(fake, before)
    waiting: list[Person] = [p for p in people if p.user_id is None]
    assert len(waiting) == 2
    assert sorted(qr for page in qr_codes(data) for qr in page) == sorted(
        BOT_LINK + p.delegate.invite_code for p in waiting)


async def test_nothing_to_print_is_said_in_chat(app: App, tg: TelegramChat,
                                               fake: FakeTelegram) -> None:
    await tg.send(ORGANISER_ID, "/print")
    await tg.press(ORGANISER_ID, "print:l:badges")
    before = len(fake.calls)
    assert [m["text"] for m in await tg.press(ORGANISER_ID, "print:f:badges:all")] == [
        say("print.refused.empty")]
    await seed(app, 3)  # everyone registered
    await tg.send(ORGANISER_ID, "/print")
    assert [m["text"] for m in await tg.press(ORGANISER_ID, "print:f:badges:new")] == [
        say("print.refused.nobody")]
    assert documents(fake, before) == []


async def test_a_stale_or_forged_choice_prints_nothing(app: App, tg: TelegramChat,
                                                      fake: FakeTelegram) -> None:
    await seed(app, 3)
    before = len(fake.calls)
    for data in ("print:d:0", "print:dp:1", "print:f:posters:all", "print:f:badges:some",
                 "print:x"):
        texts = [m["text"] for m in await tg.press(ORGANISER_ID, data)]
        assert texts == [say("print.chat.stale")], data
    assert documents(fake, before) == []


async def test_a_delegate_is_refused(app: App, tg: TelegramChat, fake: FakeTelegram) -> None:
    await seed(app, 3)
    delegate = FIRST_USER_ID  # registered by seed()
    before = len(fake.calls)
    assert await tg.texts(delegate, "/print") == [say("error.organisers_only")]
    pressed = await tg.press(delegate, "print:f:invitations:all")
    assert [m["text"] for m in pressed] == [say("error.organisers_only")]
    assert documents(fake, before) == []


async def test_zalo_takes_no_files_so_the_organiser_is_sent_to_the_command_line(
        app: App, zalo: ZaloChat) -> None:
    await seed(app, 3)
    assert await zalo.say(ZALO_ORGANISER, "/print") == say("print.chat.no_files")
    assert await zalo.say("b1b2b3b4b5b6b7b8", "/print") == say("error.organisers_only")


async def test_text_typed_at_the_delegation_picker_is_answered_and_keeps_it(
        app: App, tg: TelegramChat, fake: FakeTelegram) -> None:
    people = await seed(app, 6)
    _, (picker,) = await ask_print(tg, "invitations", "one")
    assert await tg.texts(ORGANISER_ID, "Đoàn Sở Y tế") == [say("print.chat.pick_with_buttons")]
    labels = dict(buttons(picker))
    before = len(fake.calls)
    await tg.press(ORGANISER_ID, labels[DELEGATIONS[0]])
    ((_, data, _),) = documents(fake, before)
    assert len(page_texts(data)) == sum(p.delegate.delegation == DELEGATIONS[0] for p in people)


async def test_a_large_print_is_announced_then_sent(
        app: App, tg: TelegramChat, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(printing, "ANNOUNCE_FROM", 5)
    await seed(app, 6)
    before, shown = await ask_print(tg, "badges", "all")
    assert [m["text"] for m in shown] == [say("print.chat.working", count=6)]
    methods = [c.method for c in fake.calls[before:] if c.method in ("sendMessage",
                                                                     "sendDocument")]
    assert methods == ["sendMessage", "sendDocument"]
    assert len(documents(fake, before)) == 1


async def test_a_file_over_telegrams_limit_is_not_sent(
        app: App, tg: TelegramChat, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(printing, "UPLOAD_LIMIT", 10_000)
    await seed(app, 3)
    before, (answer,) = await ask_print(tg, "invitations", "all")
    assert answer["text"].startswith("Tệp PDF lớn ")
    assert "delegate-bot roster print" in answer["text"]
    assert documents(fake, before) == []
