"""Chinese numerals and dates as printed in policy documents.

Written by hand because what documents print is small and fixed (article numbers up to
a few hundred, years as 二〇二四); a general library would add a dependency for ten lines.
"""

from __future__ import annotations

import re

DIGITS = {"零": 0, "〇": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
          "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL = "零〇○Ｏ一二两三四五六七八九十百千"


def cn_to_int(text: str) -> int | None:
    """'十五' -> 15, '一百零二' -> 102, '二十' -> 20, '12' -> 12; None if not a numeral."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(c not in DIGITS and c not in UNITS for c in text):
        return None
    total, digit = 0, None
    for char in text:
        if char in DIGITS:
            digit = DIGITS[char]
        else:
            total += (1 if digit is None else digit) * UNITS[char]
            digit = None
    return total + (digit or 0)


def digits_to_int(text: str) -> int | None:
    """Digit by digit, as years are printed: '二〇二四' -> 2024."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in DIGITS for c in text):
        return None
    return int("".join(str(DIGITS[c]) for c in text))


_YEAR = rf"(?P<y>\d{{4}}|[{''.join(k for k in DIGITS if k != '两')}]{{4}})"
_DAY = rf"[\d{NUMERAL}]{{1,3}}"
DATE_RE = re.compile(rf"{_YEAR}\s*年\s*(?P<m>{_DAY})\s*月\s*(?P<d>{_DAY})\s*日")


def parse_date(match: re.Match) -> str | None:
    """ISO date of a DATE_RE match; None if the parts are no calendar date."""
    year, month, day = digits_to_int(match["y"]), cn_to_int(match["m"]), cn_to_int(match["d"])
    if not year or not month or not day or not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"
