"""Prometheus metrics: request counts and latency by route, upload outcomes, and the work
behind them (page reading, verification, decisions, reviewer actions, queue depth)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator, Mapping

from fastapi import Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

QueueDepths = Callable[[], Mapping[str, int] | None]
"""Reads the tasks waiting per queue name at scrape time; ``None`` when the broker is down."""


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

        self._add_work_metrics()

    def count_webhook_delivery(self, event: str, outcome: str) -> None:
        self.webhook_deliveries.labels(event, outcome).inc()

    # -- the work behind the requests: reading, verification, decisions, reviewers ----------

    def _add_work_metrics(self) -> None:
        self.page_read = Histogram(
            "intake_page_read_duration_seconds",
            "Time to read one page (OCR, classification, fields, seals).",
            buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0),
            registry=self.registry,
        )
        self.verification = Histogram(
            "intake_verification_duration_seconds",
            "Time of one automatic verification run, readings in, decision stored.",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=self.registry,
        )
        self.decisions = Counter(
            "intake_decisions",
            "Filing decisions by resulting status, insured region and decider (machine, reviewer).",
            ["decision", "region", "by"],
            registry=self.registry,
        )
        self.review_actions = Counter(
            "intake_review_actions",
            "Reviewer and applicant actions on the review queue that succeeded.",
            ["action"],
            registry=self.registry,
        )
        self.queue_depth = QueueDepthCollector()
        self.registry.register(self.queue_depth)

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


class QueueDepthCollector(Collector):
    """``intake_queue_depth{queue}``, read from the task queue at scrape time.

    Nothing is reported while no queue is watched or its broker does not answer
    (``/readyz`` says the broker is down; a missing series alerts on its own).
    """

    def __init__(self) -> None:
        self._source: QueueDepths | None = None

    def watch(self, source: QueueDepths | None) -> None:
        """Read depths from ``source`` from now on (``None``: stop reporting)."""
        self._source = source

    def describe(self) -> Iterator[Metric]:
        yield self._family()

    def collect(self) -> Iterator[Metric]:
        family = self._family()
        depths = self._source() if self._source is not None else None
        for queue, depth in sorted((depths or {}).items()):
            family.add_metric([queue], depth)
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "intake_queue_depth", "Tasks waiting in the task queue.", labels=["queue"]
        )
