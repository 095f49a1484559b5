"""Typed configuration read from TOML: one dataclass per section, validated at start-up.

A wrong key or value raises `ConfigError` naming the file, the key and the reason; the CLI
prints that one line and exits 2. Secrets may come from the environment instead of the file.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tomllib
import types
import typing
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from bot.i18n import ADDRESSES, DEFAULT_ADDRESS, DEFAULT_TIMEZONE, Translator

TELEGRAM_API = "https://api.telegram.org"
ZALO_API = "https://bot-api.zaloplatforms.com"
ENV_CONFIG = "DELEGATE_BOT_CONFIG"
ENV_TELEGRAM_TOKEN = "DELEGATE_BOT_TELEGRAM_TOKEN"
ENV_ZALO_TOKEN = "DELEGATE_BOT_ZALO_TOKEN"

log = logging.getLogger(__name__)


class ConfigError(Exception):
    """A configuration problem: which file, which key, and why."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        super().__init__(f"{file}: {key}: {reason}")
        self.file, self.key, self.reason = file, key, reason


class ConfigMissing(ConfigError):
    """No config file where it was looked for; `path` is where (made absolute)."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path), "-", "file not found")
        self.path = path.absolute()


@dataclass(frozen=True)
class EventConfig:
    """[event]: the congress itself."""

    name: str = "Đại hội"
    timezone: str = DEFAULT_TIMEZONE
    language: str = "vi"
    address: str = DEFAULT_ADDRESS

    def check(self) -> dict[str, str]:
        """Return {key: reason} for bad values."""
        bad = {}
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            bad["timezone"] = f"unknown time zone {self.timezone!r}"
        if self.language not in ("vi", "en"):
            bad["language"] = f'must be "vi" or "en", not {self.language!r}'
        if not self.name.strip():
            bad["name"] = "must not be empty"
        if self.address not in ADDRESSES:
            allowed = ", ".join(f'"{a}"' for a in ADDRESSES)
            bad["address"] = f"must be one of {allowed}, not {self.address!r}"
        return bad

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """Return the event's time zone."""
        return zoneinfo.ZoneInfo(self.timezone)

    def texts(self) -> Translator:
        """Load the texts for this event: its language, form of address and time zone."""
        return Translator.load(self.language, address=self.address, timezone=self.timezone)


@dataclass(frozen=True)
class StorageConfig:
    """[storage]: where the SQLite database lives (relative to the config file)."""

    path: str = "delegate-bot.sqlite3"

    def check(self) -> dict[str, str]:
        """Return {key: reason} for bad values."""
        return {} if self.path.strip() else {"path": "must not be empty"}


@dataclass(frozen=True)
class CheckersConfig:
    """[organisers.checkers]: the staff at the doors who check delegates in by scanning
    their cards (numeric platform user ids, like the organisers')."""

    telegram: list[int] = field(default_factory=list)
    zalo: list[str] = field(default_factory=list)

    def check(self) -> dict[str, str]:
        """Return {key: reason} for bad values."""
        if any(uid <= 0 for uid in self.telegram):
            return {"telegram": "user ids are positive numbers"}
        return {}

    def by_platform(self) -> dict[str, set[str]]:
        """Return the user ids (as the platforms send them) by platform."""
        return {f.name: {str(uid) for uid in getattr(self, f.name)}
                for f in dataclasses.fields(self) if f.name in PLATFORM_SECTIONS}


PLATFORM_SECTIONS = ("telegram", "zalo")


@dataclass(frozen=True)
class OrganisersConfig(CheckersConfig):
    """[organisers]: numeric platform user ids of the organisers, never usernames; and
    `[organisers.checkers]`, who may check delegates in without being organisers."""

    checkers: CheckersConfig = field(default_factory=CheckersConfig)


QUORUM_MAX_DENOMINATOR = 1000


