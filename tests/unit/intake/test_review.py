"""The reviewers' use cases over fakes: queue, claims, corrections, decisions, audit, stats."""

from __future__ import annotations

import pytest

from intake.domain import (
    DocumentId,
    Filing,
    FilingStatus,
    Principal,
    ReviewAction,
    Role,
)
from intake.errors import (
    ClaimHeldError,
    ClaimRequiredError,
    FilingNotFoundError,
    InvalidReviewError,
    InvalidTransitionError,
    MaterialsMissingError,
)
from intake.events import Decider, EventKind
from intake.review import Actor, ReviewService, mask_id_number
from intake.verification import VerificationService
from samples.filings import make_scenario
from tests.fakes import FakeClock, FakeDatabase, RecordedEvents
from tests.unit.intake.test_verification import ENGINE, _clock_on, _store_scenario
from verifiers import PolicyBook, load_packs

ALICE = Actor(principal=Principal(role=Role.REVIEWER, key_id="alice"), address="10.0.0.1")
BOB = Actor(principal=Principal(role=Role.REVIEWER, key_id="bob"), address="10.0.0.2")
APP = Actor(principal=Principal(role=Role.APP, key_id="app"))


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return load_packs()


class World:
    def __init__(self, book: PolicyBook, defect: str, *, seed: int = 5) -> None:
        scenario = make_scenario(pack="national", seed=seed, defect=defect, book=book)
        self.scenario = scenario
        self.database = FakeDatabase()
        self.clock: FakeClock = _clock_on(scenario.facts.filed_on)
        stored = _store_scenario(self.database, scenario)
        stored.submitted_at = self.clock.now()
        with self.database.uow_factory() as uow:
            uow.filings.update(stored)
            uow.commit()
        self.filing = stored
        self.events = RecordedEvents()
        self.verification = VerificationService(
            self.database.uow_factory,
            book=book,
            clock=self.clock,
            engine_version=lambda: ENGINE,
            events=self.events,
        )
        self.review = ReviewService(
            self.database.uow_factory,
            book=book,
            clock=self.clock,
            verification=self.verification,
            reader_version=lambda: ENGINE,
            events=self.events,
        )
        self.verification.verify_filing(self.filing.id)

    def stored(self) -> Filing:
        found = self.database.store.filings[self.filing.id]
        return found

    def document_of(self, kind: str) -> DocumentId:
        return next(d.id for d in self.database.store.documents.values() if d.kind == kind)


@pytest.fixture
def waiting(book: PolicyBook) -> World:
    world = World(book, "referral_wrong_destination")
    assert world.stored().status is FilingStatus.NEEDS_REVIEW
    return world


class TestQueue:
    def test_a_filing_the_machine_would_not_approve_waits_with_its_checks(
        self, waiting: World
    ) -> None:
        page = waiting.review.queue()
        assert [i.filing.id for i in page.items] == [waiting.filing.id]
        item = page.items[0]
        assert "referral.destination" in item.filing.open_checks
        assert item.sla is not None
        assert not item.sla.overdue(waiting.clock.now())
        assert item.claim is None
        assert not item.requested_by_applicant
        assert page.counts[FilingStatus.NEEDS_REVIEW] == 1

    def test_filters(self, waiting: World) -> None:
        region = waiting.filing.insured_region
        assert waiting.review.queue(insured_region=region[:4] + "00").items
        assert not waiting.review.queue(insured_region="990000").items
        assert waiting.review.queue(check="referral.destination").items
        assert not waiting.review.queue(check="identity.name").items
        assert not waiting.review.queue(filing_type="emergency").items


class TestClaims:
    def test_two_reviewers_never_hold_one_filing(self, waiting: World) -> None:
        claim = waiting.review.claim(ALICE, waiting.filing.id)
        assert claim.reviewer == "alice"
        with pytest.raises(ClaimHeldError) as raised:
            waiting.review.claim(BOB, waiting.filing.id)
        assert raised.value.holder == "alice"
        # Renewing is fine; once the claim runs out, another reviewer may take it.
        waiting.review.claim(ALICE, waiting.filing.id)
        waiting.clock.advance(minutes=31)
        assert waiting.review.claim(BOB, waiting.filing.id).reviewer == "bob"

    def test_release_gives_it_back(self, waiting: World) -> None:
        waiting.review.claim(ALICE, waiting.filing.id)
        assert not waiting.review.release(BOB, waiting.filing.id)
        assert waiting.review.release(ALICE, waiting.filing.id)
        assert waiting.review.claim(BOB, waiting.filing.id).reviewer == "bob"

    def test_only_waiting_filings_are_claimed(self, book: PolicyBook) -> None:
        world = World(book, "missing_material")
        assert world.stored().status is FilingStatus.NEEDS_MATERIALS
        with pytest.raises(InvalidTransitionError):
            world.review.claim(ALICE, world.filing.id)


