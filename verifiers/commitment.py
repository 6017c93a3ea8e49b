"""Commitment filing (承诺制): who may use it and whether the letter is signed.

A long-term applicant without proof may sign a personal commitment letter
instead; the filing is then provisional for the pack's days (15). It is not
for multi-city filing, and once a commitment lapsed without proof the person
may not use it again. Yangzhou also wants the contact address to be the
detailed address in the treatment city.
"""

from __future__ import annotations

from ocr.domain import DocumentKind
from verifiers.codes import CheckCode
from verifiers.domain import CheckResult, Evidence, Outcome
from verifiers.evidence import CheckContext, read_field, ref
from verifiers.regions import is_within

__all__ = ["check_commitment_filing", "check_commitment_letter"]


def check_commitment_filing(ctx: CheckContext) -> list[CheckResult]:
    """Check the filing may use commitment instead of proof.

    Args:
        ctx: The check context.

    Returns:
        Results for the type, multi-city, once-only and (where the pack asks)
        contact-address rules.
    """
    facts, rules = ctx.facts, ctx.pack.commitment
    results = [
        _rule(
            ctx,
            CheckCode.COMMITMENT_ALLOWED,
            ok=facts.filing_type in rules.allowed_types,
            passed="该备案类型可使用承诺制",
            failed="该备案类型不可使用承诺制备案，请提供证明材料",
        ),
        _rule(
            ctx,
            CheckCode.COMMITMENT_MULTI_CITY,
            ok=rules.multi_city_allowed or not facts.other_long_term_regions,
            passed="非多地备案",
            failed="申请多地备案时不可使用承诺制备案，需提供有效证明材料",
        ),
        _rule(
            ctx,
            CheckCode.COMMITMENT_ONCE,
            ok=not (rules.once_only and facts.used_commitment_before),
            passed="此前未使用过承诺制备案",
            failed="曾有承诺制备案未按期补齐材料，不再享受承诺制备案服务",
        ),
    ]
    if rules.contact_address_in_treatment_region:
        results.append(_check_contact_address(ctx))
    return results


def _rule(ctx: CheckContext, code: CheckCode, *, ok: bool, passed: str, failed: str) -> CheckResult:
    return ctx.result(code, Outcome.PASS if ok else Outcome.FAIL, passed if ok else failed)


def _check_contact_address(ctx: CheckContext) -> CheckResult:
    code = CheckCode.COMMITMENT_CONTACT
    address = (ctx.facts.contact_address or "").strip()
    if not address:
        return ctx.result(code, Outcome.FAIL, "承诺制备案须填写就医地详细居住地址")
    place = ctx.regions.find(address)
    if place is None:
        return ctx.result(code, Outcome.UNSURE, "未能识别联系人地址所在地，请人工核对")
    if not is_within(place, ctx.facts.treatment_region):
        return ctx.result(
            code, Outcome.FAIL, "联系人地址不在就医地，承诺制备案须填写异地详细居住地址"
        )
    return ctx.result(code, Outcome.PASS, "联系人地址在就医地")


def check_commitment_letter(ctx: CheckContext, evidence: Evidence) -> list[CheckResult]:
    """Check a commitment letter is signed (the name is an identity check).

    Args:
        ctx: The check context.
        evidence: The document.

    Returns:
        The signature result for a commitment letter; nothing for other kinds.
    """
    if evidence.reading.kind is not DocumentKind.COMMITMENT_LETTER:
        return []
    code = CheckCode.COMMITMENT_SIGNED
    signature = read_field(evidence, "signature")
    refs = [ref(evidence, "signature")]
    if signature is None:
        return [ctx.result(code, Outcome.FAIL, "承诺书未签名", refs)]
    if not ctx.is_confident(signature):
        return [ctx.result(code, Outcome.UNSURE, "承诺书签名不清晰，请人工核对", refs)]
    return [ctx.result(code, Outcome.PASS, "承诺书已签名", refs)]
