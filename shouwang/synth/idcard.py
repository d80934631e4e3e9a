"""Resident ID numbers (GB 11643-1999), generated column-wise.

An 18-digit ID is area(6) + birth date(8) + sequence(3, odd = male) + check character, where the
check character is "10X98765432"[sum(digit_i * weight_i) mod 11].
"""

from __future__ import annotations

import numpy as np

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = np.array(list("10X98765432"), dtype=object)
_CHECK_STR = "10X98765432"


def check_char(body17: str) -> str:
    """Check character for a 17-digit body."""
    total = sum(int(c) * int(w) for c, w in zip(body17, WEIGHTS, strict=True))
    return _CHECK_STR[total % 11]


def is_valid_id18(s: str) -> bool:
    """True for a well-formed 18-digit ID whose check character matches."""
    if not isinstance(s, str) or len(s) != 18 or not s[:17].isdigit() or not s[:17].isascii():
        return False
    return check_char(s[:17]) == s[17]


def _digits(body: np.ndarray) -> np.ndarray:
    """(n, 17) digit matrix of int64 17-digit numbers."""
    out = np.empty((len(body), 17), dtype=np.int64)
    rest = body.copy()
    for i in range(16, -1, -1):
        out[:, i] = rest % 10
        rest //= 10
    return out


def check_chars(body: np.ndarray) -> np.ndarray:
    """Vectorised check characters for int64 17-digit bodies."""
    s = (_digits(body) * WEIGHTS).sum(axis=1) % 11
    return CHECK_CHARS[s]


def make_ids(area: np.ndarray, birth: np.ndarray, male: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unique 18-digit IDs (object array of str) for area codes (int), birth dates, sexes."""
    n = len(area)
    b = birth.astype("datetime64[D]")
    y = b.astype("datetime64[Y]").astype(np.int64) + 1970
    m = b.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (b - b.astype("datetime64[M]")).astype(np.int64) + 1
    ymd = y * 10000 + m * 100 + d
    base = area.astype(np.int64) * 10**11 + ymd * 1000
    sex_digit = male.astype(np.int64)  # odd for male

    def draw(k: int) -> np.ndarray:
        return rng.integers(0, 100, size=k) * 10 + 2 * rng.integers(0, 5, size=k)

    seq = draw(n) + sex_digit
    body = base + seq
    for _ in range(200):
        _, first = np.unique(body, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        k = int(dup.sum())
        if k == 0:
            break
        body[dup] = base[dup] + draw(k) + sex_digit[dup]
    else:
        raise RuntimeError("could not draw unique ID sequence numbers")
    chk = check_chars(body)
    return body.astype(str).astype(object) + chk


def to_id15(id18: str) -> str:
    """Old 15-digit form of an 18-digit ID (drop the century and the check character)."""
    return id18[:6] + id18[8:17]
