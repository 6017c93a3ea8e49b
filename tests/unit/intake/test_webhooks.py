"""Webhooks on fakes: URL rules, endpoints per app key, the outbox, sending with retries."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pytest

from intake.deliveries import DeliveryOutcome, WebhookSender
from intake.domain import DeliveryStatus, Filing, FilingStatus, Principal, WebhookEndpoint
from intake.egress import UrlPolicy, check_url
from intake.errors import (
    InvalidWebhookEventsError,
    InvalidWebhookUrlError,
    TooManyWebhooksError,
    WebhookNotFoundError,
)
from intake.events import Decider, Event, FanOut
from intake.ports import UnitOfWork, WebhookResponse
from intake.retention import RetentionService
from intake.webhooks import WebhookOutbox, WebhookService, sign
from tests.factories import make_document, make_filing
from tests.fakes import FakeBlobStore, FakeClock, FakeDatabase
from tests.webhooks import documented_verifier

PUBLIC = {"hooks.example.com": ["93.184.215.14"], "inside.example.com": ["10.1.2.3"]}


def resolve(host: str) -> list[str]:
    return PUBLIC.get(host, [])


def describe(uow: UnitOfWork, event: Event) -> dict[str, Any]:
    filing = uow.filings.get(event.filing_id)
    assert filing is not None
    return {"filing": {"id": str(filing.id), "status": filing.status.value}}


@dataclass
class FakeTransport:
    """Answers with the statuses given, in turn (then 200), and keeps what was posted."""

    statuses: list[int | None] = field(default_factory=list)
    posts: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def post(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> WebhookResponse:
        self.posts.append((url, body, dict(headers)))
        status = self.statuses.pop(0) if self.statuses else 200
        if status is None:
            return WebhookResponse(status_code=None, error="timed out after 10 s")
        return WebhookResponse(status_code=status)


@pytest.fixture
def webhooks(database: FakeDatabase, clock: FakeClock) -> WebhookService:
    return WebhookService(
        database.uow_factory,
        clock=clock,
        policy=UrlPolicy(),
        resolve=resolve,
        max_endpoints=3,
    )


@pytest.fixture
def dispatched() -> list[Any]:
    return []


@pytest.fixture
def outbox(dispatched: list[Any]) -> WebhookOutbox:
    return WebhookOutbox(describe=describe, dispatch=dispatched.append)


@pytest.fixture
def transport() -> FakeTransport:
    return FakeTransport()


@pytest.fixture
def sender(database: FakeDatabase, clock: FakeClock, transport: FakeTransport) -> WebhookSender:
    return WebhookSender(database.uow_factory, transport=transport, clock=clock)


def _store_filing(database: FakeDatabase, filing: Filing) -> None:
    with database.uow_factory() as uow:
        uow.filings.add(filing)
        uow.commit()


def _decide(
    database: FakeDatabase, outbox: WebhookOutbox, clock: FakeClock, filing: Filing
) -> None:
    """What VerificationService does: update, publish inside the transaction, commit."""
    with database.uow_factory() as uow:
        uow.filings.update(filing)
        FanOut(outbox).publish(
            uow, [Event.filing_decided(filing, by=Decider.MACHINE, at=clock.now())]
        )
        uow.commit()


class TestCheckUrl:
    @pytest.mark.parametrize(
        ("url", "reason"),
        [
            ("http://hooks.example.com/x", "https"),
            ("ftp://hooks.example.com/x", "https"),
            ("https://10.0.0.5/x", "private"),
            ("https://169.254.169.254/latest/meta-data", "link-local"),
            ("https://[fe80::1]/x", "link-local"),
            ("https://[::ffff:192.168.1.1]/x", "private"),
            ("https://inside.example.com/x", "private"),
            ("https://127.0.0.1/x", "loopback"),
            ("https://0.0.0.0/x", "cannot receive"),
            ("https://user:pw@hooks.example.com/x", "credentials"),
            ("https://nowhere.example.com/x", "does not resolve"),
            ("https://hooks.example.com:99999/x", "not a URL"),
            ("hooks.example.com/x", "https"),
        ],
    )
    def test_refuses(self, url: str, reason: str) -> None:
        with pytest.raises(InvalidWebhookUrlError, match=reason):
            check_url(url, policy=UrlPolicy(), resolve=resolve)

    def test_admits_https_to_a_public_host(self) -> None:
        url = "https://hooks.example.com/intake?x=1"
        assert check_url(url, policy=UrlPolicy(), resolve=resolve) == url

    def test_loopback_over_http_only_when_allowed(self) -> None:
        allowed = UrlPolicy(allow_loopback=True)
        assert check_url("http://127.0.0.1:8080/h", policy=allowed, resolve=resolve)
        with pytest.raises(InvalidWebhookUrlError, match="https"):
            check_url("http://127.0.0.1:8080/h", policy=UrlPolicy(), resolve=resolve)
        with pytest.raises(InvalidWebhookUrlError, match="https"):
            check_url("http://10.0.0.5/h", policy=allowed, resolve=resolve)

    def test_private_over_https_only_when_allowed(self) -> None:
        policy = UrlPolicy(allow_private=True)
        assert check_url("https://inside.example.com/x", policy=policy, resolve=resolve)
        with pytest.raises(InvalidWebhookUrlError, match="https"):
            check_url("http://inside.example.com/x", policy=policy, resolve=resolve)


class TestSignature:
    def test_the_documented_snippet_accepts_a_fresh_signature(self) -> None:
        verify = documented_verifier()
        body = b'{"id":"1","type":"filing.decided"}'
        header = sign("whsec_test", 1_700_000_000, body)
        assert verify("whsec_test", header, body, now=1_700_000_100)

    def test_the_documented_snippet_refuses_tampering_and_replays(self) -> None:
        verify = documented_verifier()
        body = b'{"id":"1"}'
        header = sign("whsec_test", 1_700_000_000, body)
        assert not verify("whsec_test", header, b'{"id":"2"}', now=1_700_000_000)
        assert not verify("whsec_other", header, body, now=1_700_000_000)
        assert not verify("whsec_test", header, body, now=1_700_000_000 + 301)
        assert not verify("whsec_test", "t=x,v1=00", body, now=1_700_000_000)


class TestWebhookService:
    def test_registers_with_a_secret_and_every_event_by_default(
        self, webhooks: WebhookService, app_a: Principal
    ) -> None:
        endpoint = webhooks.register(app_a, url="https://hooks.example.com/a", events=[])
        assert endpoint.owner == app_a.key_id
        assert endpoint.secret.startswith("whsec_")
        assert endpoint.events == ("document.analysed", "filing.decided", "filing.expired")
        assert webhooks.endpoints(app_a) == [endpoint]

    def test_another_app_neither_sees_nor_deletes_it(
        self, webhooks: WebhookService, app_a: Principal, app_b: Principal
    ) -> None:
        endpoint = webhooks.register(app_a, url="https://hooks.example.com/a", events=[])
        assert webhooks.endpoints(app_b) == []
        with pytest.raises(WebhookNotFoundError):
            webhooks.get_or_raise(app_b, endpoint.id)
        with pytest.raises(WebhookNotFoundError):
            webhooks.delete(app_b, endpoint.id)
        with pytest.raises(WebhookNotFoundError):
            webhooks.deliveries(app_b, endpoint.id)
        assert webhooks.get_or_raise(app_a, endpoint.id) == endpoint

    def test_refuses_unknown_events_and_stores_nothing(
        self, webhooks: WebhookService, app_a: Principal
    ) -> None:
        with pytest.raises(InvalidWebhookEventsError, match=r"filing\.approved"):
            webhooks.register(app_a, url="https://hooks.example.com/a", events=["filing.approved"])
        assert webhooks.endpoints(app_a) == []

    def test_refuses_more_endpoints_than_allowed(
        self, webhooks: WebhookService, app_a: Principal, app_b: Principal
    ) -> None:
        for n in range(3):
            webhooks.register(app_a, url=f"https://hooks.example.com/{n}", events=[])
        with pytest.raises(TooManyWebhooksError):
            webhooks.register(app_a, url="https://hooks.example.com/4", events=[])
        assert len(webhooks.endpoints(app_a)) == 3
        webhooks.register(app_b, url="https://hooks.example.com/b", events=[])
        assert len(webhooks.endpoints(app_b)) == 1


class TestWebhookOutbox:
    def test_writes_one_delivery_per_matching_endpoint_of_the_owner_then_dispatches(
        self,
        database: FakeDatabase,
        webhooks: WebhookService,
        outbox: WebhookOutbox,
        clock: FakeClock,
        dispatched: list[Any],
        app_a: Principal,
        app_b: Principal,
    ) -> None:
        decided = webhooks.register(app_a, url="https://hooks.example.com/1", events=[])
        webhooks.register(app_a, url="https://hooks.example.com/2", events=["filing.expired"])
        other = webhooks.register(app_b, url="https://hooks.example.com/b", events=[])
        filing = make_filing(owner=app_a.key_id, status=FilingStatus.SUBMITTED)
        _store_filing(database, filing)
        _decide(database, outbox, clock, replace(filing, status=FilingStatus.APPROVED))

        (delivery,) = webhooks.deliveries(app_a, decided.id)
        assert dispatched == [delivery.id]
        assert webhooks.deliveries(app_b, other.id) == []
        body = json.loads(delivery.body)
        assert body["type"] == "filing.decided"
        assert body["id"] == str(delivery.event_id)
        assert body["data"]["filing"] == {"id": str(filing.id), "status": "approved"}
        assert delivery.next_attempt_at == clock.now()

    def test_nothing_is_written_or_dispatched_when_the_transaction_rolls_back(
        self,
        database: FakeDatabase,
        webhooks: WebhookService,
        outbox: WebhookOutbox,
        clock: FakeClock,
        dispatched: list[Any],
        app_a: Principal,
    ) -> None:
        endpoint = webhooks.register(app_a, url="https://hooks.example.com/1", events=[])
        filing = make_filing(owner=app_a.key_id, status=FilingStatus.APPROVED)
        _store_filing(database, filing)
        with database.uow_factory() as uow:
            outbox.publish(uow, [Event.filing_expired(filing, at=clock.now())])
        assert webhooks.deliveries(app_a, endpoint.id) == []
        assert dispatched == []

    def test_a_filing_leaving_for_a_status_not_reported_sends_nothing(
        self,
        database: FakeDatabase,
        webhooks: WebhookService,
        outbox: WebhookOutbox,
        clock: FakeClock,
        app_a: Principal,
    ) -> None:
        endpoint = webhooks.register(app_a, url="https://hooks.example.com/1", events=[])
        filing = make_filing(owner=app_a.key_id, status=FilingStatus.SUBMITTED)
        _store_filing(database, filing)
        _decide(database, outbox, clock, filing)
        assert webhooks.deliveries(app_a, endpoint.id) == []

    def test_document_analysed_reaches_endpoints_that_asked_for_it(
        self,
        database: FakeDatabase,
        webhooks: WebhookService,
        outbox: WebhookOutbox,
        clock: FakeClock,
        app_a: Principal,
    ) -> None:
        wants = webhooks.register(
            app_a, url="https://hooks.example.com/1", events=["document.analysed"]
        )
        declines = webhooks.register(
            app_a, url="https://hooks.example.com/2", events=["filing.decided"]
        )
        filing = make_filing(owner=app_a.key_id)
        _store_filing(database, filing)
        with database.uow_factory() as uow:
            event = Event.document_analysed(filing, make_document(filing), at=clock.now())
            outbox.publish(uow, [event])
            uow.commit()
        assert [d.event for d in webhooks.deliveries(app_a, wants.id)] == ["document.analysed"]
        assert webhooks.deliveries(app_a, declines.id) == []


class TestWebhookSender:
    @pytest.fixture
    def endpoint(
        self,
        database: FakeDatabase,
        webhooks: WebhookService,
        outbox: WebhookOutbox,
        clock: FakeClock,
        app_a: Principal,
    ) -> WebhookEndpoint:
        endpoint = webhooks.register(app_a, url="https://hooks.example.com/1", events=[])
        filing = make_filing(owner=app_a.key_id, status=FilingStatus.SUBMITTED)
        _store_filing(database, filing)
        _decide(database, outbox, clock, replace(filing, status=FilingStatus.NEEDS_REVIEW))
        return endpoint

    def test_delivers_a_signed_body_once(
        self,
        webhooks: WebhookService,
        sender: WebhookSender,
        transport: FakeTransport,
        clock: FakeClock,
        endpoint: WebhookEndpoint,
        app_a: Principal,
    ) -> None:
        (pending,) = webhooks.deliveries(app_a, endpoint.id)
        assert sender.deliver(pending.id) is DeliveryOutcome.DELIVERED
        assert sender.deliver(pending.id) is None  # delivered: never sent again
        ((url, body, headers),) = transport.posts
        assert url == endpoint.url
        assert body == pending.body.encode()
        assert headers["Intake-Delivery"] == str(pending.id)
        verify = documented_verifier()
        now = clock.now().timestamp()
        assert verify(endpoint.secret, headers["Intake-Signature"], body, now=now)
        (done,) = webhooks.deliveries(app_a, endpoint.id)
        assert done.status is DeliveryStatus.DELIVERED
        assert [a.status_code for a in done.attempt_log] == [200]

    def test_retries_on_the_schedule_with_the_same_bytes_until_a_2xx(
        self,
        webhooks: WebhookService,
        sender: WebhookSender,
        transport: FakeTransport,
        clock: FakeClock,
        endpoint: WebhookEndpoint,
        app_a: Principal,
    ) -> None:
        transport.statuses = [500, None, 204]
        (pending,) = webhooks.deliveries(app_a, endpoint.id)
        assert sender.deliver(pending.id) is DeliveryOutcome.RETRYING
        assert sender.due() == []
        clock.advance(seconds=9)
        assert sender.deliver(pending.id) is None  # not due yet
        clock.advance(seconds=1)
        assert sender.due() == [pending.id]
        assert sender.deliver(pending.id) is DeliveryOutcome.RETRYING
        clock.advance(seconds=30)
        assert sender.deliver(pending.id) is DeliveryOutcome.DELIVERED
        assert len({body for _, body, _ in transport.posts}) == 1
        (done,) = webhooks.deliveries(app_a, endpoint.id)
        assert [(a.number, a.status_code) for a in done.attempt_log] == [
            (1, 500),
            (2, None),
            (3, 204),
        ]
        assert done.attempt_log[1].error == "timed out after 10 s"
        assert done.attempt_log[0].error == "HTTP 500"

    def test_fails_after_the_last_retry(
        self,
        webhooks: WebhookService,
        sender: WebhookSender,
        transport: FakeTransport,
        clock: FakeClock,
        endpoint: WebhookEndpoint,
        app_a: Principal,
    ) -> None:
        transport.statuses = [503] * 10
        (pending,) = webhooks.deliveries(app_a, endpoint.id)
        outcomes = []
        for wait in (0, 10, 30, 120, 600, 3600):
            clock.advance(seconds=wait)
            outcomes.append(sender.deliver(pending.id))
        assert outcomes == [DeliveryOutcome.RETRYING] * 5 + [DeliveryOutcome.FAILED]
        clock.advance(hours=5)
        assert sender.due() == []
        (failed,) = webhooks.deliveries(app_a, endpoint.id)
        assert failed.status is DeliveryStatus.FAILED
        assert failed.next_attempt_at is None
        assert len(failed.attempt_log) == 6

    def test_a_claimed_delivery_is_not_sent_by_a_second_worker_until_its_lease_ends(
        self,
        database: FakeDatabase,
        webhooks: WebhookService,
        sender: WebhookSender,
        transport: FakeTransport,
        clock: FakeClock,
        endpoint: WebhookEndpoint,
        app_a: Principal,
    ) -> None:
        (pending,) = webhooks.deliveries(app_a, endpoint.id)
        with database.uow_factory() as uow:  # a worker that claimed it, then died
            assert uow.webhooks.claim(
                pending.id, now=clock.now(), until=clock.now() + timedelta(minutes=1)
            )
            uow.commit()
        assert sender.deliver(pending.id) is None
        assert sender.due() == []
        assert transport.posts == []
        clock.advance(minutes=1)
        assert sender.due() == [pending.id]
        assert sender.deliver(pending.id) is DeliveryOutcome.DELIVERED

    def test_a_deleted_endpoint_gets_nothing(
        self,
        webhooks: WebhookService,
        sender: WebhookSender,
        transport: FakeTransport,
        endpoint: WebhookEndpoint,
        app_a: Principal,
    ) -> None:
        (pending,) = webhooks.deliveries(app_a, endpoint.id)
        webhooks.delete(app_a, endpoint.id)
        assert sender.due() == []
        assert sender.deliver(pending.id) is None
        assert transport.posts == []

    def test_counts_each_outcome(
        self,
        database: FakeDatabase,
        transport: FakeTransport,
        clock: FakeClock,
        webhooks: WebhookService,
        endpoint: WebhookEndpoint,
        app_a: Principal,
    ) -> None:
        seen: list[tuple[str, DeliveryOutcome]] = []
        sender = WebhookSender(
            database.uow_factory,
            transport=transport,
            clock=clock,
            observe=lambda event, outcome: seen.append((event, outcome)),
        )
        transport.statuses = [502]
        (pending,) = webhooks.deliveries(app_a, endpoint.id)
        sender.deliver(pending.id)
        clock.advance(seconds=10)
        sender.deliver(pending.id)
        assert seen == [
            ("filing.decided", DeliveryOutcome.RETRYING),
            ("filing.decided", DeliveryOutcome.DELIVERED),
        ]


class TestRetention:
    def test_purging_a_filing_deletes_the_webhook_bodies_about_it(
        self,
        database: FakeDatabase,
        webhooks: WebhookService,
        outbox: WebhookOutbox,
        clock: FakeClock,
        app_a: Principal,
    ) -> None:
        endpoint = webhooks.register(app_a, url="https://hooks.example.com/1", events=[])
        filing = make_filing(owner=app_a.key_id, status=FilingStatus.SUBMITTED)
        kept = make_filing(owner=app_a.key_id, status=FilingStatus.SUBMITTED)
        for one in (filing, kept):
            _store_filing(database, one)
        _decide(database, outbox, clock, replace(filing, status=FilingStatus.REJECTED))
        _decide(database, outbox, clock, replace(kept, status=FilingStatus.APPROVED))
        clock.advance(days=400)
        report = RetentionService(database.uow_factory, blobs=FakeBlobStore(), clock=clock).purge(
            older_than_days=365
        )
        assert report.filings == [filing.id]
        assert [d.filing_id for d in webhooks.deliveries(app_a, endpoint.id)] == [kept.id]
