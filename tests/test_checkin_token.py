"""Check-in tokens: every delegate has one, apart from the invite code, and a new one revokes."""

from __future__ import annotations

from pathlib import Path

from storage import delegates
from storage.db import Database
from storage.delegates import DelegateData

NOW = "2026-12-01T00:00:00+00:00"


def person(code: str, invite: str) -> DelegateData:
    return DelegateData(code, f"Người {code}", "Đơn vị", "Đoàn A", "official", None, "1", invite)


async def test_every_imported_delegate_gets_a_token_of_80_bits(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        await delegates.apply_import(db, upserts=[person("D1", "AAAAAAAA"),
                                                  person("D2", "BBBBBBBB")],
                                     remove_codes=[], now=NOW)
        tokens = await delegates.checkin_tokens(db)
        assert len(tokens) == 2 and len(set(tokens.values())) == 2
        for delegate_id, token in tokens.items():
            assert len(token) == 20 and int(token, 16) >= 0
            found = await delegates.find_by_checkin_token(db, token)
            assert found is not None and found.id == delegate_id
            assert token != found.invite_code
    finally:
        await db.close()


async def test_reimport_keeps_the_token_and_a_new_one_revokes_the_old(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        await delegates.apply_import(db, upserts=[person("D1", "AAAAAAAA")], remove_codes=[],
                                     now=NOW)
        (delegate_id, old), = (await delegates.checkin_tokens(db)).items()
        await delegates.apply_import(db, upserts=[person("D1", "CCCCCCCC")], remove_codes=[],
                                     now=NOW)
        assert await delegates.checkin_token(db, delegate_id) == old
        new = await delegates.new_checkin_token(db, delegate_id)
        assert new is not None and new != old
        assert await delegates.find_by_checkin_token(db, old) is None
        assert await delegates.new_checkin_token(db, 999) is None
    finally:
        await db.close()

