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
from verifiers.domain import (
    CheckResult,
    DuplicateHit,
    Evidence,
    FilingFacts,
    Outcome,
    UnreadDocument,
    Verdict,
)
from verifiers.duplicates import check_duplicates
from verifiers.errors import UnknownFilingTypeError
from verifiers.evidence import CheckContext, ref
from verifiers.identity import check_applicant_id_number, check_identity
from verifiers.materials import check_materials, plan_materials
from verifiers.policy import PolicyBook, PolicyPack
from verifiers.provenance import check_born_digital, check_text_layers
from verifiers.referral import check_referral
from verifiers.regions import RegionTable, load_region_table
from verifiers.residence import check_household, check_residence
from verifiers.unreadable import check_unread
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
    unread: Sequence[UnreadDocument] = (),
) -> Verdict:
    """Verify one filing against its policy pack.

    Args:
        facts: What the filing declares; ``filed_on`` is the day every date rule is judged on.
        evidence: Every document found on the filing's pages (one item per document per page).
        book_or_pack: The policy book (the pack is chosen by the insured region)
            or one pack to apply.
        duplicates: Pages of other applicants' filings with the same or a near
            image hash, found by the caller.
        unread: Documents and pages of this filing that gave no evidence (a
            failed analysis, no reading, nothing found on the page). Each is a
            blocking ``document.unreadable`` check no pack can disable, and the
            filing goes to a person even when a material group looks missing.

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
        *check_text_layers(ctx, evidence),
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
    checks.extend(check_unread(unread))
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
            source=reading.source,
            text_layer=reading.text_layer,
        )
        for document in reading.documents
    ]


def _check_document(ctx: CheckContext, item: Evidence) -> list[CheckResult]:
    results = [_check_kind(ctx, item)]
    for family in _DOCUMENT_FAMILIES:
        results.extend(family(ctx, item))
    results.extend(check_commitment_letter(ctx, item))
    results.extend(check_born_digital(ctx, item))
    return [_check_quality(ctx, item, results), *results]


def _check_quality(
    ctx: CheckContext, item: Evidence, document_checks: Sequence[CheckResult]
) -> CheckResult:
    """Judge the page quality of one document in the light of its other checks.

    A problem blocks unless the pack lists it as a note (a local glare spot)
    and it demonstrably hid nothing: the page is clearly sharp (the pack's
    ``note_min_sharpness``), the document's kind is confident, it has
    checks of its own beyond the kind, every blocking one passed, and every
    field they read was read with confidence. Then it is reported as an
    ``unsure`` that does not block.
    """
    if item.quality.ok:
        return ctx.result(CheckCode.PAGE_QUALITY, Outcome.PASS, "图片质量合格", [ref(item)])
    problems = "；".join(p.message for p in item.quality.problems)
    result = ctx.result(
        CheckCode.PAGE_QUALITY, Outcome.UNSURE, f"图片质量不佳：{problems}", [ref(item)]
    )
    if _quality_hid_nothing(ctx, item, document_checks):
        message = f"图片质量提示：{problems}（材料信息均已清晰读出并核对一致，不影响审核）"
        return dataclasses.replace(result, message=message, blocking=False)
    return result


def _quality_hid_nothing(
    ctx: CheckContext, item: Evidence, document_checks: Sequence[CheckResult]
) -> bool:
    rules = ctx.pack.quality
    noted = set(rules.note_when_read)
    if not noted or any(p.code not in noted for p in item.quality.problems):
        return False
    if item.quality.sharpness < rules.note_min_sharpness:
        return False
    own = [c for c in document_checks if c.code != CheckCode.DOCUMENT_KIND.value and c.blocking]
    if not own or any(c.outcome is not Outcome.PASS for c in document_checks if c.blocking):
        return False
    threshold = ctx.pack.thresholds.field_confidence_min
    read = {r.field for c in own for r in c.evidence if r.field and r.field != "seal"}
    fields = item.reading.fields
    return all(name in fields and fields[name].confidence >= threshold for name in read)


def _check_kind(ctx: CheckContext, item: Evidence) -> CheckResult:
    if item.reading.kind_confidence >= ctx.pack.thresholds.kind_confidence_min:
        return ctx.result(CheckCode.DOCUMENT_KIND, Outcome.PASS, "材料类型识别可靠", [ref(item)])
    return ctx.result(
        CheckCode.DOCUMENT_KIND, Outcome.UNSURE, "材料类型识别不确定，请人工核对", [ref(item)]
    )
