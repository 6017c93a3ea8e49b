"""What the task names run: the pipeline behind ``analyse_document`` and ``verify_filing``."""

from __future__ import annotations

from intake.domain import DocumentId, FilingId
from intake.pipeline import Pipeline


class IntakeTaskHandlers:
    """Implements ``TaskHandlers`` for the local pool and the Celery worker alike."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    def analyse_document(self, document_id: DocumentId) -> None:
        self._pipeline.analyse_document(document_id)

    def verify_filing(self, filing_id: FilingId) -> None:
        self._pipeline.verify_filing(filing_id)

    def expire_filings(self) -> None:
        self._pipeline.expire_filings()
