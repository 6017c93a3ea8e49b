"""The webhook repository on SQLite and PostgreSQL: endpoints, the outbox, claims, sealing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import Engine, select

from intake.domain import (
    DeliveryAttempt,
    DeliveryId,
    DeliveryStatus,
    FilingId,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookId,
)
from storage.crypto import Keyring
from storage.sql import SqlUnitOfWork, sql_unit_of_work_factory
from storage.sql.rekey import key_usage, reseal_database
from storage.sql.tables import webhook_attempt, webhook_delivery, webhook_endpoint

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
SECRET = "whsec_do-not-store-me-in-the-clear"  # noqa: S105  # a test value
BODY = '{"data":{"filing":{"applicant":{"name":"王大明"}}},"type":"filing.decided"}'


def _endpoint(
    owner: str = "app-a", *, events: tuple[str, ...] = ("filing.decided",), n: int = 0
) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=WebhookId(uuid4()),
        owner=owner,
        url=f"https://hooks.example.com/{n}",
        events=events,
        secret=SECRET,
        created_at=NOW + timedelta(seconds=n),
    )


def _delivery(endpoint: WebhookEndpoint, *, at: datetime = NOW) -> WebhookDelivery:
    return WebhookDelivery(
        id=DeliveryId(uuid4()),
        endpoint_id=endpoint.id,
        owner=endpoint.owner,
        event="filing.decided",
        event_id=uuid4(),
        filing_id=FilingId(uuid4()),
        created_at=at,
        body=BODY,
        next_attempt_at=at,
    )


def _store(
    uow_factory: Callable[[], SqlUnitOfWork], *endpoints: WebhookEndpoint
) -> list[WebhookDelivery]:
    deliveries = [_delivery(e) for e in endpoints]
    with uow_factory() as uow:
        for endpoint in endpoints:
            uow.webhooks.add_endpoint(endpoint)
        for delivery in deliveries:
            uow.webhooks.add_delivery(delivery)
        uow.commit()
    return deliveries


class TestEndpoints:
    def test_endpoints_are_kept_per_owner_and_filtered_by_event(
        self, uow_factory: Callable[[], SqlUnitOfWork]
    ) -> None:
        decided = _endpoint(n=1)
        expired = _endpoint(events=("filing.expired",), n=2)
        both = _endpoint(events=("filing.decided", "filing.expired"), n=3)
        other = _endpoint("app-b", n=4)
        with uow_factory() as uow:
            for endpoint in (both, decided, expired, other):
                uow.webhooks.add_endpoint(endpoint)
            uow.commit()
        with uow_factory() as uow:
            assert uow.webhooks.list_endpoints(owner="app-a") == [decided, expired, both]
            assert uow.webhooks.endpoints_for(owner="app-a", event="filing.decided") == [
                decided,
                both,
            ]
            assert uow.webhooks.endpoints_for(owner="app-b", event="filing.expired") == []
            assert uow.webhooks.get_endpoint(other.id) == other

    def test_deleting_an_endpoint_takes_its_deliveries_and_attempts(
        self, uow_factory: Callable[[], SqlUnitOfWork], database_engine: Engine
    ) -> None:
        endpoint = _endpoint()
        (delivery,) = _store(uow_factory, endpoint)
        attempt = DeliveryAttempt(
            number=1, at=NOW, status_code=500, error="HTTP 500", duration_ms=3
        )
        with uow_factory() as uow:
            uow.webhooks.record_attempt(replace(delivery, attempts=1), attempt)
            assert uow.webhooks.delete_endpoint(endpoint.id)
            assert not uow.webhooks.delete_endpoint(endpoint.id)
            uow.commit()
        with database_engine.connect() as connection:
            for table in (webhook_endpoint, webhook_delivery, webhook_attempt):
                assert connection.execute(select(table)).first() is None


class TestDeliveries:
    def test_the_log_holds_every_attempt_newest_delivery_first(
        self, uow_factory: Callable[[], SqlUnitOfWork]
    ) -> None:
        endpoint = _endpoint()
        older, newer = _delivery(endpoint), _delivery(endpoint, at=NOW + timedelta(seconds=5))
        with uow_factory() as uow:
            uow.webhooks.add_endpoint(endpoint)
            uow.webhooks.add_delivery(older)
            uow.webhooks.add_delivery(newer)
            uow.commit()
        first = DeliveryAttempt(
            number=1, at=NOW, status_code=None, error="timed out", duration_ms=9
        )
        second = DeliveryAttempt(number=2, at=NOW, status_code=200, error=None, duration_ms=4)
        with uow_factory() as uow:
            retry = replace(older, attempts=1, next_attempt_at=NOW + timedelta(seconds=10))
            uow.webhooks.record_attempt(retry, first)
            done = replace(
                retry,
                attempts=2,
                status=DeliveryStatus.DELIVERED,
                next_attempt_at=None,
                delivered_at=NOW,
            )
            uow.webhooks.record_attempt(done, second)
            uow.commit()
        with uow_factory() as uow:
            page = uow.webhooks.list_deliveries(endpoint.id)
            assert [d.id for d in page] == [newer.id, older.id]
            assert page[1] == replace(done, attempt_log=(first, second))
            assert page[1].body == BODY
            assert uow.webhooks.list_deliveries(endpoint.id, before=newer.id) == [page[1]]
            assert uow.webhooks.list_deliveries(endpoint.id, limit=1) == [page[0]]

    def test_due_and_claim_respect_the_schedule_and_the_lease(
        self, uow_factory: Callable[[], SqlUnitOfWork]
    ) -> None:
        (delivery,) = _store(uow_factory, _endpoint())
        lease = NOW + timedelta(minutes=1)
        with uow_factory() as uow:
            assert uow.webhooks.due(now=NOW - timedelta(seconds=1), limit=10) == []
            assert uow.webhooks.due(now=NOW, limit=10) == [delivery.id]
            assert uow.webhooks.claim(delivery.id, now=NOW, until=lease)
            uow.commit()
        with uow_factory() as uow:  # a second worker
            assert not uow.webhooks.claim(delivery.id, now=NOW, until=lease)
            assert uow.webhooks.due(now=NOW + timedelta(seconds=59), limit=10) == []
            assert uow.webhooks.due(now=lease, limit=10) == [delivery.id]
            assert uow.webhooks.claim(delivery.id, now=lease, until=lease + timedelta(minutes=1))
            uow.commit()
        attempt = DeliveryAttempt(number=1, at=lease, status_code=200, error=None, duration_ms=1)
        delivered = replace(
            delivery, attempts=1, status=DeliveryStatus.DELIVERED, next_attempt_at=None
        )
        with uow_factory() as uow:
            uow.webhooks.record_attempt(delivered, attempt)
            uow.commit()
        with uow_factory() as uow:
            later = lease + timedelta(hours=1)
            assert uow.webhooks.due(now=later, limit=10) == []
            assert not uow.webhooks.claim(delivery.id, now=later, until=later)

    def test_of_two_racing_workers_one_claims(
        self, uow_factory: Callable[[], SqlUnitOfWork]
    ) -> None:
        (delivery,) = _store(uow_factory, _endpoint())
        until = NOW + timedelta(minutes=1)
        with uow_factory() as first, uow_factory() as second:
            assert first.webhooks.claim(delivery.id, now=NOW, until=until)
            first.commit()
            assert not second.webhooks.claim(delivery.id, now=NOW, until=until)


class TestSealing:
    def test_secrets_and_bodies_are_sealed_and_rotated(
        self, database_engine: Engine, uow_factory: Callable[[], SqlUnitOfWork]
    ) -> None:
        keyring = Keyring.generated()
        sealed = sql_unit_of_work_factory(database_engine, keyring)
        endpoint = _endpoint()
        _store(sealed, endpoint)
        with database_engine.connect() as connection:
            raw = json.dumps(
                [
                    list(map(str, row))
                    for table in (webhook_endpoint, webhook_delivery)
                    for row in connection.execute(select(table))
                ],
                ensure_ascii=False,
            )
        assert SECRET not in raw
        assert "王大明" not in raw
        usage = key_usage(database_engine)
        assert usage["webhook_endpoint.secret_sealed"] == {"k1": 1}
        assert usage["webhook_delivery.body_sealed"] == {"k1": 1}
        rotated = keyring.with_new_key()
        assert reseal_database(database_engine, rotated) == 2
        in_use = {kid for counts in key_usage(database_engine).values() for kid in counts}
        with sql_unit_of_work_factory(
            database_engine, rotated.without_keys_except_active(in_use=in_use)
        )() as uow:
            found = uow.webhooks.get_endpoint(endpoint.id)
            assert found is not None
            assert found.secret == SECRET
            (delivery,) = uow.webhooks.list_deliveries(endpoint.id)
            assert delivery.body == BODY


class TestUnitOfWork:
    def test_after_commit_actions_run_once_committed_and_never_after_a_rollback(
        self, uow_factory: Callable[[], SqlUnitOfWork]
    ) -> None:
        ran: list[str] = []
        with uow_factory() as uow:
            uow.after_commit(lambda: ran.append("rolled back"))
            uow.rollback()
            uow.after_commit(lambda: ran.append("committed"))
            assert ran == []
            uow.commit()
            assert ran == ["committed"]
        with uow_factory() as uow:
            uow.after_commit(lambda: ran.append("left without commit"))
        assert ran == ["committed"]

    def test_retention_deletes_the_deliveries_about_a_filing(
        self, uow_factory: Callable[[], SqlUnitOfWork]
    ) -> None:
        endpoint = _endpoint()
        (purged,) = _store(uow_factory, endpoint)
        kept = _delivery(endpoint, at=NOW + timedelta(seconds=1))
        with uow_factory() as uow:
            uow.webhooks.add_delivery(kept)
            assert purged.filing_id is not None
            assert uow.webhooks.delete_for_filing(purged.filing_id) == 1
            uow.commit()
        with uow_factory() as uow:
            assert [d.id for d in uow.webhooks.list_deliveries(endpoint.id)] == [kept.id]
