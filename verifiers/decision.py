"""The decision: approve, ask for materials, or send to a reviewer.

- ``needs_materials`` when a required group has no document, naming the group
  (unless a document could not be read: it may be the one missing, so a person looks);
- ``approve`` only when every blocking check passes;
- ``review`` otherwise, carrying every failing or unsure check.

When a group can be satisfied in several ways (a residence permit *or* the
household-register pages), the option whose documents fare best carries the
decision; the checks of documents offered for the other options are still
reported, but they do not block. Two kinds of finding block whichever option
is chosen, because they say something about the filing, not about one way of
meeting a group: a document naming another person (its name, ID number or
birth date and sex ``fail``: the spouse's ID card beside the applicant's own
social-security card), and the findings that are never demoted at all (a copy
of another applicant's image, a document that could not be read).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from ocr.domain import DocumentKind
from verifiers.codes import CheckCode
from verifiers.domain import CheckResult, Decision, Evidence, Outcome, Verdict
from verifiers.evidence import CheckContext
from verifiers.materials import MaterialPlan
from verifiers.validity import compute_validity

__all__ = ["IDENTITY_MISMATCH", "NEVER_DEMOTED", "decide", "is_demotable"]

Key = tuple[str, int, int]
# A document that rides along with another kind's option (the back of the ID card).
_COMPANIONS = {DocumentKind.ID_CARD_BACK: DocumentKind.ID_CARD_FRONT}
NEVER_DEMOTED: frozenset[str] = frozenset(
    {
        CheckCode.DUPLICATE_IMAGE.value,
        CheckCode.NEAR_COPY.value,
        CheckCode.DOCUMENT_UNREADABLE.value,
    }
)
"""Codes whose results keep their blocking whichever material option is chosen."""
IDENTITY_MISMATCH: frozenset[str] = frozenset(
    {CheckCode.NAME.value, CheckCode.ID_NUMBER.value, CheckCode.BIRTH_SEX.value}
)
"""Codes whose ``fail`` means the document is another person's: it is never demoted."""


def decide(
    ctx: CheckContext,
    *,
    plan: MaterialPlan,
    evidence: Sequence[Evidence],
    document_checks: Mapping[Key, list[CheckResult]],
    filing_checks: Sequence[CheckResult],
) -> Verdict:
    """Turn the material plan and all check results into a verdict.

    Args:
        ctx: The check context.
        plan: Which groups apply and which are missing.
        evidence: Every document of the filing, in order.
        document_checks: The checks of each document, by ``Evidence.key``.
        filing_checks: Checks about the filing as a whole.

    Returns:
        The verdict with decision, checks, missing groups and validity.
    """
    chosen, offered = _choose_options(plan, evidence, document_checks)
    checks = list(filing_checks)
    for item in evidence:
        kind = _COMPANIONS.get(item.reading.kind, item.reading.kind)
        demote = kind in offered and kind not in chosen
        for check in document_checks.get(item.key, ()):
            if demote and is_demotable(check):
                check = dataclasses.replace(check, blocking=False)
            checks.append(check)
    # A page that could not be read, or whose text layer says what its pixels do
    # not, goes to a person even when a material group looks missing.
    to_person = {CheckCode.DOCUMENT_UNREADABLE.value, CheckCode.TEXT_LAYER.value}
    unreadable = any(c.code in to_person and c.outcome is not Outcome.PASS for c in checks)
    if plan.missing and not unreadable:
        decision = Decision.NEEDS_MATERIALS
    elif all(c.outcome is Outcome.PASS for c in checks if c.blocking):
        decision = Decision.APPROVE
    else:
        decision = Decision.REVIEW
    verdict = Verdict(
        decision=decision,
        policy=ctx.pack.id,
        policy_version=ctx.pack.version,
        checks=tuple(checks),
        missing=plan.missing,
    )
    if plan.missing:
        return verdict
    proof_kinds = chosen - {DocumentKind.ID_CARD_FRONT, DocumentKind.SOCIAL_SECURITY_CARD}
    validity = compute_validity(
        ctx.facts,
        pack=ctx.pack,
        proofs=[e for e in evidence if e.reading.kind in proof_kinds],
        provisional=plan.commitment_used,
    )
    return dataclasses.replace(
        verdict,
        valid_from=validity.valid_from,
        valid_until=validity.valid_until,
        provisional=validity.provisional,
        single_use=validity.single_use,
    )


def is_demotable(check: CheckResult) -> bool:
    """Tell whether a check of a document offered for an unchosen option may stop blocking.

    Args:
        check: One check of such a document.

    Returns:
        ``False`` for a finding that names another person or is never demoted
        (see :data:`NEVER_DEMOTED`, :data:`IDENTITY_MISMATCH`); ``True`` otherwise.
    """
    if check.code in NEVER_DEMOTED:
        return False
    return not (check.code in IDENTITY_MISMATCH and check.outcome is Outcome.FAIL)


def _choose_options(
    plan: MaterialPlan,
    evidence: Sequence[Evidence],
    document_checks: Mapping[Key, list[CheckResult]],
) -> tuple[frozenset[DocumentKind], frozenset[DocumentKind]]:
    """Pick, per group, the satisfied option with the fewest blocking non-passes.

    Returns:
        The kinds of the chosen options, and every kind some group offers.
    """
    troubles: dict[DocumentKind, int] = {}
    for item in evidence:
        bad = sum(
            1
            for c in document_checks.get(item.key, ())
            if c.blocking and c.outcome is not Outcome.PASS
        )
        troubles[item.reading.kind] = troubles.get(item.reading.kind, 0) + bad
    present = set(troubles)
    chosen: set[DocumentKind] = set()
    for group in plan.groups.values():
        options = [o for o in group.options if set(o) <= present]
        if options:
            best = min(options, key=lambda o: sum(troubles.get(k, 0) for k in o))
            chosen.update(best)
    return frozenset(chosen), plan.kinds
