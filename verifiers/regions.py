"""Region names: the GB/T 2260 table and the designated hospitals, looked up both ways.

The table (``regions.tsv``: every province, city and county with its short
and former names) and the hospital table (``hospitals.yaml``) are read here;
:mod:`verifiers.places` resolves a place text by its leading administrative
chain, and :mod:`verifiers.divisions` compares codes at city level (both are
re-exported here).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import yaml

from verifiers.divisions import NameForm, city_of, holds, is_within
from verifiers.places import Place, PlaceProblem, resolve_place

__all__ = [
    "HOSPITALS_FILE",
    "REGIONS_FILE",
    "NameForm",
    "Place",
    "PlaceProblem",
    "RegionTable",
    "city_of",
    "holds",
    "is_within",
    "load_region_table",
    "resolve_place",
]

REGIONS_FILE: Final[Path] = Path(__file__).with_name("regions.tsv")
HOSPITALS_FILE: Final[Path] = Path(__file__).with_name("hospitals.yaml")


@dataclass(frozen=True, slots=True)
class RegionTable:
    """Every region's names, looked up both ways, and the designated hospitals placed."""

    names: Mapping[str, tuple[str, ...]]
    """Each code's names, the full current name first."""
    index: Mapping[str, tuple[tuple[str, NameForm], ...]]
    """Each name's ``(code, form)`` readings; a name several regions share has several."""
    hospitals: tuple[tuple[str, str], ...] = ()
    """``(hospital name, region code)``, longest name first."""
    longest: int = field(default=0)

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[tuple[str, str, Iterable[str], Iterable[str]]],
        *,
        hospitals: Mapping[str, Iterable[str]] | None = None,
    ) -> RegionTable:
        """Build a table from ``(code, full name, short names, former names)`` rows.

        Args:
            rows: One row per region.
            hospitals: Hospital names by the code of the region they lie in.

        Returns:
            The table.
        """
        names: dict[str, tuple[str, ...]] = {}
        index: dict[str, list[tuple[str, NameForm]]] = defaultdict(list)
        for code, full, shorts, former in rows:
            names[code] = (full, *shorts, *former)
            county = not code.endswith("00")
            for name in (full, *former):
                minor = county and len(name) <= 2
                index[name].append((code, NameForm.MINOR if minor else NameForm.FULL))
            for name in shorts:
                index[name].append((code, NameForm.MINOR if county else NameForm.SHORT))
        placed = sorted(
            (
                (str(name), str(code))
                for code, values in (hospitals or {}).items()
                for name in values
            ),
            key=lambda item: -len(item[0]),
        )
        frozen = {name: tuple(readings) for name, readings in index.items()}
        return cls(names, frozen, tuple(placed), max(map(len, frozen), default=0))

    def name_of(self, code: str) -> str:
        """Return the full name of a code, or the code itself when unknown."""
        found = self.names.get(code)
        return found[0] if found else code

    def city_and_name_of(self, code: str) -> str:
        """Return a code's name after its city's (邢台市襄都区; 上海市浦东新区; 扬州市)."""
        city = city_of(code)
        if city == code or city not in self.names:
            return self.name_of(code)
        return self.name_of(city) + self.name_of(code)

    def names_at(self, text: str, at: int) -> list[tuple[str, tuple[tuple[str, NameForm], ...]]]:
        """Every name of the table that ``text`` holds from position ``at``, longest first.

        Args:
            text: The text read.
            at: Where the name must start.

        Returns:
            ``(name, readings)`` pairs.
        """
        found = []
        for size in range(min(self.longest, len(text) - at), 0, -1):
            readings = self.index.get(text[at : at + size])
            if readings:
                found.append((text[at : at + size], readings))
        return found

    def find(self, text: str) -> str | None:
        """Find the one region a place text (address, issuer, destination) points at.

        Args:
            text: The field value as read.

        Returns:
            A region code, or ``None`` when no place, an ambiguous place or
            disagreeing places are named (see :meth:`resolve`).
        """
        return self.resolve(text).code

    def resolve(self, text: str) -> Place:
        """Resolve a place text by its leading administrative chain and the hospitals it names.

        Args:
            text: The field value as read (an address, an issuer, a destination).

        Returns:
            The place, or why there is none (see :func:`resolve_place`).
        """
        return resolve_place(self, text)


def load_region_table(path: Path | None = None, *, hospitals: Path | None = None) -> RegionTable:
    """Load the region table and the hospital table.

    Args:
        path: A tab-separated file ``code, full name, short names, former
            names`` (names comma-separated, ``#`` comment lines); the bundled
            GB/T 2260 table when omitted.
        hospitals: A YAML file ``{code: [hospital names]}``; the bundled one when omitted.

    Returns:
        The table; the bundled one is read once per process.
    """
    if path is None and hospitals is None:
        return _bundled_table()
    return RegionTable.from_rows(
        _read_rows(path or REGIONS_FILE), hospitals=_read_hospitals(hospitals or HOSPITALS_FILE)
    )


@functools.cache
def _bundled_table() -> RegionTable:
    return RegionTable.from_rows(
        _read_rows(REGIONS_FILE), hospitals=_read_hospitals(HOSPITALS_FILE)
    )


def _read_rows(path: Path) -> list[tuple[str, str, list[str], list[str]]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, full, shorts, former = [*line.split("\t"), "", ""][:4]
        rows.append((code, full, _split(shorts), _split(former)))
    return rows


def _split(names: str) -> list[str]:
    return [name for name in names.split(",") if name]


def _read_hospitals(path: Path) -> dict[str, list[str]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): [str(v) for v in vs] for k, vs in raw.items()}
