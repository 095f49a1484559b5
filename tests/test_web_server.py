"""The one web server in the bot's process: the dashboard and the webhooks on one port.

With [web] enabled, Telegram's and Zalo's webhooks are served by the dashboard's server (at
/telegram and /zalo on [web] listen:port), the secret still checked first; with it off,
each webhook gets a server of its own on its [<channel>.webhook] port, as before, which
stops with the channel; polling needs no server. `delegate-bot web link` prints a one-time
link (or says the dashboard is off, exit 2); `delegate-bot demo --web` serves the demo's
dashboard on 127.0.0.1 and prints a link that opens it.
"""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import httpx
import pytest

from bot.app import App
from bot.clock import FixedClock
from bot.config import WebhookConfig, ZaloWebhookConfig
from bot.demo_cli import chat
from testkit.fake_telegram import FakeTelegram
from testkit.fake_zalo import FakeZalo
from testkit.telegram_harness import start_channel
from testkit.zalo_harness import free_port, start_zalo
from tests.cli_runner import run
from tests.conftest import CONGRESS_MORNING, DELEGATE_ID, make_config
from tests.test_webhook_limits import telegram_update

SECRET = "s3cret-token_1"


async def test_with_the_dashboard_on_both_webhooks_share_its_port(
    tmp_path: Path, clock: FixedClock, fake: FakeTelegram
) -> None:
    port = free_port()
    app = await App.open(make_config(tmp_path, web={"enabled": True, "port": port}),
                         clock=clock)
    await app.web.start()
    unused = free_port()  # the channels' own webhook ports are not used then
    async with FakeZalo() as zfake:
        channel = await start_channel(app, fake, mode="webhook", webhook=WebhookConfig(
            url="https://bot.example.org/telegram", port=unused, secret_token=SECRET))
        zalo = await start_zalo(app, zfake, mode="webhook", webhook=ZaloWebhookConfig(
            url="https://bot.example.org/zalo", port=unused, secret_token=SECRET))
        try:
            assert app.web.describe() == {f"127.0.0.1:{port}": ["/telegram", "/zalo"]}
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base) as client:
                dashboard = await client.get("/")
                assert dashboard.status_code == 401 and "/web" in dashboard.text
                assert dashboard.headers["x-frame-options"] == "DENY"
            update = telegram_update("/help")
            assert await fake.post_webhook(f"{base}/telegram", dict(update),
                                           secret_token="wrong") == 403
            assert await fake.post_webhook(f"{base}/telegram/", dict(update),
                                           secret_token=SECRET) == 200
            await asyncio.wait_for(channel.wait_handled(1), 10)
            assert "Các lệnh" in fake.sent_texts(DELEGATE_ID)[0]
            posted = zfake.make_update("a1b2", "/help")
            assert await zfake.post_webhook(f"{base}/zalo", posted, secret_token=SECRET) == 200
            await asyncio.wait_for(zalo.wait_handled(1), 10)
            with pytest.raises(httpx.ConnectError):  # nothing listens on the channels' port
                async with httpx.AsyncClient() as client:
                    await client.get(f"http://127.0.0.1:{unused}/")
        finally:
            await zalo.stop()
            await channel.stop()
    assert app.web.describe() == {f"127.0.0.1:{port}": []}  # the dashboard stays
    await app.web.stop()
    await app.close()


async def test_with_the_dashboard_off_a_webhook_has_its_own_server_while_it_runs(
    app: App, fake: FakeTelegram
) -> None:
    port = free_port()
    channel = await start_channel(app, fake, mode="webhook", webhook=WebhookConfig(
        url="https://bot.example.org/telegram", port=port, secret_token=SECRET))
    try:
        assert app.web.describe() == {f"127.0.0.1:{port}": ["/telegram"]}
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"http://127.0.0.1:{port}/")
            assert answer.status_code == 404  # no dashboard there
            assert (await client.get(f"http://127.0.0.1:{port}/telegram")).status_code == 405
    finally:
        await channel.stop()
    assert app.web.describe() == {}


async def test_polling_starts_no_server(app: App, fake: FakeTelegram) -> None:
    channel = await start_channel(app, fake)
    try:
        assert app.web.describe() == {}
    finally:
        await channel.stop()


async def test_a_port_in_use_is_said_at_start(tmp_path: Path, clock: FixedClock) -> None:
    port = free_port()
    first = await App.open(make_config(tmp_path, web={"enabled": True, "port": port}),
                           clock=clock)
    second = await App.open(make_config(tmp_path / "b", web={"enabled": True, "port": port}),
                            clock=clock)
    try:
        await first.web.start()
        with pytest.raises(OSError):
            await second.web.start()
    finally:
        await first.web.stop()
        await second.web.stop()
        await first.close()
        await second.close()


