"""Referral forms: stamped by the referring hospital, recent, destination in the treatment city."""

from __future__ import annotations

from ocr.domain import DocumentKind
from verifiers.codes import CheckCode
from verifiers.domain import CheckResult, Evidence
from verifiers.evidence import CheckContext, check_place, check_recent
from verifiers.seals import check_seal

__all__ = ["check_referral"]


def check_referral(ctx: CheckContext, evidence: Evidence) -> list[CheckResult]:
    """Run the referral-form checks for one document (other kinds give nothing).

    Args:
        ctx: The check context.
        evidence: The document.

    Returns:
        Seal, recency and destination results for a referral form.
    """
    if evidence.reading.kind is not DocumentKind.REFERRAL_FORM:
        return []
    months = ctx.pack.thresholds.referral_max_age_months
    return [
        check_seal(ctx, evidence, CheckCode.REFERRAL_SEAL, what="转出医院或其医保办印章"),
        check_recent(ctx, evidence, CheckCode.REFERRAL_RECENT, max_months=months, what="转诊单"),
        check_place(ctx, evidence, CheckCode.REFERRAL_DESTINATION, "destination", what="转往地"),
    ]
