"""The review and audit repositories on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from datetime import timedelta
from uuid import uuid4

import pytest

from intake.domain import (
    AuditRecord,
    FilingStatus,
    RecordId,
)
from storage.sql import SqlUnitOfWork
from tests.integration.storage.factories import (
    T0,
    make_correction,
    make_decision,
    make_document,
    make_filing,
)

pytestmark = pytest.mark.integration

UowFactory = Callable[[], SqlUnitOfWork]


class TestClaims:
    def test_racing_reviewers_one_wins(self, uow_factory: UowFactory) -> None:
        filing = make_filing(status=FilingStatus.NEEDS_REVIEW, submitted_at=T0)
        with uow_factory() as uow:
            uow.filings.add(filing)
            uow.commit()
        barrier = threading.Barrier(4)
        holders: list[str] = []

        def take(name: str) -> None:
            with uow_factory() as uow:
                barrier.wait()
                held = uow.reviews.claim(
                    filing.id, reviewer=name, now=T0, until=T0 + timedelta(minutes=30)
                )
                uow.commit()
            holders.append(held.reviewer)

        threads = [threading.Thread(target=take, args=(f"r{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(holders)) == 1
        with uow_factory() as uow:
            claim = uow.reviews.get_claim(filing.id)
        assert claim is not None
        assert claim.reviewer == holders[0]

    def test_expired_claims_are_taken_over_and_released(self, uow_factory: UowFactory) -> None:
        filing = make_filing(status=FilingStatus.NEEDS_REVIEW, submitted_at=T0)
        later = T0 + timedelta(minutes=31)
        with uow_factory() as uow:
            uow.filings.add(filing)
            uow.reviews.claim(filing.id, reviewer="a", now=T0, until=T0 + timedelta(minutes=30))
            assert uow.reviews.claim(filing.id, reviewer="b", now=T0, until=later).reviewer == "a"
            assert uow.reviews.claim(filing.id, reviewer="b", now=later, until=later).reviewer == (
                "b"
            )
            assert not uow.reviews.release(filing.id, reviewer="a")
            assert set(uow.reviews.claims([filing.id])) == {filing.id}
            assert uow.reviews.release(filing.id, reviewer="b")
            assert uow.reviews.get_claim(filing.id) is None
            uow.commit()


class TestQueue:
    def test_waiting_filings_oldest_first_with_filters(self, uow_factory: UowFactory) -> None:
        old = make_filing(
            status=FilingStatus.NEEDS_REVIEW,
            submitted_at=T0,
            open_checks=("identity.name", "seal.issuer"),
            insured_region="320509",
        )
        new = make_filing(
            status=FilingStatus.NEEDS_REVIEW,
            submitted_at=T0 + timedelta(hours=1),
            open_checks=("identity.name_x",),
            insured_region="321002",
        )
        approved = make_filing(status=FilingStatus.APPROVED, submitted_at=T0)
        provisional = make_filing(
            status=FilingStatus.PROVISIONAL, submitted_at=T0 - timedelta(days=1), updated_at=T0
        )
        with uow_factory() as uow:
            for filing in (new, old, approved, provisional):
                uow.filings.add(filing)
            uow.commit()
        statuses = (FilingStatus.NEEDS_REVIEW, FilingStatus.PROVISIONAL)
        with uow_factory() as uow:
            assert [f.id for f in uow.reviews.queue(statuses=statuses)] == [old.id, new.id]
            by_check = uow.reviews.queue(statuses=statuses, check="identity.name")
            assert [f.id for f in by_check] == [old.id]
            by_city = uow.reviews.queue(statuses=statuses, insured_region="320500")
            assert [f.id for f in by_city] == [old.id]
            after = uow.reviews.queue(statuses=statuses, after=old.id)
            assert [f.id for f in after] == [new.id]
            counts = uow.reviews.count_by_status(statuses)
            assert counts == {FilingStatus.NEEDS_REVIEW: 2, FilingStatus.PROVISIONAL: 1}
            # The proof a provisional filing owed arrives: it waits for a reviewer too.
            proof = make_document(provisional.id, created_at=T0 + timedelta(minutes=5))
            uow.documents.add(proof)
            uow.commit()
        with uow_factory() as uow:
            assert uow.reviews.queue(statuses=statuses)[0].id == provisional.id

    def test_open_checks_and_review_request_round_trip(self, uow_factory: UowFactory) -> None:
        filing = make_filing(
            status=FilingStatus.NEEDS_REVIEW,
            open_checks=("a.b", "c.d"),
            review_requested_at=T0,
            review_request_note="请人工审核",
        )
        with uow_factory() as uow:
            uow.filings.add(filing)
            uow.commit()
        with uow_factory() as uow:
            assert uow.filings.get(filing.id) == filing


class TestRecords:
    def test_corrections_decisions_and_audit(self, uow_factory: UowFactory) -> None:
        filing = make_filing(status=FilingStatus.NEEDS_REVIEW, submitted_at=T0)
        document = make_document(filing.id)
        correction = make_correction(filing.id, document.id)
        decision = make_decision(filing.id)
        records = [
            AuditRecord(
                id=RecordId(uuid4()),
                at=T0 + timedelta(seconds=i),
                actor=actor,
                role="reviewer",
                action=action,
                address="127.0.0.1",
                filing_id=filing.id,
                target="document:x",
                detail={"i": i},
            )
            for i, (actor, action) in enumerate([("alice", "view"), ("bob", "claim")])
        ]
        with uow_factory() as uow:
            uow.filings.add(filing)
            uow.documents.add(document)
            uow.reviews.add_correction(correction)
            uow.reviews.add_decision(decision)
            for record in records:
                uow.audit.add(record)
            uow.commit()
        with uow_factory() as uow:
            assert uow.reviews.corrections(filing.id) == [correction]
            assert uow.reviews.corrections() == [correction]
            assert uow.reviews.decisions(filing.id) == [decision]
            assert uow.audit.list() == records[::-1]
            assert uow.audit.list(actor="alice") == records[:1]
            assert uow.audit.list(action="claim") == records[1:]
            assert uow.audit.list(since=T0 + timedelta(seconds=1)) == records[1:]
            assert uow.audit.list(until=T0 + timedelta(seconds=1)) == records[:1]
            assert uow.audit.list(filing_id=filing.id, limit=1) == records[1:]
        assert dataclasses.asdict(decision)["reasons"] == ("identity_mismatch",)
