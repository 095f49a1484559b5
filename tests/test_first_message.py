"""Issue 13, points 1, 3 and 4: what a person not registered yet sees and may do.

A code as the very first message registers on every platform (Telegram, Zalo, the
console), text that cannot be a code gets how to register and is not counted; the answer
to "is this you?" replaces the question (one Bot API round trip besides the press's
answer); /help, /me and /reminders show and accept only what applies to the person.
"""

from __future__ import annotations

import io

import pytest

from bot.app import App
from bot.channels.console import ConsoleChannel
from bot.text import html_to_plain
from storage import users
from testkit.fake_telegram import FakeTelegram
from testkit.telegram_harness import TelegramChat, buttons
from testkit.zalo_harness import ZaloChat
from tests.conftest import DELEGATE_ID, ORGANISER_ID
from tests.test_registration import (
    HA_CONFIRM,
    ROSTER,
    failures,
    is_registered_answer,
    linked_code,
    load_roster,
    pressed,
    said,
    vi,
)

OTHER_ID = 1002
ZALO_USER = "a1b2c3d4e5"
NOT_CODES = ["xin chào", "Xin chào bạn", "đúng", "hello", "Chào anh, tôi muốn đăng ký", "ok",
             "Cảm ơn!", "👍", "?"]


@pytest.fixture
async def roster(app: App) -> None:
    """Load the three delegates of the registration tests."""
    await load_roster(app, ROSTER)


def explain(app: App, *, phone: bool = True, plain: bool = False) -> str:
    """Return the explanation of how to register, as the bot sends it."""
    key = "registration.explain_or_phone" if phone else "registration.explain"
    text = vi(key, event=app.services.config.event.name)
    return html_to_plain(text) if plain else text


# ---------------------------------------------------------------------------- 1. Telegram


@pytest.mark.parametrize("typed", ["AC3DE4F6GH", "ac3d-e4f6-gh", " Ac3d E4F6 gh "])
async def test_a_code_as_the_very_first_message_registers(
    app: App, roster: None, tg: TelegramChat, typed: str
) -> None:
    assert await said(tg, DELEGATE_ID, typed) == HA_CONFIRM  # no /start before
    assert is_registered_answer(await pressed(tg, DELEGATE_ID, "reg:yes"), "Trần Thị Hà")
    assert await linked_code(app, DELEGATE_ID) == "DB001"


@pytest.mark.parametrize("text", NOT_CODES)
async def test_text_that_cannot_be_a_code_is_explained_and_not_counted(
    app: App, roster: None, tg: TelegramChat, text: str
) -> None:
    assert await said(tg, DELEGATE_ID, text) == explain(app)
    assert await said(tg, DELEGATE_ID, text) == explain(app)  # again: still no attempt
    assert await failures(app, DELEGATE_ID) == 0
    assert await said(tg, DELEGATE_ID, "AC3D-E4F6-GH") == HA_CONFIRM


async def test_a_wrong_code_as_the_first_message_counts(
    app: App, roster: None, tg: TelegramChat
) -> None:
    assert await said(tg, DELEGATE_ID, "CCCC-DDDD-EE") == vi("registration.wrong_code")
    assert await failures(app, DELEGATE_ID) == 1
    assert await linked_code(app, DELEGATE_ID) is None


async def test_text_while_asked_is_this_you_asks_again_and_is_not_counted(
    app: App, roster: None, tg: TelegramChat
) -> None:
    assert await said(tg, DELEGATE_ID, "AC3DE4F6GH") == HA_CONFIRM
    (again,) = await tg.send(DELEGATE_ID, "đúng")
    assert again["text"] == HA_CONFIRM and ("✅ Đúng, là tôi", "reg:yes") in buttons(again)
    assert await failures(app, DELEGATE_ID) == 0
    assert is_registered_answer(await pressed(tg, DELEGATE_ID, "reg:yes"), "Trần Thị Hà")


async def test_registered_people_and_organisers_get_the_usual_answer_to_free_text(
    app: App, roster: None, tg: TelegramChat
) -> None:
    await said(tg, DELEGATE_ID, "AC3DE4F6GH")
    await pressed(tg, DELEGATE_ID, "reg:yes")
    # Registered: a code-shaped text is not checked again, and nothing is counted.
    assert await said(tg, DELEGATE_ID, "MNPQRTUVWX") == vi("fallback.text")
    assert await said(tg, DELEGATE_ID, "xin chào") == vi("fallback.text")
    assert await linked_code(app, DELEGATE_ID) == "DB001"
    # An organiser who is no delegate gets the usual answer to a greeting.
    assert await said(tg, ORGANISER_ID, "xin chào") == vi("fallback.text")
    assert await failures(app, DELEGATE_ID) == await failures(app, ORGANISER_ID) == 0


# ---------------------------------------------------------------------------- 1. Zalo


async def test_zalo_a_code_as_the_first_message_registers(
    app: App, roster: None, zalo: ZaloChat
) -> None:
    assert await zalo.say(ZALO_USER, "Xin chào") == explain(app, phone=False, plain=True)
    ask = await zalo.say(ZALO_USER, "ac3d e4f6 gh")
    assert ask.startswith(html_to_plain(HA_CONFIRM)) and "1. ✅ Đúng, là tôi" in ask
    done = await zalo.say(ZALO_USER, "1")
    assert html_to_plain(vi("registration.done", name="Trần Thị Hà")) in done
    assert await linked_code(app, ZALO_USER, "zalo") == "DB001"


# ---------------------------------------------------------------------------- 1. console