@pytest.mark.parametrize(("key", "value", "reason"), [
    ("port", 70000, "between 0 and 65535"),
    ("public_url", "daihoi.example.org", "http(s) URL"),
    ("public_url", "https://x.org/?a=1", "without ? or #"),
    ("listen", " ", "must not be empty"),
])
def test_bad_web_settings_stop_start_up(tmp_path: Path, key: str, value: object,
                                        reason: str) -> None:
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match=re.escape(reason)) as caught:
        make_config(tmp_path, web={key: value})
    assert caught.value.key == f"web.{key}"


def test_web_link_prints_a_link_or_says_the_dashboard_is_off(tmp_path: Path,
                                                             cli_config: Path) -> None:
    off = run("web", "link", "--config", str(cli_config))
    assert off.code == 2 and "[web]" in off.err and off.out == ""
    cli_config.write_text(cli_config.read_text() + "\n[web]\nenabled = true\n"
                          "public_url = \"https://daihoi.example.org/\"\n", encoding="utf-8")
    missing = run("web", "link", "--config", str(cli_config))
    assert missing.code == 2  # the database does not exist yet: refused as elsewhere
    asyncio.run(_create(cli_config))
    done = run("web", "link", "--config", str(cli_config))
    assert done.code == 0, done.err
    assert re.fullmatch(r"Liên kết đăng nhập \(dùng được một lần, trong 10 phút\): "
                        r"https://daihoi\.example\.org/login\?t=[\w-]{40,}\n", done.out)


async def _create(config_path: Path) -> None:
    from bot.config import load_config

    app = await App.open(load_config(config_path))
    await app.close()


async def test_the_demo_serves_its_dashboard_and_prints_a_link(tmp_path: Path) -> None:
    stop, printed = asyncio.Event(), asyncio.Event()

    class Screen(io.StringIO):
        def write(self, text: str) -> int:
            if "/login?t=" in text:
                printed.set()
            return super().write(text)

    out = Screen()
    running = asyncio.create_task(chat(True, tmp_path / "demo.sqlite3", stdin=io.StringIO(""),
                                       stdout=out, base_clock=FixedClock(CONGRESS_MORNING),
                                       handle_signals=False, stop=stop, web=True))
    try:
        await asyncio.wait_for(printed.wait(), 10)
        found = re.search(r"http://127\.0\.0\.1:\d+/login\?t=[\w-]+", out.getvalue())
        assert found is not None, out.getvalue()
        async with httpx.AsyncClient() as client:
            shown = await client.get(found.group(0))
            assert shown.status_code == 200
            token = found.group(0).split("t=")[1]
            done = await client.post(found.group(0).split("?")[0], data={"t": token})
            assert done.status_code == 303
            page = await client.get(found.group(0).split("/login")[0] + "/")
            assert page.status_code == 200 and "Tổng quan" in page.text
        assert not running.done()  # the input ended, the dashboard stays until stopped
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 10) == 0


async def test_the_demo_with_its_dashboard_gives_a_delegate_download_links(
    tmp_path: Path,
) -> None:
    """The console carries no files: with --web, picking a document gives a link to the
    demo's own server, which serves the PDF once."""
    stop, printed = asyncio.Event(), asyncio.Event()

    class Screen(io.StringIO):
        def write(self, text: str) -> int:
            if "/documents/file?t=" in text:
                printed.set()
            return super().write(text)

    out = Screen()
    lines = io.StringIO("CMTQG77RNK\n1\n/documents\n1\n")  # DB001 of examples/roster.csv
    running = asyncio.create_task(chat(False, tmp_path / "demo.sqlite3", stdin=lines,
                                       stdout=out, base_clock=FixedClock(CONGRESS_MORNING),
                                       handle_signals=False, stop=stop, web=True))
    try:
        await asyncio.wait_for(printed.wait(), 10)
        found = re.search(r"(http://127\.0\.0\.1:\d+/documents/file)\?t=([\w-]+)",
                          out.getvalue())
        assert found is not None, out.getvalue()
        assert "Tài liệu “Chương trình Đại hội”" in out.getvalue()
        async with httpx.AsyncClient() as client:
            page = await client.get(found.group(0))
            assert page.status_code == 200 and "Chương trình Đại hội" in page.text
            got = await client.post(found.group(1), data={"t": found.group(2)})
            assert got.status_code == 200 and got.content.startswith(b"%PDF")
            again = await client.post(found.group(1), data={"t": found.group(2)})
            assert again.status_code == 410
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 10) == 0
