"""The election base end to end: "more than half of the official delegates summoned".

At a Party congress a candidate is elected with more than half of the official delegates
summoned, less those absent for the whole congress whom no alternate replaces (Party charter,
Art. 12) — not of the valid ballots. The roster, the check-ins and the alternates are written
through storage (tests/test_attendance_storage.py covers them); the result file goes through
the real Telegram channel to the fake Bot API server, or through `delegate-bot results
import`; what is checked is the preview, what delegates receive, the stored draft and the CLI's
output. The threshold is computed with exact fractions: more than half of 297 is 149.
"""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest

from bot import election_base
from bot.app import App
from bot.cli import main
from bot.clock import FixedClock
from bot.config import Config
from bot.formats.results import CandidateRow, ResultFile
from bot.i18n import Translator
from bot.tally import Rule, tally
from bot.text import html_to_plain
from handlers import results as notices
from storage import attendance, results
from storage.attendance import Replacement
from testkit.congress_roster import Roster, check_in, congress
from testkit.fake_telegram import FakeTelegram
from testkit.telegram_harness import TelegramChat, buttons
from testkit.texts import TEXTS, vi
from testkit.worker import drain
from tests.conftest import ORGANISER_ID, make_config

TITLE = "Bầu Ban Chấp hành Đảng bộ Khối"
RULE_297 = "Trúng cử: trên một nửa của 297 đại biểu được triệu tập — ít nhất 149 phiếu"
PERCENT_VALID = "Tỷ lệ phần trăm tính trên {valid} phiếu hợp lệ."


@pytest.fixture
def config(tmp_path: Path, request: pytest.FixtureRequest) -> Config:
    """Return the test config: the default [results] rules unless parametrized indirectly."""
    return make_config(tmp_path, results=getattr(request, "param", {}))



def election(votes: tuple[int, ...] = (149, 148), *, seats: int = 2, valid: int = 297,
             received: int = 297, summoned: int | str | None = None) -> bytes:
    """Return an election in the minutes' layout, stating the delegates summoned if given."""
    stated = [] if summoned is None else [["Số đại biểu được triệu tập", summoned]]
    rows: list[list[object]] = [
        ["Tiêu đề", TITLE], ["Loại", "bầu cử"], ["Số lượng bầu", seats], *stated,
        ["Số phiếu phát ra", received], ["Số phiếu thu về", received],
        ["Số phiếu hợp lệ", valid], ["Số phiếu không hợp lệ", received - valid], [],
        ["Họ và tên", "Số phiếu"],
        *([name, n] for name, n in zip(("Lê Kim Nga", "Phạm Gia Huy", "Vũ Văn Khang"), votes,
                                       strict=False))]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode()


async def congress_of_299(app: App, *, absent: int = 2) -> Roster:
    """299 official delegates (3 on Telegram), 2 alternates, a guest; all officials but the
    last `absent` checked in this morning."""
    people = await congress(app, officials=299, alternates=2, guests=1,
                            registered=("CT001", "CT002", "DK001"))
    await check_in(app, people.official[:299 - absent])
    return people


async def send_file(tg: TelegramChat, content: bytes, name: str = "kq.csv") -> tuple[int, str]:
    """Send a result file as the organiser; return the draft's id and the preview."""
    messages = await tg.send_document(ORGANISER_ID, name, content)
    data = [d for _, d in buttons(messages[-1])]
    assert data and data[0].startswith("resp:publish:"), messages[-1]["text"]
    return int(data[0].rpartition(":")[2]), "\n".join(str(m["text"]) for m in messages)


def notice_in(preview: str, draft: int) -> str:
    """Return the notice under the preview's head (any warnings stand above the head)."""
    head = vi("results.preview", id=draft) + "\n\n"
    assert head in preview, preview[:300]
    return preview.split(head, 1)[1]


def warnings_in(preview: str, draft: int) -> list[str]:
    """Return the warning lines above the preview's head."""
    above = preview.split(vi("results.preview", id=draft), 1)[0].strip()
    return above.split("\n") if above else []


