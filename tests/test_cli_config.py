"""Finding the config: a missing file says where it was looked for and what to do, and
`--config` works before or after the command (`delegate-bot roster export x.csv --config c`).

Runs the real entry point in-process (`bot.cli.main`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_runner import failure, plain, run

COMMANDS = [["run"], ["backup", "copy.sqlite3"], ["check"], ["roster", "import", "ds.csv"],
            ["roster", "export", "out.csv"], ["agenda", "import", "ct.toml"],
            ["results", "import", "kq.csv"], ["results", "publish", "1"]]


@pytest.fixture
def event(tmp_path: Path) -> Path:
    """Return a config file with a roster of two imported (the database exists)."""
    path = tmp_path / "c.toml"
    path.write_text('[storage]\npath = "bot.sqlite3"\n\n[telegram]\nbot_username = "dh_bot"\n',
                    encoding="utf-8")
    source = tmp_path / "ds.csv"
    source.write_text("Mã đại biểu;Họ và tên\nDB001;Nguyễn Văn An\nDB002;Trần Thị Bình\n",
                      encoding="utf-8")
    assert run("--config", str(path), "roster", "import", str(source)).code == 0
    return path


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_missing_config_given_after_the_command(tmp_path: Path, command: list[str]) -> None:
    absent = tmp_path / "absent.toml"
    result = run(*command, "--config", str(absent))
    assert result.code == 2
    assert result.err == failure("cli.config.missing", path=absent,
                                 origin=plain("cli.config.origin.option"))
    assert result.out == ""


def test_missing_default_config_names_the_folder_it_looked_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DELEGATE_BOT_CONFIG", raising=False)
    result = run("roster", "export", "out.csv")
    assert result.code == 2
    assert result.err == failure("cli.config.missing", path=tmp_path / "config.toml",
                                 origin=plain("cli.config.origin.default"))
    assert "config.example.toml" in result.err
    assert list(tmp_path.iterdir()) == []


def test_missing_config_named_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DELEGATE_BOT_CONFIG", "elsewhere/bot.toml")
    result = run("backup", "copy.sqlite3")
    assert result.code == 2
    assert result.err == failure("cli.config.missing", path=tmp_path / "elsewhere" / "bot.toml",
                                 origin=plain("cli.config.origin.env"))


def test_config_after_the_command_works(event: Path) -> None:
    target = event.parent / "x.csv"
    result = run("roster", "export", str(target), "--config", str(event))
    assert result.code == 0, result.err
    assert result.out == plain("roster.cli.exported", count=2, file=target) + "\n"
    assert "https://t.me/dh_bot?start=" in target.read_text(encoding="utf-8-sig")


def test_config_after_the_command_wins_over_one_before(event: Path) -> None:
    target = event.parent / "x.csv"
    result = run("--config", str(event.parent / "absent.toml"), "roster", "export", str(target),
                 "--config", str(event), "-v")
    assert result.code == 0, result.err
    assert target.exists()


def test_config_before_the_command_still_works(event: Path) -> None:
    target = event.parent / "copy.sqlite3"
    result = run("--config", str(event), "backup", str(target))
    assert result.code == 0, result.err
    assert result.out == plain("data.backup.done", file=target) + "\n"