async def console(app: App, *lines: str) -> str:
    """Type lines into a console channel; return everything it printed."""
    out = io.StringIO()
    channel = ConsoleChannel(app, user_id="ha-console", display_name="Chị Hà",
                             stdin=io.StringIO("".join(f"{line}\n" for line in lines)),
                             stdout=out)
    await channel.run(prompt=False)
    return out.getvalue()


async def test_console_a_code_as_the_first_message_registers(app: App, roster: None) -> None:
    out = await console(app, "đúng", "AC3D-E4F6-GH", "1")
    assert explain(app, phone=False, plain=True) in out
    assert html_to_plain(vi("registration.done", name="Trần Thị Hà")) in out
    assert await linked_code(app, "ha-console", "console") == "DB001"


# ---------------------------------------------------------------------------- 3. one round trip


async def test_yes_edits_the_question_into_the_answer(
    app: App, roster: None, tg: TelegramChat, fake: FakeTelegram
) -> None:
    assert await said(tg, DELEGATE_ID, "AC3DE4F6GH") == HA_CONFIRM
    first = len(fake.calls)
    (answer,) = await tg.press(DELEGATE_ID, "reg:yes")
    calls = [c.method for c in fake.calls[first:] if c.method != "getUpdates"]
    assert sorted(calls) == ["answerCallbackQuery", "editMessageText"]
    assert is_registered_answer(answer["text"], "Trần Thị Hà")
    shown = fake._messages[DELEGATE_ID, fake._last_bot_message[DELEGATE_ID]]
    assert shown["text"].startswith("🎉 Đăng ký thành công! Chào mừng đồng chí Trần Thị Hà.")
    assert "reply_markup" not in shown  # the buttons went with the question
    assert await linked_code(app, DELEGATE_ID) == "DB001"


async def test_no_edits_the_question_too_and_the_code_can_be_typed_again(
    app: App, roster: None, tg: TelegramChat, fake: FakeTelegram
) -> None:
    await tg.send(DELEGATE_ID, "AC3DE4F6GH")
    first = len(fake.calls)
    assert await pressed(tg, DELEGATE_ID, "reg:no") == vi("registration.not_me")
    assert not any(c.method == "sendMessage" for c in fake.calls[first:])
    assert await said(tg, DELEGATE_ID, "AC3DE4F6GH") == HA_CONFIRM


async def test_other_buttons_still_lose_their_keyboard_and_get_a_new_message(
    roster: None, tg: TelegramChat, fake: FakeTelegram
) -> None:
    await tg.send(DELEGATE_ID, "/language")
    first = len(fake.calls)
    await tg.press(DELEGATE_ID, "lang:en")
    methods = {c.method for c in fake.calls[first:]}
    assert {"answerCallbackQuery", "editMessageReplyMarkup", "sendMessage"} <= methods


# ---------------------------------------------------------------------------- 4. not registered


async def test_help_lists_seat_commands_only_once_registered(
    roster: None, tg: TelegramChat
) -> None:
    before = await said(tg, DELEGATE_ID, "/help")
    assert "/agenda" in before and "/start" in before
    assert not any(c in before for c in ("/me", "/forget", "/reminders"))
    await said(tg, DELEGATE_ID, "AC3DE4F6GH")
    await pressed(tg, DELEGATE_ID, "reg:yes")
    after = await said(tg, DELEGATE_ID, "/help")
    assert all(c in after for c in ("/me", "/forget", "/reminders"))


@pytest.mark.parametrize("command", ["/me", "/reminders", "/reminders off", "/reminders on"])
async def test_seat_commands_tell_people_not_registered_to_register_first(
    app: App, roster: None, tg: TelegramChat, command: str
) -> None:
    assert await said(tg, DELEGATE_ID, command) == vi("registration.not_registered")
    user = await users.get(app.services.db, "telegram", str(DELEGATE_ID))
    assert user is not None and not user.reminders_off  # nothing was stored


async def test_a_reminders_button_is_refused_to_people_not_registered(
    app: App, roster: None, tg: TelegramChat
) -> None:
    assert await pressed(tg, DELEGATE_ID, "rem:off") == vi("registration.not_registered")
    user = await users.get(app.services.db, "telegram", str(DELEGATE_ID))
    assert user is not None and not user.reminders_off


async def test_registered_people_still_turn_reminders_off(
    app: App, roster: None, tg: TelegramChat
) -> None:
    await said(tg, DELEGATE_ID, "AC3DE4F6GH")
    await pressed(tg, DELEGATE_ID, "reg:yes")
    assert await said(tg, DELEGATE_ID, "/reminders off") == vi("reminders.off")
    user = await users.get(app.services.db, "telegram", str(DELEGATE_ID))
    assert user is not None and user.reminders_off


async def test_forget_is_still_accepted_from_people_not_registered(
    roster: None, tg: TelegramChat
) -> None:
    assert await said(tg, DELEGATE_ID, "/forget") == vi("forget.ask")  # their chat data


async def test_zalo_reminders_off_is_refused_to_people_not_registered(
    app: App, roster: None, zalo: ZaloChat
) -> None:
    answer = await zalo.say(ZALO_USER, "/reminders off")
    assert answer == html_to_plain(vi("registration.not_registered"))
    user = await users.get(app.services.db, "zalo", ZALO_USER)
    assert user is not None and not user.reminders_off


async def test_organiser_commands_are_still_refused_to_delegates(
    roster: None, tg: TelegramChat
) -> None:
    await said(tg, DELEGATE_ID, "AC3DE4F6GH")
    await pressed(tg, DELEGATE_ID, "reg:yes")
    assert await said(tg, DELEGATE_ID, "/registrations") == vi("error.organisers_only")
    assert await said(tg, OTHER_ID, "/registrations") == vi("error.organisers_only")
