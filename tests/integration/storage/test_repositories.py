"""Contract suite of the SQL repositories and unit of work, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy.exc import StatementError

from intake.domain import (
    DocumentId,
    DocumentStatus,
    FilingId,
    FilingStatus,
    PageFingerprint,
    StoredReading,
)
from intake.errors import DocumentNotFoundError, DuplicateDocumentError, FilingNotFoundError
from storage.errors import ConstraintViolationError
from storage.sql import SqlUnitOfWork
from tests.integration.storage.factories import (
    CHINA,
    T0,
    analysed,
    full_filing,
    make_document,
    make_filing,
    make_page,
    make_quality,
    make_reading,
    make_verification,
    sha256_of,
)

pytestmark = pytest.mark.integration

UowFactory = Callable[[], SqlUnitOfWork]


class TestFilingRepository:
    def test_round_trips_a_minimal_filing(self, uow_factory: UowFactory) -> None:
        filing = make_filing()
        with uow_factory() as uow:
            uow.filings.add(filing)
            uow.commit()
        with uow_factory() as uow:
            assert uow.filings.get(filing.id) == filing

    def test_round_trips_every_optional_part(self, uow_factory: UowFactory) -> None:
        filing = full_filing()
        with uow_factory() as uow:
            uow.filings.add(filing)
            uow.commit()
        with uow_factory() as uow:
            stored = uow.filings.get(filing.id)
        assert stored == filing
        assert stored is not None
        assert stored.on_behalf_of is not None
        assert stored.on_behalf_of.relation == "子女"

    def test_returns_timestamps_as_aware_utc_of_the_same_instant(
        self, uow_factory: UowFactory
    ) -> None:
        submitted = datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=CHINA)
        filing = full_filing(submitted_at=submitted)
        with uow_factory() as uow:
            uow.filings.add(filing)
            uow.commit()
        with uow_factory() as uow:
            stored = uow.filings.get(filing.id)
        assert stored is not None
        assert stored.submitted_at == submitted
        assert stored.submitted_at is not None
        assert stored.submitted_at.utcoffset() == timedelta(0)
        assert stored.created_at.tzinfo is not None
        assert stored.created_at == T0

    def test_refuses_naive_timestamps(self, uow_factory: UowFactory) -> None:
        filing = make_filing(created_at=datetime(2026, 3, 1, 8, 0))  # noqa: DTZ001
        with uow_factory() as uow, pytest.raises(StatementError, match="naive datetime"):
            uow.filings.add(filing)

    def test_get_returns_none_for_an_unknown_id(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            assert uow.filings.get(FilingId(uuid4())) is None

    def test_refuses_a_second_filing_with_the_same_id(self, uow_factory: UowFactory) -> None:
        filing = make_filing()
        with uow_factory() as uow:
            uow.filings.add(filing)
            uow.commit()
        with uow_factory() as uow, pytest.raises(ConstraintViolationError) as raised:
            uow.filings.add(make_filing(id=filing.id))
        assert raised.value.table == "filing"

    def test_update_persists_status_and_validity(self, uow_factory: UowFactory) -> None:
        filing = make_filing()
        with uow_factory() as uow:
            uow.filings.add(filing)
            uow.commit()
        later = T0 + timedelta(hours=2)
        filing.status = FilingStatus.APPROVED
        filing.valid_from = filing.start_date
        filing.valid_until = filing.start_date + timedelta(days=365)
        filing.submitted_at = later
        filing.updated_at = later
        with uow_factory() as uow:
            uow.filings.update(filing)
            uow.commit()
        with uow_factory() as uow:
            assert uow.filings.get(filing.id) == filing

    def test_update_of_an_unknown_filing_raises(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow, pytest.raises(FilingNotFoundError):
            uow.filings.update(make_filing())

    def test_lists_by_owner_and_status_oldest_first(self, uow_factory: UowFactory) -> None:
        mine = [
            make_filing(owner="app-a", created_at=T0 + timedelta(minutes=i), status=status)
            for i, status in enumerate(
                [FilingStatus.DRAFT, FilingStatus.SUBMITTED, FilingStatus.NEEDS_REVIEW]
            )
        ]
        theirs = make_filing(owner="app-b", status=FilingStatus.SUBMITTED)
        with uow_factory() as uow:
            for filing in [mine[2], theirs, mine[0], mine[1]]:
                uow.filings.add(filing)
            uow.commit()
        with uow_factory() as uow:
            assert [f.id for f in uow.filings.list(owner="app-a")] == [f.id for f in mine]
            submitted = uow.filings.list(statuses=(FilingStatus.SUBMITTED,))
            assert {f.id for f in submitted} == {mine[1].id, theirs.id}
            both = uow.filings.list(
                owner="app-a", statuses=(FilingStatus.SUBMITTED, FilingStatus.NEEDS_REVIEW)
            )
            assert [f.id for f in both] == [mine[1].id, mine[2].id]
            assert uow.filings.list(owner="app-c") == []

    def test_lists_by_applicant_and_by_expiry(self, uow_factory: UowFactory) -> None:
        first = make_filing(seed=1, valid_until=date(2026, 5, 1), created_at=T0)
        again = make_filing(
            seed=1, valid_until=date(2026, 9, 1), created_at=T0 + timedelta(minutes=1)
        )
        other = make_filing(seed=2, valid_until=date(2026, 4, 1))
        open_ended = make_filing(seed=3)
        with uow_factory() as uow:
            for filing in (first, again, other, open_ended):
                uow.filings.add(filing)
            uow.commit()
        with uow_factory() as uow:
            mine = uow.filings.list(applicant_id_number=first.applicant.id_number)
            assert [f.id for f in mine] == [first.id, again.id]
            lapsed = uow.filings.list(valid_until_before=date(2026, 5, 2))
            assert {f.id for f in lapsed} == {first.id, other.id}
            assert uow.filings.list(valid_until_before=date(2026, 4, 1)) == []

    def test_pages_through_filings_with_after(self, uow_factory: UowFactory) -> None:
        # Two share a timestamp so the id breaks the tie.
        filings = [make_filing(created_at=T0 + timedelta(seconds=i // 2)) for i in range(5)]
        with uow_factory() as uow:
            for filing in filings:
                uow.filings.add(filing)
            uow.commit()
        expected = sorted(filings, key=lambda f: (f.created_at, f.id))
        seen: list[FilingId] = []
        after: FilingId | None = None
        with uow_factory() as uow:
            while page := uow.filings.list(limit=2, after=after):
                seen.extend(f.id for f in page)
                after = page[-1].id
            assert uow.filings.list(after=FilingId(uuid4())) == []
        assert seen == [f.id for f in expected]


class TestDocumentRepository:
    def _filing(self, uow_factory: UowFactory, **overrides: object) -> FilingId:
        filing = make_filing(**overrides)
        with uow_factory() as uow:
            uow.filings.add(filing)
            uow.commit()
        return filing.id

    def test_round_trips_a_document_with_its_pages(self, uow_factory: UowFactory) -> None:
        filing_id = self._filing(uow_factory)
        document = make_document(
            filing_id,
            page_count=2,
            declared_kind=None,
            pages=[make_page(1, quality=make_quality(problems=2)), make_page(2)],
        )
        with uow_factory() as uow:
            uow.documents.add(document)
            uow.commit()
        with uow_factory() as uow:
            stored = uow.documents.get(document.id)
        assert stored == document
        assert stored is not None
        assert [p.number for p in stored.pages] == [1, 2]
        assert stored.pages[0].quality.problems[1].message == "照片模糊，请重新拍摄"
        assert not stored.quality_ok

    def test_get_returns_none_for_an_unknown_id(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow:
            assert uow.documents.get(DocumentId(uuid4())) is None

    def test_refuses_the_same_bytes_twice_in_one_filing(self, uow_factory: UowFactory) -> None:
        filing_id = self._filing(uow_factory)
        other_filing = self._filing(uow_factory)
        first = make_document(filing_id)
        with uow_factory() as uow:
            uow.documents.add(first)
            uow.commit()
        with uow_factory() as uow, pytest.raises(DuplicateDocumentError) as raised:
            uow.documents.add(make_document(filing_id, sha256=first.sha256))
        assert raised.value.sha256 == first.sha256
        with uow_factory() as uow:
            uow.documents.add(make_document(other_filing, sha256=first.sha256))
            uow.commit()

    def test_refuses_a_document_of_an_unknown_filing(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow, pytest.raises(ConstraintViolationError):
            uow.documents.add(make_document(FilingId(uuid4())))

    def test_finds_a_document_by_its_hash_within_a_filing(self, uow_factory: UowFactory) -> None:
        filing_id = self._filing(uow_factory)
        document = make_document(filing_id)
        with uow_factory() as uow:
            uow.documents.add(document)
            uow.commit()
        with uow_factory() as uow:
            assert uow.documents.find_by_sha256(filing_id, document.sha256) == document
            assert uow.documents.find_by_sha256(filing_id, sha256_of("other")) is None
            assert uow.documents.find_by_sha256(FilingId(uuid4()), document.sha256) is None

    def test_lists_the_documents_of_a_filing_oldest_first(self, uow_factory: UowFactory) -> None:
        filing_id = self._filing(uow_factory)
        other = self._filing(uow_factory)
        documents = [
            make_document(filing_id, created_at=T0 + timedelta(seconds=s)) for s in (2, 0, 1)
        ]
        with uow_factory() as uow:
            for document in [*documents, make_document(other)]:
                uow.documents.add(document)
            uow.commit()
        with uow_factory() as uow:
            listed = uow.documents.list_for_filing(filing_id)
        assert listed == sorted(documents, key=lambda d: d.created_at)

    def test_update_persists_status_kind_and_replaces_pages(self, uow_factory: UowFactory) -> None:
        filing_id = self._filing(uow_factory)
        document = make_document(filing_id, pages=[])
        with uow_factory() as uow:
            uow.documents.add(document)
            uow.commit()
        analysed(document)
        document.pages = [make_page(1), make_page(2)]
        document.page_count = 2
        with uow_factory() as uow:
            uow.documents.update(document)
            uow.commit()
        with uow_factory() as uow:
            assert uow.documents.get(document.id) == document
        document.status = DocumentStatus.FAILED
        document.failure_reason = "pdf.encrypted"
        document.pages = [make_page(1)]
        with uow_factory() as uow:
            uow.documents.update(document)
            uow.commit()
        with uow_factory() as uow:
            assert uow.documents.get(document.id) == document

    def test_update_of_an_unknown_document_raises(self, uow_factory: UowFactory) -> None:
        with uow_factory() as uow, pytest.raises(DocumentNotFoundError):
            uow.documents.update(make_document(FilingId(uuid4())))

    def test_fingerprints_carry_the_applicant_id_number(self, uow_factory: UowFactory) -> None:
        first = make_filing(seed=1)
        second = make_filing(seed=2)
        assert first.applicant.id_number != second.applicant.id_number
        doc_a = make_document(first.id, pages=[make_page(1), make_page(2)])
        doc_b = make_document(
            second.id, pages=[make_page(1, image_sha256=doc_a.pages[0].image_sha256)]
        )
        with uow_factory() as uow:
            uow.filings.add(first)
            uow.filings.add(second)
            uow.documents.add(doc_a)
            uow.documents.add(doc_b)
            uow.commit()
        with uow_factory() as uow:
            everything = uow.documents.fingerprints()
            others = uow.documents.fingerprints(exclude_filing=first.id)
        expected_b = PageFingerprint(
            filing_id=second.id,
            document_id=doc_b.id,
            applicant_id_number=second.applicant.id_number,
            page_number=1,
            image_sha256=doc_a.pages[0].image_sha256,
            phash=doc_b.pages[0].phash,
        )
        assert others == [expected_b]
        assert len(everything) == 3
        assert expected_b in everything
        assert {
            (f.document_id, f.page_number, f.applicant_id_number)
            for f in everything
            if f.filing_id == first.id
        } == {(doc_a.id, 1, first.applicant.id_number), (doc_a.id, 2, first.applicant.id_number)}

    def test_referenced_blobs_are_documents_and_page_images(self, uow_factory: UowFactory) -> None:
        filing_id = self._filing(uow_factory)
        documents = [make_document(filing_id, pages=[make_page(1), make_page(2)]) for _ in range(2)]
        with uow_factory() as uow:
            assert uow.documents.referenced_blobs() == set()
            for document in documents:
                uow.documents.add(document)
            uow.commit()
        with uow_factory() as uow:
            referenced = uow.documents.referenced_blobs()
        expected = {d.sha256 for d in documents} | {
            p.image_sha256 for d in documents for p in d.pages
        }
        assert referenced == expected
        assert len(referenced) == 6

    def test_pages_given_their_image_later_change_the_fingerprints(
        self, uow_factory: UowFactory
    ) -> None:
        filing_id = self._filing(uow_factory)
        # As uploaded: the pages are measured, their images not made yet.
        pending = [make_page(1, image_sha256="", phash=""), make_page(2, image_sha256="", phash="")]
        document = make_document(filing_id, pages=pending, page_count=2)
        with uow_factory() as uow:
            uow.documents.add(document)
            uow.commit()
        with uow_factory() as uow:
            uploaded = uow.documents.fingerprints_version()
            assert uow.documents.fingerprints() == []
            assert uow.documents.referenced_blobs() == {document.sha256}
            assert uow.documents.get(document.id) == document
        made = [make_page(1), make_page(2)]
        with uow_factory() as uow:
            uow.documents.update(
                dataclasses.replace(document, status=DocumentStatus.ANALYSED, pages=made)
            )
            uow.commit()
        with uow_factory() as uow:
            analysed_version = uow.documents.fingerprints_version()
            prints = uow.documents.fingerprints()
            referenced = uow.documents.referenced_blobs()
        assert uploaded == (2, 0, T0)
        assert analysed_version == (2, 2, T0)
        assert [(f.image_sha256, f.phash) for f in prints] == [
            (p.image_sha256, p.phash) for p in made
        ]
        assert referenced == {document.sha256} | {p.image_sha256 for p in made}

    def test_deleting_a_filing_returns_only_the_page_images_made(
        self, uow_factory: UowFactory
    ) -> None:
        filing_id = self._filing(uow_factory)
        document = make_document(
            filing_id, pages=[make_page(1), make_page(2, image_sha256="", phash="")], page_count=2
        )
        with uow_factory() as uow:
            uow.documents.add(document)
            uow.commit()
        with uow_factory() as uow:
            keys = uow.documents.delete_for_filing(filing_id)
            uow.commit()
        assert sorted(keys) == sorted([document.sha256, document.pages[0].image_sha256])


class TestUnitOfWork:
    def test_leaving_without_commit_rolls_back(self, uow_factory: UowFactory) -> None:
        filing = make_filing()
        with uow_factory() as uow:
            uow.filings.add(filing)
            assert uow.filings.get(filing.id) == filing
        with uow_factory() as uow:
            assert uow.filings.get(filing.id) is None

    def test_an_exception_rolls_back(self, uow_factory: UowFactory) -> None:
        filing = make_filing()

        def add_then_fail() -> None:
            with uow_factory() as uow:
                uow.filings.add(filing)
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError, match="boom"):
            add_then_fail()
        with uow_factory() as uow:
            assert uow.filings.get(filing.id) is None

    def test_rollback_discards_only_uncommitted_work(self, uow_factory: UowFactory) -> None:
        kept, discarded = make_filing(), make_filing()
        with uow_factory() as uow:
            uow.filings.add(kept)
            uow.commit()
            uow.filings.add(discarded)
            uow.rollback()
            uow.commit()
        with uow_factory() as uow:
            assert uow.filings.get(kept.id) == kept
            assert uow.filings.get(discarded.id) is None

    def test_a_document_and_its_pages_commit_or_vanish_together(
        self, uow_factory: UowFactory
    ) -> None:
        filing = make_filing()
        document = make_document(filing.id, pages=[make_page(1)])
        with uow_factory() as uow:
            uow.filings.add(filing)
            uow.documents.add(document)
        with uow_factory() as uow:
            assert uow.documents.referenced_blobs() == set()
            assert uow.filings.list() == []

    def test_concurrent_writers_all_commit(self, uow_factory: UowFactory) -> None:
        # The API runs units of work on worker threads; on SQLite the busy
        # timeout must queue writers rather than fail them.
        def write(owner: str) -> None:
            for _ in range(10):
                with uow_factory() as uow:
                    uow.filings.add(make_filing(owner=owner))
                    uow.commit()

        with ThreadPoolExecutor(max_workers=4) as pool:
            for future in [pool.submit(write, f"app-{i}") for i in range(4)]:
                future.result()
        with uow_factory() as uow:
            assert len(uow.filings.list(limit=1000)) == 40
            assert len(uow.filings.list(owner="app-3")) == 10

    def test_is_unusable_outside_its_block(self, uow_factory: UowFactory) -> None:
        uow = uow_factory()
        with pytest.raises(RuntimeError, match="with block"):
            uow.commit()


class TestReadingRepository:
    def test_round_trips_a_page_reading(self, uow_factory: UowFactory) -> None:
        stored = StoredReading(
            image_sha256=sha256_of("image"), engine_version="v1", reading=make_reading()
        )
        with uow_factory() as uow:
            uow.readings.put(stored)
            uow.commit()
        with uow_factory() as uow:
            assert uow.readings.get(stored.image_sha256, "v1") == stored
            assert uow.readings.get(stored.image_sha256, "v2") is None
            assert uow.readings.get(sha256_of("other"), "v1") is None

    def test_keeps_the_first_reading_of_a_key(self, uow_factory: UowFactory) -> None:
        key = sha256_of("image")
        first = StoredReading(image_sha256=key, engine_version="v1", reading=make_reading())
        second = dataclasses.replace(
            first, reading=dataclasses.replace(first.reading, engine="another")
        )
        with uow_factory() as uow:
            uow.readings.put(first)
            uow.commit()
        with uow_factory() as uow:
            uow.readings.put(second)
            uow.readings.put(second)
            uow.commit()
        with uow_factory() as uow:
            assert uow.readings.get(key, "v1") == first

    def test_keeps_one_reading_per_engine_version(self, uow_factory: UowFactory) -> None:
        key = sha256_of("image")
        old = StoredReading(image_sha256=key, engine_version="v1", reading=make_reading())
        new = StoredReading(
            image_sha256=key, engine_version="v2", reading=make_reading(engine_version="v2")
        )
        with uow_factory() as uow:
            uow.readings.put(old)
            uow.readings.put(new)
            uow.commit()
        with uow_factory() as uow:
            assert uow.readings.get(key, "v1") == old
            assert uow.readings.get(key, "v2") == new


class TestVerificationRepository:
    def test_appends_runs_and_reports_the_latest(self, uow_factory: UowFactory) -> None:
        filing = make_filing()
        runs = [
            make_verification(filing.id, created_at=T0 + timedelta(minutes=m), decision=d)
            for m, d in ((5, "review"), (0, "needs_materials"), (9, "approve"))
        ]
        with uow_factory() as uow:
            uow.filings.add(filing)
            assert uow.verifications.latest(filing.id) is None
            for run in runs:
                uow.verifications.add(run)
                uow.commit()
        with uow_factory() as uow:
            listed = uow.verifications.list_for_filing(filing.id)
            latest = uow.verifications.latest(filing.id)
        assert listed == sorted(runs, key=lambda r: r.created_at)
        assert latest == runs[2]
        assert latest is not None
        assert latest.verdict["checks"][0]["message"] == "身份证已提供"

    def test_never_overwrites_a_run(self, uow_factory: UowFactory) -> None:
        filing = make_filing()
        run = make_verification(filing.id)
        with uow_factory() as uow:
            uow.filings.add(filing)
            uow.verifications.add(run)
            uow.commit()
        with uow_factory() as uow, pytest.raises(ConstraintViolationError):
            uow.verifications.add(dataclasses.replace(run, decision="approve"))
        with uow_factory() as uow:
            assert uow.verifications.list_for_filing(filing.id) == [run]

    def test_keeps_runs_apart_per_filing(self, uow_factory: UowFactory) -> None:
        first, second = make_filing(), make_filing()
        with uow_factory() as uow:
            uow.filings.add(first)
            uow.filings.add(second)
            uow.verifications.add(make_verification(first.id))
            uow.commit()
        with uow_factory() as uow:
            assert uow.verifications.list_for_filing(second.id) == []
            assert uow.verifications.latest(second.id) is None


class TestIdempotencyRepository:
    def test_stores_and_returns_a_response(self, uow_factory: UowFactory) -> None:
        body = {"id": str(uuid4()), "status": "received", "pages": 2, "quality": {"ok": True}}
        with uow_factory() as uow:
            assert uow.idempotency.get(owner="app-a", key="k-1") is None
            uow.idempotency.put(
                owner="app-a",
                key="k-1",
                request_hash="h1",
                status_code=201,
                body=body,
                created_at=datetime.now(UTC),
            )
            uow.commit()
        with uow_factory() as uow:
            record = uow.idempotency.get(owner="app-a", key="k-1")
            assert uow.idempotency.get(owner="app-b", key="k-1") is None
        assert record is not None
        assert (record.request_hash, record.status_code, record.body) == ("h1", 201, body)

    def test_keeps_the_first_response_for_a_key(self, uow_factory: UowFactory) -> None:
        for request_hash, status in (("h1", 201), ("h2", 409)):
            with uow_factory() as uow:
                uow.idempotency.put(
                    owner="app-a",
                    key="k-1",
                    request_hash=request_hash,
                    status_code=status,
                    body={"n": status},
                    created_at=T0,
                )
                uow.commit()
        with uow_factory() as uow:
            record = uow.idempotency.get(owner="app-a", key="k-1")
        assert record is not None
        assert (record.request_hash, record.status_code, record.body) == ("h1", 201, {"n": 201})
