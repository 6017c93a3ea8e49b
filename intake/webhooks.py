"""Webhooks: apps register callback URLs; events become signed deliveries in an outbox.

An app key registers endpoints (:class:`WebhookService`). When a use case
publishes an event, :class:`WebhookOutbox` writes, through the same unit of
work, one delivery per endpoint of the filing's owner that wants the event,
with the body fixed there and then; after the commit it hands each delivery
to the task backend, and a periodic sweep picks up whatever a dead process
left behind (:mod:`intake.deliveries` sends them).

Every body is signed: ``Intake-Signature: t=<unix seconds>,v1=<hex>`` where
``v1`` is HMAC-SHA256 of ``f"{t}.{body}"`` under the endpoint's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any, Final
from uuid import UUID, uuid4

import structlog

from intake.domain import (
    DeliveryId,
    FilingId,
    FilingStatus,
    Principal,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookId,
)
from intake.egress import Resolve, UrlPolicy, check_url
from intake.errors import (
    InvalidWebhookEventsError,
    TooManyWebhooksError,
    WebhookNotFoundError,
)
from intake.events import Event, EventKind
from intake.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger(__name__)

SIGNATURE_HEADER: Final = "Intake-Signature"
PING: Final = "webhook.ping"
"""The kind of a test delivery an app asks for (``POST /v1/webhooks/{id}/ping``)."""
DECIDED_STATUSES: Final = frozenset(
    {
        FilingStatus.APPROVED,
        FilingStatus.PROVISIONAL,
        FilingStatus.NEEDS_MATERIALS,
        FilingStatus.NEEDS_REVIEW,
        FilingStatus.REJECTED,
    }
)
"""The statuses a ``filing.decided`` webhook reports."""

Describe = Callable[[UnitOfWork, Event], dict[str, Any]]
"""The ``data`` of an event's body: the filing's public view (and the document's)."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Intake-Signature`` header value of a body sent at ``timestamp`` (unix seconds)."""
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def new_secret() -> str:
    """A fresh signing secret (256 random bits)."""
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookService:
    """App keys register, list and delete their endpoints and read the delivery log.

    The routes admit app keys only; an endpoint belongs to the key that
    registered it, and another key's endpoints are "not found".
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        clock: Clock,
        policy: UrlPolicy,
        resolve: Resolve,
        max_endpoints: int = 10,
        dispatch: Callable[[DeliveryId], None] | None = None,
        new_id: Callable[[], UUID] = uuid4,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._policy = policy
        self._resolve = resolve
        self._max_endpoints = max_endpoints
        self._dispatch = dispatch
        self._new_id = new_id

    def register(
        self,
        principal: Principal,
        *,
        url: str,
        events: Sequence[str],
        description: str = "",
    ) -> WebhookEndpoint:
        """Register an endpoint for the caller's filings' events.

        Args:
            principal: The app key; it owns the endpoint.
            url: Where to POST (see :func:`check_url`).
            events: Event kinds; every kind when empty.
            description: A note for the app's own use.

        Returns:
            The endpoint, with its signing secret (shown once).

        Raises:
            InvalidWebhookUrlError: A refused URL.
            InvalidWebhookEventsError: An unknown event kind.
            TooManyWebhooksError: The key holds the most endpoints allowed.
        """
        kinds = _event_kinds(events)
        check_url(url, policy=self._policy, resolve=self._resolve)
        endpoint = WebhookEndpoint(
            id=WebhookId(self._new_id()),
            owner=principal.key_id,
            url=url,
            events=kinds,
            secret=new_secret(),
            created_at=self._clock.now(),
            description=description,
        )
        with self._uow_factory() as uow:
            if len(uow.webhooks.list_endpoints(owner=principal.key_id)) >= self._max_endpoints:
                raise TooManyWebhooksError(limit=self._max_endpoints)
            uow.webhooks.add_endpoint(endpoint)
            uow.commit()
        log.info("intake.webhook.registered", webhook_id=str(endpoint.id), owner=endpoint.owner)
        return endpoint

    def endpoints(self, principal: Principal) -> list[WebhookEndpoint]:
        """The caller's endpoints, oldest first."""
        with self._uow_factory() as uow:
            return uow.webhooks.list_endpoints(owner=principal.key_id)

    def get_or_raise(self, principal: Principal, webhook_id: WebhookId) -> WebhookEndpoint:
        """One of the caller's endpoints.

        Raises:
            WebhookNotFoundError: No such endpoint, or another app's.
        """
        with self._uow_factory() as uow:
            return _own_endpoint_or_raise(uow, principal, webhook_id)

    def delete(self, principal: Principal, webhook_id: WebhookId) -> None:
        """Delete one of the caller's endpoints; its pending deliveries are never sent.

        Raises:
            WebhookNotFoundError: No such endpoint, or another app's.
        """
        with self._uow_factory() as uow:
            _own_endpoint_or_raise(uow, principal, webhook_id)
            uow.webhooks.delete_endpoint(webhook_id)
            uow.commit()
        log.info("intake.webhook.deleted", webhook_id=str(webhook_id), owner=principal.key_id)

    def ping(self, principal: Principal, webhook_id: WebhookId) -> WebhookDelivery:
        """Queue a signed ``webhook.ping`` to one of the caller's endpoints (to test a receiver).

        It is sent, retried and logged like any delivery.

        Raises:
            WebhookNotFoundError: No such endpoint, or another app's.
        """
        now = self._clock.now()
        event_id = self._new_id()
        with self._uow_factory() as uow:
            endpoint = _own_endpoint_or_raise(uow, principal, webhook_id)
            body = _envelope(PING, event_id=event_id, at=now, data={"webhook_id": str(endpoint.id)})
            delivery = _new_delivery(
                DeliveryId(self._new_id()),
                endpoint,
                event=PING,
                event_id=event_id,
                filing_id=None,
                at=now,
                body=body,
            )
            uow.webhooks.add_delivery(delivery)
            if self._dispatch is not None:
                uow.after_commit(partial(dispatch_committed, self._dispatch, [delivery.id]))
            uow.commit()
        return delivery

    def deliveries(
        self,
        principal: Principal,
        webhook_id: WebhookId,
        *,
        limit: int = 50,
        before: DeliveryId | None = None,
    ) -> list[WebhookDelivery]:
        """An endpoint's deliveries, newest first, each with its attempts.

        Raises:
            WebhookNotFoundError: No such endpoint, or another app's.
        """
        with self._uow_factory() as uow:
            _own_endpoint_or_raise(uow, principal, webhook_id)
            return uow.webhooks.list_deliveries(webhook_id, limit=limit, before=before)


def _own_endpoint_or_raise(
    uow: UnitOfWork, principal: Principal, webhook_id: WebhookId
) -> WebhookEndpoint:
    endpoint = uow.webhooks.get_endpoint(webhook_id)
    if endpoint is None or endpoint.owner != principal.key_id:
        raise WebhookNotFoundError(webhook_id)
    return endpoint


def _event_kinds(events: Sequence[str]) -> tuple[str, ...]:
    known = [k.value for k in EventKind]
    unknown = sorted(set(events) - set(known))
    if unknown:
        raise InvalidWebhookEventsError(f"unknown event kinds {unknown}; known: {known}")
    return tuple(k for k in known if k in events) if events else tuple(known)


class WebhookOutbox:
    """The event subscriber that writes one delivery per matching endpoint of the owner.

    Inside the publishing transaction it reads the owner's endpoints and, when
    any wants the event, builds the body once (``describe`` gives its data)
    and adds a delivery for each. After the commit each delivery goes to
    ``dispatch`` (the task backend); the periodic sweep covers a dispatch that
    never ran.
    """

    def __init__(
        self,
        *,
        describe: Describe,
        dispatch: Callable[[DeliveryId], None] | None = None,
        new_id: Callable[[], UUID] = uuid4,
    ) -> None:
        self._describe = describe
        self._dispatch = dispatch
        self._new_id = new_id

    def set_dispatch(self, dispatch: Callable[[DeliveryId], None]) -> None:
        """Name the task backend (built after the use cases that publish)."""
        self._dispatch = dispatch

    def publish(self, uow: UnitOfWork, events: Sequence[Event]) -> None:
        added: list[DeliveryId] = []
        for event in events:
            if not _is_sent(event):
                continue
            endpoints = uow.webhooks.endpoints_for(owner=event.owner, event=event.kind.value)
            if not endpoints:
                continue
            event_id = self._new_id()
            kind = event.kind.value
            body = _envelope(kind, event_id=event_id, at=event.at, data=self._describe(uow, event))
            for endpoint in endpoints:
                delivery = _new_delivery(
                    DeliveryId(self._new_id()),
                    endpoint,
                    event=kind,
                    event_id=event_id,
                    filing_id=event.filing_id,
                    at=event.at,
                    body=body,
                )
                uow.webhooks.add_delivery(delivery)
                added.append(delivery.id)
        if added:
            uow.after_commit(lambda: self._dispatch_all(added))

    def _dispatch_all(self, delivery_ids: list[DeliveryId]) -> None:
        if self._dispatch is not None:
            dispatch_committed(self._dispatch, delivery_ids)


def dispatch_committed(
    dispatch: Callable[[DeliveryId], None], delivery_ids: Sequence[DeliveryId]
) -> None:
    """Hand committed deliveries to the task backend, each on its own."""
    for delivery_id in delivery_ids:
        try:
            dispatch(delivery_id)
        # The delivery is committed: a queue that cannot take it now (a broker
        # down) must not fail the request that made it; the periodic sweep sends it.
        except Exception:
            log.warning(
                "intake.webhook.dispatch_failed", delivery_id=str(delivery_id), exc_info=True
            )


def _is_sent(event: Event) -> bool:
    if event.kind is EventKind.FILING_DECIDED:
        return event.status in DECIDED_STATUSES
    return True


def _new_delivery(
    delivery_id: DeliveryId,
    endpoint: WebhookEndpoint,
    *,
    event: str,
    event_id: UUID,
    filing_id: FilingId | None,
    at: datetime,
    body: str,
) -> WebhookDelivery:
    """A pending delivery to an endpoint, due at once."""
    return WebhookDelivery(
        id=delivery_id,
        endpoint_id=endpoint.id,
        owner=endpoint.owner,
        event=event,
        event_id=event_id,
        filing_id=filing_id,
        created_at=at,
        body=body,
        next_attempt_at=at,
    )


def _envelope(kind: str, *, event_id: UUID, at: datetime, data: dict[str, Any]) -> str:
    """The JSON body of a delivery: id, type, when, and the data (compact, UTF-8)."""
    envelope: dict[str, Any] = {
        "id": str(event_id),
        "type": kind,
        "created_at": at.isoformat(),
        "data": data,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def signed_headers(
    delivery: WebhookDelivery, *, secret: str, body: bytes, at: datetime
) -> dict[str, str]:
    """The headers of one attempt: content type, event, ids and the signature."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "intake-webhooks/1",
        "Intake-Event": delivery.event,
        "Intake-Event-Id": str(delivery.event_id),
        "Intake-Delivery": str(delivery.id),
        SIGNATURE_HEADER: sign(secret, int(at.timestamp()), body),
    }
