"""The decision: approve, ask for materials, or send to a reviewer.

- ``needs_materials`` when a required group has no document, naming the group;
- ``approve`` only when every blocking check passes;
- ``review`` otherwise, carrying every failing or unsure check.

When a group can be satisfied in several ways (a residence permit *or* the
household-register pages), the option whose documents fare best carries the
decision; the checks of documents offered for the other options are still
reported, but they do not block.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from ocr.domain import DocumentKind
from verifiers.domain import CheckResult, Decision, Evidence, Outcome, Verdict
from verifiers.evidence import CheckContext
from verifiers.materials import MaterialPlan
from verifiers.validity import compute_validity

__all__ = ["decide"]

Key = tuple[str, int, int]
# A document that rides along with another kind's option (the back of the ID card).
_COMPANIONS = {DocumentKind.ID_CARD_BACK: DocumentKind.ID_CARD_FRONT}


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
            checks.append(dataclasses.replace(check, blocking=False) if demote else check)
    if plan.missing:
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
