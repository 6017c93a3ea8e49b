"""A real ``intake worker`` serves its metrics: the prefork children's work, summed by the parent.

The filing is stored through the service's own use cases; its pages are read
(real OCR) and the filing verified by the child process of ``intake worker
--concurrency 1``, which writes its metrics to ``PROMETHEUS_MULTIPROC_DIR``.
The worker's main process serves them on ``INTAKE_WORKER_METRICS_PORT``, with
the queue depth read from Redis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api.settings import Settings
from api.wiring import build_services
from intake.domain import FilingStatus, Principal, Role
from samples.generate import generate_corpus
from tests.factories import make_new_filing
from tests.fakes import FakeReader
from tests.integration.tasks.workers import own_redis_database, start_worker
from tests.live import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REDIS_DB = 12  # a database of its own: no other test's worker takes these tasks
PHOTOS = 2
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def queue_url(redis_url: str) -> Iterator[str]:
    with own_redis_database(redis_url, REDIS_DB) as url:
        yield url


def _scrape(port: int) -> dict[str, float]:
    """Every sample of the worker's metrics, summed over labels, by sample name."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
    return totals


def _wait(condition: object, *, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.3)
    raise AssertionError(log.read_text()[-3000:])


def test_the_worker_serves_what_its_processes_did(queue_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    settings = Settings(data_dir=data_dir, queue_url=queue_url, api_keys=SecretStr("app:k"))
    services = build_services(settings, reader=FakeReader(), migrate_embedded=True)
    app_key = Principal(role=Role.APP, key_id="app")
    filing = services.filings.create(app_key, make_new_filing())
    photos = [
        p for p in generate_corpus(tmp_path / "photos", count=4, seed=11) if p.suffix == ".jpg"
    ][:PHOTOS]
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left by a process of an earlier run")
    port = free_port()
    env = {
        **os.environ,
        "INTAKE_DATA_DIR": str(data_dir),
        "INTAKE_QUEUE_URL": queue_url,
        "INTAKE_API_KEYS": "app:k",
        "INTAKE_OCR_THREADS": "1",
        "INTAKE_WORKER_METRICS_PORT": str(port),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        # This checkout's code, whichever checkout the package was installed from.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    try:

        def serving() -> bool:
            try:
                return (
                    "intake_queue_depth" in httpx.get(f"http://127.0.0.1:{port}/", timeout=1).text
                )
            except httpx.TransportError:
                return False

        _wait(serving, seconds=120, log=log)
        assert not (metrics_dir / "counter_1.db").exists()  # the earlier run's file is gone
        before = _scrape(port)
        assert before.get("intake_page_read_duration_seconds_count", 0.0) == 0.0

        for photo in photos:
            services.submission.add_document(app_key, filing.id, data=photo.read_bytes())
        services.submission.submit(app_key, filing.id)

        def decided() -> bool:
            with services.uow_factory() as uow:
                current = uow.filings.get(filing.id)
            return current is not None and current.status is not FilingStatus.SUBMITTED

        _wait(decided, seconds=300, log=log)
        with services.uow_factory() as uow:
            pages = sum(len(d.pages) for d in uow.documents.list_for_filing(filing.id))
        after = _scrape(port)
        assert after["intake_page_read_duration_seconds_count"] == float(pages)
        assert after["intake_verification_duration_seconds_count"] == 1.0
        assert after["intake_decisions_total"] == 1.0
        assert after["intake_queue_depth"] == 0.0
        writers = {int(f.stem.rsplit("_", 1)[1]) for f in metrics_dir.glob("*.db")}
        assert writers - {worker.pid}  # a child process wrote what the main process serves
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        services.close()
