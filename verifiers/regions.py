"""Region codes and place names, compared at city level.

"Issued for the treatment city" compares places at city level: district
``321002`` lies in city ``321000``, a Shanghai district ``3101xx`` in the
municipality ``310000``. The table (``regions.yaml``) maps codes to the names
documents print (江苏省扬州市, 扬州, 广陵区 ...) and back; a second table
(``hospitals.yaml``) places designated hospitals, whose names often carry no
city (复旦大学附属肿瘤医院) or another place's name (北京大学深圳医院).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import yaml

__all__ = [
    "HOSPITALS_FILE",
    "REGIONS_FILE",
    "RegionTable",
    "city_of",
    "is_within",
    "load_region_table",
]

REGIONS_FILE: Final[Path] = Path(__file__).with_name("regions.yaml")
HOSPITALS_FILE: Final[Path] = Path(__file__).with_name("hospitals.yaml")

# Municipalities directly under the central government: the province is the city.
_MUNICIPALITIES: Final[frozenset[str]] = frozenset({"11", "12", "31", "50"})
_CODE: Final[re.Pattern[str]] = re.compile(r"\d{6}")


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


@dataclass(frozen=True, slots=True)
class RegionTable:
    """Names of the regions the packs and samples use, looked up both ways."""

    names: Mapping[str, tuple[str, ...]]
    _patterns: tuple[tuple[str, str], ...]
    _hospitals: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_mapping(
        cls,
        mapping: Mapping[str, list[str] | tuple[str, ...]],
        *,
        hospitals: Mapping[str, list[str] | tuple[str, ...]] | None = None,
    ) -> RegionTable:
        """Build a table from ``{code: [names...]}`` (the first name is the full one).

        Args:
            mapping: Region names by code.
            hospitals: Hospital names by the code of the region they lie in.

        Returns:
            The table.
        """
        names = {str(code): tuple(values) for code, values in mapping.items()}
        # Longest names first so 吴江区 is found before 吴江 at the same place.
        patterns = sorted(
            ((name, code) for code, values in names.items() for name in values),
            key=lambda item: -len(item[0]),
        )
        placed = sorted(
            ((name, str(code)) for code, values in (hospitals or {}).items() for name in values),
            key=lambda item: -len(item[0]),
        )
        return cls(names, tuple(patterns), tuple(placed))

    def _take_hospitals(self, compact: str) -> tuple[list[tuple[int, str]], str]:
        """Find the listed hospitals in a text and blank them out.

        Returns:
            ``(position, region code)`` of each hospital found, and the text
            with their names replaced by a separator, so the place names
            inside a hospital's name (北京大学深圳医院) do not count.
        """
        found: list[tuple[int, str]] = []
        for name, code in self._hospitals:
            at = compact.find(name)
            while at >= 0:
                found.append((at, code))
                compact = compact[:at] + "|" * len(name) + compact[at + len(name) :]
                at = compact.find(name)
        return found, compact

    def name_of(self, code: str) -> str:
        """Return the full name of a code, or the code itself when unknown."""
        found = self.names.get(code)
        return found[0] if found else code

    def find(self, text: str) -> str | None:
        """Find the region a place text (address, issuer, destination) points at.

        A bare 6-digit code is taken as is. Otherwise the first place name in
        the text that resolves to a city or district wins (Chinese addresses
        run province → city → district, so later names are streets and
        buildings); a province name is the answer only when nothing finer is
        named. A district found after its city refines the answer.

        Args:
            text: The field value as read.

        Returns:
            A region code, or ``None`` when no known place is named.
        """
        compact = "".join(text.split())
        if _CODE.fullmatch(compact):
            return compact
        hits, compact = self._take_hospitals(compact)
        for name, code in self._patterns:
            at = compact.find(name)
            if at >= 0:
                hits.append((at, code))
        if not hits:
            return None
        hits.sort()
        finer = [(at, code) for at, code in hits if not code.endswith("0000") or _is_city(code)]
        if not finer:
            return hits[0][1]
        first_city = city_of(finer[0][1])
        same_city = [code for _, code in finer if city_of(code) == first_city]
        # Prefer a district of that city when one is named.
        return max(same_city, key=_depth)

    def cities_named(self, text: str) -> frozenset[str]:
        """Every distinct city (or province, when no finer place is named) in a text.

        A listed hospital counts as the city it lies in; the place names
        inside its name do not count, nor do streets named after a place
        (北京东路, 苏州路).
        """
        hospitals, compact = self._take_hospitals("".join(text.split()))
        codes = {code for _, code in hospitals} | {
            code for name, code in self._patterns if _names_place(compact, name)
        }
        finer = {city_of(c) for c in codes if not c.endswith("0000") or _is_city(c)}
        return frozenset(finer or codes)


# What follows a place name that names a street, not the place (北京东路, 苏州路).
_STREET: Final[re.Pattern[str]] = re.compile(r"(?:[东西南北中]?路|[东西南北中]?大?街|大道|巷)")


def _names_place(text: str, name: str) -> bool:
    """Tell whether ``name`` occurs in ``text`` other than as a street's name."""
    at = text.find(name)
    while at >= 0:
        if not _STREET.match(text, at + len(name)):
            return True
        at = text.find(name, at + 1)
    return False


def _is_city(code: str) -> bool:
    return code[:2] in _MUNICIPALITIES


def _depth(code: str) -> int:
    if code.endswith("0000"):
        return 0
    return 1 if code.endswith("00") else 2


def load_region_table(path: Path | None = None, *, hospitals: Path | None = None) -> RegionTable:
    """Load the region-name table and the hospital table.

    Args:
        path: A YAML file ``{code: [names]}``; the bundled table when omitted.
        hospitals: A YAML file ``{code: [hospital names]}``; the bundled one when omitted.

    Returns:
        The table.
    """
    return RegionTable.from_mapping(
        _read_names(path or REGIONS_FILE), hospitals=_read_names(hospitals or HOSPITALS_FILE)
    )


def _read_names(path: Path) -> dict[str, list[str]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): [str(v) for v in vs] for k, vs in raw.items()}
