from __future__ import annotations

import uuid
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pytest

from intake.analysis import AnalysisService, UploadLimits
from intake.domain import DocumentId, DocumentStatus, Principal
from intake.events import EventKind
from intake.filings import FilingService
from intake.submission import SubmissionService
from ocr.domain import DocumentKind, DocumentReading, PageReading, PdfPageLayer
from ocr.images import decode_image
from tests.factories import (
    blurry_quality,
    document_image,
    jpeg_bytes,
    make_new_filing,
    ok_quality,
    pdf_bytes,
)
from tests.fakes import FakeBlobStore, FakeDatabase, FakeReader, RecordedEvents
from tests.pdfs import PdfPage, PdfText, build_pdf, photo_jpeg

Image = npt.NDArray[np.uint8]


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
        analysis.analyse_document(document_id)
        before = database.store.documents[document_id]
        database.store.documents[document_id] = replace(before, status=DocumentStatus.RECEIVED)

        assert analysis.analyse_document(document_id) is DocumentStatus.ANALYSED

        after = database.store.documents[document_id]
        assert after.status is DocumentStatus.ANALYSED
        assert after.pages == before.pages
        assert after.failure_reason is None

    def test_makes_the_page_images_the_upload_left_out(
        self,
        analysis: AnalysisService,
        document_id: DocumentId,
        database: FakeDatabase,
        blobs: FakeBlobStore,
    ) -> None:
        uploaded = database.store.documents[document_id].pages
        assert [p.has_image for p in uploaded] == [False, False]
        stored_before = set(blobs.blobs)

        assert analysis.analyse_document(document_id) is DocumentStatus.ANALYSED

        pages = database.store.documents[document_id].pages
        assert [p.number for p in pages] == [1, 2]
        for made, measured in zip(pages, uploaded, strict=True):
            assert made.has_image
            assert len(made.phash) == 16
            assert blobs.content_types[made.image_sha256] == "image/jpeg"
            assert decode_image(blobs.get(made.image_sha256)).shape[:2] == (
                measured.height,
                measured.width,
            )
            # The quality the app was told at upload is the one kept.
            assert made.quality == measured.quality
        assert set(blobs.blobs) - stored_before == {p.image_sha256 for p in pages}

    def test_keeps_the_quality_measured_at_upload(
        self,
        analysis: AnalysisService,
        document_id: DocumentId,
        database: FakeDatabase,
    ) -> None:
        document = database.store.documents[document_id]
        told = blurry_quality(np.zeros((1, 1, 3), np.uint8))
        database.store.documents[document_id] = replace(
            document, pages=[replace(p, quality=told) for p in document.pages]
        )

        analysis.analyse_document(document_id)

        pages = database.store.documents[document_id].pages
        assert all(p.has_image and p.quality == told for p in pages)

    def test_page_images_made_before_a_failure_are_recorded(
        self,
        database: FakeDatabase,
        blobs: FakeBlobStore,
        limits: UploadLimits,
        document_id: DocumentId,
    ) -> None:
        class BrokenReader(FakeReader):
            def read_page(self, *args: object, **kwargs: object) -> PageReading:
                raise RuntimeError("model crashed")

        analysis = AnalysisService(
            database.uow_factory,
            blobs=blobs,
            assess=ok_quality,
            limits=limits,
            reader=BrokenReader(),
        )

        assert analysis.analyse_document(document_id) is DocumentStatus.FAILED

        pages = database.store.documents[document_id].pages
        assert all(p.has_image and blobs.exists(p.image_sha256) for p in pages)

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
        analysis.analyse_document(document_id)
        document = database.store.documents[document_id]
        database.store.documents[document_id] = replace(document, status=DocumentStatus.RECEIVED)
        pages = document.pages
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

        assert analysis.analyse_document(document_id) is DocumentStatus.FAILED
        reason = database.store.documents[document_id].failure_reason
        assert reason is not None
        assert reason.startswith("CorruptFileError")

    def test_unknown_document_is_ignored(self, analysis: AnalysisService) -> None:
        assert analysis.analyse_document(DocumentId(uuid.uuid4())) is None


