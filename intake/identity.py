"""Applicant identity: citizen ID numbers, phone numbers and region codes.

Citizen ID numbers follow GB 11643-1999: 18 characters made of a 6-digit
GB/T 2260 region code, the birth date as ``YYYYMMDD``, a 3-digit sequence
(odd for men, even for women) and an ISO 7064 MOD 11-2 check character
(``0``-``9`` or ``X``). The social security number equals the ID number.

Everything here is pure: the current date is an argument, never read from a
clock, and nothing is logged (callers log :func:`mask_id_number` only).
"""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date, timedelta
from typing import Final, Literal

from intake.errors import InvalidIdNumberError, InvalidPhoneError, InvalidRegionCodeError
from ocr.idnumber import check_character

__all__ = [
    "PROVINCE_CODES",
    "fake_id_number",
    "id_birth_date",
    "id_check_character",
    "id_sex",
    "is_valid_id_number",
    "mask_id_number",
    "mask_id_numbers_in",
    "normalise_id_number",
    "normalise_phone",
    "validate_region_code",
]

# Province-level divisions of GB/T 2260: the first two digits of every region code.
PROVINCE_CODES: Final[frozenset[str]] = frozenset(
    {
        *(str(n) for n in range(11, 16)),  # 北京 天津 河北 山西 内蒙古
        *(str(n) for n in range(21, 24)),  # 辽宁 吉林 黑龙江
        *(str(n) for n in range(31, 38)),  # 上海 江苏 浙江 安徽 福建 江西 山东
        *(str(n) for n in range(41, 47)),  # 河南 湖北 湖南 广东 广西 海南
        *(str(n) for n in range(50, 55)),  # 重庆 四川 贵州 云南 西藏
        *(str(n) for n in range(61, 66)),  # 陕西 甘肃 青海 宁夏 新疆
        "71",  # 台湾
        "81",  # 香港
        "82",  # 澳门
        "91",  # 国外 (residents abroad)
    }
)

# ISO 7064 MOD 11-2: the weight of position i (0-based, left to right) is 2**(17-i) mod 11.
_ID_LENGTH: Final = 18
_EARLIEST_BIRTH_DATE: Final[date] = date(1900, 1, 1)
_ID_CHARACTERS: Final[re.Pattern[str]] = re.compile(r"\d{17}[\dX]")
_MASK_KEEP: Final[int] = 4

_MOBILE: Final[re.Pattern[str]] = re.compile(r"1[3-9]\d{9}")
_MOBILE_COUNTRY_PREFIX: Final[re.Pattern[str]] = re.compile(r"(?:\+86|0086|86)(1[3-9]\d{9})")
_LANDLINE: Final[re.Pattern[str]] = re.compile(r"0\d{2,3}-?\d{7,8}")
_REGION: Final[re.Pattern[str]] = re.compile(r"\d{6}")

_SEX_MALE: Final = "男"
_SEX_FEMALE: Final = "女"


def id_check_character(first17: str) -> str:
    """Compute the ISO 7064 MOD 11-2 check character of an ID number.

    Args:
        first17: The first 17 characters of the ID number, all ASCII digits.

    Returns:
        The check character, ``0``-``9`` or ``X``.

    Raises:
        ValueError: ``first17`` is not exactly 17 ASCII digits.
    """
    return check_character(first17)


def normalise_id_number(value: str, *, today: date) -> str:
    """Validate a citizen ID number and return its canonical form.

    Full-width characters (typed with a Chinese input method) are folded to
    ASCII, whitespace is removed and a lowercase ``x`` becomes ``X``.

    Args:
        value: The ID number as the applicant typed it.
        today: The date the birth date must not be after.

    Returns:
        The 18-character ID number with an uppercase check character.

    Raises:
        InvalidIdNumberError: With ``reason`` one of ``length``, ``characters``,
            ``region``, ``birth_date`` or ``checksum``, checked in that order.
    """
    candidate = "".join(unicodedata.normalize("NFKC", value).split()).upper()
    if len(candidate) != _ID_LENGTH:
        raise InvalidIdNumberError("length")
    if not candidate.isascii() or _ID_CHARACTERS.fullmatch(candidate) is None:
        raise InvalidIdNumberError("characters")
    if candidate[:2] not in PROVINCE_CODES:
        raise InvalidIdNumberError("region")
    birth = _parse_birth_date(candidate[6:14])
    if birth is None or not _EARLIEST_BIRTH_DATE <= birth <= today:
        raise InvalidIdNumberError("birth_date")
    if id_check_character(candidate[:17]) != candidate[17]:
        raise InvalidIdNumberError("checksum")
    return candidate


def is_valid_id_number(value: str, *, today: date) -> bool:
    """Tell whether ``value`` is a valid citizen ID number (see :func:`normalise_id_number`).

    Args:
        value: The ID number as typed.
        today: The date the birth date must not be after.

    Returns:
        ``True`` when :func:`normalise_id_number` accepts it.
    """
    try:
        normalise_id_number(value, today=today)
    except InvalidIdNumberError:
        return False
    return True


