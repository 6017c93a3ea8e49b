"""Tasks dispatched through a real broker run the handlers on a real Celery worker."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from uuid import uuid4

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker

from api.tasks.celery import EXPIRE_FILINGS, CeleryTaskDispatcher, create_celery_app
from intake.domain import DocumentId, FilingId

pytestmark = pytest.mark.integration

WAIT_S = 20.0


class RecordingHandlers:
    """Task handlers that record what they were called with."""

    def __init__(self, *, expected: int) -> None:
        self.documents: list[DocumentId] = []
        self.filings: list[FilingId] = []
        self.sweeps = 0
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

    def _check(self) -> None:
        if len(self.documents) + len(self.filings) + self.sweeps >= self._expected:
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