@dataclass(frozen=True)
class AttendanceConfig:
    """[attendance]: the windows a check-in counts for, and the quorum."""

    windows: str = "half-day"
    quorum: str = "2/3"

    def check(self) -> dict[str, str]:
        """Return {key: reason} for bad values."""
        bad = {}
        if self.windows not in ("half-day", "day", "session"):
            bad["windows"] = f'must be "half-day", "day" or "session", not {self.windows!r}'
        if parse_fraction(self.quorum) is None:
            bad["quorum"] = (f'must be a fraction above 0 and at most 1, such as "2/3" or'
                             f' "1/2", not {self.quorum!r}')
        return bad

    @property
    def quorum_fraction(self) -> Fraction:
        """Return the quorum as a fraction of the official delegates summoned."""
        found = parse_fraction(self.quorum)
        assert found is not None, "checked at load"
        return found


def parse_fraction(text: str) -> Fraction | None:
    """Read "2/3" (whole numbers, above 0 and at most 1); None when it is not one."""
    top, slash, bottom = text.strip().partition("/")
    if not slash or not (top.strip().isascii() and top.strip().isdigit()
                         and bottom.strip().isascii() and bottom.strip().isdigit()):
        return None
    numerator, denominator = int(top), int(bottom)
    if not 0 < denominator <= QUORUM_MAX_DENOMINATOR or not 0 < numerator <= denominator:
        return None
    return Fraction(numerator, denominator)


@dataclass(frozen=True)
class RegistrationConfig:
    """[registration]: how many wrong invite codes an account may try, and the wait after."""

    max_attempts: int = 5
    window_minutes: int = 15
    lockout_minutes: int = 15

    def check(self) -> dict[str, str]:
        """Return {key: reason} for bad values."""
        bad = {}
        for key in ("max_attempts", "window_minutes", "lockout_minutes"):
            if not 1 <= getattr(self, key) <= 10_000:
                bad[key] = "must be between 1 and 10000"
        return bad


@dataclass(frozen=True)
class DeliveryConfig:
    """[delivery]: how the outbox is sent (announcements, reminders, notices)."""

    telegram_rate: float = 25.0
    zalo_rate: float = 10.0
    connections: int = 8
    per_chat_interval: float = 1.0
    max_attempts: int = 5
    backoff_seconds: float = 2.0
    backoff_max_seconds: float = 300.0
    report_interval: float = 3.0

    def check(self) -> dict[str, str]:
        """Return {key: reason} for bad values."""
        bad = {}
        for key in ("telegram_rate", "zalo_rate"):
            if not 0 < getattr(self, key) <= 10_000:
                bad[key] = "must be more than 0 and at most 10000 messages per second"
        for key in ("per_chat_interval", "backoff_seconds", "report_interval"):
            if not 0 <= getattr(self, key) <= 3600:
                bad[key] = "must be between 0 and 3600 seconds"
        if not 1 <= self.max_attempts <= 100:
            bad["max_attempts"] = "must be between 1 and 100"
        if not 1 <= self.connections <= 256:
            bad["connections"] = "must be between 1 and 256"
        if not self.backoff_seconds <= self.backoff_max_seconds <= 86_400:
            bad["backoff_max_seconds"] = "must be at least backoff_seconds and at most 86400"
        return bad


@dataclass(frozen=True)
class RemindersConfig:
    """[reminders]: when delegates are reminded before each session."""

    offsets_minutes: list[int] = field(default_factory=lambda: [1440, 30])

    def check(self) -> dict[str, str]:
        """Return {key: reason} for bad values."""
        if not self.offsets_minutes or any(not 1 <= m <= 10_080 for m in self.offsets_minutes):
            return {"offsets_minutes": "a non-empty list of minutes between 1 and 10080"}
        if len(set(self.offsets_minutes)) != len(self.offsets_minutes):
            return {"offsets_minutes": "each offset once"}
        return {}


ELECTED_BASES = ("summoned", "received", "valid")
PERCENT_BASES = ("valid", "received", "summoned")


def parse_share(text: str) -> Fraction:
    """Return a share such as "1/2", "2/3" or "0.5" as an exact fraction; ValueError if it is
    none, or not at least 0 and below 1."""
    try:
        share = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(f'must be a fraction such as "1/2" or "2/3", not {text!r}') from None
    if not 0 <= share < 1:
        raise ValueError(f"must be at least 0 and below 1, not {text!r}")
    return share


