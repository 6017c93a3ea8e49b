"""Work proofs: the employer's dispatch letter and a labor contract for work there."""

from __future__ import annotations

from datetime import date

from ocr.domain import DocumentKind
from verifiers.codes import CheckCode
from verifiers.domain import CheckResult, Evidence, Outcome
from verifiers.evidence import CheckContext, check_place, check_recent, read_date, ref
from verifiers.seals import check_seal

__all__ = ["check_work"]


def check_work(ctx: CheckContext, evidence: Evidence) -> list[CheckResult]:
    """Run the work-proof checks for one document (other kinds give nothing).

    A dispatch letter must send the applicant to the treatment city, be recent
    (the pack's months, 6 by default) and carry the employer's seal. A labor
    contract must give a work place in the treatment city and run on the
    start date.

    Args:
        ctx: The check context.
        evidence: The document.

    Returns:
        The results that apply.
    """
    kind = evidence.reading.kind
    if kind is DocumentKind.DISPATCH_LETTER:
        months = ctx.pack.thresholds.dispatch_max_age_months
        return [
            check_place(ctx, evidence, CheckCode.DISPATCH_CITY, "destination", what="派往工作地"),
            check_recent(
                ctx, evidence, CheckCode.DISPATCH_RECENT, max_months=months, what="派出证明"
            ),
            check_seal(ctx, evidence, CheckCode.DISPATCH_SEAL, what="单位公章"),
        ]
    if kind is DocumentKind.LABOR_CONTRACT:
        return [
            check_place(ctx, evidence, CheckCode.CONTRACT_PLACE, "work_place", what="工作地点"),
            _check_contract_term(ctx, evidence),
        ]
    return []


def _check_contract_term(ctx: CheckContext, evidence: Evidence) -> CheckResult:
    code = CheckCode.CONTRACT_VALID
    until = read_date(evidence, "valid_until")
    refs = [ref(evidence, "valid_until")]
    if until is None:
        return ctx.result(code, Outcome.UNSURE, "未能读出劳动合同期限", refs)
    if isinstance(until, date) and until < max(ctx.facts.start_date, ctx.facts.filed_on):
        return ctx.result(code, Outcome.FAIL, f"劳动合同已于{until.isoformat()}到期", refs)
    return ctx.result(code, Outcome.PASS, "劳动合同在备案开始日期有效", refs)
