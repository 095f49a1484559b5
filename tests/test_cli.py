"""The command line: --help and --version, config and database errors, the piped demo."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.i18n import Translator
from bot.text import html_to_plain
from storage.db import Database

TEXTS = Translator.load()


def plain(key: str, **params: object) -> str:
    """Return a Vietnamese text as the command line prints it."""
    return html_to_plain(TEXTS.t("vi", key, **params))


def run_cli(*args: str, stdin: str = "", cwd: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        timeout=60, cwd=cwd, env={**os.environ, **(env or {})},
    )


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert "delegate-bot 0." in capsys.readouterr().out
    for command in ([], ["run"], ["demo"], ["backup"]):
        with pytest.raises(SystemExit) as exit_:
            main([*command, "--help"])
        assert exit_.value.code == 0
        assert "usage: delegate-bot" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[event]\nname = 5\n", "event.name: must be a string"),
        ('[event]\ntimezone = "Nowhere/City"\n', "event.timezone: unknown time zone"),
        ("[telegram]\nspeed = 3\n", "telegram.speed: unknown key"),
    ],
)
def test_bad_config_is_one_line_and_exit_2(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("--config", str(path), "run")
    assert result.returncode == 2
    assert result.stderr.startswith(f"delegate-bot: {path}: {expected}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_missing_config_from_environment(tmp_path: Path) -> None:
    result = run_cli("run", env={"DELEGATE_BOT_CONFIG": str(tmp_path / "absent.toml")})
    assert result.returncode == 2
    origin = plain("cli.config.origin.env")
    assert result.stderr == "delegate-bot: " + plain(
        "cli.config.missing", path=tmp_path / "absent.toml", origin=origin) + "\n"


def test_database_that_is_not_sqlite_exits_2_untouched(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    db.write_text("đây không phải cơ sở dữ liệu\n" * 50, encoding="utf-8")
    before = db.read_bytes()
    (tmp_path / "config.toml").write_text('[storage]\npath = "bot.sqlite3"\n', encoding="utf-8")
    result = run_cli("--config", str(tmp_path / "config.toml"), "backup",
                     str(tmp_path / "copy.sqlite3"))
    assert result.returncode == 2
    assert result.stderr == "delegate-bot: " + plain(
        "cli.database.not_sqlite", path=db, detail="file is not a database",
        config=tmp_path / "config.toml") + "\n"
    assert db.read_bytes() == before


async def _create_database(path: Path) -> None:
    await (await Database.open(path)).close()


def test_backup_writes_a_copy(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[storage]\npath = "bot.sqlite3"\n', encoding="utf-8")
    asyncio.run(_create_database(tmp_path / "bot.sqlite3"))
    result = run_cli("--config", str(tmp_path / "config.toml"), "backup",
                     str(tmp_path / "copy.sqlite3"))
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert conn.execute("SELECT count(*) FROM chat_users").fetchone() == (0,)
    conn.close()


def test_run_without_an_enabled_channel_says_so(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    result = run_cli("--config", str(tmp_path / "config.toml"), "run")
    assert result.returncode == 2
    assert "no channel is enabled" in result.stderr


def test_demo_with_piped_input_answers_each_line_and_exits_0(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    result = run_cli("demo", "--database", str(database), stdin="/start\n/help\n")
    assert result.returncode == 0, result.stderr
    assert "Xin chào" in result.stdout
    assert "/help — danh sách lệnh" in result.stdout
    again = run_cli("demo", "--database", str(database), "--organiser", stdin="/start\n")
    assert again.returncode == 0, again.stderr
    assert "Ban Tổ chức" in again.stdout
