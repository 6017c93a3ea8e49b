"""Reading evidence for the checks: fields, dates, places and result building.

Seals have their own module, :mod:`verifiers.seals`.

Every check family works through a :class:`CheckContext` (the filing facts,
the chosen pack and the region table) and these few functions, so the
thresholds and the "when in doubt, unsure" habits live in one place.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

from ocr.domain import Field
from verifiers.codes import CheckCode
from verifiers.domain import CheckResult, Evidence, EvidenceRef, FilingFacts, Outcome
from verifiers.policy import PolicyPack
from verifiers.regions import PlaceProblem, RegionTable, city_of, holds, is_within

__all__ = [
    "OPEN_ENDED",
    "CheckContext",
    "add_months",
    "check_place",
    "read_date",
    "read_field",
    "ref",
]

OPEN_ENDED: Final[frozenset[str]] = frozenset({"长期", "长期有效", "无固定期限", "永久"})


def add_months(day: date, months: int) -> date:
    """Add calendar months, clamping to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckContext:
    """What every check may consult besides the evidence."""

    facts: FilingFacts
    pack: PolicyPack
    regions: RegionTable

    def result(
        self,
        code: CheckCode,
        outcome: Outcome,
        message: str,
        evidence: Iterable[EvidenceRef] = (),
    ) -> CheckResult:
        """Build a check result, blocking unless the pack makes the code advisory."""
        return CheckResult(
            code=code.value,
            outcome=outcome,
            message=message,
            evidence=tuple(evidence),
            blocking=self.pack.is_blocking(code),
        )

    def is_confident(self, found: Field) -> bool:
        return found.confidence >= self.pack.thresholds.field_confidence_min

    def treatment_name(self) -> str:
        return self.regions.name_of(self.facts.treatment_region)


def ref(evidence: Evidence, field: str | None = None) -> EvidenceRef:
    """Point at a document (and optionally one of its fields) as evidence."""
    found = evidence.reading.fields.get(field) if field else None
    return EvidenceRef(
        document_id=evidence.document_id,
        page=evidence.page,
        kind=evidence.reading.kind.value,
        field=field,
        value=found.value if found else None,
        box=found.box if found else evidence.reading.box,
    )


def read_field(evidence: Evidence, name: str) -> Field | None:
    """Return a field with a non-blank value, or ``None``."""
    found = evidence.reading.fields.get(name)
    if found is None or not found.value.strip():
        return None
    return found


def read_date(evidence: Evidence, name: str) -> date | str | None:
    """Read an ISO date field.

    Returns:
        The date; the text ``"open"`` for 长期 / 无固定期限; ``None`` when the
        field is missing or not a date.
    """
    found = read_field(evidence, name)
    if found is None:
        return None
    text = "".join(found.value.split())
    if text in OPEN_ENDED:
        return "open"
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def check_place(
    ctx: CheckContext, evidence: Evidence, code: CheckCode, *names: str, what: str
) -> CheckResult:
    """Check that every place the given fields name lies in the treatment city.

    Each field is resolved by its leading administrative chain (see
    :func:`verifiers.regions.resolve_place`): a street or estate named after
    a place never names it.

    Args:
        ctx: The check context.
        evidence: The document.
        code: The check code to report under.
        *names: The place fields to read (address, issuer, destination ...).
        what: The Chinese name of the place, used in the message (e.g. 居住证签发地).

    Returns:
        ``pass`` when at least one field names a known place and all named
        places lie in the treatment city; ``fail`` when one lies elsewhere;
        ``unsure`` when no field names a place, a field's names disagree or
        are ambiguous, the fields disagree, or only the province is named.
    """
    treatment, region = ctx.treatment_name(), ctx.facts.treatment_region
    refs = [ref(evidence, name) for name in names if read_field(evidence, name)] or [ref(evidence)]
    named, problem = _places_named(ctx, evidence, names)
    if problem is not None:
        return ctx.result(code, Outcome.UNSURE, f"{what}{problem}，请人工核对", refs)
    if not named:
        return ctx.result(code, Outcome.UNSURE, f"未能读出{what}，请人工核对", refs)
    elsewhere = sorted(place for place in named if not is_within(place, region))
    if elsewhere and len({city_of(place) for place in named}) > 1:
        return ctx.result(code, Outcome.UNSURE, f"{what}涉及多个地名，请人工核对", refs)
    if elsewhere and _is_province_of(elsewhere[0], region):
        return ctx.result(code, Outcome.UNSURE, f"{what}只写明省份，请人工核对", refs)
    if elsewhere:
        other = ctx.regions.city_and_name_of(elsewhere[0])
        return ctx.result(code, Outcome.FAIL, f"{what}为{other}，不在就医地{treatment}", refs)
    return ctx.result(code, Outcome.PASS, f"{what}在就医地{treatment}", refs)


_PLACE_PROBLEMS: Final[dict[PlaceProblem, str]] = {
    PlaceProblem.CONFLICT: "中的地名相互矛盾",
    PlaceProblem.AMBIGUOUS: "中的区县名多地同名、未写明所属城市",
}


def _places_named(
    ctx: CheckContext, evidence: Evidence, names: tuple[str, ...]
) -> tuple[set[str], str | None]:
    """Resolve each field: the regions named (a province dropped for a city in it) or a problem."""
    named: set[str] = set()
    for name in names:
        found = read_field(evidence, name)
        place = ctx.regions.resolve(found.value) if found is not None else None
        if place is not None and place.problem in _PLACE_PROBLEMS:
            return named, _PLACE_PROBLEMS[place.problem]
        if place is not None and place.code is not None:
            named.add(place.code)
    return {c for c in named if not any(c != o and holds(c, o) for o in named)}, None


def _is_province_of(place: str, region: str) -> bool:
    return place.endswith("0000") and place[:2] == region[:2]


def check_recent(
    ctx: CheckContext, evidence: Evidence, code: CheckCode, *, max_months: int, what: str
) -> CheckResult:
    """Check that a document's date lies within ``max_months`` before the filing day.

    Args:
        ctx: The check context (``filed_on`` is the day judged).
        evidence: The document, whose ``date`` field is read.
        code: The check code to report under.
        max_months: How old the document may be.
        what: The document's Chinese name for the message.

    Returns:
        ``pass`` inside the window; ``fail`` when older or dated after the
        filing day; ``unsure`` when the date cannot be read.
    """
    issued = read_date(evidence, "date")
    refs = [ref(evidence, "date")]
    if not isinstance(issued, date):
        return ctx.result(code, Outcome.UNSURE, f"未能读出{what}的出具日期", refs)
    filed_on = ctx.facts.filed_on
    if issued > filed_on:
        return ctx.result(code, Outcome.FAIL, f"{what}的出具日期晚于备案日期", refs)
    if add_months(issued, max_months) < filed_on:
        message = f"{what}出具于{issued.isoformat()}，已超过{max_months}个月"
        return ctx.result(code, Outcome.FAIL, message, refs)
    return ctx.result(code, Outcome.PASS, f"{what}出具于{issued.isoformat()}，在有效期内", refs)
