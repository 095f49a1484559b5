"""Channels: capabilities each platform declares, the registry that builds the enabled
channels from config, and features that ask a capability, never a platform's name.

The channels run for real against the fake Telegram and Zalo servers on 127.0.0.1.
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import channels
from bot.app import App
from bot.channels.base import Capabilities
from bot.channels.console import ConsoleChannel
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.clock import FixedClock, to_iso
from bot.config import Config, OrganisersConfig
from bot.delivery import messages_for
from bot.i18n import Translator
from bot.tabular import read_table_bytes
from bot.text import html_to_plain
from handlers.roster import apply_plan, plan_from_table
from storage import users
from testkit.fake_telegram import FakeTelegram
from testkit.fake_zalo import FakeZalo
from testkit.telegram_harness import TelegramChat, telegram_config
from testkit.zalo_harness import ZaloChat, zalo_config
from tests.conftest import make_config

ROOT = Path(__file__).resolve().parent.parent
TEXTS = Translator.load()
HA_ZALO = "a1b2c3d4e5"
ROSTER = ("Mã đại biểu;Họ và tên;Đơn vị;Đoàn;Loại;Số điện thoại;Số ghế;Mã mời\r\n"
          "DB001;Trần Thị Hà;Sở Y tế;Đoàn Sở Y tế;Chính thức;0912 345 678;A01;AC3D-E4F6-GH\r\n")


def plain(key: str, /, **params: object) -> str:
    """Return a Vietnamese text as the platforms without markup show it."""
    return html_to_plain(TEXTS.t("vi", key, **params))


class MemoryChoices:
    """Choices kept in memory: what an app could hand a channel instead of the database."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str], list[tuple[str, str]]] = {}

    async def offered(self, platform: str, user_id: str) -> list[tuple[str, str]]:
        """Return the choices last offered."""
        return self.kept.get((platform, user_id), [])

    async def offer(self, platform: str, user_id: str,
                    choices: list[tuple[str, str]]) -> None:
        """Keep the choices just offered."""
        self.kept[platform, user_id] = choices

    async def language(self, platform: str, user_id: str) -> str | None:
        """Know no one's language."""
        return None


@pytest.fixture
async def zfake() -> AsyncIterator[FakeZalo]:
    """Return a running fake Zalo Bot API server on 127.0.0.1."""
    async with FakeZalo() as server:
        yield server


async def load_roster(app: App) -> None:
    """Import one delegate whose phone number the roster holds."""
    plan = await plan_from_table(app.services.db, read_table_bytes(ROSTER.encode(), "ds.csv"),
                                 prune=False)
    assert plan.ok, plan.problems
    await apply_plan(app.services.db, plan, to_iso(app.services.clock.now()))


# ---------------------------------------------------------------------------- declarations
def test_each_platform_declares_what_it_can_do() -> None:
    config = Config()
    telegram, zalo, console = (channels.spec(p).capabilities(config)
                               for p in ("telegram", "zalo", "console"))
    assert (telegram.buttons, telegram.contact_sharing, telegram.files) == (True, True, True)
    assert (zalo.buttons, zalo.contact_sharing, zalo.files) == (False, False, False)
    assert (console.buttons, console.contact_sharing, console.files) == (False, False, False)
    assert (telegram.text_limit, zalo.text_limit, console.text_limit) == (4096, 2000, 4096)
    assert (telegram.rate, zalo.rate, console.rate) == (25.0, 10.0, 25.0)
    assert telegram.pictures and zalo.pictures and not console.pictures
    assert [c.deep_link("X") for c in (telegram, zalo, console)] == [None, None, None]


