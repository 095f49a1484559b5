"""The console channel: typed lines in, plain text out, choices by number or by text."""

from __future__ import annotations

import io

from bot.app import App
from bot.channels.console import ConsoleChannel


async def chat(app: App, *lines: str, user: str = "delegate") -> str:
    out = io.StringIO()
    channel = ConsoleChannel(app, user_id=user, display_name="Nguyễn Thị Thử",
                             stdin=io.StringIO("".join(f"{line}\n" for line in lines)),
                             stdout=out)
    await channel.run(prompt=False)
    return out.getvalue()


async def test_start_and_help_in_vietnamese(app: App) -> None:
    out = await chat(app, "/start", "/help")
    assert "Xin chào Nguyễn Thị Thử!" in out
    assert "Đại hội thử nghiệm" in out
    assert "/language — đổi ngôn ngữ" in out
    assert "<b>" not in out


async def test_choice_by_number_and_by_text(app: App) -> None:
    out = await chat(app, "/language", "2", "/help", "/language", "tiếng việt", "/help")
    assert "  1. Tiếng Việt\n  2. English" in out
    assert "Switched to English." in out
    assert "Commands you can use" in out
    last = out.rstrip().rpartition("\n\n")[2]
    assert last.startswith("Các lệnh bạn có thể dùng"), last
    assert "/language — đổi ngôn ngữ (Tiếng Việt / English)" in last


async def test_number_without_pending_choice_is_free_text(app: App) -> None:
    out = await chat(app, "2")
    assert "Để đăng ký, hãy gửi mã mời" in out  # and the person is not registered


async def test_language_is_remembered_across_sessions(app: App) -> None:
    await chat(app, "/language en")
    out = await chat(app, "/help")
    assert "Commands you can use" in out


async def test_bad_input_gets_clear_answers(app: App) -> None:
    out = await chat(app, "/nosuchcommand junk args", "/language klingon",
                     "x" * 10_000, "<b>&*_ 🎉 שלום مرحبا", "/help@delegate_test_bot extra words")
    assert "Tôi không biết lệnh /nosuchcommand" in out
    assert "ngôn ngữ «klingon»" in out
    assert "Tin nhắn quá dài (tối đa 4096 ký tự)" in out
    assert "Để đăng ký, hãy gửi mã mời" in out
    assert out.count("Các lệnh bạn có thể dùng") == 1


async def test_organiser_sees_the_organiser_welcome(app: App) -> None:
    app.services.organisers["console"] = {"organiser"}
    out = await chat(app, "/start", user="organiser")
    assert "Ban Tổ chức" in out