class TestCorrections:
    def test_a_correction_needs_the_claim(self, waiting: World) -> None:
        referral = waiting.document_of("referral_form")
        with pytest.raises(ClaimRequiredError):
            waiting.review.correct(
                ALICE, waiting.filing.id, document_id=referral, field_name="destination", value="x"
            )

    def test_a_correction_keeps_both_values_and_verifies_again(self, waiting: World) -> None:
        referral = waiting.document_of("referral_form")
        runs_before = len(waiting.database.store.verifications)
        waiting.review.claim(ALICE, waiting.filing.id)
        treatment = waiting.scenario.facts.treatment_region
        city = load_packs().regions.city_and_name_of(treatment)
        record = waiting.review.correct(
            ALICE, waiting.filing.id, document_id=referral, field_name="destination", value=city
        )
        assert len(waiting.database.store.verifications) == runs_before + 1
        (correction,) = waiting.database.store.corrections
        assert correction.reviewer_value == city
        assert correction.machine_value
        assert correction.machine_value != city
        assert correction.reviewer == "alice"
        checks = {c["code"]: c["outcome"] for c in record.verdict["checks"]}
        assert checks["referral.destination"] == "pass"
        assert record.decision == "approve"
        # The status waits for the reviewer's decision; the open checks follow the verdict.
        assert waiting.stored().status is FilingStatus.NEEDS_REVIEW
        assert "referral.destination" not in waiting.stored().open_checks
        decided, _ = waiting.review.decide(ALICE, waiting.filing.id, action=ReviewAction.APPROVE)
        assert decided.status is FilingStatus.APPROVED
        assert decided.valid_from is not None
        assert decided.valid_until is not None

    def test_bad_corrections_are_refused(self, waiting: World) -> None:
        referral = waiting.document_of("referral_form")
        waiting.review.claim(ALICE, waiting.filing.id)
        for kwargs in (
            {"field_name": "kind", "value": "passport"},
            {"field_name": "destination", "value": "  "},
            {"field_name": "destination", "value": "x", "page": 9},
            {"field_name": "destination", "value": "x", "index": 4},
            {"field_name": "../etc", "value": "x"},
        ):
            with pytest.raises(InvalidReviewError):
                waiting.review.correct(
                    ALICE,
                    waiting.filing.id,
                    document_id=referral,
                    **kwargs,
                )
        assert waiting.database.store.corrections == []


