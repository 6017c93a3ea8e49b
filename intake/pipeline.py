"""The per-filing pipeline: read each document, then verify once everything is read.

Task handlers call these two entry points. Reading happens as documents
arrive (so a filing is usually verified the moment it is submitted); the
analysis of the last document of a submitted filing runs verification
in the same task, and ``submit`` dispatches verification itself when every
document is already read.
"""

from __future__ import annotations

import structlog

from intake.analysis import AnalysisService
from intake.domain import DocumentId, FilingId
from intake.ports import UnitOfWorkFactory
from intake.verification import VerificationService

__all__ = ["Pipeline"]

log = structlog.get_logger(__name__)


class Pipeline:
    """Analysis followed by verification, as run by the task workers."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        analysis: AnalysisService,
        verification: VerificationService,
    ) -> None:
        self._uow_factory = uow_factory
        self._analysis = analysis
        self._verification = verification

    def analyse_document(self, document_id: DocumentId) -> None:
        """Read one document; verify its filing if that was the last one it waited for."""
        self._analysis.analyse_document(document_id)
        with self._uow_factory() as uow:
            document = uow.documents.get(document_id)
        if document is not None:
            self._verification.verify_filing(document.filing_id)

    def verify_filing(self, filing_id: FilingId) -> None:
        """Verify a submitted filing (nothing happens while a document is still being read)."""
        self._verification.verify_filing(filing_id)

    def expire_filings(self) -> None:
        """Expire approved and provisional filings past their last valid day."""
        self._verification.expire_filings()
