"""The command line for people who live in Excel: CSV exports that Excel opens in columns
(semicolons and a BOM; commas with --comma), `results list` and `results discard`, and
answers worded for the command line rather than for a chat."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import string
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.cli import main
from bot.cli_wording import CLI_KEYS, for_cli
from bot.clock import FixedClock
from bot.config import Config
from bot.i18n import Translator
from bot.text import html_to_plain
from handlers import results as result_notices
from storage import audit, results
from testkit.people import seed
from tests.cli_runner import Run
from tests.conftest import ORGANISER_ID
from tests.test_results import SMALL, SMALL_TITLE, csv_bytes, election, vote

TEXTS = Translator.load()


def plain(key: str, **params: object) -> str:
    """Return a Vietnamese text as the command line prints it."""
    return html_to_plain(TEXTS.t("vi", key, **params))


@pytest.fixture
def cli_config(tmp_path: Path, config: Config) -> Path:
    """Write a TOML config for the command line on the test App's database."""
    path = tmp_path / "cli.toml"
    path.write_text(f"[event]\nname = \"Đại hội thử nghiệm\"\n\n[storage]\npath = "
                    f"'{config.database_path}'\n\n[organisers]\ntelegram = [{ORGANISER_ID}]\n",
                    encoding="utf-8")
    return path


async def cli(capsys: pytest.CaptureFixture[str], config_path: Path, *args: str) -> Run:
    """Run `delegate-bot --config FILE ARGS...` in-process; return its status and output."""
    capsys.readouterr()
    try:
        code = await asyncio.to_thread(main, ["--config", str(config_path), *args])
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


async def draft(app: App, rows: list[list[object]]) -> int:
    """Store a result file as a draft, on the test's clock; return its number (the file
    states the delegates summoned, which the election rule counts, when the roster is empty)."""
    rows = [*rows[:2], ["Số đại biểu được triệu tập", 299], *rows[2:]]
    _, result_id = await result_notices.import_file(app.services, csv_bytes(rows), "kq.csv",
                                                    "test")
    assert result_id is not None
    return result_id


# ---------------------------------------------------------------------------- CSV exports
async def test_csv_export_has_semicolons_and_a_bom_and_comma_on_request(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path
) -> None:
    roster = tmp_path / "ds.csv"
    roster.write_text("Mã đại biểu,Họ và tên,Đoàn\nDB1,Vũ Văn An,Đoàn A\nDB2,Đỗ Thị Bình,"
                      "Đoàn B\nDB3,\"Lê, Văn Chí\",Đoàn A\n", encoding="utf-8")
    assert (await cli(capsys, cli_config, "roster", "import", str(roster))).code == 0
    default, comma = tmp_path / "thu-moi.csv", tmp_path / "thu-moi-phay.csv"
    assert (await cli(capsys, cli_config, "roster", "export", str(default))).code == 0
    run = await cli(capsys, cli_config, "roster", "export", str(comma), "--comma")
    assert run.code == 0, run.err
    semi_bytes, comma_bytes = default.read_bytes(), comma.read_bytes()
    assert semi_bytes.startswith(b"\xef\xbb\xbf" + '"Mã đại biểu";'.encode())
    assert comma_bytes.startswith(b"\xef\xbb\xbf\"") and b'";"' not in comma_bytes
    semi_rows = list(csv.reader(io.StringIO(semi_bytes.decode("utf-8-sig")), delimiter=";"))
    comma_rows = list(csv.reader(io.StringIO(comma_bytes.decode("utf-8-sig"))))
    assert semi_rows == comma_rows and len(semi_rows) == 4 and len(semi_rows[0]) == 11
    # Both import back unchanged (the separator is recognised).
    for path in (default, comma):
        run = await cli(capsys, cli_config, "roster", "import", str(path), "--dry-run")
        assert run.code == 0, run.err
        assert "• không đổi: 3" in run.out


async def test_xlsx_export_ignores_comma_and_a_bad_option_is_refused(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path
) -> None:
    await seed(app, 2, registered=0)
    target = tmp_path / "thu-moi.xlsx"
    assert (await cli(capsys, cli_config, "roster", "export", str(target), "--comma")).code == 0
    assert target.read_bytes().startswith(b"PK")
    run = await cli(capsys, cli_config, "roster", "export", str(tmp_path / "x.csv"),
                    "--separator", "|")
    assert run.code == 2 and "unrecognized arguments" in run.err
    assert not (tmp_path / "x.csv").exists()


