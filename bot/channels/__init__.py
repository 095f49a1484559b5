"""The channel registry: one module per platform in this package, listed once in `PLATFORMS`.

Each module (`bot/channels/<platform>.py`) declares `SPEC`, a `ChannelSpec`: what the
platform can do (`Capabilities`) and how to build its channel from its config section, which
has the platform's name (`[telegram]`, `[zalo]`). The app builds every enabled channel with
`build_enabled`; features and the delivery worker ask `spec(platform)` for capabilities
(through `Services.capabilities`), never for a platform's name. Modules are imported on
first use, so a command that needs no platform library does not load it.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.channels.base import Capabilities, Channel, ChannelSpec

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Config

PLATFORMS = ("telegram", "zalo", "console")


class UnknownPlatform(LookupError):
    """A platform name no channel module declares."""


@functools.cache
def spec(platform: str) -> ChannelSpec:
    """Return the spec the channel module of `platform` declares."""
    if platform not in PLATFORMS:
        raise UnknownPlatform(f"no channel module for the platform {platform!r}")
    declared: ChannelSpec = importlib.import_module(f"{__name__}.{platform}").SPEC
    assert declared.platform == platform, f"{platform}.SPEC names {declared.platform!r}"
    return declared


def text_limit(platform: str) -> int:
    """Return the longest message `platform` takes, in characters."""
    return spec(platform).declared.text_limit


def build_enabled(app: App, config: Config) -> list[Channel]:
    """Build the channel of every platform whose config section is enabled, in config order."""
    built = []
    for platform, section in config.channels().items():
        if not section.enabled:
            continue
        build = spec(platform).build
        if build is None:
            raise UnknownPlatform(f"the platform {platform!r} is not started from config")
        built.append(build(app, config))
    return built


async def deep_linker(config: Config) -> Callable[[str], str | None] | None:
    """Return the deep-link builder of the first platform that has deep links under
    `config` (asking the platform what the config leaves out), or None when none has."""
    for platform in PLATFORMS:
        found = spec(platform)
        capabilities: Capabilities = found.capabilities(config)
        if not capabilities.deep_link_template and found.discover is not None:
            capabilities = await found.discover(config)
        if capabilities.deep_link_template:
            return capabilities.deep_link
    return None
