"""Adding documents to a filing and submitting it.

An upload is checked completely before anything is stored: the filing must
accept uploads, the size is within the limit, the type is sniffed from the
bytes, every page decodes within the pixel and page limits and has its
quality measured. Only then is the original written and, after it, the
document row with its pages: a row never points at a blob that is not there,
and a refused upload leaves nothing behind. The app is waiting, so the
upload does only what its answer needs: the normalised page images, their
hashes and perceptual hashes are made by the analysis task, dispatched only
after the transaction committed.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

import structlog

from intake.analysis import QualityAssessor, UploadLimits, measure_pages
from intake.domain import (
    Document,
    DocumentId,
    Filing,
    FilingId,
    FilingStatus,
    Page,
    Principal,
)
from intake.errors import (
    DocumentNotFoundError,
    DuplicateDocumentError,
    EmptyFilingError,
    EmptyUploadError,
    UploadTooLargeError,
)
from intake.filings import visible_filing_or_raise
from intake.ports import BlobStore, Clock, TaskDispatcher, UnitOfWork, UnitOfWorkFactory
from intake.workflow import ensure_accepts_uploads, ensure_transition
from ocr.domain import DocumentKind
from ocr.images import SNIFF_BYTES, FileType, sniff_file_type

__all__ = ["AddedDocument", "SubmissionService"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class AddedDocument:
    """The outcome of an upload: the document, and whether this upload created it."""

    document: Document
    created: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PreparedUpload:
    """An upload checked and its pages measured, ready to store."""

    data: bytes
    sha256: str
    file_type: FileType
    pages: list[Page]
    """Measured pages without their images (the analysis task makes those)."""


class SubmissionService:
    """Add documents to a filing, look them up, and submit the filing."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        blobs: BlobStore,
        dispatcher: TaskDispatcher,
        clock: Clock,
        assess: QualityAssessor,
        limits: UploadLimits,
        new_id: Callable[[], uuid.UUID] = uuid.uuid4,
    ) -> None:
        self._uow_factory = uow_factory
        self._blobs = blobs
        self._dispatcher = dispatcher
        self._clock = clock
        self._assess = assess
        self._limits = limits
        self._new_id = new_id

    @property
    def limits(self) -> UploadLimits:
        return self._limits

    def add_document(
        self,
        principal: Principal,
        filing_id: FilingId,
        *,
        data: bytes,
        declared_kind: DocumentKind | None = None,
    ) -> AddedDocument:
        """Check an upload, store it and schedule its analysis (the three steps below in one).

        The same bytes uploaded to the same filing again return the stored
        document (``created=False``) without storing anything.

        Raises:
            FilingNotFoundError: The caller may not see the filing.
            InvalidTransitionError: The filing does not accept uploads in its status.
            EmptyUploadError: No bytes.
            UploadTooLargeError: More bytes than the limit.
            FileError: Unsupported type, corrupt, encrypted, too many pages or
                pixels (``ocr.errors``).
        """
        existing = self.find_existing(principal, filing_id, data=data)
        if existing is not None:
            return existing
        prepared = self.prepare(data)
        return self.store(principal, filing_id, prepared, declared_kind=declared_kind)

    def find_existing(
        self, principal: Principal, filing_id: FilingId, *, data: bytes
    ) -> AddedDocument | None:
        """The document these bytes already are in the filing, if any (storage I/O only).

        Raises:
            FilingNotFoundError: The caller may not see the filing.
            InvalidTransitionError: The filing does not accept uploads in its status.
        """
        sha256 = hashlib.sha256(data).hexdigest()
        with self._uow_factory() as uow:
            existing = self._existing_document(uow, principal, filing_id, sha256=sha256)
        return AddedDocument(document=existing, created=False) if existing else None

    def prepare(self, data: bytes) -> PreparedUpload:
        """Sniff and decode an upload and measure its pages' quality (CPU only, no I/O).

        Raises:
            EmptyUploadError, UploadTooLargeError, FileError: as :meth:`add_document`.
        """
        if not data:
            raise EmptyUploadError
        if len(data) > self._limits.max_bytes:
            raise UploadTooLargeError(limit=self._limits.max_bytes)
        file_type = sniff_file_type(data[:SNIFF_BYTES])
        pages = measure_pages(data, file_type=file_type, limits=self._limits, assess=self._assess)
        return PreparedUpload(
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
            file_type=file_type,
            pages=pages,
        )

    def store(
        self,
        principal: Principal,
        filing_id: FilingId,
        prepared: PreparedUpload,
        *,
        declared_kind: DocumentKind | None = None,
    ) -> AddedDocument:
        """Store a prepared upload (the original, then its row) and schedule its analysis (I/O).

        Raises:
            FilingNotFoundError, InvalidTransitionError: as :meth:`find_existing`.
        """
        data, sha256, file_type, pages = (
            prepared.data,
            prepared.sha256,
            prepared.file_type,
            prepared.pages,
        )
        # Blob before row: a crash in between leaves an unreferenced blob for
        # `intake gc`, never a row pointing at nothing.
        self._blobs.put(data, content_type=file_type.content_type)
        document = Document(
            id=DocumentId(self._new_id()),
            filing_id=filing_id,
            sha256=sha256,
            size=len(data),
            content_type=file_type.content_type,
            page_count=len(pages),
            created_at=self._clock.now(),
            declared_kind=declared_kind,
            pages=list(pages),
        )
        try:
            with self._uow_factory() as uow:
                # Checked again inside the writing transaction: the filing may have
                # been submitted, or the same bytes stored, while the pages decoded.
                existing = self._existing_document(uow, principal, filing_id, sha256=sha256)
                if existing is not None:
                    return AddedDocument(document=existing, created=False)
                uow.documents.add(document)
                uow.commit()
        except DuplicateDocumentError:
            # The same file arrived twice at once and the other upload won.
            with self._uow_factory() as uow:
                found = uow.documents.find_by_sha256(filing_id, sha256)
            if found is None:
                raise
            return AddedDocument(document=found, created=False)
        log.info(
            "intake.document.received",
            filing_id=str(filing_id),
            document_id=str(document.id),
            content_type=document.content_type,
            pages=document.page_count,
            quality_ok=document.quality_ok,
        )
        self._dispatcher.analyse_document(document.id)
        return AddedDocument(document=document, created=True)

    def get_document_or_raise(
        self, principal: Principal, filing_id: FilingId, document_id: DocumentId
    ) -> Document:
        """Load one document of a filing the caller may see.

        Args:
            principal: The caller.
            filing_id: The filing.
            document_id: The document.

        Returns:
            The document with its pages.

        Raises:
            FilingNotFoundError: The caller may not see the filing.
            DocumentNotFoundError: The filing has no such document.
        """
        with self._uow_factory() as uow:
            visible_filing_or_raise(uow, principal, filing_id)
            document = uow.documents.get(document_id)
        if document is None or document.filing_id != filing_id:
            raise DocumentNotFoundError(document_id)
        return document

    def submit(self, principal: Principal, filing_id: FilingId) -> Filing:
        """Submit a draft (or a filing that needed materials) for verification.

        Args:
            principal: The caller.
            filing_id: The filing.

        Returns:
            The filing, now ``submitted`` with ``submitted_at`` set.

        Raises:
            FilingNotFoundError: The caller may not see the filing.
            InvalidTransitionError: Its status does not allow submitting.
            EmptyFilingError: It has no document.
        """
        with self._uow_factory() as uow:
            filing = visible_filing_or_raise(uow, principal, filing_id)
            ensure_transition(filing.status, FilingStatus.SUBMITTED, action="submit")
            if not uow.documents.list_for_filing(filing_id):
                raise EmptyFilingError(current=filing.status.value)
            now = self._clock.now()
            submitted = replace(
                filing, status=FilingStatus.SUBMITTED, submitted_at=now, updated_at=now
            )
            uow.filings.update(submitted)
            uow.commit()
        # Verification waits for every document to be read; when they all are,
        # this is the call that starts it.
        self._dispatcher.verify_filing(filing_id)
        log.info("intake.filing.submitted", filing_id=str(filing_id))
        return submitted

    @staticmethod
    def _existing_document(
        uow: UnitOfWork, principal: Principal, filing_id: FilingId, *, sha256: str
    ) -> Document | None:
        filing = visible_filing_or_raise(uow, principal, filing_id)
        existing = uow.documents.find_by_sha256(filing_id, sha256)
        if existing is None:
            ensure_accepts_uploads(filing.status)
        return existing
