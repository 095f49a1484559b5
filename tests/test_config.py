"""Config: typed sections, defaults, environment secrets, and one-line errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, find_config_path, load_config

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_with_defaults() -> None:
    config = load_config(ROOT / "config.example.toml", env={})
    assert config.event.timezone == "Asia/Ho_Chi_Minh"
    assert config.event.language == "vi"
    assert config.telegram.mode == "polling"
    assert config.database_path == ROOT / "delegate-bot.sqlite3"


def test_relative_storage_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[storage]\npath = "data/bot.sqlite3"\n')
    assert load_config(path, env={}).database_path == tmp_path / "data" / "bot.sqlite3"


def test_environment_token_wins_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\nenabled = true\ntoken = "from-file"\n')
    config = load_config(path, env={"DELEGATE_BOT_TELEGRAM_TOKEN": "from-env"})
    assert config.telegram.token == "from-env"
    assert "from-env" not in repr(config)


def test_config_path_order(tmp_path: Path) -> None:
    assert find_config_path("a.toml", {"DELEGATE_BOT_CONFIG": "b.toml"}) == Path("a.toml")
    assert find_config_path(None, {"DELEGATE_BOT_CONFIG": "b.toml"}) == Path("b.toml")
    assert find_config_path(None, {}) == Path("config.toml")


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("[event]\nname = 5\n", "event.name", "must be a string"),
        ('[event]\ntimezone = "Mars/Olympus"\n', "event.timezone", "unknown time zone"),
        ('[event]\nlanguage = "fr"\n', "event.language", 'must be "vi" or "en"'),
        ('[event]\ncolour = "red"\n', "event.colour", "unknown key"),
        ('[colour]\nred = 1\n', "colour", "unknown key"),
        ('[organisers]\ntelegram = ["@boss"]\n', "organisers.telegram", "list of whole numbers"),
        ("[organisers]\ntelegram = [-5]\n", "organisers.telegram", "positive"),
        ("[telegram]\nenabled = 1\n", "telegram.enabled", "true or false"),
        ('[telegram]\nmode = "push"\n', "telegram.mode", 'must be "polling" or "webhook"'),
        ("[telegram]\nenabled = true\n", "telegram.token", "required when enabled"),
        ('[telegram]\nenabled = true\ntoken = "t"\nmode = "webhook"\n',
         "telegram.webhook.url", "required in webhook mode"),
        ('[telegram.webhook]\nurl = "http://x"\n', "telegram.webhook.url", "https://"),
        ("[telegram.webhook]\nport = 70000\n", "telegram.webhook.port", "between 1 and 65535"),
        ('[telegram.webhook]\nsecret_token = "a b"\n', "telegram.webhook.secret_token", "1-256"),
        ('[telegram]\nwebhook = "x"\n', "telegram.webhook", "must be a table"),
        ("[event\n", "-", "not valid TOML"),
    ],
)
def test_bad_config_names_file_key_and_reason(
    tmp_path: Path, text: str, key: str, reason: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert err.value.file == str(path)
    assert err.value.key == key
    assert reason in err.value.reason
    assert str(err.value).startswith(f"{path}: {key}: ")
    assert "\n" not in str(err.value)


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml", env={})
    bad = tmp_path / "latin.toml"
    bad.write_bytes(b'[event]\nname = "\xc4\xe1\xba"\n')
    with pytest.raises(ConfigError, match="not"):
        load_config(bad, env={})
