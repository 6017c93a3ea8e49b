"""What the task names run: the pipeline behind ``analyse_document`` and ``verify_filing``,
and the bulk re-verification behind ``reverify_batch``."""

from __future__ import annotations

from collections.abc import Sequence

from intake.domain import DocumentId, FilingId, JobId
from intake.pipeline import Pipeline
from intake.reverify import ReverifyService


class IntakeTaskHandlers:
    """Implements ``TaskHandlers`` for the local pool and the Celery worker alike."""

    def __init__(self, pipeline: Pipeline, reverify: ReverifyService) -> None:
        self._pipeline = pipeline
        self._reverify = reverify

    def analyse_document(self, document_id: DocumentId) -> None:
        self._pipeline.analyse_document(document_id)

    def verify_filing(self, filing_id: FilingId) -> None:
        self._pipeline.verify_filing(filing_id)

    def expire_filings(self) -> None:
        self._pipeline.expire_filings()

    def reverify_batch(self, job_id: JobId, filing_ids: Sequence[FilingId]) -> None:
        self._reverify.run_batch(job_id, filing_ids)

    def fail_batch(self, job_id: JobId, filing_ids: Sequence[FilingId], reason: str) -> None:
        self._reverify.fail_batch(job_id, filing_ids, reason)
