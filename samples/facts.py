"""What a document says, decided before it is drawn.

Callers building whole filings choose the facts (a wrong name, an expired
permit, a letter to the wrong city, no seal); everything they leave out gets
a sensible default drawn from the person and the random source, valid as of
the reference day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from samples.people import (
    CITIES,
    City,
    District,
    Employer,
    Hospital,
    Person,
    find_city,
    make_address,
    make_employer,
)

Day = date

__all__ = ["REFERENCE_DATE", "Facts", "cn_date", "dot_date", "resolve_facts"]

REFERENCE_DATE: Final = date(2025, 6, 1)
"""The day sample documents are valid on unless a caller says otherwise."""

_DIAGNOSES: Final = (
    "肺恶性肿瘤",
    "冠状动脉粥样硬化性心脏病",
    "慢性肾功能衰竭",
    "乳腺恶性肿瘤",
    "脑梗死",
    "急性白血病",
    "肝硬化",
    "先天性心脏病",
    "甲状腺恶性肿瘤",
    "腰椎间盘突出症",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """Everything one document prints about its person, place and dates."""

    person: Person
    name: str
    id_number: str
    city: City
    """The place the proof points at (treatment region, work place, residence)."""
    district: District
    local_address: str
    """A street address in :attr:`city`."""
    issued: Day
    valid_until: Day | None
    """``None`` prints as 长期 (no expiry)."""
    date: Day
    seal: bool
    signed: bool
    employer: Employer
    hospital: Hospital
    """The referring hospital, in the person's home city."""
    destination_hospital: Hospital
    diagnosis: str
    today: Day
    seal_text: str | None = None
    """A stamp that is not the issuer's own (another unit's seal), or ``None``."""


def cn_date(day: date) -> str:
    """``2025年3月1日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def dot_date(day: date) -> str:
    """``2025.03.01``, as cards print it."""
    return f"{day:%Y.%m.%d}"


def id_card_validity(birth: date, issued: date) -> date | None:
    """GB 11643 validity: 5 years under 16, 10 to 25, 20 to 45, then long-term."""
    age = issued.year - birth.year - ((issued.month, issued.day) < (birth.month, birth.day))
    years = 5 if age < 16 else 10 if age < 26 else 20 if age < 46 else None
    if years is None:
        return None
    return _add_years(issued, years)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _pick_city(rng: random.Random, person: Person) -> City:
    others = [c for c in CITIES if c.code != person.city.code]
    return rng.choice(others)


def resolve_facts(
    person: Person,
    rng: random.Random,
    *,
    kind: str,
    name: str | None = None,
    id_number: str | None = None,
    city: str | None = None,
    destination: str | None = None,
    issued: date | None = None,
    valid_until: date | str | None = None,
    on: date | None = None,
    seal: bool = True,
    signed: bool = True,
    today: date = REFERENCE_DATE,
    seal_text: str | None = None,
) -> Facts:
    """Fill in every fact the caller did not choose.

    Args:
        person: Whose document it is.
        rng: The random source.
        kind: The document kind (ID cards default their dates from the birth date).
        name: The printed name (default the person's; pass another for a wrong-name defect).
        id_number: The printed ID number (default the person's).
        city: Where the proof points: a city code or name (default another city than home).
        destination: Same as ``city``; a referral's destination city.
        issued: Issue / start date.
        valid_until: End of validity; ``"长期"`` for none.
        on: The document's own date (letters, forms).
        seal: Whether the document is stamped.
        signed: Whether it is signed by hand.
        today: The reference day defaults are valid on.
        seal_text: Stamp another unit's seal, with this text, instead of the issuer's.

    Returns:
        The complete facts.
    """
    place = destination or city
    target = find_city(place) if place else _pick_city(rng, person)
    district = rng.choice(target.districts)
    issued, until = _validity(
        kind, person, rng, issued=issued, valid_until=valid_until, today=today
    )
    doc_date = on or today - timedelta(days=rng.randint(3, 40))
    home_hospitals = [h for h in person.city.hospitals if "二级" not in h.grade] or list(
        person.city.hospitals
    )
    return Facts(
        person=person,
        name=name or person.name,
        id_number=id_number or person.id_number,
        city=target,
        district=district,
        local_address=make_address(rng, target, district),
        issued=issued,
        valid_until=until,
        date=doc_date,
        seal=seal,
        signed=signed,
        employer=person.employer if kind != "labor_contract" else make_employer(rng, target),
        hospital=rng.choice(home_hospitals),
        destination_hospital=rng.choice(target.hospitals),
        diagnosis=rng.choice(_DIAGNOSES),
        today=today,
        seal_text=seal_text,
    )


def _validity(
    kind: str,
    person: Person,
    rng: random.Random,
    *,
    issued: date | None,
    valid_until: date | str | None,
    today: date,
) -> tuple[date, date | None]:
    explicit_long = isinstance(valid_until, str)
    until = None if isinstance(valid_until, str) else valid_until
    if kind in {"id_card_front", "id_card_back"}:
        if issued is None:
            earliest = max(
                person.birth_date + timedelta(days=16 * 365), today - timedelta(days=9 * 365)
            )
            issued = earliest + timedelta(days=rng.randint(0, max(1, (today - earliest).days - 30)))
        if until is None and not explicit_long:
            until = id_card_validity(person.birth_date, issued)
        return issued, until
    if kind == "residence_permit":
        issued = issued or today - timedelta(days=rng.randint(20, 300))
        if until is None and not explicit_long:
            until = _add_years(issued, 1) - timedelta(days=1)
        return issued, until
    if kind in {"labor_contract", "dispatch_letter"}:
        issued = issued or today - timedelta(days=rng.randint(30, 500))
        if until is None and not explicit_long:
            until = _add_years(issued, rng.choice((1, 2, 3, 3, 5))) - timedelta(days=1)
        return issued, until
    issued = issued or today - timedelta(days=rng.randint(60, 3000))
    return issued, until
