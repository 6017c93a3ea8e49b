"""Webhook deliveries through Celery on Redis: dispatched after commit, swept when due."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker

from api.tasks.celery import SWEEP_WEBHOOKS, CeleryTaskDispatcher, create_celery_app
from api.webhook_http import HttpxWebhookTransport, resolve_host
from intake.deliveries import WebhookSender
from intake.domain import FilingStatus, Principal, Role, WebhookDelivery
from intake.egress import UrlPolicy
from intake.events import Decider, Event
from intake.ports import UnitOfWork
from intake.webhooks import WebhookOutbox, WebhookService
from storage.crypto import Keyring
from storage.sql import SqlUnitOfWork, sql_unit_of_work_factory
from storage.sql.engine import create_database_engine
from storage.sql.migrate import upgrade_database
from tests.factories import make_filing
from tests.fakes import FakeClock
from tests.integration.tasks.test_celery import RecordingHandlers
from tests.webhooks import Receiver, webhook_receiver

pytestmark = pytest.mark.integration

APP = Principal(role=Role.APP, key_id="app-a")
POLICY = UrlPolicy(allow_loopback=True)


def describe(uow: UnitOfWork, event: Event) -> dict[str, Any]:
    return {"filing": {"id": str(event.filing_id), "status": event.status}}


@pytest.fixture
def uow_factory(tmp_path: Path) -> Iterator[Callable[[], SqlUnitOfWork]]:
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    keyring = Keyring.generated()
    upgrade_database(url, keyring=keyring)
    engine = create_database_engine(url)
    yield sql_unit_of_work_factory(engine, keyring)
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sender(uow_factory: Callable[[], SqlUnitOfWork], clock: FakeClock) -> Iterator[WebhookSender]:
    transport = HttpxWebhookTransport(timeout_s=5, policy=POLICY)
    yield WebhookSender(uow_factory, transport=transport, clock=clock)
    transport.close()


@pytest.fixture
def celery_app(redis_url: str, sender: WebhookSender) -> Iterator[Celery]:
    """An app on a queue of its own, so parallel tests never take each other's tasks."""
    queue = f"testing-{uuid4().hex[:12]}"
    app = create_celery_app(
        redis_url, handlers=RecordingHandlers(expected=0), queue=queue, webhooks=sender
    )
    yield app
    with app.connection_for_write() as connection:
        connection.default_channel.queue_delete(queue)
    app.close()


def _register(
    uow_factory: Callable[[], SqlUnitOfWork], clock: FakeClock, receiver: Receiver
) -> WebhookService:
    service = WebhookService(uow_factory, clock=clock, policy=POLICY, resolve=resolve_host)
    endpoint = service.register(APP, url=receiver.url, events=["filing.decided"])
    receiver.secret = endpoint.secret
    receiver.clock = lambda: clock.now().timestamp()
    return service


def _decide(
    uow_factory: Callable[[], SqlUnitOfWork], clock: FakeClock, outbox: WebhookOutbox
) -> None:
    """Store a filing, then decide it and publish the event in one transaction."""
    filing = make_filing(owner=APP.key_id, status=FilingStatus.SUBMITTED)
    with uow_factory() as uow:
        uow.filings.add(filing)
        uow.commit()
    decided = replace(filing, status=FilingStatus.REJECTED)
    with uow_factory() as uow:
        uow.filings.update(decided)
        outbox.publish(uow, [Event.filing_decided(decided, by=Decider.REVIEWER, at=clock.now())])
        uow.commit()


def _once_attempted(service: WebhookService, *, times: int) -> WebhookDelivery:
    """The app's one delivery once the worker has logged ``times`` attempts."""
    (endpoint,) = service.endpoints(APP)
    for _ in range(400):
        (delivery,) = service.deliveries(APP, endpoint.id)
        if len(delivery.attempt_log) >= times:
            return delivery
        time.sleep(0.05)
    raise AssertionError(f"the worker logged fewer than {times} attempts")


class TestWebhooksOnCelery:
    def test_a_committed_event_is_delivered_by_a_worker_and_a_retry_by_the_sweep(
        self,
        celery_app: Celery,
        uow_factory: Callable[[], SqlUnitOfWork],
        clock: FakeClock,
    ) -> None:
        outbox = WebhookOutbox(
            describe=describe, dispatch=CeleryTaskDispatcher(celery_app).deliver_webhook
        )
        with (
            webhook_receiver(statuses=[502]) as receiver,
            start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10),
        ):
            service = _register(uow_factory, clock, receiver)
            _decide(uow_factory, clock, outbox)
            receiver.wait_for(1)
            clock.advance(seconds=10)
            celery_app.send_task(SWEEP_WEBHOOKS)
            requests = receiver.wait_for(2)
            delivery = _once_attempted(service, times=2)
        assert [a.status_code for a in delivery.attempt_log] == [502, 200]
        assert delivery.status.value == "delivered"
        assert all(r.signature_valid for r in requests)
        assert requests[0].body == requests[1].body
        assert b'"status":"rejected"' in requests[0].body
