"""What the task names run: the use cases behind ``analyse_document`` and ``verify_filing``."""

from __future__ import annotations

import structlog

from intake.analysis import AnalysisService
from intake.domain import DocumentId, FilingId

log = structlog.get_logger(__name__)


class IntakeTaskHandlers:
    """Implements ``TaskHandlers`` for the local pool and the Celery worker alike."""

    def __init__(self, analysis: AnalysisService) -> None:
        self._analysis = analysis

    def analyse_document(self, document_id: DocumentId) -> None:
        self._analysis.analyse_document(document_id)

    def verify_filing(self, filing_id: FilingId) -> None:
        # Verification arrives with the verifiers; until then a submitted filing waits.
        log.info("api.task.verify_filing.pending", filing_id=str(filing_id))
