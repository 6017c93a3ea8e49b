"""Probes and metrics: ``/healthz``, ``/readyz``, ``/metrics``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from api.deps import MetricsDep, ServicesDep
from api.wiring import Services
from storage.sql.engine import is_database_ready
from storage.sql.migrate import schema_is_current

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def get_health() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


def _readiness(services: Services) -> dict[str, bool]:
    database = is_database_ready(services.engine)
    return {
        "database": database,
        "schema": database and schema_is_current(services.engine),
        "blobs": services.blobs.is_ready(),
    }


@router.get(
    "/readyz",
    responses={503: {"description": "A dependency does not answer; `checks` says which."}},
)
async def get_readiness(services: ServicesDep) -> JSONResponse:
    """The database answers at the code's schema, and the blob store answers."""
    checks = await run_in_threadpool(_readiness, services)
    ready = all(checks.values())
    body: dict[str, Any] = {"status": "ready" if ready else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response)
async def get_metrics(metrics: MetricsDep) -> Response:
    """Prometheus text: request counts and latency by route, upload outcomes."""
    return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)
