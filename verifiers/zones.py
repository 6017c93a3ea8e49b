"""Where a filing may point: the pooling area, filing-free zones and the multi-city limit."""

from __future__ import annotations

from verifiers.codes import CheckCode
from verifiers.domain import LONG_TERM_TYPES, CheckResult, Outcome
from verifiers.evidence import CheckContext
from verifiers.policy import FilingFreeZone, PolicyPack
from verifiers.regions import RegionTable, city_of, holds, is_within

__all__ = [
    "check_filing_free",
    "check_multi_city",
    "find_filing_free_zone",
    "is_filing_free",
    "pooling_area_of",
]


def pooling_area_of(code: str, pack: PolicyPack) -> str:
    """Return the pooling area (统筹区) a region lies in, by the pack's pooling rules.

    Args:
        code: A 6-digit region code.
        pack: The insured region's pack.

    Returns:
        The most specific of the pack's own pooling areas holding ``code``;
        else the region's city (a municipality as a whole) or, at county
        level, the region itself. A county-level city directly under its
        province (仙桃市 ``429004``) is always its own pooling area.
    """
    own = [area for area in pack.pooling.areas if holds(area, code)]
    if own:
        return max(own, key=lambda area: (not area.endswith("0000"), not area.endswith("00")))
    if pack.pooling.level == "county" or code[2:4] == "90":
        return code
    return city_of(code)


def find_filing_free_zone(
    insured_region: str,
    treatment_region: str,
    pack: PolicyPack,
    *,
    regions: RegionTable | None = None,
) -> FilingFreeZone | None:
    """Find why treatment there needs no filing: the same pooling area, or a filing-free zone.

    Args:
        insured_region: Where the person is insured (e.g. Wujiang ``320509``).
        treatment_region: Where they are treated (e.g. Qingpu ``310118``, Gusu ``320508``).
        pack: The insured region's pack.
        regions: The region table, to name the pooling area (参保地统筹区（苏州市）).

    Returns:
        The zone (the pooling area itself when both regions lie in it), or
        ``None`` when a filing is needed.
    """
    area = pooling_area_of(insured_region, pack)
    if area == pooling_area_of(treatment_region, pack):
        name = f"参保地统筹区（{regions.name_of(area)}）" if regions else "参保地统筹区"
        return FilingFreeZone(name=name, treatment_regions=(area,), insured_regions=(area,))
    for zone in pack.filing_free_zones:
        insured = zone.insured_regions or pack.regions
        if not any(holds(code, insured_region) for code in insured):
            continue
        if any(holds(code, treatment_region) for code in zone.treatment_regions):
            return zone
    return None


def is_filing_free(insured_region: str, treatment_region: str, pack: PolicyPack) -> bool:
    """Tell whether treatment there needs no filing (Wujiang insured treated in Shanghai or Gusu).

    Args:
        insured_region: Where the person is insured.
        treatment_region: Where they are treated.
        pack: The insured region's pack.

    Returns:
        ``True`` inside the insured person's pooling area or one of the pack's
        filing-free zones.
    """
    return find_filing_free_zone(insured_region, treatment_region, pack) is not None


def check_filing_free(ctx: CheckContext) -> list[CheckResult]:
    """Tell the applicant when no filing is needed (advisory by default)."""
    facts = ctx.facts
    zone = find_filing_free_zone(
        facts.insured_region, facts.treatment_region, ctx.pack, regions=ctx.regions
    )
    if zone is None:
        return []
    return [ctx.result(CheckCode.FILING_FREE, Outcome.PASS, f"{zone.name}：可免备案直接结算")]


def check_multi_city(ctx: CheckContext) -> list[CheckResult]:
    """Check a long-term filing stays within the pack's limit of long-term cities.

    Args:
        ctx: The check context.

    Returns:
        One result for long-term types; nothing for temporary ones.
    """
    facts = ctx.facts
    if facts.filing_type not in LONG_TERM_TYPES:
        return []
    others = {
        city_of(code)
        for code in facts.other_long_term_regions
        if not is_within(code, facts.treatment_region)
    }
    limit = ctx.pack.max_long_term_cities
    if len(others) + 1 > limit:
        message = f"长期异地居住最多可备案{limit}个城市，已达上限"
        return [ctx.result(CheckCode.MULTI_CITY, Outcome.FAIL, message)]
    return [ctx.result(CheckCode.MULTI_CITY, Outcome.PASS, f"长期备案城市数未超过{limit}个")]
