"""SQL implementation of the webhook repository: endpoints, the delivery outbox, attempts.

The signing secret and the body are sealed, bound to their row. A delivery
is claimed by a conditional update (due, pending, lease free), so of two
workers racing for one, exactly one sends it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from intake.domain import (
    DeliveryAttempt,
    DeliveryId,
    DeliveryStatus,
    FilingId,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookId,
)
from storage.sql.sealing import Sealer
from storage.sql.tables import webhook_attempt as attempt_table
from storage.sql.tables import webhook_delivery as delivery_table
from storage.sql.tables import webhook_endpoint as endpoint_table

__all__ = ["SqlWebhookRepository"]

_ENDPOINT = "webhook_endpoint"
_DELIVERY = "webhook_delivery"


class SqlWebhookRepository:
    """Webhook endpoints and deliveries in three tables; secrets and bodies sealed."""

    def __init__(self, session: Session, sealer: Sealer) -> None:
        self._session = session
        self._sealer = sealer

    def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        self._session.execute(
            insert(endpoint_table),
            {
                "id": endpoint.id,
                "owner": endpoint.owner,
                "url": endpoint.url,
                "events": "," + ",".join(endpoint.events) + ",",
                "description": endpoint.description,
                "secret_sealed": self._sealer.text(
                    _ENDPOINT, "secret_sealed", endpoint.id, endpoint.secret
                ),
                "created_at": endpoint.created_at,
            },
        )

    def get_endpoint(self, webhook_id: WebhookId) -> WebhookEndpoint | None:
        found = self._endpoints(endpoint_table.c.id == webhook_id)
        return found[0] if found else None

    def list_endpoints(self, *, owner: str) -> list[WebhookEndpoint]:
        return self._endpoints(endpoint_table.c.owner == owner)

    def endpoints_for(self, *, owner: str, event: str) -> list[WebhookEndpoint]:
        return self._endpoints(
            and_(
                endpoint_table.c.owner == owner,
                endpoint_table.c.events.contains(f",{event},", autoescape=True),
            )
        )

    def _endpoints(self, condition: ColumnElement[bool]) -> list[WebhookEndpoint]:
        query = (
            select(endpoint_table)
            .where(condition)
            .order_by(endpoint_table.c.created_at, endpoint_table.c.id)
        )
        return [self._endpoint(r._mapping) for r in self._session.execute(query)]

    def _endpoint(self, row: Any) -> WebhookEndpoint:
        return WebhookEndpoint(
            id=WebhookId(row["id"]),
            owner=row["owner"],
            url=row["url"],
            events=tuple(e for e in row["events"].split(",") if e),
            secret=self._sealer.open_text(
                _ENDPOINT, "secret_sealed", row["id"], row["secret_sealed"]
            )
            or "",
            created_at=row["created_at"],
            description=row["description"],
        )

    def delete_endpoint(self, webhook_id: WebhookId) -> bool:
        # Deliveries and attempts go with it (ON DELETE CASCADE; SQLite enforces
        # foreign keys on every connection the engine opens).
        result = self._session.execute(
            delete(endpoint_table).where(endpoint_table.c.id == webhook_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DELETE

    def add_delivery(self, delivery: WebhookDelivery) -> None:
        values = _delivery_state(delivery)
        values.update(
            id=delivery.id,
            endpoint_id=delivery.endpoint_id,
            owner=delivery.owner,
            event=delivery.event,
            event_id=delivery.event_id,
            filing_id=delivery.filing_id,
            created_at=delivery.created_at,
            body_sealed=self._sealer.text(_DELIVERY, "body_sealed", delivery.id, delivery.body),
            lease_until=None,
        )
        self._session.execute(insert(delivery_table), values)

    def delete_for_filing(self, filing_id: FilingId) -> int:
        result = self._session.execute(
            delete(delivery_table).where(delivery_table.c.filing_id == filing_id)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DELETE

    def get_delivery(self, delivery_id: DeliveryId) -> WebhookDelivery | None:
        row = self._session.execute(
            select(delivery_table).where(delivery_table.c.id == delivery_id)
        ).first()
        return self._delivery(row._mapping, ()) if row is not None else None

    def list_deliveries(
        self, webhook_id: WebhookId, *, limit: int = 50, before: DeliveryId | None = None
    ) -> list[WebhookDelivery]:
        condition = delivery_table.c.endpoint_id == webhook_id
        if before is not None:
            cursor = self._session.execute(
                select(delivery_table.c.created_at).where(delivery_table.c.id == before, condition)
            ).scalar_one_or_none()
            if cursor is None:
                return []
            condition = and_(
                condition,
                or_(
                    delivery_table.c.created_at < cursor,
                    and_(delivery_table.c.created_at == cursor, delivery_table.c.id < before),
                ),
            )
        return self._deliveries(condition, limit=limit)

    def _deliveries(self, condition: ColumnElement[bool], *, limit: int) -> list[WebhookDelivery]:
        # One statement for the deliveries and their attempts: read in two, a
        # delivery could show an attempt committed after its own row was read.
        page = (
            select(delivery_table)
            .where(condition)
            .order_by(delivery_table.c.created_at.desc(), delivery_table.c.id.desc())
            .limit(limit)
            .subquery()
        )
        a = attempt_table.c
        query = (
            select(
                page,
                a.number.label("attempt_number"),
                a.at.label("attempt_at"),
                a.status_code.label("attempt_status_code"),
                a.error.label("attempt_error"),
                a.duration_ms.label("attempt_duration_ms"),
            )
            .outerjoin(attempt_table, a.delivery_id == page.c.id)
            .order_by(page.c.created_at.desc(), page.c.id.desc(), a.number)
        )
        rows: dict[UUID, Any] = {}
        attempts: dict[UUID, list[DeliveryAttempt]] = {}
        for r in self._session.execute(query):
            row = r._mapping
            rows.setdefault(row["id"], row)
            found = attempts.setdefault(row["id"], [])
            if row["attempt_number"] is not None:
                found.append(
                    DeliveryAttempt(
                        number=row["attempt_number"],
                        at=row["attempt_at"],
                        status_code=row["attempt_status_code"],
                        error=row["attempt_error"],
                        duration_ms=row["attempt_duration_ms"],
                    )
                )
        return [self._delivery(row, tuple(attempts[i])) for i, row in rows.items()]

    def _delivery(self, row: Any, attempts: tuple[DeliveryAttempt, ...]) -> WebhookDelivery:
        return WebhookDelivery(
            id=DeliveryId(row["id"]),
            endpoint_id=WebhookId(row["endpoint_id"]),
            owner=row["owner"],
            event=row["event"],
            event_id=row["event_id"],
            filing_id=FilingId(row["filing_id"]) if row["filing_id"] else None,
            created_at=row["created_at"],
            body=self._sealer.open_text(_DELIVERY, "body_sealed", row["id"], row["body_sealed"])
            or "",
            status=DeliveryStatus(row["status"]),
            attempts=row["attempts"],
            next_attempt_at=row["next_attempt_at"],
            delivered_at=row["delivered_at"],
            attempt_log=attempts,
        )

    def due(self, *, now: datetime, limit: int) -> list[DeliveryId]:
        query = (
            select(delivery_table.c.id)
            .where(_is_due(now))
            .order_by(delivery_table.c.next_attempt_at, delivery_table.c.id)
            .limit(limit)
        )
        return [DeliveryId(i) for i in self._session.execute(query).scalars()]

    def claim(self, delivery_id: DeliveryId, *, now: datetime, until: datetime) -> bool:
        result = self._session.execute(
            update(delivery_table)
            .where(delivery_table.c.id == delivery_id, _is_due(now))
            .values(lease_until=until)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE

    def record_attempt(self, delivery: WebhookDelivery, attempt: DeliveryAttempt) -> None:
        values = _delivery_state(delivery)
        values["lease_until"] = None
        result = self._session.execute(
            update(delivery_table).where(delivery_table.c.id == delivery.id).values(values)
        )
        if not result.rowcount:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
            return  # the endpoint was deleted while the attempt was under way
        self._session.execute(
            insert(attempt_table),
            {
                "delivery_id": delivery.id,
                "number": attempt.number,
                "at": attempt.at,
                "status_code": attempt.status_code,
                "error": attempt.error,
                "duration_ms": attempt.duration_ms,
            },
        )


def _is_due(now: datetime) -> ColumnElement[bool]:
    return and_(
        delivery_table.c.status == DeliveryStatus.PENDING.value,
        delivery_table.c.next_attempt_at <= now,
        or_(delivery_table.c.lease_until.is_(None), delivery_table.c.lease_until <= now),
    )


def _delivery_state(delivery: WebhookDelivery) -> dict[str, Any]:
    """The columns an attempt changes."""
    return {
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "delivered_at": delivery.delivered_at,
    }
