"""The entry point: filing facts and evidence in, a verdict out.

``verify_filing`` is the one code path the service, the bulk re-verification
job and ``intake verify`` share. It is pure: every date is in the facts, and
nothing is read or written besides the bundled region table (loaded once).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence

from ocr.domain import DocumentKind, PageReading
from verifiers.codes import CheckCode
from verifiers.commitment import check_commitment_filing, check_commitment_letter
from verifiers.dates import check_start_date
from verifiers.decision import Key, decide
from verifiers.domain import CheckResult, DuplicateHit, Evidence, FilingFacts, Outcome, Verdict
from verifiers.duplicates import check_duplicates
from verifiers.errors import UnknownFilingTypeError
from verifiers.evidence import CheckContext, ref
from verifiers.identity import check_applicant_id_number, check_identity
from verifiers.materials import check_materials, plan_materials
from verifiers.policy import PolicyBook, PolicyPack
from verifiers.referral import check_referral
from verifiers.regions import RegionTable, load_region_table
from verifiers.residence import check_household, check_residence
from verifiers.work import check_work
from verifiers.zones import check_filing_free, check_multi_city

__all__ = ["evidence_from_page", "verify_filing"]

_DOCUMENT_FAMILIES = (check_identity, check_residence, check_work, check_referral)


@functools.cache
def _bundled_regions() -> RegionTable:
    return load_region_table()


def verify_filing(
    facts: FilingFacts,
    evidence: Sequence[Evidence],
    *,
    book_or_pack: PolicyBook | PolicyPack,
    duplicates: Sequence[DuplicateHit] = (),
) -> Verdict:
    """Verify one filing against its policy pack.

    Args:
        facts: What the filing declares; ``filed_on`` is the day every date rule is judged on.
        evidence: Every document found on the filing's pages (one item per document per page).
        book_or_pack: The policy book (the pack is chosen by the insured region)
            or one pack to apply.
        duplicates: Pages of other applicants' filings with the same or a near
            image hash, found by the caller.

    Returns:
        The verdict.

    Raises:
        UnknownFilingTypeError: The pack has no rules for ``facts.filing_type``.
    """
    if isinstance(book_or_pack, PolicyBook):
        pack, regions = book_or_pack.for_region(facts.insured_region), book_or_pack.regions
    else:
        pack, regions = book_or_pack, _bundled_regions()
    rules = pack.rules_for(facts.filing_type)
    if rules is None:
        raise UnknownFilingTypeError(facts.filing_type, policy=pack.id)
    ctx = CheckContext(facts=facts, pack=pack, regions=regions)
    plan = plan_materials(facts, rules=rules, pack=pack, evidence=evidence)
    relevant = plan.kinds | {DocumentKind.ID_CARD_BACK}
    filing_checks = [
        check_applicant_id_number(ctx),
        check_start_date(ctx),
        *check_multi_city(ctx),
        *check_filing_free(ctx),
        *check_materials(ctx, plan),
    ]
    if plan.commitment_used:
        filing_checks.extend(check_commitment_filing(ctx))
    relevant_items = [e for e in evidence if e.reading.kind in relevant]
    filing_checks.extend(check_household(ctx, relevant_items))
    document_checks: dict[Key, list[CheckResult]] = {}
    for item in evidence:
        filing_checks.extend(check_duplicates(ctx, item, duplicates))
        if item.reading.kind in relevant:
            document_checks[item.key] = _check_document(ctx, item)
        elif item.reading.kind is DocumentKind.UNKNOWN:
            unknown = ctx.result(
                CheckCode.DOCUMENT_KIND, Outcome.UNSURE, "未能识别的材料，请人工核对", [ref(item)]
            )
            document_checks[item.key] = [dataclasses.replace(unknown, blocking=False)]
    checks = [c for c in filing_checks if pack.is_enabled(CheckCode(c.code))]
    return decide(
        ctx,
        plan=plan,
        evidence=evidence,
        document_checks={
            key: [c for c in found if pack.is_enabled(CheckCode(c.code))]
            for key, found in document_checks.items()
        },
        filing_checks=checks,
    )


def evidence_from_page(
    document_id: str, reading: PageReading, *, image_sha256: str = "", phash: str = ""
) -> list[Evidence]:
    """Turn one page reading into evidence items, one per document found on the page.

    This is the bridge ``intake verify`` and the pipeline use between a cached
    :class:`~ocr.domain.PageReading` and :func:`verify_filing`.

    Args:
        document_id: The uploaded document the page belongs to (a file name in the CLI).
        reading: The page's reading.
        image_sha256: The page image's SHA-256, to find the same photo elsewhere.
        phash: The page image's perceptual hash, to find near-copies.

    Returns:
        The evidence items, in reading order.
    """
    return [
        Evidence(
            document_id=document_id,
            page=reading.page,
            reading=document,
            quality=reading.quality,
            image_sha256=image_sha256,
            phash=phash,
        )
        for document in reading.documents
    ]


def _check_document(ctx: CheckContext, item: Evidence) -> list[CheckResult]:
    results = [_check_quality(ctx, item), _check_kind(ctx, item)]
    for family in _DOCUMENT_FAMILIES:
        results.extend(family(ctx, item))
    results.extend(check_commitment_letter(ctx, item))
    return results


def _check_quality(ctx: CheckContext, item: Evidence) -> CheckResult:
    if item.quality.ok:
        return ctx.result(CheckCode.PAGE_QUALITY, Outcome.PASS, "图片质量合格", [ref(item)])
    problems = "；".join(p.message for p in item.quality.problems)
    return ctx.result(
        CheckCode.PAGE_QUALITY, Outcome.UNSURE, f"图片质量不佳：{problems}", [ref(item)]
    )


def _check_kind(ctx: CheckContext, item: Evidence) -> CheckResult:
    if item.reading.kind_confidence >= ctx.pack.thresholds.kind_confidence_min:
        return ctx.result(CheckCode.DOCUMENT_KIND, Outcome.PASS, "材料类型识别可靠", [ref(item)])
    return ctx.result(
        CheckCode.DOCUMENT_KIND, Outcome.UNSURE, "材料类型识别不确定，请人工核对", [ref(item)]
    )