def candidate_lines(notice: str) -> list[str]:
    """Return the numbered candidate lines of a notice."""
    return [line for line in notice.split("\n") if line[:1].isdigit()]


# ---------------------------------------------------------------------------- the threshold
@pytest.mark.parametrize("valid", [150, 200, 297])
async def test_299_summoned_2_absent_throughout_149_votes_elect_and_148_do_not(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock, valid: int,
) -> None:
    """More than half of 297 (299 summoned, 2 never came, no alternate) is at least 149,
    whatever the valid ballots: by the valid ballots, 148 of 150 or of 200 would elect."""
    people = await congress_of_299(app)
    draft, preview = await send_file(tg, election(valid=valid))
    assert warnings_in(preview, draft) == []
    notice = notice_in(preview, draft)
    lines = notice.split("\n")
    assert lines[2:5] == [RULE_297, "<b>Số người trúng cử: 1/2</b>",
                          PERCENT_VALID.format(valid=valid)]
    first, second = candidate_lines(notice)
    assert first.startswith("1. ✅ <b>Lê Kim Nga</b> — 149 phiếu")
    assert second.startswith("2. Phạm Gia Huy — 148 phiếu") and "✅" not in second
    item = await results.get(app.services.db, draft)
    assert item is not None
    assert (item.data["summoned"], item.data["summoned_stated"]) == (297, False)

    await tg.press(ORGANISER_ID, f"resp:publish:{draft}")
    await drain(app, clock)
    for person in (people.official[0], people.official[1], people.alternate[0]):
        assert fake.sent_texts(people.user(person)) == [notice]  # the previewed notice


@pytest.mark.parametrize("config", [{"elected_base": "valid"}], indirect=True)
async def test_the_valid_ballots_rule_is_todays_behaviour(app: App, tg: TelegramChat) -> None:
    """elected_base = "valid": more than half of 200 valid ballots is 101; both elected."""
    await congress_of_299(app)
    draft, preview = await send_file(tg, election(valid=200))
    notice = notice_in(preview, draft)
    assert "Trúng cử: trên một nửa của 200 phiếu hợp lệ — ít nhất 101 phiếu" in notice
    assert "<b>Số người trúng cử: 2/2</b>" in notice
    assert [line[:4] for line in candidate_lines(notice)] == ["1. ✅", "2. ✅"]
    assert warnings_in(preview, draft) == []  # the delegates summoned are not used


async def test_without_attendance_nobody_counts_as_absent_so_149_of_299_is_not_enough(
    app: App, tg: TelegramChat
) -> None:
    await congress(app, officials=299, alternates=2)
    draft, preview = await send_file(tg, election(valid=297))
    notice = notice_in(preview, draft)
    assert "Trúng cử: trên một nửa của 299 đại biểu được triệu tập — ít nhất 150 phiếu" in notice
    assert "<b>Số người trúng cử: 0/2</b>" in notice
    assert not any("✅" in line for line in candidate_lines(notice))


async def test_an_alternate_in_an_absent_officials_seat_keeps_the_seat_in_the_base(
    app: App, tg: TelegramChat
) -> None:
    """One of the two who never came is replaced: 298 summoned, more than half is 150."""
    people = await congress_of_299(app)
    replaced = Replacement(people.official[-1].id, people.alternate[0].id,
                           "2026-08-11T00:00:00+00:00", "cli")
    assert await attendance.replace(app.services.db, replaced, None)
    draft, preview = await send_file(tg, election(valid=297))
    notice = notice_in(preview, draft)
    assert "Trúng cử: trên một nửa của 298 đại biểu được triệu tập — ít nhất 150 phiếu" in notice
    assert not any("✅" in line for line in candidate_lines(notice))


