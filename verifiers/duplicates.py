"""The same photo, or a near-copy, in another applicant's filing.

The caller finds candidate pages (same SHA-256, or a perceptual hash close to
one of ours) among other applicants' filings; the verifier judges them. An
identical image is a ``fail``; a near-copy is ``unsure``, and so is any copy
of a household-register front page, which family members legitimately share.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocr.domain import DocumentKind
from ocr.images import hamming_distance
from verifiers.codes import CheckCode
from verifiers.domain import CheckResult, DuplicateHit, Evidence, Outcome
from verifiers.evidence import CheckContext, ref

__all__ = ["check_duplicates"]


def check_duplicates(
    ctx: CheckContext, evidence: Evidence, hits: Sequence[DuplicateHit]
) -> list[CheckResult]:
    """Compare one page with other applicants' pages the caller found.

    Args:
        ctx: The check context (near-copy distance threshold).
        evidence: The document and its page hashes.
        hits: Candidate pages from other applicants' filings.

    Returns:
        One result per matching hit; nothing when none matches.
    """
    results: list[CheckResult] = []
    shared_page = evidence.reading.kind is DocumentKind.HUKOU_FRONT
    for hit in hits:
        where = f"（申请 {hit.other_filing_id} 第{hit.other_page}页）"
        if evidence.image_sha256 and hit.image_sha256 == evidence.image_sha256:
            outcome = Outcome.UNSURE if shared_page else Outcome.FAIL
            message = "该图片与其他申请人提交的图片完全相同" + where
            results.append(ctx.result(CheckCode.DUPLICATE_IMAGE, outcome, message, [ref(evidence)]))
        elif _is_near(ctx, evidence.phash, hit.phash):
            message = "该图片与其他申请人提交的图片高度相似，请人工核对" + where
            results.append(
                ctx.result(CheckCode.NEAR_COPY, Outcome.UNSURE, message, [ref(evidence)])
            )
    return results


def _is_near(ctx: CheckContext, ours: str, theirs: str) -> bool:
    if not ours or not theirs or len(ours) != len(theirs):
        return False
    try:
        distance = hamming_distance(ours, theirs)
    except ValueError:
        return False
    return distance <= ctx.pack.thresholds.near_copy_max_distance
