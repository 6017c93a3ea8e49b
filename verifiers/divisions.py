"""Region codes (GB/T 2260) compared as divisions: city level, containment, name forms.

"Issued for the treatment city" compares places at city level: district
``321002`` lies in city ``321000``, a Shanghai district ``3101xx`` in the
municipality ``310000``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = ["NameForm", "city_of", "holds", "is_within"]

# Municipalities directly under the central government: the province is the city.
_MUNICIPALITIES: Final[frozenset[str]] = frozenset({"11", "12", "31", "50"})


def city_of(code: str) -> str:
    """Return the city-level code of a region code (a province code stays itself).

    Args:
        code: A 6-digit region code.

    Returns:
        ``321000`` for ``321002``; ``310000`` for ``310118``; ``320000`` for ``320000``.
    """
    if code[:2] in _MUNICIPALITIES or code.endswith("0000"):
        return code[:2] + "0000"
    return code[:4] + "00"


def is_within(place: str, region: str) -> bool:
    """Tell whether ``place`` lies in ``region``, compared at city level.

    A province-level ``region`` (Hainan, Tibet) holds every place in the
    province; otherwise the two cities must be the same.

    Args:
        place: The region code a document points at.
        region: The filing's region code.

    Returns:
        ``True`` when both resolve to the same city (or province, see above).
    """
    region_city = city_of(region)
    if region_city.endswith("0000") and region[:2] not in _MUNICIPALITIES:
        return place[:2] == region[:2]
    return city_of(place) == region_city


def holds(outer: str, inner: str) -> bool:
    """Tell whether region ``outer`` is ``inner`` or contains it (province ⊃ city ⊃ county).

    Args:
        outer: A 6-digit region code.
        inner: A 6-digit region code.

    Returns:
        ``True`` for ``("320000", "320509")``, ``("320500", "320509")``,
        ``("310000", "310115")``; ``False`` for ``("320509", "320500")``.
    """
    if outer == inner:
        return True
    if outer.endswith("0000"):
        return inner[:2] == outer[:2]
    if outer.endswith("00"):
        return inner[:4] == outer[:4]
    return False


class NameForm(StrEnum):
    """How a name stands for its region; it decides where the name may stand in a chain."""

    FULL = "full"
    """The official name with its suffix (江苏省, 南通市, 崇川区) or a former one (吴江市)."""
    SHORT = "short"
    """A province's or city's name without its suffix (江苏, 南通)."""
    MINOR = "minor"
    """A county's short name (崇川, 吴江) or a two-character county name (和县, 东区):
    common words in street and estate names, so they only refine a chain."""
