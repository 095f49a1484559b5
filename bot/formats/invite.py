"""Invite codes: how they are generated, folded for comparison, recognised and shown.

Organisers may supply codes they already printed (6 to 32 letters and digits, any of them);
generated codes use an alphabet without look-alike characters. Whatever their origin, codes
are compared folded: upper case, without spaces or hyphens, and with the characters people
misread mapped to one (O→0, I and L→1, S→5, Z→2, B→8), so a misread character still matches.
A code is stored as supplied (upper case, without separators) and shown grouped for reading
(`KHK7-XFQM-M4`). `storage.delegates` folds stored codes the same way in SQL.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Collection

__all__ = [
    "INVITE_ALPHABET",
    "INVITE_CODE_LENGTH",
    "INVITE_MAX_LENGTH",
    "INVITE_MIN_LENGTH",
    "LOOK_ALIKES",
    "fold_invite_code",
    "generate_invite_code",
    "group_invite_code",
    "invite_code_in",
    "is_valid_invite_code",
    "normalize_invite_code",
]

INVITE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"  # no 0/O, 1/I/L, 5/S, 2/Z, 8/B
INVITE_CODE_LENGTH = 10
INVITE_MIN_LENGTH, INVITE_MAX_LENGTH = 6, 32
GROUP = 4
LOOK_ALIKES = {"O": "0", "I": "1", "L": "1", "S": "5", "Z": "2", "B": "8"}
_FOLD = str.maketrans(LOOK_ALIKES)
_MAX_DRAWS = 100
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_CODE = re.compile(r"[0-9A-Z]+")


def normalize_invite_code(text: str) -> str:
    """Return an invite code as stored: upper case, without spaces or hyphens (full-width
    characters read as their ASCII form)."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()


def fold_invite_code(text: str) -> str:
    """Return the form codes are compared in: normalised, look-alike characters folded."""
    return normalize_invite_code(text).translate(_FOLD)


def is_valid_invite_code(code: str) -> bool:
    """Return whether a normalised invite code has 6 to 32 ASCII letters and digits."""
    return INVITE_MIN_LENGTH <= len(code) <= INVITE_MAX_LENGTH and bool(_CODE.fullmatch(code))


def invite_code_in(text: str) -> str | None:
    """Return the folded code that a message can be, or None when it cannot be one.

    Text that folds to 6 to 32 ASCII letters and digits can be a code (so "xin chao", typed
    without its accents, can be; "xin chào", "đúng" and "hello" cannot).
    """
    folded = fold_invite_code(text)
    return folded if is_valid_invite_code(folded) else None


def group_invite_code(code: str) -> str:
    """Return a code grouped for reading, four characters at a time: `KHK7-XFQM-M4`."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def generate_invite_code(existing: Collection[str]) -> str:
    """Return a fresh random invite code whose folded form is not in `existing` (folded).

    Entropy: 10 characters drawn uniformly by `secrets` from 25 symbols give
    25**10 ≈ 9.5e13 codes, log2(25**10) = 10 * log2(25) ≈ 10 * 4.64 ≈ 46.4 bits (≥ 40).
    The alphabet has no look-alikes, so a generated code is its own folded form.
    """
    for _ in range(_MAX_DRAWS):  # a collision is ~1e-13 likely per draw; the bound is a guard
        code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))
        if code not in existing:
            return code
    raise RuntimeError("invite code space exhausted")
