"""Reading on real Celery worker processes, one of them killed with SIGKILL while it reads.

Uploads are stored through the service's own use case and their analysis is
sent through Redis to two ``intake worker`` processes running the real OCR.
Once reading is under way, one worker is killed. Its document is delivered
again after the visibility timeout and read by the other: every document ends
``analysed`` (none lost, none failed), and every page has exactly one cached
reading (read again, stored once).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from api.settings import Settings
from api.wiring import build_services
from intake.domain import DocumentStatus, Principal, Role
from samples.generate import generate_corpus
from storage.sql.tables import reading as reading_table
from tests.factories import make_new_filing
from tests.fakes import FakeReader
from tests.integration.tasks.workers import own_redis_database, start_worker

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REDIS_DB = 10  # a database of its own: no other test's worker takes these tasks
PHOTOS = 8


@pytest.fixture
def queue_url(redis_url: str) -> Iterator[str]:
    with own_redis_database(redis_url, REDIS_DB) as url:
        yield url


def test_a_worker_killed_while_reading_loses_nothing(queue_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    settings = Settings(data_dir=data_dir, queue_url=queue_url, api_keys=SecretStr("app:k"))
    services = build_services(settings, reader=FakeReader(), migrate_embedded=True)
    app_key = Principal(role=Role.APP, key_id="app")
    filing = services.filings.create(app_key, make_new_filing())
    photos = [
        p for p in generate_corpus(tmp_path / "photos", count=PHOTOS, seed=7) if p.suffix == ".jpg"
    ]
    env = {
        **os.environ,
        "INTAKE_DATA_DIR": str(data_dir),
        "INTAKE_QUEUE_URL": queue_url,
        "INTAKE_QUEUE_VISIBILITY_TIMEOUT_S": "3",
        "INTAKE_API_KEYS": "app:k",
        "INTAKE_OCR_THREADS": "1",
    }
    workers = [start_worker(env, tmp_path / f"worker-{n}.log") for n in range(2)]
    try:
        documents = [
            services.submission.add_document(app_key, filing.id, data=p.read_bytes()).document
            for p in photos
        ]
        killed = False
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with services.uow_factory() as uow:
                states = [uow.documents.get(d.id).status for d in documents]  # type: ignore[union-attr]
            done = sum(s is not DocumentStatus.RECEIVED for s in states)
            if not killed and done >= 2:
                os.killpg(workers[0].pid, signal.SIGKILL)
                killed = True
            if done == len(documents):
                break
            time.sleep(0.3)
        assert killed, "reading finished before a worker could be killed"
        assert states == [DocumentStatus.ANALYSED] * len(documents), (
            tmp_path / "worker-1.log"
        ).read_text()[-3000:]
        with services.engine.connect() as connection:
            readings = connection.execute(select(func.count()).select_from(reading_table)).scalar()
        pages = sum(len(d.pages) for d in documents)
        assert readings == pages  # each page read and stored once, none lost
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        services.close()