def id_birth_date(id_number: str) -> date:
    """Read the birth date encoded in an ID number.

    Args:
        id_number: An 18-character ID number (normalised or not).

    Returns:
        The birth date (characters 7-14).

    Raises:
        InvalidIdNumberError: ``birth_date`` when those characters are not a real date,
            ``length`` when the number is not 18 characters long.
    """
    if len(id_number) != _ID_LENGTH:
        raise InvalidIdNumberError("length")
    birth = _parse_birth_date(id_number[6:14])
    if birth is None:
        raise InvalidIdNumberError("birth_date")
    return birth


def id_sex(id_number: str) -> Literal["男", "女"]:
    """Read the sex encoded in an ID number: an odd sequence number means male.

    Args:
        id_number: An 18-character ID number.

    Returns:
        ``"男"`` or ``"女"``.

    Raises:
        InvalidIdNumberError: ``length`` or ``characters`` when the 17th character
            is missing or not a digit.
    """
    if len(id_number) != _ID_LENGTH:
        raise InvalidIdNumberError("length")
    sequence_digit = id_number[16]
    if not sequence_digit.isascii() or not sequence_digit.isdigit():
        raise InvalidIdNumberError("characters")
    return "男" if int(sequence_digit) % 2 == 1 else "女"


_ID_IN_TEXT: Final = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
"""Anything shaped like an 18-character ID number, inside longer text."""


def mask_id_numbers_in(text: str) -> str:
    """``text`` with everything shaped like an ID number masked (logs, responses)."""
    if len(text) < _ID_LENGTH:
        return text
    return _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text)


def mask_id_number(value: str) -> str:
    """Mask an ID number for logs, keeping the first and last four characters.

    Works on any input, valid or not, so it is safe to call before validation;
    inputs too short to keep anything are masked entirely.

    Args:
        value: An ID number or anything a client sent in its place.

    Returns:
        For example ``3210**********123X``.
    """
    if len(value) <= 2 * _MASK_KEEP:
        return "*" * len(value)
    hidden = len(value) - 2 * _MASK_KEEP
    return value[:_MASK_KEEP] + "*" * hidden + value[-_MASK_KEEP:]


def normalise_phone(value: str) -> str:
    """Validate a mainland mobile or landline number and return its canonical form.

    Mobile numbers lose spaces, dashes and a leading ``+86``/``86``/``0086``
    and come back as 11 digits. Landlines need the area code
    (``0\\d{2,3}``); spaces are removed and a dash between area code and
    number is kept as typed, because without it the split is ambiguous.

    Args:
        value: The phone number as typed.

    Returns:
        ``13812345678`` or, for a landline, e.g. ``0514-87654321``.

    Raises:
        InvalidPhoneError: ``format`` when it is neither.
    """
    compact = "".join(unicodedata.normalize("NFKC", value).split())
    digits_only = compact.replace("-", "")
    if _MOBILE.fullmatch(digits_only):
        return digits_only
    prefixed = _MOBILE_COUNTRY_PREFIX.fullmatch(digits_only)
    if prefixed is not None:
        return prefixed.group(1)
    if _LANDLINE.fullmatch(compact):
        return compact
    raise InvalidPhoneError("format")


def validate_region_code(value: str, *, field: str = "region") -> str:
    """Validate a 6-digit GB/T 2260 region code.

    Args:
        value: The code, e.g. ``321000`` for Yangzhou.
        field: The request field the code came from, carried by the error.

    Returns:
        The code with surrounding whitespace removed.

    Raises:
        InvalidRegionCodeError: ``format`` when it is not 6 ASCII digits,
            ``province`` when the first two digits are no province-level code.
    """
    code = value.strip()
    if not code.isascii() or _REGION.fullmatch(code) is None:
        raise InvalidRegionCodeError("format", field=field)
    if code[:2] not in PROVINCE_CODES:
        raise InvalidRegionCodeError("province", field=field)
    return code


def fake_id_number(
    rng: random.Random,
    *,
    region: str = "321002",
    birth: date | None = None,
    sex: str | None = None,
) -> str:
    """Make up an ID number with a valid check character, for tests and sample documents.

    Args:
        rng: The random source, seeded by the caller for reproducible output.
        region: The 6-digit region code to start with.
        birth: The birth date; a random day between 1930 and 2005 when omitted.
        sex: ``"男"`` or ``"女"`` (``"M"``/``"F"`` also accepted); random when omitted.

    Returns:
        An 18-character ID number that :func:`normalise_id_number` accepts.

    Raises:
        InvalidRegionCodeError: ``region`` is not a valid region code.
        ValueError: ``sex`` is not one of the accepted values.
    """
    region = validate_region_code(region)
    if birth is None:
        start = date(1930, 1, 1)
        birth = start + timedelta(days=rng.randrange((date(2005, 12, 31) - start).days + 1))
    if sex is None:
        sequence = rng.randrange(1000)
    else:
        sequence = 2 * rng.randrange(500) + (1 if _is_male(sex) else 0)
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)


def _is_male(sex: str) -> bool:
    folded = sex.strip().upper()
    if folded in {_SEX_MALE, "M", "MALE"}:
        return True
    if folded in {_SEX_FEMALE, "F", "FEMALE"}:
        return False
    raise ValueError(f"unknown sex {sex!r}")


def _parse_birth_date(digits: str) -> date | None:
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit():
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