@dataclass(frozen=True)
class ResultsConfig:
    """[results]: the rules that decide who is elected and whether a vote passes.

    `elected_above` is the share a candidate needs more than, of `elected_base`: the official
    delegates summoned (Party charter, Art. 12), the ballots received or the valid ballots.
    `elected_above_percent` is its deprecated spelling (a percentage), still read.
    """

    RENAMED: ClassVar[dict[str, str]] = {"elected_above_percent": "elected_above"}

    elected_above: str | None = None
    elected_above_percent: float | None = None
    passed_above_percent: float = 50.0
    elected_base: str = "summoned"
    percent_base: str = "valid"

    def check(self) -> dict[str, str]:
        """Return {key: reason} for bad values."""
        bad = {}
        for key in ("elected_above_percent", "passed_above_percent"):
            value = getattr(self, key)
            if value is not None and not 0 <= value < 100:
                bad[key] = "must be at least 0 and below 100"
        if self.elected_above is not None:
            try:
                parse_share(self.elected_above)
            except ValueError as exc:
                bad["elected_above"] = str(exc)
            if self.elected_above_percent is not None:
                bad["elected_above"] = ("set either elected_above or the deprecated"
                                        " elected_above_percent, not both")
        if self.elected_base not in ELECTED_BASES:
            allowed = ", ".join(f'"{b}"' for b in ELECTED_BASES)
            bad["elected_base"] = f"must be one of {allowed}, not {self.elected_base!r}"
        if self.percent_base not in PERCENT_BASES:
            allowed = ", ".join(f'"{b}"' for b in PERCENT_BASES)
            bad["percent_base"] = f"must be one of {allowed}, not {self.percent_base!r}"
        return bad

    @property
    def elected_share(self) -> Fraction:
        """Return the share of the election base a candidate needs more than (exact)."""
        if self.elected_above is not None:
            return parse_share(self.elected_above)
        if self.elected_above_percent is not None:
            return Fraction(str(self.elected_above_percent)) / 100
        return Fraction(1, 2)

    @property
    def passed_share(self) -> Fraction:
        """Return the share of the valid ballots a resolution needs more than (exact)."""
        return Fraction(str(self.passed_above_percent)) / 100