# ---------------------------------------------------------------------------- results list
async def test_results_list_shows_drafts_and_published_with_status_and_local_time(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, clock: FixedClock
) -> None:
    run = await cli(capsys, cli_config, "results", "list")
    assert (run.code, run.out.strip()) == (0, plain("results.cli.none"))
    await seed(app, 2)
    first = await draft(app, election(SMALL))  # 07:30 in Hanoi
    clock.advance(timedelta(minutes=15))
    assert await result_notices.publish(app.services, first, "test") is not None
    clock.advance(timedelta(minutes=15))
    fixed = await draft(app, election([*SMALL[:3], ("Đặng Mỹ Trang", 61)]))  # a correction
    assert await result_notices.publish(app.services, fixed, "test") is not None
    waiting = await draft(app, vote(148, 100, 48))
    thrown = await draft(app, vote(100, 100, 96))
    assert await results.discard(app.services.db, thrown)
    run = await cli(capsys, cli_config, "results", "list")
    assert run.code == 0, run.err
    status = {"superseded": plain("results.cli.status.superseded", when="07:45 11/08/2026"),
              "published": plain("results.cli.status.published", when="08:00 11/08/2026"),
              "draft": plain("results.cli.status.draft", when="08:00 11/08/2026")}
    vote_title = "Biểu quyết thông qua Nghị quyết Đại hội"
    assert run.out.split("\n") == [
        plain("results.cli.line", id=first, title=SMALL_TITLE, status=status["superseded"]),
        plain("results.cli.line", id=fixed, title=SMALL_TITLE, status=status["published"]),
        plain("results.cli.line", id=waiting, title=vote_title, status=status["draft"]),
        "", plain("results.cli.list_hint"), ""]
    assert f"#{thrown} " not in run.out  # a discarded draft is not listed


# ---------------------------------------------------------------------------- results discard
async def test_results_discard_throws_a_draft_away_with_its_audit_entry(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path
) -> None:
    result_id = await draft(app, election(SMALL))
    run = await cli(capsys, cli_config, "results", "discard", str(result_id))
    assert (run.code, run.out.strip(), run.err) == (0, plain("results.discarded", id=result_id),
                                                    "")
    item = await results.get(app.services.db, result_id)
    assert item is not None and item.status == "discarded"
    (entry,) = await audit.entries(app.services.db, action="results.discarded")
    assert (entry.actor, entry.details) == ("cli", {"result": result_id})
    # Again: it is no longer a draft; nothing else is written.
    run = await cli(capsys, cli_config, "results", "discard", str(result_id))
    assert (run.code, run.err.strip()) == (1, plain("results.not_draft", id=result_id))
    assert len(await audit.entries(app.services.db, action="results.discarded")) == 1


async def test_results_discard_refuses_published_and_unknown_results(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path
) -> None:
    await seed(app, 1)
    result_id = await draft(app, election(SMALL))
    assert await result_notices.publish(app.services, result_id, "test") is not None
    run = await cli(capsys, cli_config, "results", "discard", str(result_id))
    assert (run.code, run.err.strip()) == (1, plain("results.not_draft", id=result_id))
    item = await results.get(app.services.db, result_id)
    assert item is not None and item.status == "published"
    run = await cli(capsys, cli_config, "results", "discard", "999")
    assert (run.code, run.out, run.err.strip()) == (1, "", plain("results.cli.unknown", id=999))
    run = await cli(capsys, cli_config, "results", "discard", "abc")
    assert run.code == 2 and "invalid int value" in run.err
    assert await audit.entries(app.services.db, action="results.discarded") == []


# ---------------------------------------------------------------------------- CLI wording
async def test_cli_answers_name_commands_to_run_not_chat_commands(
    app: App, capsys: pytest.CaptureFixture[str], cli_config: Path, tmp_path: Path
) -> None:
    await seed(app, 1)
    path = tmp_path / "kq.csv"
    path.write_bytes(csv_bytes(election(SMALL)))
    said = []
    for args in (("results", "import", str(path)), ("results", "list"),
                 ("results", "publish", "1"), ("results", "import", str(path)),
                 ("results", "publish", "2"), ("results", "publish", "999"),
                 ("results", "discard", "999")):
        run = await cli(capsys, cli_config, *args)
        said.append(run.out + run.err)
    everything = "\n".join(said)
    assert plain("results.cli.unchanged", id=2) in everything  # the same figures again
    assert "delegate-bot results discard 2" in everything
    assert "delegate-bot results list" in everything
    for chat_only in ("Gõ /", "gửi lại", "bấm"):
        assert chat_only not in everything
    # A chat command is named only as one, saying it is typed in the chat.
    commands = list(re.finditer(r"(?<![\w/])/[a-z]+", everything))
    assert {m.group() for m in commands} == {"/results", "/deliveries"}
    assert all("trò chuyện" in everything[m.start() - 60:m.start()] for m in commands)
    assert "trong khung trò chuyện với bot hãy gõ /deliveries 1" in everything


@pytest.mark.parametrize(("chat", "cli_key"), sorted(CLI_KEYS.items()))
def test_each_cli_wording_takes_the_chat_texts_placeholders(chat: str, cli_key: str) -> None:
    for language in ("vi", "en"):
        texts = TEXTS.texts[language]
        fields = [{f for _, f, _, _ in string.Formatter().parse(texts[key]) if f}
                  for key in (chat, cli_key)]
        assert fields[0] == fields[1]
        assert texts[chat] != texts[cli_key]


def test_for_cli_leaves_other_texts_alone() -> None:
    t = for_cli(TEXTS.in_language("vi"))
    assert t("results.discarded", id=3) == TEXTS.t("vi", "results.discarded", id=3)
    assert t("results.unknown", id=3) == TEXTS.t("vi", "results.cli.unknown", id=3)
