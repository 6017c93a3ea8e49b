"""Resolving a place text (address, issuer, destination) by its leading administrative chain.

The chain is read from the start of the text, province → city → county, any
level omitted; a street, estate or building named after a place never names
it, a county name several cities share needs its parent, and names that
disagree leave no place. A listed designated hospital anywhere in the text
places it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from verifiers.divisions import NameForm, city_of, holds

if TYPE_CHECKING:
    from verifiers.regions import RegionTable

__all__ = ["Place", "PlaceProblem", "resolve_place"]

_CODE: Final[re.Pattern[str]] = re.compile(r"\d{6}")


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
