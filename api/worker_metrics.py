"""The Celery worker's metrics, served on a port of its own (``INTAKE_WORKER_METRICS_PORT``).

``intake worker`` runs Celery's prefork pool: tasks run in child processes,
each with its own memory, so the worker uses prometheus_client's multiprocess
mode. With ``PROMETHEUS_MULTIPROC_DIR`` set (an empty directory the worker may
write), every process writes its counters and histograms to files there, and
the main process serves the sum of them, plus the queue depth read from the
broker at scrape time. The variable must be set before the process starts:
prometheus_client chooses how it keeps values when it is first imported.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import structlog
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

from api.metrics import Metrics

log = structlog.get_logger(__name__)

MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"


class WorkerMetricsConfigError(Exception):
    """The worker was asked to serve metrics without a multiprocess directory."""

    def __str__(self) -> str:
        return (
            f"INTAKE_WORKER_METRICS_PORT needs {MULTIPROC_ENV}: an empty directory the "
            "worker processes write their metrics to (e.g. /tmp/intake-metrics), "
            "set before the worker starts"
        )


def prepare_multiprocess_dir() -> Path:
    """The multiprocess directory, created and emptied of a previous run's files.

    Call it before any metric is created: files of processes long gone would
    otherwise be added to this run's counts.

    Raises:
        WorkerMetricsConfigError: ``PROMETHEUS_MULTIPROC_DIR`` is not set.
    """
    value = os.environ.get(MULTIPROC_ENV)
    if not value:
        raise WorkerMetricsConfigError
    folder = Path(value)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    return folder


def serve_worker_metrics(metrics: Metrics, *, folder: Path, host: str, port: int) -> int:
    """Serve the sum of every worker process's metrics over HTTP, from a daemon thread.

    Args:
        metrics: The worker's metrics (their queue depth collector is served too).
        folder: The multiprocess directory (:func:`prepare_multiprocess_dir`).
        host: Interface to listen on.
        port: TCP port (``0``: any free one).

    Returns:
        The port listened on.
    """
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(folder))  # type: ignore[no-untyped-call]  # untyped in prometheus_client
    registry.register(metrics.queue_depth)
    server, _ = start_http_server(port, addr=host, registry=registry)
    bound = int(server.server_port)
    log.info("worker.metrics.serving", host=host, port=bound)
    return bound