class TestReading:
    def _reading_analysis(
        self, database: FakeDatabase, blobs: FakeBlobStore, limits: UploadLimits, reader: FakeReader
    ) -> AnalysisService:
        return AnalysisService(
            database.uow_factory, blobs=blobs, assess=ok_quality, limits=limits, reader=reader
        )

    def _upload(
        self, filings: FilingService, submission: SubmissionService, app_a: Principal, image: Image
    ) -> DocumentId:
        filing = filings.create(app_a, make_new_filing())
        return submission.add_document(app_a, filing.id, data=jpeg_bytes(image)).document.id

    def test_reads_every_page_and_records_the_most_confident_known_kind(
        self,
        database: FakeDatabase,
        blobs: FakeBlobStore,
        limits: UploadLimits,
        filings: FilingService,
        submission: SubmissionService,
        app_a: Principal,
    ) -> None:
        reader = FakeReader()
        image = document_image(seed=3)
        reader.register(image, (_found(0, DocumentKind.UNKNOWN, 0.99), _found(1, FRONT, 0.9)))
        document_id = self._upload(filings, submission, app_a, image)

        events = RecordedEvents()
        analysis = AnalysisService(
            database.uow_factory,
            blobs=blobs,
            assess=ok_quality,
            limits=limits,
            reader=reader,
            events=events,
        )
        analysis.analyse_document(document_id)
        analysis.analyse_document(document_id)  # delivered twice: told once

        document = database.store.documents[document_id]
        assert document.status is DocumentStatus.ANALYSED
        assert (document.kind, document.kind_confidence) == (FRONT, 0.9)
        cached = database.store.readings
        assert len(cached) == 1
        (event,) = events.events
        assert (event.kind, event.document_id, event.filing_id) == (
            EventKind.DOCUMENT_ANALYSED,
            document_id,
            document.filing_id,
        )
        assert (event.status, event.owner) == ("analysed", app_a.key_id)

    def test_the_same_image_is_never_read_twice(
        self,
        database: FakeDatabase,
        blobs: FakeBlobStore,
        limits: UploadLimits,
        filings: FilingService,
        submission: SubmissionService,
        app_a: Principal,
    ) -> None:
        reader = FakeReader()
        image = document_image(seed=4)
        analysis = self._reading_analysis(database, blobs, limits, reader)
        # The same photo in two filings: one reading, cached by the page image hash.
        for _ in range(2):
            analysis.analyse_document(self._upload(filings, submission, app_a, image))
        assert reader.calls == 1

    def test_a_scan_under_another_text_layer_is_read_against_its_own_file(
        self,
        database: FakeDatabase,
        blobs: FakeBlobStore,
        limits: UploadLimits,
        filings: FilingService,
        submission: SubmissionService,
        app_a: Principal,
    ) -> None:
        # One scan, once as a plain PDF and once under a layer that its page does not show.
        scan = photo_jpeg(document_image(seed=6))
        hidden = [PdfText(text="上海市居住证 公民身份号码", x=60, y=80, mode=3)]
        plain, forged = (build_pdf([PdfPage(image=scan, texts=texts)]) for texts in ([], hidden))

        layers: list[int] = []

        class LayerReader(FakeReader):
            def read_page(self, *args: object, **kwargs: object) -> PageReading:
                layer = kwargs.get("text_layer")
                layers.append(len(layer.lines) if isinstance(layer, PdfPageLayer) else 0)
                return super().read_page(*args, **kwargs)  # type: ignore[arg-type]

        reader = LayerReader()
        analysis = self._reading_analysis(database, blobs, limits, reader)
        documents = []
        for data in (plain, forged):
            filing = filings.create(app_a, make_new_filing())
            document = submission.add_document(app_a, filing.id, data=data).document
            analysis.analyse_document(document.id)
            documents.append(database.store.documents[document.id])

        first, second = (d.pages[0] for d in documents)
        assert first.image_sha256 == second.image_sha256
        assert layers == [0, 1]
        keys = {d.reading_key(d.pages[0]) for d in documents}
        assert len(keys) == 2
        assert all(key[0] in keys for key in database.store.readings)

    def test_reread_replaces_the_cached_reading(
        self,
        database: FakeDatabase,
        blobs: FakeBlobStore,
        limits: UploadLimits,
        filings: FilingService,
        submission: SubmissionService,
        app_a: Principal,
    ) -> None:
        reader = FakeReader()
        image = document_image(seed=7)
        analysis = self._reading_analysis(database, blobs, limits, reader)
        filing = filings.create(app_a, make_new_filing())
        document = submission.add_document(app_a, filing.id, data=jpeg_bytes(image)).document
        analysis.analyse_document(document.id)
        (before,) = database.store.readings.values()
        assert before.reading.documents[0].kind is DocumentKind.UNKNOWN
        reader.register(image, (_found(0, FRONT, 0.97),))
        assert analysis.reread_filing(filing.id) == 1
        assert reader.calls == 2
        (after,) = database.store.readings.values()
        assert after.reading.documents[0].kind is FRONT

    def test_a_reader_failure_fails_the_document_with_its_reason(
        self,
        database: FakeDatabase,
        blobs: FakeBlobStore,
        limits: UploadLimits,
        filings: FilingService,
        submission: SubmissionService,
        app_a: Principal,
    ) -> None:
        class BrokenReader(FakeReader):
            def read_page(self, *args: object, **kwargs: object) -> PageReading:
                raise RuntimeError("model crashed")

        document_id = self._upload(filings, submission, app_a, document_image(seed=5))
        status = self._reading_analysis(database, blobs, limits, BrokenReader()).analyse_document(
            document_id
        )

        assert status is DocumentStatus.FAILED
        assert "model crashed" in (database.store.documents[document_id].failure_reason or "")
        assert database.store.readings == {}


FRONT = DocumentKind.ID_CARD_FRONT


def _found(index: int, kind: DocumentKind, confidence: float) -> DocumentReading:
    return DocumentReading(
        index=index, box=(0.0, 0.0, 0.5, 0.5), kind=kind, kind_confidence=confidence
    )