class TestDecisions:
    def test_reject_with_the_packs_reasons(self, waiting: World) -> None:
        waiting.review.claim(ALICE, waiting.filing.id)
        with pytest.raises(InvalidReviewError):
            waiting.review.decide(ALICE, waiting.filing.id, action=ReviewAction.REJECT)
        with pytest.raises(InvalidReviewError):
            waiting.review.decide(
                ALICE, waiting.filing.id, action=ReviewAction.REJECT, reasons=["made_up"]
            )
        decided, decision = waiting.review.decide(
            ALICE,
            waiting.filing.id,
            action=ReviewAction.REJECT,
            reasons=["condition_not_met"],
            note="转诊表所写就医地与申请不符",
        )
        assert decided.status is FilingStatus.REJECTED
        assert decision.message == "不符合所选备案类型的办理条件"
        machine, reviewer = waiting.events.events
        assert (machine.by, machine.status) == (Decider.MACHINE, "needs_review")
        assert (reviewer.kind, reviewer.by) == (EventKind.FILING_DECIDED, Decider.REVIEWER)
        assert (reviewer.status, reviewer.at) == ("rejected", decision.created_at)
        assert "referral.destination" in decision.machine_checks
        assert waiting.database.store.claims == {}

    def test_deciding_needs_the_claim(self, waiting: World) -> None:
        waiting.review.claim(ALICE, waiting.filing.id)
        with pytest.raises(ClaimRequiredError):
            waiting.review.decide(BOB, waiting.filing.id, action=ReviewAction.APPROVE)

    def test_request_materials_then_the_applicant_asks_for_a_person(self, waiting: World) -> None:
        waiting.review.claim(ALICE, waiting.filing.id)
        with pytest.raises(InvalidReviewError):
            waiting.review.decide(ALICE, waiting.filing.id, action=ReviewAction.REQUEST_MATERIALS)
        decided, _ = waiting.review.decide(
            ALICE,
            waiting.filing.id,
            action=ReviewAction.REQUEST_MATERIALS,
            message="请补充加盖医院公章的转诊表",
        )
        assert decided.status is FilingStatus.NEEDS_MATERIALS
        with pytest.raises(FilingNotFoundError):
            waiting.review.request_review(ALICE, waiting.filing.id, note="")
        requested = waiting.review.request_review(APP, waiting.filing.id, note="材料已齐全")
        assert requested.status is FilingStatus.NEEDS_REVIEW
        (item,) = waiting.review.queue().items
        assert item.requested_by_applicant
        assert item.filing.review_request_note == "材料已齐全"
        with pytest.raises(InvalidTransitionError):
            waiting.review.request_review(APP, waiting.filing.id, note="")

    def test_approval_waits_for_every_material(self, book: PolicyBook) -> None:
        world = World(book, "missing_material")
        with world.database.uow_factory() as uow:
            filing = uow.filings.get(world.filing.id)
            assert filing is not None
            filing.status = FilingStatus.NEEDS_REVIEW
            uow.filings.update(filing)
            uow.commit()
        world.review.claim(ALICE, world.filing.id)
        with pytest.raises(MaterialsMissingError):
            world.review.decide(ALICE, world.filing.id, action=ReviewAction.APPROVE)


class TestAuditAndPrivacy:
    def test_every_view_and_action_is_audited(self, waiting: World) -> None:
        waiting.review.open(ALICE, waiting.filing.id)
        waiting.review.claim(ALICE, waiting.filing.id)
        with pytest.raises(InvalidReviewError):
            waiting.review.reveal_id_number(ALICE, waiting.filing.id, reason=" ")
        number = waiting.review.reveal_id_number(ALICE, waiting.filing.id, reason="核对户口簿")
        assert number == waiting.filing.applicant.id_number
        waiting.review.decide(
            ALICE, waiting.filing.id, action=ReviewAction.REJECT, reasons=["identity_mismatch"]
        )
        records = waiting.review.audit_log(filing_id=waiting.filing.id)
        assert [r.action for r in reversed(records)] == [
            "view",
            "claim",
            "reveal_id_number",
            "decide",
        ]
        assert all(r.actor == "alice" and r.address == "10.0.0.1" for r in records)
        assert records[1].detail == {"reason": "核对户口簿"}
        assert waiting.review.audit_log(action="claim")[0].action == "claim"

    def test_masking(self) -> None:
        assert mask_id_number("32100219600501137X") == "3210**********137X"


class TestWhatReviewersTeach:
    def test_stats_and_export(self, waiting: World) -> None:
        referral = waiting.document_of("referral_form")
        waiting.review.claim(ALICE, waiting.filing.id)
        waiting.review.correct(
            ALICE,
            waiting.filing.id,
            document_id=referral,
            field_name="destination",
            value="上海市",
        )
        waiting.review.decide(
            ALICE, waiting.filing.id, action=ReviewAction.REJECT, reasons=["condition_not_met"]
        )
        stats = waiting.review.stats().export()
        assert stats["decisions"] == {"reject": 1}
        destination = stats["fields"]["referral_form"]["destination"]
        assert destination == {"reviewed": 1, "changed": 1, "change_rate": 1.0}
        assert stats["fields"]["referral_form"]["kind"]["changed"] == 0
        assert stats["routing"]["referral.destination"] == {"reject": 1}
        (record,) = waiting.review.export_corrections()
        assert record["reviewer"] == {"destination": "上海市"}
        assert record["kind"] == "referral_form"
        assert record["machine"]["fields"]["destination"]["value"] != "上海市"
        assert len(record["image_sha256"]) == 64
