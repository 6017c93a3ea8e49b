"""A dispatcher that keeps follow-up work in order until the caller runs it, in this thread.

``intake verify`` uses it: every file is checked and stored before the OCR
models load, then the queued analyses run, then submission queues the
verification. The tasks are the service's own (``IntakeTaskHandlers``), run
one after another instead of on a pool or a queue.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from api.tasks.celery import TaskHandlers
from intake.domain import DocumentId, FilingId

__all__ = ["QueuedTaskDispatcher"]


class QueuedTaskDispatcher:
    """Queues ``analyse_document`` and ``verify_filing`` until :meth:`run_pending`."""

    def __init__(self) -> None:
        self._pending: deque[Callable[[TaskHandlers], None]] = deque()

    def analyse_document(self, document_id: DocumentId) -> None:
        self._pending.append(lambda handlers: handlers.analyse_document(document_id))

    def verify_filing(self, filing_id: FilingId) -> None:
        self._pending.append(lambda handlers: handlers.verify_filing(filing_id))

    def run_pending(self, handlers: TaskHandlers) -> None:
        """Run every queued task in order, and the tasks they queue, until none is left.

        Args:
            handlers: The use cases behind the task names.
        """
        while self._pending:
            self._pending.popleft()(handlers)
