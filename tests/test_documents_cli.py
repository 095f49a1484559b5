"""`delegate-bot documents add|list|replace|withdraw`, run in-process on the test's database
and clock: the chat's checks, one line per refusal (exit 1, nothing stored), notices queued
for the running bot."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FixedClock
from storage import agenda, broadcasts, document_files, documents, outbox
from testkit.doc_files import docx, pdf
from testkit.people import seed
from tests.cli_runner import Run, run_beside


@pytest.fixture
def cli_config(cli_config: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared command-line config (tests/conftest.py), on the injected clock."""
    monkeypatch.setattr("bot.app.SystemClock", lambda: clock)
    return cli_config


async def run(capsys: pytest.CaptureFixture[str], config_path: Path, *args: str) -> Run:
    """Run `delegate-bot --config FILE documents ARGS...` in-process."""
    return await run_beside(capsys, config_path, "documents", *args)


def write(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


async def test_add_list_replace_withdraw(app: App, capsys: pytest.CaptureFixture[str],
                                         cli_config: Path, tmp_path: Path) -> None:
    """The whole life of a document from the command line; the notice of an official
    document is queued to the official delegates only."""
    await seed(app, 10)  # nine official delegates and an alternate
    added = await run(capsys, cli_config, "add", write(tmp_path, "bc.pdf", pdf("Báo cáo")),
                      "--title", "Báo cáo chính trị", "--audience", "official", "--notify")
    assert added.code == 0 and added.out.startswith("Đã đăng tài liệu số 1: “Báo cáo chính trị”")
    (item,) = await documents.published(app.services.db)
    assert item.audience == "official" and item.notify
    (notice,) = await broadcasts.recent(app.services.db)
    assert notice.kind == "document" and (await outbox.counts(app.services.db, notice.id))[
        "pending"] == 9

    taken = await run(capsys, cli_config, "add", write(tmp_path, "b2.pdf", pdf("x")),
                      "--title", "báo cáo  chính trị")
    assert taken.code == 1 and "delegate-bot documents replace 1" in taken.err
    replaced = await run(capsys, cli_config, "replace", "1",
                         write(tmp_path, "v2.docx", docx(["Bản sửa"])))
    assert replaced.code == 0 and "bản 2" in replaced.out
    listed = await run(capsys, cli_config, "list")
    assert listed.out.startswith("1. Báo cáo chính trị — bản 2,")
    withdrawn = await run(capsys, cli_config, "withdraw", "1")
    assert withdrawn.code == 0 and "Đã thu hồi" in withdrawn.out
    again = await run(capsys, cli_config, "withdraw", "1")
    assert again.code == 1 and "đã bị thu hồi" in again.err
    assert "(đã thu hồi)" in (await run(capsys, cli_config, "list")).out
    unknown = await run(capsys, cli_config, "replace", "7", write(tmp_path, "x.pdf", pdf("x")))
    assert unknown.code == 1 and "Không có tài liệu số 7" in unknown.err


@pytest.mark.parametrize(("name", "content", "extra", "said"), [
    ("mat.pdf", pdf("TUYỆT MẬT"), (), "dấu độ mật “TUYỆT MẬT”"),
    ("sai.pdf", docx(["x"]), (), "nội dung lại là tệp Word"),
    ("rong.pdf", b"", (), "trống"),
    ("a.pdf", pdf("x"), ("--audience", "Đoàn Không Có"), "Không có đoàn nào"),
    ("a.pdf", pdf("x"), ("--session", "3"), "Không có phiên số 3"),
])
async def test_refusals_store_nothing(app: App, capsys: pytest.CaptureFixture[str],
                                      cli_config: Path, tmp_path: Path, name: str,
                                      content: bytes, extra: tuple[str, ...], said: str) -> None:
    """Each refused file: exit 1, its reason on one line naming the file, nothing stored."""
    result = await run(capsys, cli_config, "add", write(tmp_path, name, content),
                       "--title", "Tài liệu", *extra)
    assert result.code == 1 and said in result.err and result.err.count("\n") == 1
    assert result.err.startswith(str(tmp_path / name))
    assert await documents.all_documents(app.services.db) == []
    assert not document_files.folder_of(app.services.config.database_path).exists()


async def test_a_later_notice_is_left_to_the_running_bot(
        app: App, capsys: pytest.CaptureFixture[str], cli_config: Path,
        tmp_path: Path) -> None:
    """A notice due tomorrow queues nothing now, and bumps the version the bot watches."""
    await seed(app, 3)
    before = await agenda.version(app.services.db)
    result = await run(capsys, cli_config, "add", write(tmp_path, "a.pdf", pdf("x")),
                       "--title", "Nghị quyết", "--from", "mai 8h", "--notify")
    assert result.code == 0 and "08:00" in result.out
    assert await broadcasts.recent(app.services.db) == []
    assert await agenda.version(app.services.db) == before + 1
