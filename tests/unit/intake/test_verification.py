"""The verification pipeline over fakes: scenarios in, statuses and stored runs out."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from intake.domain import (
    Applicant,
    Document,
    DocumentStatus,
    Filing,
    FilingId,
    FilingStatus,
    FilingType,
    Principal,
    Role,
    StoredReading,
)
from intake.errors import InvalidTransitionError
from intake.events import Decider, EventKind
from intake.verification import VerificationService, filing_facts
from ocr.domain import PageReading, Quality
from samples.filings import Scenario, make_scenario, store_scenarios
from tests.factories import make_document, make_filing, make_page
from tests.fakes import FakeClock, FakeDatabase, RecordedEvents
from verifiers import PolicyBook, load_packs

ENGINE = "engine-1"


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return load_packs()


def _clock_on(day: date) -> FakeClock:
    # 10:00 in China on that day.
    return FakeClock(datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC))


def _service(
    database: FakeDatabase,
    book: PolicyBook,
    clock: FakeClock,
    events: RecordedEvents | None = None,
) -> VerificationService:
    return VerificationService(
        database.uow_factory, book=book, clock=clock, engine_version=lambda: ENGINE, events=events
    )


def _store_scenario(database: FakeDatabase, scenario: Scenario, *, owner: str = "app") -> Filing:
    """Store a submitted filing with one analysed document per scenario document."""
    (filing,) = store_scenarios(
        database.uow_factory, [scenario], owner=owner, engine_version=ENGINE
    )
    return filing


def _arrange(
    scenario: Scenario, book: PolicyBook
) -> tuple[FakeDatabase, Filing, VerificationService]:
    """A database holding the scenario's filing, and a service on its filing day."""
    database = FakeDatabase()
    filing = _store_scenario(database, scenario)
    return database, filing, _service(database, book, _clock_on(scenario.facts.filed_on))


def _stored(database: FakeDatabase, filing_id: FilingId) -> Filing:
    with database.uow_factory() as uow:
        filing = uow.filings.get(filing_id)
    assert filing is not None
    return filing


def _status(database: FakeDatabase, filing_id: FilingId) -> FilingStatus:
    return _stored(database, filing_id).status


