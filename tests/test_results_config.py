"""[results] config: the election base, the share a candidate needs (a fraction, exactly), the
percentages' base, and the deprecated elected_above_percent that still works."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_defaults_are_the_party_rule_more_than_half_of_the_delegates_summoned(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for path in (write(tmp_path, ""), ROOT / "config.example.toml"):
        rules = load_config(path, env={}).results
        assert (rules.elected_base, rules.percent_base) == ("summoned", "valid")
        assert rules.elected_share == Fraction(1, 2)
        assert rules.passed_share == Fraction(1, 2)
    assert not [r for r in caplog.records if "deprecated" in r.getMessage()]


@pytest.mark.parametrize(("text", "share"), [
    ('"2/3"', Fraction(2, 3)), ('" 1/2 "', Fraction(1, 2)), ('"0.6"', Fraction(3, 5)),
    ('"0"', Fraction(0)), ('"6667/10000"', Fraction(6667, 10000)),
])
def test_elected_above_is_an_exact_fraction(tmp_path: Path, text: str, share: Fraction) -> None:
    path = write(tmp_path, f'[results]\nelected_above = {text}\nelected_base = "valid"\n')
    rules = load_config(path, env={}).results
    assert rules.elected_share == share and isinstance(rules.elected_share, Fraction)
    assert rules.elected_base == "valid"


@pytest.mark.parametrize(("percent", "share"), [
    ("50.0", Fraction(1, 2)), ("66.67", Fraction(6667, 10000)), ("50", Fraction(1, 2))])
def test_the_deprecated_percentage_still_works_and_logs_one_line(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, percent: str, share: Fraction) -> None:
    path = write(tmp_path, f"[results]\nelected_above_percent = {percent}\n")
    with caplog.at_level(logging.WARNING, logger="bot.config"):
        rules = load_config(path, env={}).results
    assert rules.elected_share == share
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.config"]
    assert lines == [f"{path}: results.elected_above_percent is deprecated and still read;"
                     " write results.elected_above instead (see config.example.toml)"]


@pytest.mark.parametrize(("text", "key", "reason"), [
    ('elected_above = "abc"', "results.elected_above", 'a fraction such as "1/2"'),
    ('elected_above = "1/0"', "results.elected_above", 'a fraction such as "1/2"'),
    ('elected_above = ""', "results.elected_above", 'a fraction such as "1/2"'),
    ('elected_above = "1"', "results.elected_above", "at least 0 and below 1"),
    ('elected_above = "3/2"', "results.elected_above", "at least 0 and below 1"),
    ('elected_above = "-1/2"', "results.elected_above", "at least 0 and below 1"),
    ('elected_above = "nan"', "results.elected_above", 'a fraction such as "1/2"'),
    ("elected_above = 0.5", "results.elected_above", "must be a string"),
    ('elected_above = "1/2"\nelected_above_percent = 50.0', "results.elected_above",
     "not both"),
    ("elected_above_percent = 100", "results.elected_above_percent", "below 100"),
    ('elected_base = "present"', "results.elected_base",
     'one of "summoned", "received", "valid"'),
    ("elected_base = 1", "results.elected_base", "must be a string"),
    ('percent_base = "seats"', "results.percent_base",
     'one of "valid", "received", "summoned"'),
    ('elected_above_pct = "1/2"', "results.elected_above_pct", "unknown key"),
])
def test_bad_results_values_stop_start_up_with_file_key_and_reason(
        tmp_path: Path, text: str, key: str, reason: str) -> None:
    path = write(tmp_path, f"[results]\n{text}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert (err.value.file, err.value.key) == (str(path), key)
    assert reason in err.value.reason, err.value.reason
    assert "\n" not in str(err.value)
