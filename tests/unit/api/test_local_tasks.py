from __future__ import annotations

import os
import sys
import threading
import uuid
from collections.abc import Sequence

import pytest

from api.tasks.local import TASK_NICENESS, LocalTaskDispatcher
from intake.domain import DocumentId, FilingId, JobId


class _Handlers:
    def __init__(self) -> None:
        self.seen: list[uuid.UUID] = []
        self.threads: set[str] = set()
        self.niceness: set[int] = set()
        self.fail = False

    def analyse_document(self, document_id: DocumentId) -> None:
        self.threads.add(threading.current_thread().name)
        if sys.platform.startswith("linux"):
            self.niceness.add(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        if self.fail:
            raise RuntimeError("boom")
        self.seen.append(document_id)

    def verify_filing(self, filing_id: FilingId) -> None:
        self.seen.append(filing_id)

    def expire_filings(self) -> None:
        raise AssertionError("the local pool never sends the sweep; the server's thread does")

    def reverify_batch(self, job_id: JobId, filing_ids: Sequence[FilingId]) -> None:
        self.seen.append(job_id)
        self.seen.extend(filing_ids)

    def fail_batch(self, job_id: JobId, filing_ids: Sequence[FilingId], reason: str) -> None:
        raise AssertionError("the local pool never gives a batch up; the batch isolates failures")


class TestLocalTaskDispatcher:
    def test_runs_tasks_on_its_pool_and_drains_on_shutdown(self) -> None:
        handlers = _Handlers()
        dispatcher = LocalTaskDispatcher(handlers, max_workers=2)
        ids = [DocumentId(uuid.uuid4()) for _ in range(5)]
        filing = FilingId(uuid.uuid4())

        for document_id in ids:
            dispatcher.analyse_document(document_id)
        dispatcher.verify_filing(filing)
        dispatcher.shutdown(wait=True)

        assert sorted(map(str, handlers.seen)) == sorted(map(str, [*ids, filing]))
        assert all(name.startswith("intake-task") for name in handlers.threads)
        assert 1 <= len(handlers.threads) <= 2

    @pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
    def test_tasks_run_at_a_lower_priority_than_the_requests(self) -> None:
        handlers = _Handlers()
        dispatcher = LocalTaskDispatcher(handlers, max_workers=2)
        ours = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

        for _ in range(4):
            dispatcher.analyse_document(DocumentId(uuid.uuid4()))
        dispatcher.shutdown(wait=True)

        assert handlers.niceness == {min(ours + TASK_NICENESS, 19)}
        # The calling (request) thread keeps its own priority.
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == ours

    def test_a_failing_task_does_not_stop_the_pool(self) -> None:
        handlers = _Handlers()
        dispatcher = LocalTaskDispatcher(handlers, max_workers=1)
        handlers.fail = True
        dispatcher.analyse_document(DocumentId(uuid.uuid4()))
        dispatcher.shutdown(wait=True)

        handlers.fail = False
        dispatcher = LocalTaskDispatcher(handlers, max_workers=1)
        ok = DocumentId(uuid.uuid4())
        dispatcher.analyse_document(ok)
        dispatcher.shutdown(wait=True)
        assert handlers.seen == [ok]

    def test_runs_a_reverify_batch(self) -> None:
        handlers = _Handlers()
        dispatcher = LocalTaskDispatcher(handlers, max_workers=1)
        job = JobId(uuid.uuid4())
        filings = [FilingId(uuid.uuid4()) for _ in range(3)]
        dispatcher.reverify_batch(job, filings)
        dispatcher.shutdown(wait=True)
        assert handlers.seen == [job, *filings]
