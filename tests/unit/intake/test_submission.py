from __future__ import annotations

import uuid
from dataclasses import replace
from unittest.mock import patch

import pytest

from intake.analysis import UploadLimits
from intake.domain import DocumentId, DocumentStatus, FilingId, FilingStatus, Principal
from intake.errors import (
    DocumentNotFoundError,
    EmptyFilingError,
    EmptyUploadError,
    FilingNotFoundError,
    InvalidTransitionError,
    UploadTooLargeError,
)
from intake.filings import FilingService
from intake.submission import SubmissionService
from ocr.domain import DocumentKind
from ocr.errors import (
    CorruptFileError,
    EncryptedPdfError,
    FileError,
    ImageTooLargeError,
    TooManyPagesError,
    UnsupportedFileTypeError,
)
from tests.factories import (
    blurry_quality,
    document_image,
    encrypted_pdf_bytes,
    jpeg_bytes,
    make_new_filing,
    pdf_bytes,
    png_bytes,
)
from tests.fakes import FakeBlobStore, FakeClock, FakeDatabase, FakeTaskDispatcher


@pytest.fixture
def filing_id(filings: FilingService, app_a: Principal) -> FilingId:
    return filings.create(app_a, make_new_filing()).id


class TestAddDocument:
    def test_stores_the_original_then_the_row_and_dispatches_analysis(
        self,
        submission: SubmissionService,
        app_a: Principal,
        filing_id: FilingId,
        blobs: FakeBlobStore,
        database: FakeDatabase,
        dispatcher: FakeTaskDispatcher,
    ) -> None:
        data = jpeg_bytes()

        added = submission.add_document(
            app_a, filing_id, data=data, declared_kind=DocumentKind.ID_CARD_FRONT
        )

        document = added.document
        assert added.created
        assert document.status is DocumentStatus.RECEIVED
        assert document.content_type == "image/jpeg"
        assert document.size == len(data)
        assert document.declared_kind is DocumentKind.ID_CARD_FRONT
        assert blobs.get(document.sha256) == data
        assert len(document.pages) == 1
        page = document.pages[0]
        assert (page.width, page.height) == (1600, 1100)
        assert page.quality.ok
        # The page image, its hash and perceptual hash are the analysis task's work.
        assert not page.has_image
        assert (page.image_sha256, page.phash) == ("", "")
        assert set(blobs.blobs) == {document.sha256}
        assert database.store.documents[document.id] == document
        assert dispatcher.analysed == [document.id]

    def test_pdf_gives_one_page_per_page(
        self, submission: SubmissionService, app_a: Principal, filing_id: FilingId
    ) -> None:
        document = submission.add_document(app_a, filing_id, data=pdf_bytes(pages=2)).document
        assert document.content_type == "application/pdf"
        assert [p.number for p in document.pages] == [1, 2]
        assert document.page_count == 2

    def test_returns_quality_problems(
        self,
        database: FakeDatabase,
        blobs: FakeBlobStore,
        dispatcher: FakeTaskDispatcher,
        clock: FakeClock,
        limits: UploadLimits,
        app_a: Principal,
        filing_id: FilingId,
    ) -> None:
        service = SubmissionService(
            database.uow_factory,
            blobs=blobs,
            dispatcher=dispatcher,
            clock=clock,
            assess=blurry_quality,
            limits=limits,
        )
        document = service.add_document(app_a, filing_id, data=png_bytes()).document
        assert not document.quality_ok
        assert document.pages[0].quality.problems[0].code == "blurry"

    def test_same_bytes_return_the_existing_document(
        self,
        submission: SubmissionService,
        app_a: Principal,
        filing_id: FilingId,
        database: FakeDatabase,
        dispatcher: FakeTaskDispatcher,
    ) -> None:
        data = jpeg_bytes()
        first = submission.add_document(app_a, filing_id, data=data)
        second = submission.add_document(app_a, filing_id, data=data)

        assert not second.created
        assert second.document.id == first.document.id
        assert len(database.store.documents) == 1
        assert len(dispatcher.analysed) == 1

    def test_a_racing_upload_of_the_same_bytes_gets_the_winners_document(
        self,
        submission: SubmissionService,
        app_a: Principal,
        filing_id: FilingId,
        database: FakeDatabase,
        dispatcher: FakeTaskDispatcher,
    ) -> None:
        data = jpeg_bytes()
        first = submission.add_document(app_a, filing_id, data=data)
        # Both uploads passed the "already stored?" check before either wrote its row.
        with patch.object(SubmissionService, "_existing_document", autospec=True) as check:
            check.return_value = None
            second = submission.add_document(app_a, filing_id, data=data)

        assert not second.created
        assert second.document.id == first.document.id
        assert len(database.store.documents) == 1
        assert len(dispatcher.analysed) == 1

    @pytest.mark.parametrize(
        ("data", "error"),
        [
            (b"PK\x03\x04" + b"\0" * 100, UnsupportedFileTypeError),
            (b"hello, this is text\n" * 10, UnsupportedFileTypeError),
            (jpeg_bytes()[:2000], CorruptFileError),
            (encrypted_pdf_bytes(), EncryptedPdfError),
            (pdf_bytes(pages=4), TooManyPagesError),
            (jpeg_bytes(document_image(width=2100, height=2000)), ImageTooLargeError),
        ],
        ids=["zip", "text", "truncated", "encrypted", "pages", "pixels"],
    )
    def test_refused_file_leaves_nothing(
        self,
        submission: SubmissionService,
        app_a: Principal,
        filing_id: FilingId,
        blobs: FakeBlobStore,
        database: FakeDatabase,
        dispatcher: FakeTaskDispatcher,
        data: bytes,
        error: type[FileError],
    ) -> None:
        with pytest.raises(error):
            submission.add_document(app_a, filing_id, data=data)
        assert not blobs.blobs
        assert not database.store.documents
        assert not dispatcher.analysed

    def test_refuses_empty_upload(
        self, submission: SubmissionService, app_a: Principal, filing_id: FilingId
    ) -> None:
        with pytest.raises(EmptyUploadError):
            submission.add_document(app_a, filing_id, data=b"")

    def test_refuses_upload_over_size_limit(
        self,
        submission: SubmissionService,
        app_a: Principal,
        filing_id: FilingId,
        limits: UploadLimits,
        blobs: FakeBlobStore,
    ) -> None:
        with pytest.raises(UploadTooLargeError) as raised:
            submission.add_document(app_a, filing_id, data=b"\xff\xd8\xff" * limits.max_bytes)
        assert raised.value.limit == limits.max_bytes
        assert not blobs.blobs

    def test_other_app_cannot_upload(
        self,
        submission: SubmissionService,
        app_b: Principal,
        filing_id: FilingId,
        blobs: FakeBlobStore,
    ) -> None:
        with pytest.raises(FilingNotFoundError):
            submission.add_document(app_b, filing_id, data=jpeg_bytes())
        assert not blobs.blobs

    def test_refuses_upload_after_submit(
        self,
        submission: SubmissionService,
        app_a: Principal,
        filing_id: FilingId,
    ) -> None:
        submission.add_document(app_a, filing_id, data=jpeg_bytes())
        submission.submit(app_a, filing_id)
        with pytest.raises(InvalidTransitionError) as raised:
            submission.add_document(app_a, filing_id, data=png_bytes())
        assert raised.value.action == "upload"

    def test_accepts_upload_when_materials_are_needed(
        self,
        submission: SubmissionService,
        app_a: Principal,
        filing_id: FilingId,
        database: FakeDatabase,
    ) -> None:
        filing = database.store.filings[filing_id]
        database.store.filings[filing_id] = replace(filing, status=FilingStatus.NEEDS_MATERIALS)
        assert submission.add_document(app_a, filing_id, data=jpeg_bytes()).created