def test_every_channel_section_has_its_module_its_rate_and_its_organisers(
    tmp_path: Path
) -> None:
    sections = Config().channels()
    assert list(sections) == ["telegram", "zalo"]
    assert set(sections) <= set(channels.PLATFORMS)
    assert set(OrganisersConfig().by_platform()) == set(sections)
    rates = {f"{name}_rate": 7 + i for i, name in enumerate(sections)}
    config = make_config(tmp_path, delivery=rates)
    for i, name in enumerate(sections):
        spec = channels.spec(name)
        assert spec.platform == name and spec.build is not None
        assert spec.capabilities(config).rate == 7 + i


def test_an_unknown_platform_is_refused_by_name() -> None:
    with pytest.raises(channels.UnknownPlatform, match="'fax'"):
        channels.spec("fax")


# ---------------------------------------------------------------------------- the registry
async def test_the_registry_builds_the_enabled_channels_from_config(
    tmp_path: Path, clock: FixedClock
) -> None:
    cases = {
        (True, True): [TelegramChannel, ZaloChannel],
        (False, True): [ZaloChannel],
        (True, False): [TelegramChannel],
        (False, False): [],
    }
    for (on_telegram, on_zalo), expected in cases.items():
        config = make_config(tmp_path, telegram={"enabled": on_telegram, "token": "1:T"},
                             zalo={"enabled": on_zalo, "token": "z"},
                             delivery={"telegram_rate": 12, "zalo_rate": 3})
        app = await App.open(config, clock=clock)
        try:
            built = channels.build_enabled(app, config)
            assert [type(c) for c in built] == expected
            for channel in built:
                app.add_channel(channel)
            wanted = {"telegram": 12.0, "zalo": 3.0}
            assert app.delivery.rates == {c.platform: wanted[c.platform] for c in built}
            assert set(app.services.senders) == {c.platform for c in built}
        finally:
            await app.close()


async def test_channels_built_from_config_answer_on_both_platforms(
    tmp_path: Path, clock: FixedClock, fake: FakeTelegram, zfake: FakeZalo
) -> None:
    config = make_config(
        tmp_path, telegram={"enabled": True, "token": fake.token,
                            "api_base_url": f"http://127.0.0.1:{fake.port}"},
        zalo={"enabled": True, "token": zfake.token, "api_base_url": zfake.base_url})
    app = await App.open(config, clock=clock)
    built = channels.build_enabled(app, config)
    for channel in built:
        app.add_channel(channel)
    stop = asyncio.Event()
    running = asyncio.create_task(app.run(stop))
    try:
        telegram, zalo = built
        assert isinstance(telegram, TelegramChannel) and isinstance(zalo, ZaloChannel)
        await zfake.wait_polling(1)
        (help_tg,) = await TelegramChat(fake, telegram).texts(1001, "/help")
        (help_zalo,) = await ZaloChat(zfake, zalo).send(HA_ZALO, "/help")
        assert help_tg.startswith("<b>Các lệnh bạn có thể dùng</b>")
        assert help_zalo.startswith("Các lệnh bạn có thể dùng\n")
    finally:
        stop.set()
        await running
        await app.close()


# ---------------------------------------------------------------------------- limits and rates
def test_the_outbox_splits_at_the_limit_each_channel_declares() -> None:
    text = ("Một câu thông báo khá dài của Ban Tổ chức. " * 70).strip()  # ~3,000 characters
    parts = {p: messages_for("k", p, "1", text) for p in ("telegram", "zalo", "console")}
    assert [len(rows) for rows in parts.values()] == [1, 2, 1]
    assert all(len(html_to_plain(row.text)) <= 2000 for row in parts["zalo"])
    with pytest.raises(channels.UnknownPlatform):
        messages_for("k", "fax", "1", text)


async def test_capabilities_come_from_the_running_channel_else_from_config(
    tmp_path: Path, clock: FixedClock, fake: FakeTelegram
) -> None:
    config = make_config(tmp_path, delivery={"zalo_rate": 4})
    app = await App.open(config, clock=clock)
    try:
        assert app.services.capabilities("zalo").rate == 4.0  # no Zalo channel is running
        assert app.services.capabilities("telegram").deep_link("X") is None
        channel = TelegramChannel(app, telegram_config(fake), poll_timeout=1)
        app.add_channel(channel)
        await channel.start()
        try:  # the running bot knows its username (getMe), so it builds deep links
            link = app.services.capabilities("telegram").deep_link("AC3DE4F6GH")
            assert link == "https://t.me/delegate_test_bot?start=AC3DE4F6GH"
        finally:
            await channel.stop()
    finally:
        await app.close()