class TestVerifyFiling:
    @pytest.mark.parametrize("pack", ["national", "jiangsu-yangzhou", "hebei-xingtai"])
    def test_clean_filing_is_approved_with_validity(self, book: PolicyBook, pack: str) -> None:
        scenario = make_scenario(pack=pack, seed=3, filing_type="referral", book=book)
        database, filing, service = _arrange(scenario, book)
        record = service.verify_filing(filing.id)
        assert record is not None
        assert record.decision == "approve"
        assert record.engine_version == ENGINE
        stored = _stored(database, filing.id)
        assert stored.status is FilingStatus.APPROVED
        assert stored.valid_from == scenario.facts.start_date
        assert stored.valid_until is not None
        assert stored.valid_until > stored.valid_from

    def test_missing_material_asks_for_it(self, book: PolicyBook) -> None:
        scenario = make_scenario(
            pack="jiangsu-yangzhou",
            seed=5,
            filing_type="stationed_worker",
            defect="missing_material",
            book=book,
        )
        database, filing, service = _arrange(scenario, book)
        record = service.verify_filing(filing.id)
        assert record is not None
        assert record.decision == "needs_materials"
        assert [m["group"] for m in record.verdict["missing"]] == list(scenario.expected_missing)
        assert _status(database, filing.id) is FilingStatus.NEEDS_MATERIALS

    @pytest.mark.parametrize("defect", ["wrong_name", "expired_permit", "dispatch_no_seal"])
    def test_defect_goes_to_review_and_grants_nothing(self, book: PolicyBook, defect: str) -> None:
        scenario = make_scenario(pack="national", seed=9, defect=defect, book=book)
        database, filing, service = _arrange(scenario, book)
        service.verify_filing(filing.id)
        stored = _stored(database, filing.id)
        assert stored.status is FilingStatus.NEEDS_REVIEW
        assert stored.valid_until is None

    def test_commitment_without_proof_is_provisional_for_fifteen_days(
        self, book: PolicyBook
    ) -> None:
        scenario = make_scenario(
            pack="jiangsu-suzhou-wujiang",
            seed=4,
            filing_type="long_term_resident",
            proof="commitment",
            book=book,
        )
        database, filing, service = _arrange(scenario, book)
        service.verify_filing(filing.id)
        stored = _stored(database, filing.id)
        assert stored.status is FilingStatus.PROVISIONAL
        assert stored.valid_until == scenario.facts.start_date + timedelta(days=15)

    def test_waits_while_a_document_is_being_read(self, book: PolicyBook) -> None:
        scenario = make_scenario(pack="national", seed=3, filing_type="referral", book=book)
        database, filing, service = _arrange(scenario, book)
        with database.uow_factory() as uow:
            uow.documents.add(make_document(filing, sha256="c" * 64))
            uow.commit()
        assert service.verify_filing(filing.id) is None
        assert _status(database, filing.id) is FilingStatus.SUBMITTED

    def test_every_run_is_kept(self, book: PolicyBook) -> None:
        scenario = make_scenario(
            pack="national",
            seed=5,
            filing_type="stationed_worker",
            defect="missing_material",
            book=book,
        )
        database, filing, service = _arrange(scenario, book)
        first = service.verify_filing(filing.id)
        with database.uow_factory() as uow:
            again = uow.filings.get(filing.id)
            assert again is not None
            again.status = FilingStatus.SUBMITTED
            uow.filings.update(again)
            uow.commit()
        second = service.verify_filing(filing.id)
        with database.uow_factory() as uow:
            runs = uow.verifications.list_for_filing(filing.id)
        assert first is not None
        assert second is not None
        assert [r.id for r in runs] == [first.id, second.id]

    def test_same_photo_in_another_applicants_filing_is_not_approved(
        self, book: PolicyBook
    ) -> None:
        database = FakeDatabase()
        scenario = make_scenario(pack="national", seed=3, filing_type="referral", book=book)
        first = _store_scenario(database, scenario)
        _service(database, book, _clock_on(scenario.facts.filed_on)).verify_filing(first.id)
        assert _status(database, first.id) is FilingStatus.APPROVED
        # The same pages again, filed for somebody else.
        other = make_scenario(pack="national", seed=4, filing_type="referral", book=book)
        copied = _store_scenario(database, scenario)
        with database.uow_factory() as uow:
            stolen = uow.filings.get(copied.id)
            assert stolen is not None
            stolen.applicant = Applicant(
                name=other.facts.applicant_name,
                id_number=other.facts.applicant_id_number,
                phone="13812345678",
            )
            uow.filings.update(stolen)
            uow.commit()
        _service(database, book, _clock_on(scenario.facts.filed_on)).verify_filing(copied.id)
        assert _status(database, copied.id) is FilingStatus.NEEDS_REVIEW

    def test_pages_given_their_image_after_the_index_was_loaded_are_found(
        self, book: PolicyBook
    ) -> None:
        database = FakeDatabase()
        scenario = make_scenario(pack="national", seed=3, filing_type="referral", book=book)
        first = _store_scenario(database, scenario)
        with database.uow_factory() as uow:
            made = uow.documents.list_for_filing(first.id)
            # As uploaded: measured, the page images not made yet.
            for document in made:
                pending = [
                    dataclasses.replace(p, image_sha256="", phash="") for p in document.pages
                ]
                uow.documents.update(dataclasses.replace(document, pages=pending))
            uow.commit()
        other = make_scenario(pack="national", seed=4, filing_type="referral", book=book)
        copied = _store_scenario(database, scenario)
        with database.uow_factory() as uow:
            stolen = uow.filings.get(copied.id)
            assert stolen is not None
            stolen.applicant = Applicant(
                name=other.facts.applicant_name,
                id_number=other.facts.applicant_id_number,
                phone="13812345678",
            )
            uow.filings.update(stolen)
            uow.commit()
        service = _service(database, book, _clock_on(scenario.facts.filed_on))
        before = service.verify_filing(copied.id)
        # The analysis task gives the first filing's pages their images and hashes.
        with database.uow_factory() as uow:
            for document in made:
                uow.documents.update(document)
            again = uow.filings.get(copied.id)
            assert again is not None
            again.status = FilingStatus.SUBMITTED
            uow.filings.update(again)
            uow.commit()

        after = service.verify_filing(copied.id)

        assert before is not None
        assert after is not None
        same_image = "duplicates.same_image"
        assert not _failed(before.verdict, same_image)  # nothing to compare with yet
        assert _failed(after.verdict, same_image)
        assert _status(database, copied.id) is FilingStatus.NEEDS_REVIEW


def _failed(verdict: dict[str, Any], code: str) -> bool:
    return any(c["code"] == code and c["outcome"] == "fail" for c in verdict["checks"])


