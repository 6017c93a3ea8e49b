"""Tasks dispatched through a real broker run the handlers on a real Celery worker."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from uuid import uuid4

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker

from api.tasks.celery import EXPIRE_FILINGS, CeleryTaskDispatcher, create_celery_app
from intake.domain import DocumentId, FilingId, JobId

pytestmark = pytest.mark.integration

WAIT_S = 20.0


class RecordingHandlers:
    """Task handlers that record what they were called with."""

    def __init__(self, *, expected: int) -> None:
        self.documents: list[DocumentId] = []
        self.filings: list[FilingId] = []
        self.sweeps = 0
        self.batches: list[tuple[JobId, list[FilingId]]] = []
        self.failed: list[tuple[JobId, list[FilingId], str]] = []
        self.fail_batches = False
        self._expected = expected
        self.done = threading.Event()

    def analyse_document(self, document_id: DocumentId) -> None:
        self.documents.append(document_id)
        self._check()

    def verify_filing(self, filing_id: FilingId) -> None:
        self.filings.append(filing_id)
        self._check()

    def expire_filings(self) -> None:
        self.sweeps += 1
        self._check()

    def reverify_batch(self, job_id: JobId, filing_ids: Sequence[FilingId]) -> None:
        self.batches.append((job_id, list(filing_ids)))
        if self.fail_batches:
            raise ConnectionError("database unavailable")
        self._check()

    def fail_batch(self, job_id: JobId, filing_ids: Sequence[FilingId], reason: str) -> None:
        self.failed.append((job_id, list(filing_ids), reason))
        self._check()

    def _check(self) -> None:
        done = len(self.documents) + len(self.filings) + self.sweeps + len(self.failed)
        if done + (0 if self.fail_batches else len(self.batches)) >= self._expected:
            self.done.set()


@pytest.fixture(params=["redis", "amqp"])
def queue_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def handlers() -> RecordingHandlers:
    return RecordingHandlers(expected=3)


@pytest.fixture
def app(queue_url: str, handlers: RecordingHandlers) -> Iterator[Celery]:
    """An app on a queue of its own, so parallel tests never take each other's tasks."""
    queue = f"testing-{uuid4().hex[:12]}"
    app = create_celery_app(queue_url, handlers=handlers, queue=queue)
    # Without AMQP heartbeats the in-thread worker stops in about a second
    # instead of waiting out a heartbeat interval; production keeps them.
    app.conf.broker_heartbeat = 0
    yield app
    with app.connection_for_write() as connection:
        connection.default_channel.queue_delete(queue)
    app.close()


class TestCeleryTasks:
    def test_dispatched_tasks_run_the_handlers_on_a_worker(
        self, app: Celery, handlers: RecordingHandlers
    ) -> None:
        dispatcher = CeleryTaskDispatcher(app)
        documents = [DocumentId(uuid4()), DocumentId(uuid4())]
        filing = FilingId(uuid4())
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            for document in documents:
                dispatcher.analyse_document(document)
            dispatcher.verify_filing(filing)
            assert handlers.done.wait(WAIT_S), "the worker did not run the tasks in time"
        assert handlers.documents == documents
        assert handlers.filings == [filing]

    def test_tasks_sent_before_the_worker_starts_wait_in_the_queue(
        self, app: Celery, handlers: RecordingHandlers
    ) -> None:
        dispatcher = CeleryTaskDispatcher(app)
        filings = [FilingId(uuid4()) for _ in range(3)]
        for filing in filings:
            dispatcher.verify_filing(filing)
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            assert handlers.done.wait(WAIT_S), "the worker did not run the queued tasks"
        assert handlers.filings == filings

    def test_the_expiry_sweep_runs_by_name(self, app: Celery) -> None:
        sweeps = RecordingHandlers(expected=1)
        sweep_app = create_celery_app(
            app.conf.broker_url, handlers=sweeps, queue=app.conf.task_default_queue
        )
        sweep_app.conf.broker_heartbeat = 0
        assert sweep_app.conf.beat_schedule["expire-filings"]["task"] == EXPIRE_FILINGS
        with start_worker(sweep_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            sweep_app.send_task(EXPIRE_FILINGS)
            assert sweeps.done.wait(WAIT_S), "the worker did not run the sweep"
        sweep_app.close()
        assert sweeps.sweeps == 1

    def test_a_reverify_batch_runs_and_a_failing_one_ends_failed(self, app: Celery) -> None:
        job = JobId(uuid4())
        filings = [FilingId(uuid4()) for _ in range(3)]
        ok = RecordingHandlers(expected=1)
        ok_app = create_celery_app(
            app.conf.broker_url, handlers=ok, queue=app.conf.task_default_queue
        )
        ok_app.conf.broker_heartbeat = 0
        with start_worker(ok_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            CeleryTaskDispatcher(ok_app).reverify_batch(job, filings)
            assert ok.done.wait(WAIT_S), "the worker did not run the batch"
        ok_app.close()
        assert ok.batches == [(job, filings)]

        broken = RecordingHandlers(expected=1)
        broken.fail_batches = True
        broken_app = create_celery_app(
            app.conf.broker_url,
            handlers=broken,
            queue=app.conf.task_default_queue,
            reverify_retries=1,
        )
        broken_app.conf.broker_heartbeat = 0
        with start_worker(broken_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            CeleryTaskDispatcher(broken_app).reverify_batch(job, filings)
            assert broken.done.wait(WAIT_S), "the failing batch was not given up"
        broken_app.close()
        assert len(broken.batches) == 2  # the first try and one retry
        ((failed_job, failed_ids, reason),) = broken.failed
        assert (failed_job, failed_ids) == (job, filings)
        assert "database unavailable" in reason
