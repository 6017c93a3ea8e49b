"""Queue depth and readiness read from real Redis and RabbitMQ; request ids through Celery."""

from __future__ import annotations

import time
from collections.abc import Iterator
from uuid import uuid4

import pytest
import structlog
from celery import Celery
from celery.contrib.testing.worker import start_worker

from api.request_id import LOG_KEY
from api.tasks.broker import AmqpQueueProbe, RedisQueueProbe, open_queue_probe
from api.tasks.celery import VERIFY_FILING, CeleryTaskDispatcher, create_celery_app
from intake.domain import DocumentId, FilingId
from tests.fakes import RequestIdHandlers
from tests.live import free_port

pytestmark = pytest.mark.integration

WAIT_S = 20.0


@pytest.fixture(params=["redis", "amqp"])
def queue_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def handlers() -> RequestIdHandlers:
    return RequestIdHandlers()


@pytest.fixture
def app(queue_url: str, handlers: RequestIdHandlers) -> Iterator[Celery]:
    """An app on a queue of its own, so parallel tests never count each other's tasks."""
    queue = f"testing-{uuid4().hex[:12]}"
    app = create_celery_app(queue_url, handlers=handlers, queue=queue)
    app.conf.broker_heartbeat = 0
    yield app
    with app.connection_for_write() as connection:
        connection.default_channel.queue_delete(queue)
    app.close()


def _wait_for_depth(probe: RedisQueueProbe | AmqpQueueProbe, queue: str, depth: int) -> int:
    # RabbitMQ counts a published message a moment after the publish returns.
    deadline = time.monotonic() + WAIT_S
    seen = -1
    while time.monotonic() < deadline:
        depths = probe.depths()
        assert depths is not None
        seen = depths[queue]
        if seen == depth:
            break
        time.sleep(0.05)
    return seen


class TestQueueProbe:
    def test_counts_the_tasks_waiting(self, app: Celery, queue_url: str) -> None:
        queue = app.conf.task_default_queue
        probe = open_queue_probe(queue_url, queues=[queue])
        try:
            assert probe.is_ready()
            assert probe.depths() == {queue: 0}  # never used: no list, no queue yet
            dispatcher = CeleryTaskDispatcher(app)
            for _ in range(3):
                dispatcher.analyse_document(DocumentId(uuid4()))
            # On Redis a prioritised task waits in a list of its own; it is counted too.
            app.send_task(VERIFY_FILING, args=[str(uuid4())], priority=9)
            assert _wait_for_depth(probe, queue, 4) == 4
        finally:
            probe.close()

    def test_counts_each_queue_on_its_own(self, app: Celery, queue_url: str) -> None:
        queue = app.conf.task_default_queue
        other = f"testing-{uuid4().hex[:12]}"
        probe = open_queue_probe(queue_url, queues=[queue, other])
        try:
            CeleryTaskDispatcher(app).verify_filing(FilingId(uuid4()))
            assert _wait_for_depth(probe, queue, 1) == 1
            assert probe.depths() == {queue: 1, other: 0}
        finally:
            probe.close()

    @pytest.mark.parametrize(
        "url", ["redis://127.0.0.1:{port}/0", "amqp://guest:guest@127.0.0.1:{port}//"]
    )
    def test_an_unreachable_broker_is_not_ready_and_has_no_depth(self, url: str) -> None:
        probe = open_queue_probe(url.format(port=free_port()), queues=["intake"])
        try:
            assert probe.is_ready() is False
            assert probe.depths() is None
        finally:
            probe.close()

    def test_refuses_other_urls(self) -> None:
        with pytest.raises(ValueError, match="redis:// or amqp://"):
            open_queue_probe("local://", queues=["intake"])


class TestRequestIdThroughCelery:
    def test_a_task_sent_in_a_request_logs_with_its_id(
        self, app: Celery, handlers: RequestIdHandlers
    ) -> None:
        dispatcher = CeleryTaskDispatcher(app)
        with structlog.contextvars.bound_contextvars(**{LOG_KEY: "req-celery-01"}):
            dispatcher.analyse_document(DocumentId(uuid4()))
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            assert handlers.started.wait(WAIT_S), "the worker did not run the task in time"
            handlers.started.clear()
            dispatcher.verify_filing(FilingId(uuid4()))  # sent outside any request
            assert handlers.started.wait(WAIT_S), "the worker did not run the task in time"
        assert handlers.seen == ["req-celery-01", None]
