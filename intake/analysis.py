"""The per-document task: turn a stored original into checked, normalised pages.

:func:`measure_pages` is what the upload request does, so the app hears about
quality problems at once: it decodes every page and measures its quality,
nothing more. The page records it gives have no image yet (``Page.has_image``
is false). :func:`normalise_pages` is the one place an upload becomes page
images (normalised JPEG, its SHA-256 and perceptual hash); the task calls it.
The task is a pipeline of small steps on one document::

    load the original (checksum verified) -> confirm the pages, or make their
      images (keeping the quality measured at upload) -> read every page
      (reading cache first) -> record ``analysed`` with the document's kind
      (or ``failed`` with a reason, and the pages made so far)

Readings are cached by (page key, reader version): the same photo is never
read twice, whichever filing it arrives in. A PDF page's key also names its
file, whose text layer the reading judges (``Document.reading_key``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Final

import numpy as np
import numpy.typing as npt
import structlog

from intake.domain import Document, DocumentId, DocumentStatus, FilingId, Page, StoredReading
from intake.events import Event, Events, NoEvents
from intake.ports import BlobStore, PageReader, UnitOfWorkFactory
from ocr.domain import DocumentKind, PageReading, Quality
from ocr.images import (
    SNIFF_BYTES,
    FileType,
    decode_image,
    encode_jpeg,
    load_pages,
    pdf_text_layers,
    perceptual_hash,
    sniff_file_type,
)

__all__ = [
    "AnalysisService",
    "NormalisedPage",
    "QualityAssessor",
    "UploadLimits",
    "measure_pages",
    "normalise_pages",
]

log = structlog.get_logger(__name__)

QualityAssessor = Callable[[npt.NDArray[np.uint8]], Quality]
"""Measures one upright BGR page image (``ocr.quality.assess_quality`` in production)."""

NORMALISED_CONTENT_TYPE: Final = "image/jpeg"
_MAX_REASON_LENGTH: Final = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadLimits:
    """What an upload may be: its size, the pixels of a page and the pages of a PDF."""

    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_pages: int = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class NormalisedPage:
    """A page ready to store: its record and its normalised JPEG."""

    page: Page
    jpeg: bytes


def measure_pages(
    data: bytes, *, file_type: FileType, limits: UploadLimits, assess: QualityAssessor
) -> list[Page]:
    """Decode an upload within the limits and measure every page's quality (the upload's answer).

    The pages come without their image: no normalised JPEG, no image hash, no
    perceptual hash. The analysis task makes those (:func:`normalise_pages`).

    Args:
        data: The whole original file.
        file_type: Its type, sniffed from the bytes.
        limits: The pixel and page limits.
        assess: The quality check run on every page.

    Returns:
        One page record per page of the original, in order, ``has_image`` false.

    Raises:
        FileError: The file cannot be decoded or breaks a limit (``ocr.errors``).
    """
    pages = load_pages(
        data, file_type=file_type, max_pixels=limits.max_pixels, max_pages=limits.max_pages
    )
    records = []
    for page in pages:
        height, width = page.image.shape[:2]
        records.append(
            Page(
                number=page.number,
                image_sha256="",
                width=int(width),
                height=int(height),
                quality=assess(page.image),
            )
        )
    return records


def normalise_pages(
    data: bytes,
    *,
    file_type: FileType,
    limits: UploadLimits,
    assess: QualityAssessor,
    measured: Sequence[Page] = (),
) -> list[NormalisedPage]:
    """Decode an upload into normalised JPEG pages with their quality measured.

    Args:
        data: The whole original file.
        file_type: Its type, sniffed from the bytes.
        limits: The pixel and page limits.
        assess: The quality check run on every page not in ``measured``.
        measured: Pages measured already (at upload): a page of the same number
            and size keeps its quality, the answer the app was given.

    Returns:
        One normalised page per page of the original, in order.

    Raises:
        FileError: The file cannot be decoded or breaks a limit (``ocr.errors``).
    """
    pages = load_pages(
        data, file_type=file_type, max_pixels=limits.max_pixels, max_pages=limits.max_pages
    )
    known = {(p.number, p.width, p.height): p.quality for p in measured}
    normalised = []
    for page in pages:
        jpeg = encode_jpeg(page.image)
        height, width = (int(side) for side in page.image.shape[:2])
        quality = known.get((page.number, width, height))
        record = Page(
            number=page.number,
            image_sha256=hashlib.sha256(jpeg).hexdigest(),
            width=width,
            height=height,
            quality=quality if quality is not None else assess(page.image),
            phash=perceptual_hash(page.image),
        )
        normalised.append(NormalisedPage(page=record, jpeg=jpeg))
    return normalised


class AnalysisService:
    """Runs the per-document task; safe to run twice and never raises for a bad document."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        blobs: BlobStore,
        assess: QualityAssessor,
        limits: UploadLimits,
        reader: PageReader | None = None,
        events: Events | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._uow_factory = uow_factory
        self._blobs = blobs
        self._assess = assess
        self._limits = limits
        self._reader = reader
        self._events = events or NoEvents()
        self._now = now

    def analyse_document(self, document_id: DocumentId) -> DocumentStatus | None:
        """Confirm a received document's pages and mark it ``analysed`` or ``failed``.

        A document that is no longer ``received`` is left alone, so a task
        delivered twice does no work twice. Any failure to process the
        document is recorded on it (status ``failed``, ``failure_reason``)
        rather than raised: the worker must keep serving other documents.

        Args:
            document_id: The document to analyse.

        Returns:
            The document's status afterwards, or ``None`` if it does not exist.
        """
        with self._uow_factory() as uow:
            document = uow.documents.get(document_id)
        if document is None:
            log.warning("intake.analysis.document_missing", document_id=str(document_id))
            return None
        if document.status is not DocumentStatus.RECEIVED:
            log.info(
                "intake.analysis.skipped", document_id=str(document_id), status=document.status
            )
            return document.status
        pages: list[Page] | None = None
        try:
            original = self._blobs.get(document.sha256)
            pages = self._confirm_pages(document, original)
            readings = (
                self._read_pages(self._reader, document, pages, original)
                if self._reader is not None
                else []
            )
        # The task boundary: whatever went wrong with this one document (a missing
        # or damaged blob, an undecodable file, an adapter error) is recorded on it.
        except Exception as error:
            log.warning(
                "intake.analysis.failed",
                document_id=str(document_id),
                error=type(error).__name__,
                exc_info=True,
            )
            reason = f"{type(error).__name__}: {error}"[:_MAX_REASON_LENGTH]
            # Page images made before the failure are recorded: their blobs are written.
            return self._record(
                document_id, status=DocumentStatus.FAILED, reason=reason, pages=pages
            )
        kind, confidence = _document_kind(readings)
        return self._record(
            document_id,
            status=DocumentStatus.ANALYSED,
            pages=pages,
            kind=kind,
            kind_confidence=confidence,
        )

    def reread_filing(self, filing_id: FilingId) -> int:
        """Read every page of a filing's analysed documents again with the current reader.

        The new readings replace the cached ones for this reader version (bulk
        re-reading after an engine or model change). A document that cannot be
        read is left as it was.

        Returns:
            How many pages were read.
        """
        if self._reader is None:
            return 0
        with self._uow_factory() as uow:
            documents = [
                d
                for d in uow.documents.list_for_filing(filing_id)
                if d.status is DocumentStatus.ANALYSED and d.pages
            ]
        pages = 0
        for document in documents:
            original = self._blobs.get(document.sha256)
            pages += len(
                self._read_pages(self._reader, document, document.pages, original, again=True)
            )
        return pages

    def _read_pages(
        self,
        reader: PageReader,
        document: Document,
        pages: list[Page],
        original: bytes,
        *,
        again: bool = False,
    ) -> list[PageReading]:
        """Read every page, taking cached readings first (unless ``again``) and caching new ones."""
        version = reader.version
        readings: dict[int, PageReading] = {}
        if not again:
            with self._uow_factory() as uow:
                for page in pages:
                    stored = uow.readings.get(document.reading_key(page), version)
                    if stored is not None:
                        readings[page.number] = stored.reading
        missing = [p for p in pages if p.number not in readings]
        # A PDF page's text layer comes from the original; nothing is rendered again.
        text_layers = pdf_text_layers(original) if missing else {}
        for page in missing:
            image = decode_image(self._blobs.get(page.image_sha256))
            # The upload measured this page's quality on the same pixels already.
            reading = reader.read_page(
                image,
                page=page.number,
                text_layer=text_layers.get(page.number),
                quality=page.quality,
            )
            stored = StoredReading(
                image_sha256=document.reading_key(page), engine_version=version, reading=reading
            )
            with self._uow_factory() as uow:
                if again:
                    uow.readings.replace(stored)
                else:
                    uow.readings.put(stored)
                uow.commit()
            readings[page.number] = reading
        return [readings[p.number] for p in pages]

    def _confirm_pages(self, document: Document, original: bytes) -> list[Page]:
        """The document's pages with their images stored, made now when the upload left them out.

        A page recorded at upload has its quality and no image: the images are
        made here from the original (so is one whose blob was lost), keeping
        the quality the app was told. The blobs are written before the caller
        records the pages.
        """
        recorded = document.pages
        if recorded and all(p.has_image and self._blobs.exists(p.image_sha256) for p in recorded):
            return recorded
        made = bool(recorded) and not any(p.has_image for p in recorded)
        log.info(
            "intake.analysis.pages_made" if made else "intake.analysis.pages_rederived",
            document_id=str(document.id),
        )
        normalised = normalise_pages(
            original,
            file_type=sniff_file_type(original[:SNIFF_BYTES]),
            limits=self._limits,
            assess=self._assess,
            measured=recorded,
        )
        for page in normalised:
            self._blobs.put(page.jpeg, content_type=NORMALISED_CONTENT_TYPE)
        return [page.page for page in normalised]

    def _record(
        self,
        document_id: DocumentId,
        *,
        status: DocumentStatus,
        reason: str | None = None,
        pages: list[Page] | None = None,
        kind: DocumentKind | None = None,
        kind_confidence: float | None = None,
    ) -> DocumentStatus | None:
        with self._uow_factory() as uow:
            document = uow.documents.get(document_id)
            if document is None:
                return None
            if document.status is not DocumentStatus.RECEIVED:
                return document.status
            updated = replace(
                document,
                status=status,
                failure_reason=reason,
                pages=pages if pages is not None else document.pages,
                page_count=len(pages) if pages else document.page_count,
                kind=kind,
                kind_confidence=kind_confidence,
            )
            uow.documents.update(updated)
            filing = uow.filings.get(document.filing_id)
            if filing is not None:
                self._events.publish(
                    uow, [Event.document_analysed(filing, updated, at=self._now())]
                )
            uow.commit()
        log.info("intake.analysis.recorded", document_id=str(document_id), status=status.value)
        return status


def _document_kind(readings: list[PageReading]) -> tuple[DocumentKind | None, float | None]:
    """The document's kind: the most confident known kind found on its pages.

    A page may hold several documents (an ID card's two sides on one copy);
    the document row names the most confident one, and the readings keep all.
    """
    found = [d for r in readings for d in r.documents]
    if not found:
        return (None, None)
    known = [d for d in found if d.kind is not DocumentKind.UNKNOWN] or found
    best = max(known, key=lambda d: d.kind_confidence)
    return (best.kind, best.kind_confidence)