class TestEvents:
    def test_a_decision_is_published_once_with_its_status_region_and_time(
        self, book: PolicyBook
    ) -> None:
        scenario = make_scenario(pack="national", seed=9, defect="wrong_name", book=book)
        database = FakeDatabase()
        filing = _store_scenario(database, scenario, owner="app-7")
        events = RecordedEvents()
        service = _service(database, book, _clock_on(scenario.facts.filed_on), events)
        service.verify_filing(filing.id)
        service.verify_filing(filing.id)  # delivered twice: nothing more happens
        (event,) = events.events
        assert event.kind is EventKind.FILING_DECIDED
        assert (event.filing_id, event.owner, event.by) == (filing.id, "app-7", Decider.MACHINE)
        assert event.status == "needs_review"
        assert event.insured_region == filing.insured_region
        assert event.seconds is not None
        assert event.seconds >= 0

    def test_expiry_is_published_per_filing(self, book: PolicyBook) -> None:
        database = FakeDatabase()
        lapsed = make_filing(status=FilingStatus.APPROVED, valid_until=date(2025, 5, 31))
        with database.uow_factory() as uow:
            uow.filings.add(lapsed)
            uow.commit()
        events = RecordedEvents()
        _service(database, book, _clock_on(date(2025, 6, 1)), events).expire_filings()
        assert [(e.kind, e.filing_id, e.status) for e in events.events] == [
            (EventKind.FILING_EXPIRED, lapsed.id, "expired")
        ]


class TestFacts:
    def test_other_active_long_term_filings_and_lapsed_commitments_are_counted(self) -> None:
        filing = make_filing()
        elsewhere = make_filing(
            applicant=filing.applicant, status=FilingStatus.APPROVED, treatment_region="330100"
        )
        lapsed = make_filing(
            applicant=filing.applicant, status=FilingStatus.EXPIRED, commitment=True
        )
        temporary = make_filing(
            applicant=filing.applicant,
            status=FilingStatus.APPROVED,
            filing_type=FilingType.REFERRAL,
            treatment_region="110000",
        )
        facts = filing_facts(filing, others=[filing, elsewhere, lapsed, temporary])
        assert facts.other_long_term_regions == ("330100",)
        assert facts.used_commitment_before


class TestExpiry:
    def test_expires_filings_after_their_last_valid_day(self, book: PolicyBook) -> None:
        database = FakeDatabase()
        clock = _clock_on(date(2025, 6, 1))
        lapsed = make_filing(status=FilingStatus.PROVISIONAL, valid_until=date(2025, 5, 31))
        last_day = make_filing(status=FilingStatus.APPROVED, valid_until=date(2025, 6, 1))
        rejected = make_filing(status=FilingStatus.REJECTED, valid_until=date(2025, 1, 1))
        with database.uow_factory() as uow:
            for filing in (lapsed, last_day, rejected):
                uow.filings.add(filing)
            uow.commit()
        assert _service(database, book, clock).expire_filings() == [lapsed.id]
        assert _status(database, lapsed.id) is FilingStatus.EXPIRED
        assert _status(database, last_day.id) is FilingStatus.APPROVED
        assert _status(database, rejected.id) is FilingStatus.REJECTED


class TestCancel:
    owner = Principal(role=Role.APP, key_id="app")

    def _add(self, database: FakeDatabase, filing: Filing) -> Filing:
        with database.uow_factory() as uow:
            uow.filings.add(filing)
            uow.commit()
        return filing

    def test_temporary_filing_may_be_cancelled_at_once(self, book: PolicyBook) -> None:
        database = FakeDatabase()
        filing = self._add(
            database,
            make_filing(
                owner="app",
                filing_type=FilingType.REFERRAL,
                status=FilingStatus.APPROVED,
                valid_from=date(2025, 3, 10),
            ),
        )
        outcome = _service(database, book, _clock_on(date(2025, 3, 11))).cancel(
            self.owner, filing.id
        )
        assert outcome.filing.status is FilingStatus.CANCELLED
        assert _status(database, filing.id) is FilingStatus.CANCELLED

    def test_long_term_filing_is_locked_for_six_months(self, book: PolicyBook) -> None:
        database = FakeDatabase()
        filing = self._add(
            database,
            make_filing(
                owner="app",
                status=FilingStatus.APPROVED,
                valid_from=date(2025, 3, 10),
                valid_until=date(2026, 3, 9),
            ),
        )
        service = _service(database, book, _clock_on(date(2025, 5, 1)))
        with pytest.raises(InvalidTransitionError) as raised:
            service.cancel(self.owner, filing.id)
        assert "6个月" in raised.value.reason
        assert _status(database, filing.id) is FilingStatus.APPROVED
        later = _service(database, book, _clock_on(date(2025, 9, 10)))
        assert later.cancel(self.owner, filing.id).filing.status is FilingStatus.CANCELLED

    def test_rejected_filing_cannot_be_cancelled(self, book: PolicyBook) -> None:
        database = FakeDatabase()
        filing = self._add(database, make_filing(owner="app", status=FilingStatus.REJECTED))
        with pytest.raises(InvalidTransitionError):
            _service(database, book, _clock_on(date(2025, 3, 11))).cancel(self.owner, filing.id)


