"""Where a filing may point: filing-free zones and the multi-city limit."""

from __future__ import annotations

from verifiers.codes import CheckCode
from verifiers.domain import LONG_TERM_TYPES, CheckResult, Outcome
from verifiers.evidence import CheckContext
from verifiers.policy import FilingFreeZone, PolicyPack
from verifiers.regions import city_of, is_within

__all__ = ["check_filing_free", "check_multi_city", "find_filing_free_zone", "is_filing_free"]


def find_filing_free_zone(
    insured_region: str, treatment_region: str, pack: PolicyPack
) -> FilingFreeZone | None:
    """Find the pack's filing-free zone covering this insured and treatment region.

    Args:
        insured_region: Where the person is insured (e.g. Wujiang ``320509``).
        treatment_region: Where they are treated (e.g. Qingpu ``310118``).
        pack: The insured region's pack.

    Returns:
        The zone, or ``None`` when a filing is needed.
    """
    for zone in pack.filing_free_zones:
        insured = zone.insured_regions or pack.regions
        if not any(_contains(code, insured_region) for code in insured):
            continue
        if any(_contains(code, treatment_region) for code in zone.treatment_regions):
            return zone
    return None


def is_filing_free(insured_region: str, treatment_region: str, pack: PolicyPack) -> bool:
    """Tell whether treatment there needs no filing (e.g. Wujiang insured treated in Shanghai).

    Args:
        insured_region: Where the person is insured.
        treatment_region: Where they are treated.
        pack: The insured region's pack.

    Returns:
        ``True`` inside one of the pack's filing-free zones.
    """
    return find_filing_free_zone(insured_region, treatment_region, pack) is not None


def _contains(zone_code: str, code: str) -> bool:
    """A zone code holds a code: same code, or a city or province holding it."""
    if zone_code == code:
        return True
    if zone_code.endswith("0000"):
        return code[:2] == zone_code[:2]
    if zone_code.endswith("00"):
        return code[:4] == zone_code[:4]
    return False


def check_filing_free(ctx: CheckContext) -> list[CheckResult]:
    """Tell the applicant when no filing is needed (advisory by default)."""
    facts = ctx.facts
    zone = find_filing_free_zone(facts.insured_region, facts.treatment_region, ctx.pack)
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
