"""``/v1/webhooks``: an app key's callback URLs and their delivery log."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status
from starlette.concurrency import run_in_threadpool

from api.deps import AppDep, ServicesDep
from api.errors import problem_responses
from api.webhook_schemas import (
    DeliveryOut,
    DeliveryPageOut,
    WebhookCreate,
    WebhookCreatedOut,
    WebhookOut,
)
from intake.domain import DeliveryId, WebhookId
from intake.errors import (
    InvalidWebhookEventsError,
    InvalidWebhookUrlError,
    TooManyWebhooksError,
    WebhookNotFoundError,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        InvalidWebhookUrlError, InvalidWebhookEventsError, TooManyWebhooksError
    ),
)
async def register_webhook(
    body: WebhookCreate, principal: AppDep, services: ServicesDep
) -> WebhookCreatedOut:
    """Register a URL for the events of the calling key's filings.

    The answer carries the signing `secret` this once. The URL must be `https://`
    and resolve to public addresses (`webhook.invalid_url` otherwise).
    """
    endpoint = await run_in_threadpool(
        services.webhooks.register,
        principal,
        url=body.url,
        events=body.events,
        description=body.description,
    )
    return WebhookCreatedOut.of_new(endpoint)


@router.get("", responses=problem_responses())
async def list_webhooks(principal: AppDep, services: ServicesDep) -> list[WebhookOut]:
    """The calling key's endpoints, oldest first (without their secrets)."""
    endpoints = await run_in_threadpool(services.webhooks.endpoints, principal)
    return [WebhookOut.of(e) for e in endpoints]


@router.get("/{webhook_id}", responses=problem_responses(WebhookNotFoundError))
async def get_webhook(webhook_id: UUID, principal: AppDep, services: ServicesDep) -> WebhookOut:
    """One of the calling key's endpoints."""
    endpoint = await run_in_threadpool(
        services.webhooks.get_or_raise, principal, WebhookId(webhook_id)
    )
    return WebhookOut.of(endpoint)


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(WebhookNotFoundError),
)
async def delete_webhook(webhook_id: UUID, principal: AppDep, services: ServicesDep) -> None:
    """Delete an endpoint with its delivery log; nothing more is sent to it."""
    await run_in_threadpool(services.webhooks.delete, principal, WebhookId(webhook_id))


@router.post(
    "/{webhook_id}/ping",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(WebhookNotFoundError),
)
async def ping_webhook(webhook_id: UUID, principal: AppDep, services: ServicesDep) -> DeliveryOut:
    """Send a signed `webhook.ping` to the endpoint (to test a receiver and its
    signature check); it is retried and logged like any delivery."""
    delivery = await run_in_threadpool(services.webhooks.ping, principal, WebhookId(webhook_id))
    return DeliveryOut.of(delivery)


@router.get("/{webhook_id}/deliveries", responses=problem_responses(WebhookNotFoundError))
async def list_webhook_deliveries(
    webhook_id: UUID,
    principal: AppDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[UUID | None, Query(description="`next_before` of the previous page")] = None,
) -> DeliveryPageOut:
    """The endpoint's deliveries, newest first, each with every attempt (status, error, time)."""
    deliveries = await run_in_threadpool(
        services.webhooks.deliveries,
        principal,
        WebhookId(webhook_id),
        limit=limit,
        before=DeliveryId(before) if before else None,
    )
    return DeliveryPageOut(
        items=[DeliveryOut.of(d) for d in deliveries],
        next_before=deliveries[-1].id if len(deliveries) == limit else None,
    )