class TestDocumentsThatGaveNoEvidence:
    """A document or page that cannot be read sends the filing to a person, never past one."""

    def _verdict_codes(self, database: FakeDatabase, filing_id: FilingId) -> dict[str, str]:
        with database.uow_factory() as uow:
            record = uow.verifications.latest(filing_id)
        assert record is not None
        return {
            c["evidence"][0]["document_id"]: c["message"]
            for c in record.verdict["checks"]
            if c["code"] == "document.unreadable" and c["outcome"] == "unsure" and c["blocking"]
        }

    def _clean(self, book: PolicyBook) -> tuple[FakeDatabase, Filing, VerificationService]:
        scenario = make_scenario(pack="national", seed=3, filing_type="referral", book=book)
        return _arrange(scenario, book)

    def test_a_failed_document_beside_a_passing_option_is_reviewed(self, book: PolicyBook) -> None:
        database, filing, service = self._clean(book)
        failed = make_document(
            filing,
            sha256="d" * 64,
            status=DocumentStatus.FAILED,
            failure_reason="BlobNotFoundError: gone",
        )
        with database.uow_factory() as uow:
            uow.documents.add(failed)
            uow.commit()
        record = service.verify_filing(filing.id)
        assert record is not None
        assert record.decision == "review"
        assert _status(database, filing.id) is FilingStatus.NEEDS_REVIEW
        assert set(self._verdict_codes(database, filing.id)) == {str(failed.id)}

    def test_a_page_without_a_reading_is_reviewed(self, book: PolicyBook) -> None:
        database, filing, service = self._clean(book)
        unread = make_document(
            filing,
            sha256="e" * 64,
            status=DocumentStatus.ANALYSED,
            pages=[make_page(number=1, image_sha256="f" * 64)],
        )
        with database.uow_factory() as uow:
            uow.documents.add(unread)
            uow.commit()
        service.verify_filing(filing.id)
        assert _status(database, filing.id) is FilingStatus.NEEDS_REVIEW
        assert "第1页" in self._verdict_codes(database, filing.id)[str(unread.id)]

    def test_a_page_where_nothing_was_found_is_reviewed(self, book: PolicyBook) -> None:
        database, filing, service = self._clean(book)
        blank = make_document(
            filing,
            sha256="e" * 64,
            status=DocumentStatus.ANALYSED,
            pages=[make_page(number=2, image_sha256="f" * 64)],
        )
        empty = PageReading(
            page=2, documents=(), quality=Quality(), engine="t", engine_version=ENGINE
        )
        with database.uow_factory() as uow:
            uow.documents.add(blank)
            uow.readings.put(
                StoredReading(image_sha256="f" * 64, engine_version=ENGINE, reading=empty)
            )
            uow.commit()
        service.verify_filing(filing.id)
        assert _status(database, filing.id) is FilingStatus.NEEDS_REVIEW
        assert "第2页" in self._verdict_codes(database, filing.id)[str(blank.id)]

    def test_a_document_without_pages_is_named_unread(self) -> None:
        database = FakeDatabase()
        filing = make_filing()
        document: Document = make_document(filing, pages=[], status=DocumentStatus.ANALYSED)
        service = VerificationService(
            database.uow_factory,
            book=load_packs(),
            clock=FakeClock(),
            engine_version=lambda: ENGINE,
        )
        with database.uow_factory() as uow:
            read = service.evidence(uow, [document])
        assert read.found == []
        assert [u.document_id for u in read.unread] == [str(document.id)]


class TestJudge:
    def test_gives_the_verdict_without_recording_it(self, book: PolicyBook) -> None:
        scenario = make_scenario(pack="national", seed=3, filing_type="referral", book=book)
        database, filing, service = _arrange(scenario, book)
        verdict = service.judge(filing.id)
        assert verdict is not None
        assert verdict.decision.value == "approve"
        assert _status(database, filing.id) is FilingStatus.SUBMITTED
        with database.uow_factory() as uow:
            assert uow.verifications.list_for_filing(filing.id) == []
