"""Value normalisation: ISO dates, ID numbers with checked repair, names, sex."""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from ocr.idnumber import check_character

__all__ = [
    "HOUSEHOLD_RELATIONS",
    "clean_name",
    "find_dates",
    "find_id_numbers",
    "has_valid_check",
    "normalise_date",
    "repair_id_number",
]

_DATE: Final = re.compile(
    r"((?:19|20)\d{2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})(?!\d)\s*日?"
)
# Characters the recogniser confuses with digits, and the digit each stands for.
_TO_DIGIT: Final = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "Q": "0",
        "I": "1",
        "l": "1",
        "i": "1",
        "|": "1",
        "Z": "2",
        "z": "2",
        "S": "5",
        "s": "5",
        "B": "8",
        "G": "6",
        "b": "6",
        "g": "9",
    }
)
_ID_CHARS: Final = re.compile(r"[0-9OoDQIli|ZzSsBGbgXx]{18}")
_NAME_CHARS: Final = re.compile(r"[\u4e00-\u9fff·]+")

HOUSEHOLD_RELATIONS: Final = frozenset(
    [
        "户主",
        "配偶",
        "夫",
        "妻",
        "子",
        "长子",
        "次子",
        "三子",
        "独生子",
        "女",
        "长女",
        "次女",
        "三女",
        "独生女",
        "之子",
        "之女",
        "孙子",
        "孙女",
        "外孙子",
        "外孙女",
        "父",
        "父亲",
        "母",
        "母亲",
        "公公",
        "婆婆",
        "岳父",
        "岳母",
        "祖父",
        "祖母",
        "外祖父",
        "外祖母",
        "兄",
        "哥哥",
        "弟",
        "弟弟",
        "姐",
        "姐姐",
        "妹",
        "妹妹",
        "儿媳",
        "女婿",
        "侄子",
        "侄女",
        "外甥",
        "外甥女",
        "其他",
        "非亲属",
    ]
)
"""What a register's 户主或与户主关系 cell may say (the family-relation code table)."""


def normalise_date(text: str) -> str | None:
    """The first date in ``text`` as ISO ``YYYY-MM-DD``.

    Accepts ``2020年3月5日``, ``2020.03.05``, ``2020-03-05`` and ``2020/3/5``.

    Args:
        text: Any text.

    Returns:
        The ISO date, or ``None`` when there is no valid date.
    """
    dates = find_dates(text)
    return dates[0] if dates else None


def find_dates(text: str) -> list[str]:
    """Every valid date in ``text``, in order, as ISO strings."""
    found = []
    for match in _DATE.finditer(text):
        year, month, day = (int(part) for part in match.groups())
        try:
            found.append(date(year, month, day).isoformat())
        except ValueError:
            continue
    return found


def has_valid_check(number: str) -> bool:
    """Whether an 18-character ID number's ISO 7064 MOD 11-2 check character holds."""
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return False
    return check_character(number[:17]) == number[17]


def repair_id_number(raw: str) -> tuple[str, bool]:
    """Repair common recogniser confusions in an ID number, only when the check then holds.

    Args:
        raw: 18 characters as read.

    Returns:
        The number (repaired when that made the check hold, else as read with
        ``x`` upper-cased) and whether its check character holds.
    """
    read = raw[:17] + raw[17:].replace("x", "X")
    if has_valid_check(read):
        return read, True
    repaired = read[:17].translate(_TO_DIGIT) + (read[17:].translate(_TO_DIGIT) or "")
    if repaired[17:] not in "0123456789X" or not repaired[17:]:
        return read, False
    if has_valid_check(repaired):
        return repaired, True
    return read, False


def find_id_numbers(text: str) -> list[tuple[str, bool]]:
    """ID-number candidates in ``text``: valid ones first, each with its check result."""
    squeezed = re.sub(r"[\s\-_.,:：]", "", text)
    candidates = []
    for start in range(max(len(squeezed) - 17, 0)):
        chunk = squeezed[start : start + 18]
        if _ID_CHARS.fullmatch(chunk) and sum(c.isdigit() for c in chunk) >= 14:
            candidates.append(repair_id_number(chunk))
    valid = [c for c in candidates if c[1]]
    return valid or candidates[:1]


def clean_name(text: str) -> str:
    """The first run of Chinese characters (with ``·``) in ``text``."""
    match = _NAME_CHARS.search(text)
    return match.group(0) if match else ""
