from __future__ import annotations

import uuid

import pytest

from intake.analysis import AnalysisService
from intake.domain import DocumentId, DocumentStatus, Principal
from intake.filings import FilingService
from intake.submission import SubmissionService
from tests.factories import jpeg_bytes, make_new_filing, pdf_bytes
from tests.fakes import FakeBlobStore, FakeDatabase


@pytest.fixture
def document_id(
    filings: FilingService, submission: SubmissionService, app_a: Principal
) -> DocumentId:
    filing = filings.create(app_a, make_new_filing())
    return submission.add_document(app_a, filing.id, data=pdf_bytes(pages=2)).document.id


class TestAnalyseDocument:
    def test_marks_a_received_document_analysed(
        self, analysis: AnalysisService, document_id: DocumentId, database: FakeDatabase
    ) -> None:
        before = database.store.documents[document_id]

        assert analysis.analyse_document(document_id) is DocumentStatus.ANALYSED

        after = database.store.documents[document_id]
        assert after.status is DocumentStatus.ANALYSED
        assert after.pages == before.pages
        assert after.failure_reason is None

    def test_running_twice_changes_nothing(
        self, analysis: AnalysisService, document_id: DocumentId, database: FakeDatabase
    ) -> None:
        analysis.analyse_document(document_id)
        first = database.store.documents[document_id]
        commits = sum(u.committed for u in database.units)

        assert analysis.analyse_document(document_id) is DocumentStatus.ANALYSED

        assert database.store.documents[document_id] == first
        assert sum(u.committed for u in database.units) == commits

    def test_rederives_missing_page_images(
        self,
        analysis: AnalysisService,
        document_id: DocumentId,
        database: FakeDatabase,
        blobs: FakeBlobStore,
    ) -> None:
        pages = database.store.documents[document_id].pages
        blobs.delete(pages[1].image_sha256)

        assert analysis.analyse_document(document_id) is DocumentStatus.ANALYSED

        assert blobs.exists(pages[1].image_sha256)
        assert [p.image_sha256 for p in database.store.documents[document_id].pages] == [
            p.image_sha256 for p in pages
        ]

    def test_missing_original_is_recorded_as_failure(
        self,
        analysis: AnalysisService,
        document_id: DocumentId,
        database: FakeDatabase,
        blobs: FakeBlobStore,
    ) -> None:
        blobs.delete(database.store.documents[document_id].sha256)

        assert analysis.analyse_document(document_id) is DocumentStatus.FAILED

        document = database.store.documents[document_id]
        assert document.status is DocumentStatus.FAILED
        assert document.failure_reason is not None
        assert "FakeBlobNotFoundError" in document.failure_reason

    def test_undecodable_original_is_recorded_as_failure(
        self,
        analysis: AnalysisService,
        document_id: DocumentId,
        database: FakeDatabase,
        blobs: FakeBlobStore,
    ) -> None:
        document = database.store.documents[document_id]
        broken = jpeg_bytes()[:1500]
        blobs.blobs[document.sha256] = broken
        blobs.delete(document.pages[0].image_sha256)

        assert analysis.analyse_document(document_id) is DocumentStatus.FAILED
        reason = database.store.documents[document_id].failure_reason
        assert reason is not None
        assert reason.startswith("CorruptFileError")

    def test_unknown_document_is_ignored(self, analysis: AnalysisService) -> None:
        assert analysis.analyse_document(DocumentId(uuid.uuid4())) is None
