"""Table-driven scenarios: every DOMAIN.md row for every seed-region pack.

Clean filings are approved, a missing group gives ``needs_materials`` naming
exactly that group, and every injected defect sends the filing to review
(never an approval). Readings are built from ground truth, then degraded with
typical OCR noise to check that noise never turns into an approval.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from ocr.domain import Field
from samples.filings import (
    DEFECTS,
    INSURED_REGIONS,
    Scenario,
    duplicate_hits,
    ground_truth_evidence,
    make_scenario,
    unread_documents,
)
from verifiers import Decision, Evidence, Verdict, load_packs, verify_filing
from verifiers.policy import PolicyBook

PACKS = tuple(INSURED_REGIONS)
TYPES = (
    "retiree_resettled",
    "long_term_resident",
    "stationed_worker",
    "referral",
    "other_temporary",
    "emergency",
)
LONG_TERM = ("retiree_resettled", "long_term_resident", "stationed_worker")
PROOFS = {
    "retiree_resettled": ("hukou",),
    "long_term_resident": ("permit", "hukou", "commitment"),
    "stationed_worker": ("dispatch", "contract"),
    "referral": ("referral",),
    "other_temporary": (None,),
    "emergency": (None,),
}
# Which check must report the defect (blocking, not passing).
DEFECT_CHECKS = {
    "wrong_name": "identity.name",
    "wrong_id_number": "identity.id_number",
    "expired_permit": "residence.permit_valid",
    "permit_other_city": "residence.permit_city",
    "dispatch_other_city": "work.dispatch_city",
    "dispatch_too_old": "work.dispatch_recent",
    "dispatch_no_seal": "work.dispatch_seal",
    "referral_no_seal": "referral.seal",
    "referral_wrong_destination": "referral.destination",
    "referral_too_old": "referral.recent",
    "unsigned_commitment": "commitment.signed",
    "hukou_other_household": "residence.hukou_household",
    "hukou_other_person": "identity.name",
    "duplicate_image": "duplicates.same_image",
    "emergency_late": "dates.start_date",
    "blurry_photo": "page.quality",
    "multi_city_commitment": "commitment.multi_city",
    "commitment_used_before": "commitment.once_only",
    "permit_named_after_treatment": "residence.permit_city",
    "referral_company_seal": "referral.seal",
    "other_person_id_card": "identity.name",
    "unreadable_document": "document.unreadable",
}


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return load_packs()


def _verify(
    book: PolicyBook, scenario: Scenario, evidence: Sequence[Evidence] | None = None
) -> Verdict:
    items = list(evidence) if evidence is not None else ground_truth_evidence(scenario)
    return verify_filing(
        scenario.facts,
        items,
        book_or_pack=book,
        duplicates=duplicate_hits(scenario, items),
        unread=unread_documents(scenario, items),
    )


def _blocking_problems(verdict: Verdict) -> set[str]:
    return {c.code for c in verdict.checks if c.blocking and c.outcome.value != "pass"}


def _allowed(book: PolicyBook, pack: str, filing_type: str, proof: str | None) -> bool:
    rules = book.packs[pack]
    if proof == "commitment":
        return filing_type in rules.commitment.allowed_types
    if proof == "contract":
        groups = rules.filing_types[filing_type].active_groups
        return any("labor_contract" in g.kinds for g in groups.values())
    return True


CLEAN_ROWS = [
    (pack, filing_type, proof, seed)
    for pack in PACKS
    for filing_type in TYPES
    for proof in PROOFS[filing_type]
    for seed in (1, 2)
]


class TestCleanFilings:
    @pytest.mark.parametrize(("pack", "filing_type", "proof", "seed"), CLEAN_ROWS)
    def test_clean_filing_is_approved(
        self, book: PolicyBook, pack: str, filing_type: str, proof: str | None, seed: int
    ) -> None:
        if not _allowed(book, pack, filing_type, proof):
            pytest.skip("the pack does not offer this proof")
        scenario = make_scenario(
            pack=pack, seed=seed, filing_type=filing_type, proof=proof, book=book
        )
        verdict = _verify(book, scenario)
        assert verdict.policy == pack
        assert verdict.decision is Decision.APPROVE, _blocking_problems(verdict)
        assert verdict.provisional is (proof == "commitment")
        assert verdict.valid_from == scenario.facts.start_date


MISSING_ROWS = [
    (pack, filing_type, defect)
    for pack in PACKS
    for filing_type in TYPES
    for defect in ("missing_material", "wrong_kind")
    # Only types with a proof group can be given a document of the wrong kind.
    if defect == "missing_material" or filing_type in LONG_TERM
]


class TestMissingMaterials:
    @pytest.mark.parametrize(("pack", "filing_type", "defect"), MISSING_ROWS)
    def test_missing_group_is_named(
        self, book: PolicyBook, pack: str, filing_type: str, defect: str
    ) -> None:
        scenario = make_scenario(
            pack=pack, seed=3, filing_type=filing_type, defect=defect, book=book
        )
        verdict = _verify(book, scenario)
        assert verdict.decision is Decision.NEEDS_MATERIALS
        assert tuple(m.code for m in verdict.missing) == scenario.expected_missing
        names = {m.name for m in verdict.missing}
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in names)


REVIEW_DEFECTS = [d for d in DEFECTS if d not in ("missing_material", "wrong_kind")]


class TestDefects:
    @pytest.mark.parametrize("pack", PACKS)
    @pytest.mark.parametrize("defect", REVIEW_DEFECTS)
    @pytest.mark.parametrize("seed", [11, 12])
    def test_defect_goes_to_review_with_its_check(
        self, book: PolicyBook, pack: str, defect: str, seed: int
    ) -> None:
        scenario = make_scenario(pack=pack, seed=seed, defect=defect, book=book)
        verdict = _verify(book, scenario)
        assert verdict.decision is Decision.REVIEW
        assert DEFECT_CHECKS[defect] in _blocking_problems(verdict)


def _degrade(
    evidence: list[Evidence],
    kind: str,
    change: dict[str, Field] | None = None,
    *,
    kind_confidence: float | None = None,
) -> list[Evidence]:
    out = []
    for item in evidence:
        if item.reading.kind.value == kind:
            reading = dataclasses.replace(
                item.reading,
                fields={**item.reading.fields, **(change or {})},
                kind_confidence=kind_confidence or item.reading.kind_confidence,
            )
            item = dataclasses.replace(item, reading=reading)
        out.append(item)
    return out


class TestOcrNoise:
    @pytest.mark.parametrize("pack", PACKS)
    def test_dropped_name_character_is_not_approved(self, book: PolicyBook, pack: str) -> None:
        scenario = make_scenario(
            pack=pack, seed=5, filing_type="long_term_resident", proof="permit", book=book
        )
        name = scenario.facts.applicant_name
        evidence = _degrade(
            ground_truth_evidence(scenario),
            "residence_permit",
            {"name": Field(value=name[:-1], confidence=0.7)},
        )
        verdict = _verify(book, scenario, evidence)
        assert verdict.decision is Decision.REVIEW
        name_checks = [c for c in verdict.checks if c.code == "identity.name"]
        assert any(c.outcome.value == "unsure" for c in name_checks)

    @pytest.mark.parametrize("pack", PACKS)
    def test_low_kind_confidence_goes_to_review(self, book: PolicyBook, pack: str) -> None:
        scenario = make_scenario(
            pack=pack, seed=6, filing_type="stationed_worker", proof="dispatch", book=book
        )
        evidence = _degrade(ground_truth_evidence(scenario), "dispatch_letter", kind_confidence=0.5)
        verdict = _verify(book, scenario, evidence)
        assert verdict.decision is Decision.REVIEW
        assert "document.kind_confident" in _blocking_problems(verdict)

    def test_misread_id_digit_is_unsure_not_approved(self, book: PolicyBook) -> None:
        scenario = make_scenario(
            pack="national", seed=7, filing_type="referral", proof="referral", book=book
        )
        number = scenario.facts.applicant_id_number
        wrong_digit = "0" if number[5] != "0" else "1"
        misread = number[:5] + wrong_digit + number[6:]
        evidence = _degrade(
            ground_truth_evidence(scenario),
            "referral_form",
            {"id_number": Field(value=misread, confidence=0.8)},
        )
        verdict = _verify(book, scenario, evidence)
        assert verdict.decision is Decision.REVIEW
        checks = [c for c in verdict.checks if c.code == "identity.id_number"]
        assert any(c.outcome.value == "unsure" for c in checks)

    def test_unreadable_permit_expiry_goes_to_review(self, book: PolicyBook) -> None:
        scenario = make_scenario(
            pack="hebei-xingtai",
            seed=8,
            filing_type="long_term_resident",
            proof="permit",
            book=book,
        )
        evidence = _degrade(
            ground_truth_evidence(scenario),
            "residence_permit",
            {"valid_until": Field(value="", confidence=0.2)},
        )
        verdict = _verify(book, scenario, evidence)
        assert verdict.decision is Decision.REVIEW
        assert "residence.permit_valid" in _blocking_problems(verdict)