class TestGetDocument:
    def test_finds_document_of_the_filing(
        self, submission: SubmissionService, app_a: Principal, filing_id: FilingId
    ) -> None:
        added = submission.add_document(app_a, filing_id, data=jpeg_bytes()).document
        assert submission.get_document_or_raise(app_a, filing_id, added.id) == added

    def test_document_of_another_filing_is_not_found(
        self,
        submission: SubmissionService,
        filings: FilingService,
        app_a: Principal,
        filing_id: FilingId,
    ) -> None:
        added = submission.add_document(app_a, filing_id, data=jpeg_bytes()).document
        other = filings.create(app_a, make_new_filing()).id
        with pytest.raises(DocumentNotFoundError):
            submission.get_document_or_raise(app_a, other, added.id)
        with pytest.raises(DocumentNotFoundError):
            submission.get_document_or_raise(app_a, filing_id, DocumentId(uuid.uuid4()))

    def test_other_app_gets_filing_not_found(
        self,
        submission: SubmissionService,
        app_a: Principal,
        app_b: Principal,
        filing_id: FilingId,
    ) -> None:
        added = submission.add_document(app_a, filing_id, data=jpeg_bytes()).document
        with pytest.raises(FilingNotFoundError):
            submission.get_document_or_raise(app_b, filing_id, added.id)


class TestSubmit:
    def test_submits_a_draft_with_a_document(
        self,
        submission: SubmissionService,
        app_a: Principal,
        filing_id: FilingId,
        clock: FakeClock,
        database: FakeDatabase,
    ) -> None:
        submission.add_document(app_a, filing_id, data=jpeg_bytes())
        clock.advance(minutes=5)

        filing = submission.submit(app_a, filing_id)

        assert filing.status is FilingStatus.SUBMITTED
        assert filing.submitted_at == clock.now()
        assert database.store.filings[filing_id] == filing

    def test_refuses_a_filing_without_documents(
        self,
        submission: SubmissionService,
        app_a: Principal,
        filing_id: FilingId,
        database: FakeDatabase,
    ) -> None:
        with pytest.raises(EmptyFilingError) as raised:
            submission.submit(app_a, filing_id)
        assert "no document" in raised.value.reason
        assert database.store.filings[filing_id].status is FilingStatus.DRAFT

    def test_refuses_submitting_twice(
        self, submission: SubmissionService, app_a: Principal, filing_id: FilingId
    ) -> None:
        submission.add_document(app_a, filing_id, data=jpeg_bytes())
        submission.submit(app_a, filing_id)
        with pytest.raises(InvalidTransitionError) as raised:
            submission.submit(app_a, filing_id)
        assert raised.value.current == "submitted"

    def test_other_app_cannot_submit(
        self,
        submission: SubmissionService,
        app_a: Principal,
        app_b: Principal,
        filing_id: FilingId,
    ) -> None:
        submission.add_document(app_a, filing_id, data=jpeg_bytes())
        with pytest.raises(FilingNotFoundError):
            submission.submit(app_b, filing_id)
