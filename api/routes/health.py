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
        "queue": services.queue.is_ready(),
    }


@router.get(
    "/readyz",
    responses={
        503: {"description": "A dependency does not answer; `checks` and `failed` say which."}
    },
)
async def get_readiness(services: ServicesDep) -> JSONResponse:
    """The database answers at the code's schema, the blob store answers, the broker answers.

    ``checks`` holds every part (``database``, ``schema``, ``blobs``, ``queue``),
    ``failed`` the ones that did not answer, so a 503 names what to fix.
    """
    checks = await run_in_threadpool(_readiness, services)
    failed = [name for name, ok in checks.items() if not ok]
    body: dict[str, Any] = {
        "status": "unavailable" if failed else "ready",
        "checks": checks,
        "failed": failed,
    }
    return JSONResponse(body, status_code=503 if failed else 200)


@router.get("/metrics", response_class=Response)
async def get_metrics(metrics: MetricsDep) -> Response:
    """Prometheus text: requests, uploads, reading, verification, decisions, review, queue."""
    return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)