# ---------------------------------------------------------------------------- deep links
async def test_deep_links_come_from_the_config_or_from_the_platform(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    named = make_config(tmp_path, telegram={"bot_username": "daihoi_bot"})
    link = await channels.deep_linker(named)
    assert link is not None and link("AC3DE4F6GH") == "https://t.me/daihoi_bot?start=AC3DE4F6GH"
    asked = make_config(tmp_path, telegram={"token": fake.token,
                                            "api_base_url": f"http://127.0.0.1:{fake.port}"})
    link = await channels.deep_linker(asked)
    assert link is not None and link("K") == "https://t.me/delegate_test_bot?start=K"
    assert await channels.deep_linker(make_config(tmp_path)) is None


def test_a_capability_without_a_template_builds_no_link() -> None:
    caps = Capabilities(buttons=False, contact_sharing=False, text_limit=10, rate=1.0,
                        files=False, pictures=False)
    assert caps.deep_link("X") is None
    linked = Capabilities(True, True, 10, 1.0, True, True, "https://example.org/b?c={payload}")
    assert linked.deep_link("AB12") == "https://example.org/b?c=AB12"


# ---------------------------------------------------------------------------- features ask
async def test_the_phone_is_asked_for_only_where_contacts_can_be_shared(
    app: App, tg: TelegramChat, zfake: FakeZalo
) -> None:
    await load_roster(app)
    *_, on_telegram = await tg.send(1001, "/start")
    assert on_telegram["text"] == TEXTS.t("vi", "registration.ask_code_or_phone")
    assert on_telegram["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    zalo = ZaloChannel(app, zalo_config(zfake), poll_timeout=1)
    app.add_channel(zalo)
    await zalo.start()
    try:
        *_, on_zalo = await ZaloChat(zfake, zalo).send(HA_ZALO, "/start")
        assert on_zalo == plain("registration.ask_code")
    finally:
        await zalo.stop()


async def test_zalo_keeps_its_numbered_choices_where_the_app_says(
    app: App, zfake: FakeZalo
) -> None:
    store = MemoryChoices()
    channel = ZaloChannel(app, zalo_config(zfake), poll_timeout=1, choices=store)
    app.add_channel(channel)
    await channel.start()
    try:
        zalo = ZaloChat(zfake, channel)
        await zalo.send(HA_ZALO, "/language")
        assert store.kept["zalo", HA_ZALO] == [("Tiếng Việt", "lang:vi"), ("English", "lang:en")]
        assert await zalo.send(HA_ZALO, "2") == ["Switched to English."]
        assert await users.get_choices(app.services.db, "zalo", HA_ZALO) == []
    finally:
        await channel.stop()


async def test_the_console_declares_its_capabilities_and_its_pace(app: App) -> None:
    channel = ConsoleChannel(app, user_id="ha", display_name="Chị Hà")
    app.add_channel(channel)
    assert app.services.capabilities("console") == channel.capabilities
    assert app.delivery.rates["console"] == 25.0


# ---------------------------------------------------------------------------- the layers hold
def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_channels_hold_no_storage_and_handlers_name_no_platform() -> None:
    for path in sorted((ROOT / "bot" / "channels").glob("*.py")):
        reached = {name for name in _imports(path) if name.split(".")[0] == "storage"}
        assert not reached, f"{path.name} imports {reached}"
    for path in sorted((ROOT / "handlers").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                 and node.value in channels.PLATFORMS}
        assert not named, f"{path.name} names the platform {named}"
