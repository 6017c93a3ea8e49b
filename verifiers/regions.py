"""Region codes and place names: the GB/T 2260 table and codes compared at city level.

"Issued for the treatment city" compares places at city level: district
``321002`` lies in city ``321000``, a Shanghai district ``3101xx`` in the
municipality ``310000``. The table (``regions.tsv``, every province, city and
county with its short and former names) and the designated-hospital table
(``hospitals.yaml``) are read by :mod:`verifiers.places`, which resolves a
place text by its leading administrative chain.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Final

import yaml

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


class PlaceProblem(StrEnum):
    """Why a place text resolves to no region."""

    UNNAMED = "unnamed"
    """No administrative chain and no listed hospital."""
    AMBIGUOUS = "ambiguous"
    """A name several cities share (鼓楼区, 朝阳区) with no parent to tell them apart."""
    CONFLICT = "conflict"
    """Names that disagree (江苏省上海市, a hospital and a chain in different cities)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    """What a place text points at: one region code, or the problem that leaves none."""

    code: str | None = None
    problem: PlaceProblem | None = None


_NONE: Final = Place(problem=PlaceProblem.UNNAMED)
_AMBIGUOUS: Final = Place(problem=PlaceProblem.AMBIGUOUS)
_CONFLICT: Final = Place(problem=PlaceProblem.CONFLICT)
# Marks a listed hospital's name in the text: it ends a name the way a separator does.
_BLANK: Final = "|"
_SEPARATORS: Final[frozenset[str]] = frozenset(_BLANK + ",，、;；:：()（）[]【】-—/·.。")
# What follows a place's name when the whole is a street, road or estate (北京东路, 上海花园).
_STREET: Final[re.Pattern[str]] = re.compile(
    r"[东西南北中]?路|[东西南北中]?大?街|大道|巷|弄|花园|小区|新村|大厦|广场|公寓|家园"
)
_COUNTRY: Final[tuple[str, ...]] = ("中华人民共和国", "中国")
# An issuer such as 苏州市公安局吴江分局 names its district after the bureau.
_BUREAU, _BRANCH = "公安局", "分局"
_LOOKAHEAD: Final = 3

_Readings = tuple[tuple[str, NameForm], ...]


def resolve_place(table: RegionTable, text: str) -> Place:
    """Resolve a place text by its leading administrative chain and the hospitals it names.

    The chain is read from the start of the text, province → city → county,
    any level omitted (南通市崇川区…, 崇川区…, 江苏南通…); it ends at the first
    word that is not the next link, and nothing after it adds a place: a
    street, estate or building named after a place (上海路, 上海花园3幢)
    never names it. A county name several cities share is told apart only by
    its parent in the chain. A listed hospital anywhere in the text places
    it; the place names inside the hospital's name do not count.

    Args:
        table: The region table.
        text: The field value as read.

    Returns:
        The place, or its problem: nothing named, an ambiguous name, or names
        that disagree (a chain with a province not holding its city, a chain
        and a hospital in different cities, a hospital followed by another
        city's name such as a branch elsewhere).
    """
    compact = "".join(text.split())
    if _CODE.fullmatch(compact):
        return Place(code=compact)
    placed, compact = _take_hospitals(table, compact)
    codes = _read_chain(table, compact)
    if codes is not None and not codes:
        return _CONFLICT
    for end, following, code in placed:
        codes = _join(codes, code)
        if not codes or _names_elsewhere(table, compact[end:following], code):
            return _CONFLICT
    return _settle(codes) if codes else _NONE


def _take_hospitals(table: RegionTable, text: str) -> tuple[list[tuple[int, int, str]], str]:
    """Find the listed hospitals and blank their names out.

    Returns:
        ``(end, start of the next hospital or the text's end, region code)``
        for each hospital found, in text order, and the blanked text.
    """
    found: list[tuple[int, str]] = []
    spans: list[tuple[int, int]] = []
    for name, code in table.hospitals:
        at = text.find(name)
        while at >= 0:
            found.append((at, code))
            spans.append((at, at + len(name)))
            text = text[:at] + _BLANK * len(name) + text[at + len(name) :]
            at = text.find(name)
    order = sorted(zip(spans, (code for _, code in found), strict=True))
    starts = [start for (start, _), _ in order[1:]] + [len(text)]
    return [(end, nxt, code) for ((_, end), code), nxt in zip(order, starts, strict=False)], text