@dataclass(frozen=True)
class WebConfig:
    """[web]: the organisers' dashboard, whose server also takes the platforms' webhooks."""

    enabled: bool = False
    listen: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""  # how browsers reach it (behind a reverse proxy); "" = listen:port

    def check(self) -> dict[str, str]:
        """Return {key: reason} for bad values."""
        bad = {}
        if not 0 <= self.port <= 65535:
            bad["port"] = "must be between 0 and 65535"
        if not self.listen.strip():
            bad["listen"] = "must not be empty"
        parts = urlsplit(self.public_url)
        if self.public_url and (parts.scheme not in ("http", "https") or not parts.netloc
                                or parts.query or parts.fragment):
            bad["public_url"] = "must be an http(s) URL without ? or #"
        return bad

    @property
    def base_url(self) -> str:
        """Return the address browsers open, without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.listen}]" if ":" in self.listen else self.listen
        return f"http://{host}:{self.port}"

    @property
    def secure(self) -> bool:
        """Tell whether browsers reach the dashboard over https (cookies are then Secure)."""
        return self.public_url.startswith("https://")


@dataclass(frozen=True)
class WebhookConfig:
    """[<channel>.webhook]: where the platform posts updates in webhook mode."""

    url: str = ""
    listen: str = "127.0.0.1"
    port: int = 8443
    secret_token: str = field(default="", repr=False)


@dataclass(frozen=True)
class ZaloWebhookConfig(WebhookConfig):
    """[zalo.webhook]: the same shape, on a port of its own by default."""

    port: int = 8444


@dataclass(frozen=True)
class ChannelConfig:
    """The shape every channel section shares ([telegram], [zalo], ...), checked once.

    A subclass names its token's environment variable, the path its webhook is served at
    and its secret's rule, and adds the platform's own keys.
    """

    TOKEN_ENV: ClassVar[str] = ""
    WEBHOOK_PATH: ClassVar[str] = ""

    enabled: bool = False
    token: str = field(default="", repr=False)
    api_base_url: str = ""
    mode: str = "polling"
    webhook: WebhookConfig = field(default_factory=WebhookConfig)

    def secret_problem(self, secret: str) -> str | None:
        """Return why a webhook secret is not one the platform takes, or None."""
        return None

    def check(self) -> dict[str, str]:
        """Return {key: reason} for bad values."""
        bad = {}
        hook = self.webhook
        if hook.url and not hook.url.startswith("https://"):
            bad["webhook.url"] = "must start with https://"
        elif hook.url and not urlsplit(hook.url).path.rstrip("/").endswith(self.WEBHOOK_PATH):
            bad["webhook.url"] = f"must end with {self.WEBHOOK_PATH} (the path the bot serves)"
        if not 1 <= hook.port <= 65535:
            bad["webhook.port"] = "must be between 1 and 65535"
        problem = self.secret_problem(hook.secret_token) if hook.secret_token else None
        if problem is not None:
            bad["webhook.secret_token"] = problem
        if self.mode not in ("polling", "webhook"):
            bad["mode"] = f'must be "polling" or "webhook", not {self.mode!r}'
        if not self.api_base_url.startswith(("https://", "http://")):
            bad["api_base_url"] = "must be an http(s) URL"
        if self.enabled and not self.token:
            bad["token"] = f"required when enabled (or set {self.TOKEN_ENV})"
        if self.enabled and self.mode == "webhook":
            if not hook.url:
                bad["webhook.url"] = "required in webhook mode"
            if not hook.secret_token:
                bad["webhook.secret_token"] = "required in webhook mode"
        return bad


@dataclass(frozen=True)
class TelegramConfig(ChannelConfig):
    """[telegram]: the Telegram channel."""

    TOKEN_ENV: ClassVar[str] = ENV_TELEGRAM_TOKEN
    WEBHOOK_PATH: ClassVar[str] = "/telegram"

    api_base_url: str = TELEGRAM_API
    bot_username: str = ""

    def secret_problem(self, secret: str) -> str | None:
        """Return why a secret is not one Telegram takes (1-256 of A-Z a-z 0-9 _ -)."""
        if 1 <= len(secret) <= 256 and all(c.isascii() and (c.isalnum() or c in "_-")
                                           for c in secret):
            return None
        return "1-256 characters: letters, digits, _ and -"


@dataclass(frozen=True)
class ZaloConfig(ChannelConfig):
    """[zalo]: the Zalo Bot Platform channel."""

    TOKEN_ENV: ClassVar[str] = ENV_ZALO_TOKEN
    WEBHOOK_PATH: ClassVar[str] = "/zalo"

    api_base_url: str = ZALO_API
    bot_name: str = ""  # the name people search for in Zalo (printed on invitations)
    webhook: ZaloWebhookConfig = field(default_factory=ZaloWebhookConfig)

    def secret_problem(self, secret: str) -> str | None:
        """Return why a secret is not one Zalo takes (8-256 characters)."""
        return None if 8 <= len(secret) <= 256 else "must be 8-256 characters"


@dataclass(frozen=True)
class Config:
    """The whole configuration; `base_dir` is the folder of the file it came from."""

    event: EventConfig = field(default_factory=EventConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    organisers: OrganisersConfig = field(default_factory=OrganisersConfig)
    registration: RegistrationConfig = field(default_factory=RegistrationConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    reminders: RemindersConfig = field(default_factory=RemindersConfig)
    results: ResultsConfig = field(default_factory=ResultsConfig)
    attendance: AttendanceConfig = field(default_factory=AttendanceConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    zalo: ZaloConfig = field(default_factory=ZaloConfig)
    web: WebConfig = field(default_factory=WebConfig)
    base_dir: Path = field(default_factory=Path.cwd, metadata={"internal": True})

    def channels(self) -> dict[str, ChannelConfig]:
        """Return the channel sections by name (the platform's), in the order declared."""
        sections = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {name: v for name, v in sections.items() if isinstance(v, ChannelConfig)}

    @property
    def database_path(self) -> Path:
        """Return the database path, resolved against the config file's folder."""
        path = Path(self.storage.path).expanduser()
        return path if path.is_absolute() else self.base_dir / path


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        item = typing.get_args(tp)[0]
        return "a list of " + {str: "strings", int: "whole numbers"}.get(item, str(item))
    return {str: "a string", int: "a whole number", bool: "true or false",
            float: "a number"}.get(tp, str(tp))


def _coerce(value: Any, tp: Any) -> Any:
    """Return value if it has type tp (bool is not an int); else raise TypeError."""
    if typing.get_origin(tp) is list:
        (item,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise TypeError
        return [_coerce(v, item) for v in value]
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError
    if tp is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, tp):
        raise TypeError
    return value


def _build(cls: type, data: dict[str, Any], prefix: str, file: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    for key in data:
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(file, f"{prefix}{key}", f"unknown key (known: {known})")
    values: dict[str, Any] = {}
    for name, value in data.items():
        tp = hints[name]
        key = f"{prefix}{name}"
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            if not isinstance(value, dict):
                raise ConfigError(file, key, "must be a table")
            values[name] = _build(tp, value, f"{key}.", file)
            continue
        if isinstance(tp, types.UnionType):
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
        try:
            values[name] = _coerce(value, tp)
        except TypeError:
            raise ConfigError(file, key, f"must be {_type_name(tp)}, not {value!r}") from None
    obj = cls(**values)
    check = getattr(obj, "check", None)
    if check is not None:
        for key, reason in check().items():
            raise ConfigError(file, f"{prefix}{key}", reason)
    for old, new in getattr(cls, "RENAMED", {}).items():
        if old in data:  # a renamed key still works; one line says what to write instead
            log.warning("%s: %s%s is deprecated and still read; write %s%s instead (see"
                        " config.example.toml)", file, prefix, old, prefix, new)
    return obj


def parse_config(data: dict[str, Any], *, file: str, base_dir: Path,
                 env: Mapping[str, str] | None = None) -> Config:
    """Validate a parsed TOML document into a Config; environment secrets win over the file."""
    environ = os.environ if env is None else env
    hints = typing.get_type_hints(Config)
    for section, tp in hints.items():
        if not (isinstance(tp, type) and issubclass(tp, ChannelConfig)):
            continue
        token = environ.get(tp.TOKEN_ENV)
        if token and isinstance(data.get(section, {}), dict):
            data = {**data, section: {**data.get(section, {}), "token": token}}
    config: Config = _build(Config, data, "", file)
    return dataclasses.replace(config, base_dir=base_dir)


def find_config_path(cli_value: str | None, env: Mapping[str, str] | None = None) -> Path:
    """Return --config, else $DELEGATE_BOT_CONFIG, else ./config.toml."""
    environ = os.environ if env is None else env
    return Path(cli_value or environ.get(ENV_CONFIG) or "config.toml")


def config_origin(cli_value: str | None, env: Mapping[str, str] | None = None) -> str:
    """Return what chose the config path: "option" (--config), "env" or "default"."""
    environ = os.environ if env is None else env
    return "option" if cli_value else "env" if environ.get(ENV_CONFIG) else "default"


def load_config(path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate the TOML file at `path`."""
    file = str(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (FileNotFoundError, NotADirectoryError):
        raise ConfigMissing(path) from None
    except IsADirectoryError:
        raise ConfigError(file, "-", "is a folder, not a file") from None
    except PermissionError:
        raise ConfigError(file, "-", "cannot be read (permission denied)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, "-", f"not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(file, "-", "not UTF-8 text") from None
    except RecursionError:
        raise ConfigError(file, "-", "not valid TOML: nested too deeply") from None
    except OSError as exc:
        raise ConfigError(file, "-", f"cannot be read ({exc.strerror or exc})") from None
    return parse_config(data, file=file, base_dir=path.resolve().parent, env=env)
