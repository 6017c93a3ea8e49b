"""GB 11643-1999 citizen ID numbers as printed on documents.

18 characters: a 6-digit GB/T 2260 region code, the birth date
``YYYYMMDD``, a 3-digit sequence (odd for men) and an ISO 7064 MOD 11-2
check character (``0``-``9`` or ``X``). The one implementation of the
maths: the reader repairs numbers with it, the verifiers check documents with
it and intake validates what applicants type.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Final

__all__ = ["ParsedIdNumber", "check_character", "normalise_id_text", "parse_id_number"]

_WEIGHTS: Final[tuple[int, ...]] = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK: Final[str] = "10X98765432"
_SHAPE: Final[re.Pattern[str]] = re.compile(r"\d{17}[\dX]")
_EARLIEST: Final[date] = date(1900, 1, 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedIdNumber:
    """A well-formed ID number and what it encodes."""

    value: str
    region: str
    birth_date: date
    sex: str
    """``男`` or ``女``."""


def check_character(first17: str) -> str:
    """Compute the ISO 7064 MOD 11-2 check character.

    Args:
        first17: The first 17 characters, ASCII digits.

    Returns:
        ``0``-``9`` or ``X``.

    Raises:
        ValueError: ``first17`` is not 17 ASCII digits.
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("the check character needs exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalise_id_text(value: str) -> str:
    """Fold full-width characters, drop whitespace and upper-case a trailing ``x``."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def parse_id_number(value: str, *, today: date) -> ParsedIdNumber | None:
    """Parse an ID number, or return ``None`` when it is not a valid one.

    Args:
        value: The number as read or typed (full-width and spaces tolerated).
        today: The birth date must not be after this day.

    Returns:
        The parsed number, or ``None`` for a wrong shape, an impossible birth
        date or a wrong check character.
    """
    text = normalise_id_text(value)
    if not text.isascii() or _SHAPE.fullmatch(text) is None:
        return None
    try:
        birth = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return None
    if not _EARLIEST <= birth <= today or check_character(text[:17]) != text[17]:
        return None
    return ParsedIdNumber(
        value=text,
        region=text[:6],
        birth_date=birth,
        sex="男" if int(text[16]) % 2 == 1 else "女",
    )
