"""Material groups: which groups a filing needs and which are present.

A group is satisfied when all kinds of one of its options are present (any
confidence: how sure the reading is, is another check's business). The
electronic voucher may waive a waivable identity group. A commitment filing
whose proof is missing swaps the proof groups for the commitment letter.

The applicant uploads the proof *or* signs the personal commitment in the app
(上传材料或签署个人承诺书): a commitment signed in the app is the commitment. A
photo of a paper letter is another way to give it, and is checked when given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ocr.domain import DocumentKind
from verifiers.codes import CheckCode
from verifiers.domain import CheckResult, Evidence, FilingFacts, MissingGroup, Outcome
from verifiers.evidence import CheckContext
from verifiers.policy import FilingTypeRules, MaterialGroup, PolicyPack

__all__ = ["COMMITMENT_GROUP", "MaterialPlan", "check_materials", "is_satisfied", "plan_materials"]

COMMITMENT_GROUP = "commitment_letter"


@dataclass(frozen=True, slots=True, kw_only=True)
class MaterialPlan:
    """The groups this filing is judged against and what is missing."""

    groups: dict[str, MaterialGroup]
    missing: tuple[MissingGroup, ...]
    commitment_used: bool
    signed_in_app: bool = False

    @property
    def kinds(self) -> frozenset[DocumentKind]:
        """Every kind some group of the plan asks for."""
        return frozenset(k for g in self.groups.values() for k in g.kinds)


def is_satisfied(group: MaterialGroup, present: Iterable[DocumentKind]) -> bool:
    """Tell whether all kinds of one of the group's options are present."""
    kinds = set(present)
    return any(set(option) <= kinds for option in group.options)


def plan_materials(
    facts: FilingFacts, *, rules: FilingTypeRules, pack: PolicyPack, evidence: Iterable[Evidence]
) -> MaterialPlan:
    """Work out the groups a filing needs and which required ones are missing.

    Args:
        facts: The filing (commitment and e-voucher flags).
        rules: The filing type's rules in the chosen pack.
        pack: The chosen pack (its commitment letter group).
        evidence: Every document found in the filing.

    Returns:
        The plan: groups by code, the missing required groups, and whether a
        commitment letter stands in for the proof.
    """
    present = {e.reading.kind for e in evidence}
    groups = {
        code: group
        for code, group in rules.active_groups.items()
        if not (facts.evoucher_verified and group.evoucher_waivable)
    }
    proof = {c: g for c, g in groups.items() if g.role == "proof" and g.required}
    commitment_used = (
        facts.commitment
        and bool(proof)
        and not all(is_satisfied(g, present) for g in proof.values())
    )
    if commitment_used:
        groups = {c: g for c, g in groups.items() if c not in proof}
        groups[COMMITMENT_GROUP] = pack.commitment.letter_group
    # The commitment flag is the applicant's signature given in the app.
    given = {COMMITMENT_GROUP} if commitment_used else set()
    missing = tuple(
        MissingGroup(code=code, name=group.name)
        for code, group in groups.items()
        if group.required and code not in given and not is_satisfied(group, present)
    )
    signed_in_app = commitment_used and not is_satisfied(pack.commitment.letter_group, present)
    return MaterialPlan(
        groups=groups, missing=missing, commitment_used=commitment_used, signed_in_app=signed_in_app
    )


def check_materials(ctx: CheckContext, plan: MaterialPlan) -> list[CheckResult]:
    """Report each required group as present (``pass``) or missing (``fail``)."""
    missing = {m.code for m in plan.missing}
    return [
        ctx.result(
            CheckCode.MATERIALS_PRESENT,
            Outcome.FAIL if code in missing else Outcome.PASS,
            _material_message(code, group, missing=code in missing, plan=plan),
        )
        for code, group in plan.groups.items()
        if group.required
    ]


def _material_message(code: str, group: MaterialGroup, *, missing: bool, plan: MaterialPlan) -> str:
    if missing:
        return f"缺少材料：{group.name}"
    if code == COMMITMENT_GROUP and plan.signed_in_app:
        return "已在线签署个人承诺书"
    return f"已提供：{group.name}"
