"""Residence proofs: residence permit, household register pages, property certificate.

Every proof must point at the treatment city: the permit is issued there, the
household is registered there, the property lies there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ocr.domain import DocumentKind
from verifiers.codes import CheckCode
from verifiers.domain import CheckResult, Evidence, Outcome
from verifiers.evidence import CheckContext, check_place, read_date, read_field, ref
from verifiers.identity import compare_read_name
from verifiers.seals import check_seal

__all__ = ["check_household", "check_residence"]


def check_residence(ctx: CheckContext, evidence: Evidence) -> list[CheckResult]:
    """Run the residence-proof checks for one document (other kinds give nothing).

    Args:
        ctx: The check context.
        evidence: The document.

    Returns:
        Validity and place results for a residence permit, the place and seal
        results for a household-register front page, the seal result for its
        person page, the place result for a property certificate.
    """
    kind = evidence.reading.kind
    if kind is DocumentKind.RESIDENCE_PERMIT:
        return [
            _check_permit_valid(ctx, evidence),
            check_place(
                ctx, evidence, CheckCode.PERMIT_CITY, "address", "issuer", what="居住证签发地"
            ),
        ]
    if kind is DocumentKind.HUKOU_FRONT:
        return [
            check_place(ctx, evidence, CheckCode.HUKOU_CITY, "address", what="户籍登记地"),
            check_seal(ctx, evidence, CheckCode.HUKOU_SEAL, what="户口专用章"),
        ]
    if kind is DocumentKind.HUKOU_PERSON:
        return [check_seal(ctx, evidence, CheckCode.HUKOU_SEAL, what="户口专用章")]
    if kind is DocumentKind.PROPERTY_CERTIFICATE:
        return [check_place(ctx, evidence, CheckCode.PROPERTY_CITY, "address", what="房产坐落地")]
    return []


def _check_permit_valid(ctx: CheckContext, evidence: Evidence) -> CheckResult:
    code = CheckCode.PERMIT_VALID
    start, until = read_date(evidence, "valid_from"), read_date(evidence, "valid_until")
    refs = [ref(evidence, "valid_from"), ref(evidence, "valid_until")]
    facts = ctx.facts
    if until is None:
        return ctx.result(code, Outcome.UNSURE, "未能读出居住证有效期限", refs)
    if isinstance(until, date) and (until < facts.start_date or until < facts.filed_on):
        return ctx.result(code, Outcome.FAIL, f"居住证已于{until.isoformat()}过期", refs)
    if isinstance(start, date) and start > facts.start_date:
        return ctx.result(code, Outcome.FAIL, "备案开始日期早于居住证生效日期", refs)
    return ctx.result(code, Outcome.PASS, "居住证在备案开始日期有效", refs)


def check_household(ctx: CheckContext, pages: Sequence[Evidence]) -> list[CheckResult]:
    """Check the household-register front page and person page belong to one household.

    The person page being the applicant's own is checked by the identity
    checks (name and ID number). The two pages are linked by the household
    number (户号) when both print it; otherwise, when the person page says the
    applicant is the head of household (户主), by the head's name on the front
    page. Without either link a person decides.

    Args:
        ctx: The check context.
        pages: Every household-register page of the filing (front and person pages).

    Returns:
        One result, or nothing when the filing lacks either page.
    """
    fronts = [e for e in pages if e.reading.kind is DocumentKind.HUKOU_FRONT]
    persons = [e for e in pages if e.reading.kind is DocumentKind.HUKOU_PERSON]
    if not fronts or not persons:
        return []
    code = CheckCode.HUKOU_HOUSEHOLD
    numbers = [read_field(e, "household_number") for e in (*fronts, *persons)]
    if all(n is not None for n in numbers):
        refs = [ref(e, "household_number") for e in (*fronts, *persons)]
        values = {"".join(n.value.split()) for n in numbers if n is not None}
        if len(values) > 1:
            return [
                ctx.result(code, Outcome.FAIL, "户口簿首页与本人页户号不一致，不属于同一户", refs)
            ]
        return [ctx.result(code, Outcome.PASS, "户口簿首页与本人页户号一致", refs)]
    return [_link_by_head(ctx, fronts, persons)]


def _link_by_head(
    ctx: CheckContext, fronts: Sequence[Evidence], persons: Sequence[Evidence]
) -> CheckResult:
    code = CheckCode.HUKOU_HOUSEHOLD
    refs = [ref(e, "household_head") for e in fronts] + [ref(e, "relation") for e in persons]
    relations = [read_field(e, "relation") for e in persons]
    heads = [read_field(e, "household_head") for e in fronts]
    if any(r is None or r.value.strip() != "户主" for r in relations) or any(
        h is None for h in heads
    ):
        return ctx.result(code, Outcome.UNSURE, "无法核对户口簿首页与本人页是否同一户", refs)
    outcomes = {compare_read_name(ctx.facts.applicant_name, h) for h in heads if h is not None}
    if Outcome.FAIL in outcomes:
        return ctx.result(code, Outcome.FAIL, "户口簿首页的户主不是申请人，不属于同一户", refs)
    if Outcome.UNSURE in outcomes:
        return ctx.result(code, Outcome.UNSURE, "户口簿首页的户主姓名不清晰，请人工核对", refs)
    return ctx.result(code, Outcome.PASS, "申请人为户主，户口簿首页与本人页属于同一户", refs)
