"""Prometheus metrics: request counts and latency by route, upload outcomes."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


class Metrics:
    """The service's metrics in their own registry (one per app, so tests stay independent)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "intake_http_requests",
            "HTTP requests by method, route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "intake_http_request_duration_seconds",
            "HTTP request latency by method and route.",
            ["method", "route"],
            registry=self.registry,
        )
        self.uploads = Counter(
            "intake_uploads",
            "Uploads by outcome: created, duplicate, replayed, or the refusal code.",
            ["outcome"],
            registry=self.registry,
        )
        self.upload_bytes = Counter(
            "intake_upload_bytes", "Bytes of accepted uploads.", registry=self.registry
        )
        # Webhooks: one count per delivery attempt.
        self.webhook_deliveries = Counter(
            "intake_webhook_deliveries",
            "Webhook delivery attempts by event and outcome: delivered, retrying, failed.",
            ["event", "outcome"],
            registry=self.registry,
        )

    def count_webhook_delivery(self, event: str, outcome: str) -> None:
        self.webhook_deliveries.labels(event, outcome).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = getattr(request.scope.get("route"), "path", "unmatched")
            self.requests.labels(request.method, route, str(status)).inc()
            self.latency.labels(request.method, route).observe(time.perf_counter() - started)
