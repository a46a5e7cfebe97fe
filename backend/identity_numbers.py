"""Check digits of Chinese identity numbers (plain functions, no Flask).

* 18-digit resident identity number, GB 11643-1999 (ISO 7064 MOD 11-2);
* 18-character unified social credit code (统一社会信用代码), GB 32100-2015 (MOD 31).
"""
from __future__ import annotations

import re
from datetime import date

__all__ = ["valid_resident_id", "valid_uscc", "resident_id_check_char", "uscc_check_char"]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def resident_id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def valid_resident_id(number: str) -> bool:
    """18 digits (last may be X), a real birth date, and the right check character."""
    if not isinstance(number, str) or not re.fullmatch(r"\d{17}[\dXx]", number):
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return resident_id_check_char(number[:17]) == number[17].upper()


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def valid_uscc(code: str) -> bool:
    if not isinstance(code, str) or not _USCC_RE.fullmatch(code):
        return False
    return uscc_check_char(code[:17]) == code[17]