def _read_chain(table: RegionTable, text: str) -> frozenset[str] | None:
    """Read the leading chain: ``None`` when it names nothing, an empty set when it disagrees."""
    at = _skip(text, 0)
    for country in _COUNTRY:
        if text.startswith(country, at):
            at = _skip(text, at + len(country))
    state: frozenset[str] | None = None
    while at < len(text):
        step = _next_link(table, text, at, state)
        if step is None:
            break
        state, at = step
        if not state:
            return state
        at = _skip(text, at)
    if state and text.startswith(_BUREAU, at):
        return _branch_office(table, text, at + len(_BUREAU), state)
    return state


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in _SEPARATORS:
        at += 1
    return at


def _next_link(
    table: RegionTable, text: str, at: int, state: frozenset[str] | None
) -> tuple[frozenset[str], int] | None:
    """The longest name at ``at`` that stands as a name and links to the chain so far."""
    for name, readings in table.names_at(text, at):
        end = at + len(name)
        if not _stands(table, text, end, readings, _LOOKAHEAD):
            continue
        linked = _link(state, readings)
        if linked is not None:
            return linked, end
    return None


def _stands(table: RegionTable, text: str, end: int, readings: _Readings, depth: int) -> bool:
    """Tell whether a name ending at ``end`` stands for its place, not a street or an estate.

    A name stands at the end of the text, before a separator or a listed
    hospital, or before another name that stands. A full name (南京市)
    stands before anything but a street or estate word; a short one (南京,
    上海) only where it could not be part of a longer word (南京东路, 上海花园).
    """
    if end >= len(text) or text[end] in _SEPARATORS:
        return True
    if depth > 0 and any(
        _stands(table, text, end + len(name), more, depth - 1)
        for name, more in table.names_at(text, end)
    ):
        return True
    full = any(form is NameForm.FULL for _, form in readings)
    return full and not _STREET.match(text, end)


def _link(state: frozenset[str] | None, readings: _Readings) -> frozenset[str] | None:
    """Add a name to the chain.

    Returns:
        The chain's new codes; the same codes for a name of a region already
        in the chain (a parent repeated); an empty set when the name
        disagrees with the chain; ``None`` when the name is no link (a minor
        name that refines nothing: 和县 or 崇川 alone, 金山 after 浦东新区).
    """
    if state is None:
        starts = frozenset(code for code, form in readings if form is not NameForm.MINOR)
        return starts or None
    inner = frozenset(code for code, _ in readings if any(holds(s, code) for s in state))
    if inner:
        return inner
    if any(holds(code, s) for code, _ in readings for s in state):
        return state
    if all(form is NameForm.MINOR for _, form in readings):
        return None
    return frozenset()


def _branch_office(table: RegionTable, text: str, at: int, state: frozenset[str]) -> frozenset[str]:
    """Refine a chain by the district a public-security branch names (吴江分局)."""
    for name, readings in table.names_at(text, at):
        if text.startswith(_BRANCH, at + len(name)):
            inner = frozenset(code for code, _ in readings if any(holds(s, code) for s in state))
            if inner:
                return inner
    return state


def _join(codes: frozenset[str] | None, hospital: str) -> frozenset[str]:
    """Join a chain and a hospital's region: the finer where they agree, else an empty set."""
    if codes is None:
        return frozenset({hospital})
    if any(holds(code, hospital) for code in codes):
        return frozenset({hospital})
    return frozenset(code for code in codes if city_of(code) == city_of(hospital))


def _names_elsewhere(table: RegionTable, text: str, code: str) -> bool:
    """Tell whether text after a hospital names a place outside its city (扬州分院)."""
    for at in range(len(text)):
        for name, readings in table.names_at(text, at):
            if _STREET.match(text, at + len(name)):
                continue
            if not any(_related(other, code) for other, _ in readings):
                return True
    return False


def _related(one: str, other: str) -> bool:
    return holds(one, other) or holds(other, one) or city_of(one) == city_of(other)


def _settle(codes: frozenset[str]) -> Place:
    """One code for the chain's readings: the one holding all others, or their one city."""
    for code in codes:
        if all(holds(code, other) for other in codes):
            return Place(code=code)
    cities = {city_of(code) for code in codes}
    if len(cities) == 1:
        return Place(code=cities.pop())
    return _AMBIGUOUS