async def test_a_tie_at_the_last_seat_stays_flagged_on_the_summoned_base(
    app: App, tg: TelegramChat
) -> None:
    await congress_of_299(app)
    draft, preview = await send_file(tg, election((160, 150, 150), valid=290))
    notice = notice_in(preview, draft)
    assert RULE_297 in notice and "<b>Số người trúng cử: 1/2</b>" in notice
    assert vi("results.tie", names="Phạm Gia Huy, Vũ Văn Khang") in notice


# ---------------------------------------------------------------------------- the file's number
async def test_the_files_number_wins_and_a_mismatch_with_attendance_is_a_warning(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    """The file states 297; the roster gives 299 and no attendance was taken."""
    people = await congress(app, officials=299, registered=("CT001",))
    draft, preview = await send_file(tg, election(summoned=297))
    assert warnings_in(preview, draft) == [
        vi("results.base_warning.head"),
        vi("results.base_warning.mismatch", stated=297, counted=299, seats=299, absent=0),
        vi("results.base_warning.no_attendance")]
    notice = notice_in(preview, draft)
    assert RULE_297 in notice and "<b>Số người trúng cử: 1/2</b>" in notice
    await tg.press(ORGANISER_ID, f"resp:publish:{draft}")
    await drain(app, clock)
    (sent,) = fake.sent_texts(people.user(people.official[0]))
    assert sent == notice and "Cần kiểm tra" not in sent  # the warning is the organiser's


async def test_the_files_number_agreeing_with_attendance_gives_no_warning(
    app: App, tg: TelegramChat
) -> None:
    await congress_of_299(app)
    draft, preview = await send_file(tg, election(summoned="297"))
    assert warnings_in(preview, draft) == []
    item = await results.get(app.services.db, draft)
    assert item is not None and item.data["summoned_stated"] is True


@pytest.mark.parametrize(("value", "reason"), [
    ("hai trăm", vi("results.problem.not_a_count", value="hai trăm")),
    ("0", vi("results.problem.summoned_not_positive")),
    ("296", vi("results.problem.received_over_summoned", received=297, summoned=296)),
])
async def test_a_stated_base_that_is_not_a_number_or_below_the_ballots_is_refused(
    app: App, tg: TelegramChat, value: str, reason: str
) -> None:
    await congress_of_299(app)
    (answer,) = await tg.send_document(ORGANISER_ID, "kq.csv", election(summoned=value))
    assert f"kq.csv:4: {reason}" in answer["text"]
    assert await results.with_status(app.services.db, "draft") == []


async def test_more_ballots_than_delegates_summoned_by_the_roster_is_a_warning(
    app: App, tg: TelegramChat
) -> None:
    await congress(app, officials=10)
    draft, preview = await send_file(tg, election((9, 8), valid=98, received=98))
    assert warnings_in(preview, draft)[1:] == [
        vi("results.base_warning.received_over", received=98, summoned=10)]


async def test_with_no_roster_and_no_stated_base_the_file_is_refused_whole(
    app: App, tg: TelegramChat
) -> None:
    (answer,) = await tg.send_document(ORGANISER_ID, "kq.csv", election())
    assert answer["text"].endswith("kq.csv:1: " + vi("results.base_problem.no_summoned"))
    assert buttons(answer) == []
    assert await results.with_status(app.services.db, "draft") == []
    # Stating the number is enough.
    draft, preview = await send_file(tg, election(summoned=299))
    assert warnings_in(preview, draft) == [vi("results.base_warning.head"),
                                           vi("results.base_warning.unchecked", stated=299)]


async def test_a_draft_counted_before_attendance_changed_warns_when_viewed_again(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    people = await congress_of_299(app)
    draft, _ = await send_file(tg, election())
    await check_in(app, people.official[-1:], "2026-08-11/pm")  # one more came after lunch
    (view,) = await tg.press(ORGANISER_ID, f"resp:view:{draft}")
    assert warnings_in(view["text"], draft) == [
        vi("results.base_warning.head"),
        vi("results.base_warning.changed", stored=297, counted=298)]
    assert RULE_297 in notice_in(view["text"], draft)  # published as previewed


# ---------------------------------------------------------------------------- other bases
@pytest.mark.parametrize(("config", "rule", "percent", "first"), [
    ({"percent_base": "summoned"}, RULE_297,
     "Tỷ lệ phần trăm tính trên 297 đại biểu được triệu tập.", "(50,17%)"),
    ({"percent_base": "received"}, RULE_297,
     "Tỷ lệ phần trăm tính trên 297 phiếu thu về.", "(50,17%)"),
    ({"elected_base": "received", "elected_above": "2/3"},
     "Trúng cử: trên hai phần ba của 297 phiếu thu về — ít nhất 199 phiếu",
     "Tỷ lệ phần trăm tính trên 200 phiếu hợp lệ.", "(74,50%)"),
], indirect=["config"])
async def test_the_notice_names_the_base_of_each_figure(
    app: App, tg: TelegramChat, rule: str, percent: str, first: str
) -> None:
    await congress_of_299(app)
    draft, preview = await send_file(tg, election(valid=200))
    lines = notice_in(preview, draft).split("\n")
    assert rule in lines and percent in lines
    assert candidate_lines("\n".join(lines))[0].endswith(first)


async def test_the_english_notice_says_the_rule_in_words(
    app: App, fake: FakeTelegram, tg: TelegramChat, clock: FixedClock
) -> None:
    people = await congress_of_299(app)
    await tg.send(people.user(people.official[0]), "/language en")
    draft, _ = await send_file(tg, election())
    await tg.press(ORGANISER_ID, f"resp:publish:{draft}")
    await drain(app, clock)
    english = fake.sent_texts(people.user(people.official[0]))[-1]
    assert ("To be elected: more than half of the 297 delegates summoned — at least 149 votes"
            "\n<b>Elected: 1/2</b>\nPercentages are of the 297 valid ballots.") in english


async def test_a_correction_of_the_base_says_so_and_who_is_now_elected(
    app: App, tg: TelegramChat
) -> None:
    await congress(app, officials=299, registered=("CT001",))
    first, _ = await send_file(tg, election(summoned=299))
    await tg.press(ORGANISER_ID, f"resp:publish:{first}")
    draft, preview = await send_file(tg, election(summoned=297))
    head = vi("results.preview_correction", id=draft)
    correction = preview.split(head + "\n\n", 1)[1]
    assert correction.startswith("\n".join([
        vi("results.correction_head"),
        "• Số đại biểu được triệu tập: 299 → 297",
        "• Lê Kim Nga: nay trúng cử", ""]))


def test_a_result_stored_before_the_base_was_kept_is_counted_on_the_valid_ballots(
    tmp_path: Path,
) -> None:
    """Old drafts and published results have no number summoned: the notice says it counts
    the valid ballots, as they were published."""
    data = {"title": TITLE, "kind": "election", "seats": 2, "ballots_issued": 297,
            "ballots_received": 297, "valid": 200, "invalid": 97, "agree": None,
            "disagree": None, "abstain": None, "candidates": [["A", 149], ["B", 148]]}

    @dataclass
    class Services:
        config: Config
        texts: Translator

    services = Services(make_config(tmp_path), TEXTS)
    notice = notices.render(services, "vi", data)  # type: ignore[arg-type]
    assert "Trúng cử: trên một nửa của 200 phiếu hợp lệ — ít nhất 101 phiếu" in notice


# ---------------------------------------------------------------------------- exact arithmetic
def test_more_than_a_share_of_the_summoned_is_exact_whatever_the_valid_ballots() -> None:
    def result(votes: list[int], valid: int, summoned: int) -> ResultFile:
        return ResultFile("kq.csv", TITLE, "election", len(votes), summoned, summoned, valid,
                          summoned - valid, [CandidateRow(0, str(v), v) for v in votes],
                          summoned=summoned)

    half = Rule(Fraction(1, 2), "summoned")
    for valid in (149, 150, 297):
        counted = tally(result([149, 148], valid, 297), half)
        assert (counted.needed, counted.base_count) == (149, 297)
        assert [r.elected for r in counted.ranked] == [True, False]
    assert tally(result([150, 149], 200, 298), half).needed == 150  # exactly half is not more
    two_thirds = tally(result([199, 198], 297, 297), Rule(Fraction(2, 3), "summoned"))
    assert two_thirds.needed == 199 and [r.elected for r in two_thirds.ranked] == [True, False]
    unknown = ResultFile("kq.csv", TITLE, "election", 1, 1, 1, 1, 0, [CandidateRow(0, "a", 1)])
    with pytest.raises(ValueError, match="summoned"):
        tally(unknown, half)  # the handler never asks: it falls back to the valid ballots


# ---------------------------------------------------------------------------- the command line
@dataclass
class Run:
    """What one command-line run returned and printed."""

    code: int
    out: str
    err: str


async def cli(capsys: pytest.CaptureFixture[str], config: Config, tmp_path: Path,
              content: bytes) -> Run:
    """Run `delegate-bot results import` on `content` with the default [results] rules."""
    path = tmp_path / "cli.toml"
    path.write_text(f"[storage]\npath = '{config.database_path}'\n", encoding="utf-8")
    (tmp_path / "kq.csv").write_bytes(content)
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["--config", str(path), "results", "import",
                                          str(tmp_path / "kq.csv")])
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


async def test_the_cli_counts_the_summoned_and_prints_the_warnings_apart(
    app: App, config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await congress_of_299(app)
    run = await cli(capsys, config, tmp_path, election(valid=150))
    assert (run.code, run.err) == (0, "")
    assert RULE_297 in run.out and "1. ✅ Lê Kim Nga — 149 phiếu" in run.out
    run = await cli(capsys, config, tmp_path, election(summoned=299))
    assert run.code == 0
    assert run.err.split("\n")[:2] == [
        html_to_plain(vi("results.base_warning.head")),
        html_to_plain(vi("results.base_warning.mismatch", stated=299, counted=297, seats=299,
                         absent=2))]
    assert "trên một nửa của 299 đại biểu được triệu tập — ít nhất 150 phiếu" in run.out


async def test_the_cli_refuses_a_file_with_no_base_to_count(
    app: App, config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = await cli(capsys, config, tmp_path, election())
    assert run.code == 1 and run.out == ""
    assert run.err.strip().endswith("kq.csv:1: " + html_to_plain(
        vi("results.base_problem.no_summoned")))
    assert await results.with_status(app.services.db, "draft") == []


@pytest.mark.parametrize(("share", "vi_words", "en_words"), [
    (Fraction(1, 2), "một nửa", "half"), (Fraction(2, 3), "hai phần ba", "two thirds"),
    (Fraction(3, 5), "60%", "60%"), (Fraction(6667, 10000), "66,67%", "66.67%"),
    (Fraction(13, 20), "65%", "65%"), (Fraction(3, 7), "3/7", "3/7"), (Fraction(0), "0%", "0%"),
])
def test_the_share_is_said_in_words(share: Fraction, vi_words: str, en_words: str) -> None:
    assert election_base.share_words(TEXTS.in_language("vi"), share) == vi_words
    assert election_base.share_words(TEXTS.in_language("en"), share) == en_words


def test_the_rule_falls_back_to_the_valid_ballots_only_without_a_number_summoned(
    tmp_path: Path,
) -> None:
    settings = make_config(tmp_path, results={"percent_base": "summoned"}).results
    known = {"kind": "election", "summoned": 297}
    assert election_base.rule_for(settings, known) == Rule(Fraction(1, 2), "summoned",
                                                           "summoned")
    for unknown in ({"kind": "election"}, {"kind": "election", "summoned": None}):
        assert election_base.rule_for(settings, unknown) == Rule(Fraction(1, 2), "valid", "valid")
    vote = election_base.rule_for(settings, {"kind": "vote", "summoned": 297})
    assert (vote.base, vote.percent_base) == ("valid", "summoned")  # a vote: of the valid
