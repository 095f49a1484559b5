"""The one file flow (`handlers.uploads`): which kind a file is, and the token on its buttons.

Each kind's own report and what applying it does are tested with the kind (roster import,
agenda import, results); here is what the flow does the same way for every kind: recognise
the file, keep a clean one, and refuse a button that does not name the file kept now.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from bot.app import App
from bot.filekind import FileKind
from handlers import build_router
from handlers.uploads import KINDS, kind_of
from storage import agenda, delegates, staging
from testkit.telegram_harness import TelegramChat, buttons
from testkit.texts import vi
from tests.conftest import ORGANISER_ID

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def xlsx(rows: list[list[str]]) -> bytes:
    """Return rows as an .xlsx workbook."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def example(name: str) -> tuple[str, bytes]:
    """Return an example file's name and bytes."""
    return name, (EXAMPLES / name).read_bytes()


@pytest.mark.parametrize(
    ("file_name", "content", "kind"),
    [
        (*example("agenda.toml"), "agenda"),
        (*example("agenda.csv"), "agenda"),
        ("CT.TOML", b"[[session]]\n", "agenda"),
        ("ct.toml", b"not toml at all [", "agenda"),  # its checker says what is wrong
        ("lich.xlsx", xlsx([["CHƯƠNG TRÌNH"], ["Ngày", "Từ", "Đến", "Nội dung"]]), "agenda"),
        (*example("results-election.csv"), "results"),
        (*example("results-resolution.csv"), "results"),
        ("kq.csv", "BIÊN BẢN KIỂM PHIẾU\r\nTiêu đề;Bầu cử\r\n".encode(), "results"),
        ("kq.xlsx", xlsx([["Loại", "biểu quyết"]]), "results"),
        (*example("roster.csv"), "roster"),
        ("ds.csv", "Họ tên;Đơn vị\r\nAn;X\r\n".encode(), "roster"),  # lacks its code column
        ("ds.pdf", b"%PDF-1.7", "roster"),  # no table at all: the roster's checker says so
        ("ds.csv", b"", "roster"),
    ],
)
def test_each_file_goes_to_the_first_kind_that_recognises_it(
    file_name: str, content: bytes, kind: str
) -> None:
    assert kind_of(file_name, content).name == kind


def test_every_kind_has_its_own_name_and_kept_files_have_organiser_buttons() -> None:
    assert [kind.name for kind in KINDS] == ["agenda", "results", "roster"]
    router = build_router()
    for kind in KINDS:
        if kind.confirm is not None:
            _, organiser = router.choices[kind.confirm.prefix]
            assert organiser, kind.name
    assert KINDS[-1].recognise("anything.bin", None)  # the last kind takes any file


def roster(code: str) -> bytes:
    """Return a one-delegate roster."""
    return f"Mã đại biểu;Họ và tên\r\n{code};Người {code}\r\n".encode()


def programme(title: str) -> bytes:
    """Return a one-session programme."""
    return (f'[[session]]\nday = "11/08/2026"\nstart = "14:00"\nend = "15:00"\n'
            f'title = "{title}"\n').encode()


async def codes(app: App) -> set[str]:
    """Return the delegate codes stored."""
    return {d.code for d in await delegates.all_delegates(app.services.db)}


async def titles(app: App) -> set[str]:
    """Return the session titles stored."""
    return {s.title for s in await agenda.all_sessions(app.services.db)}


# kind name -> (file name, an older file, a newer file, what is stored, the newer file's part)
Samples = tuple[str, bytes, bytes, Callable[[App], Awaitable[set[str]]], str]
SAMPLES: dict[str, Samples] = {
    "roster": ("ds.csv", roster("X1"), roster("X2"), codes, "X2"),
    "agenda": ("ct.toml", programme("Khai mạc"), programme("Bế mạc"), titles, "Bế mạc"),
}
KEPT = [kind for kind in KINDS if kind.confirm is not None]


def test_every_kind_kept_until_confirmed_has_samples_here() -> None:
    assert sorted(SAMPLES) == sorted(kind.name for kind in KEPT)


def data_of(message: dict[str, Any], action: str, kind: FileKind[Any]) -> str:
    """Return the callback data of a report's button for `action`."""
    assert kind.confirm is not None
    prefix = f"{kind.confirm.prefix}:{action}:"
    (data,) = [d for _, d in buttons(message) if d.startswith(prefix)]
    return data


@pytest.mark.parametrize("kind", KEPT, ids=[kind.name for kind in KEPT])
async def test_a_button_under_an_older_report_cannot_apply_a_newer_file(
    app: App, tg: TelegramChat, kind: FileKind[Any]
) -> None:
    assert kind.confirm is not None
    name, older, newer, stored, part = SAMPLES[kind.name]
    (first,) = await tg.send_document(ORGANISER_ID, name, older)
    (second,) = await tg.send_document(ORGANISER_ID, name, newer)
    action = kind.confirm.actions[0]
    old_apply, old_cancel = data_of(first, action, kind), data_of(first, "cancel", kind)
    new_apply = data_of(second, action, kind)
    assert old_apply != new_apply  # the buttons name the file they were shown under
    for data in (old_apply, old_cancel, f"{kind.confirm.prefix}:{action}"):
        (answer,) = await tg.press(ORGANISER_ID, data)
        assert answer["text"] == vi("error.stale_choice"), data
    assert await stored(app) == set()
    assert await staging.staged_file(app.services.db, "telegram", str(ORGANISER_ID),
                                     kind.name) == (name, newer)  # the newer file is kept
    (done,) = await tg.press(ORGANISER_ID, new_apply)
    assert done["text"] != vi("error.stale_choice")
    assert await stored(app) == {part}
    assert await staging.staged_file(app.services.db, "telegram", str(ORGANISER_ID),
                                     kind.name) is None
    (again,) = await tg.press(ORGANISER_ID, new_apply)  # a second press applies nothing
    assert again["text"] == vi("error.stale_choice")


@pytest.mark.parametrize("kind", KEPT, ids=[kind.name for kind in KEPT])
async def test_a_forged_action_with_the_right_token_changes_nothing(
    app: App, tg: TelegramChat, kind: FileKind[Any]
) -> None:
    assert kind.confirm is not None
    name, older, _, stored, _ = SAMPLES[kind.name]
    (report,) = await tg.send_document(ORGANISER_ID, name, older)
    token = data_of(report, "cancel", kind).rpartition(":")[2]
    (answer,) = await tg.press(ORGANISER_ID, f"{kind.confirm.prefix}:bogus:{token}")
    assert answer["text"] == vi("error.stale_choice")
    assert await stored(app) == set()
    assert await staging.staged_file(app.services.db, "telegram", str(ORGANISER_ID),
                                     kind.name) == (name, older)
    (cancelled,) = await tg.press(ORGANISER_ID, data_of(report, "cancel", kind))
    assert cancelled["text"] == vi(kind.confirm.cancelled)
