"""The check-in payload: built from a token and read back, and nothing else taken for one."""

from bot.checkin_link import checkin_payload, token_from_payload


def test_payload_round_trip() -> None:
    assert checkin_payload("0a1b2c") == "ci_0a1b2c"
    assert token_from_payload("ci_0a1b2c") == "0a1b2c"


def test_other_payloads_are_not_check_ins() -> None:
    assert token_from_payload("KHK7XFQMM4") is None
    assert token_from_payload("ci_") is None
    assert token_from_payload("") is None
