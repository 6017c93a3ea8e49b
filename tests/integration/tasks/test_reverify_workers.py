"""Bulk re-verification on real Celery worker processes over Redis, one of them killed.

Two ``intake worker`` processes share a SQLite database (WAL) and a Redis
database of their own. The job's batches are sent through the broker; once
the job is under way one worker is killed with SIGKILL. The other finishes,
and the killed worker's batch is delivered again after the visibility
timeout: every filing ends with exactly one item and one verification row of
the job.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from api.settings import Settings
from api.tasks.celery import CeleryTaskDispatcher, create_celery_app
from intake.domain import (
    DocumentId,
    FilingId,
    FilingStatus,
    JobFilter,
    JobId,
    JobItemStatus,
    JobStatus,
    Principal,
    Role,
)
from intake.reverify import ReverifyService
from intake.verification import VerificationService
from samples.filings import generate_scenarios, store_scenarios
from storage.crypto import Keyring
from storage.sql import sql_unit_of_work_factory
from storage.sql.engine import create_database_engine
from storage.sql.migrate import upgrade_database
from tests.fakes import FakeClock
from tests.integration.tasks.workers import own_redis_database, start_worker
from verifiers import load_packs

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FILINGS = 1200
BATCH = 20
REDIS_DB = 11  # a database of its own: no other test's worker takes these tasks


@pytest.fixture
def queue_url(redis_url: str) -> Iterator[str]:
    with own_redis_database(redis_url, REDIS_DB) as url:
        yield url


def test_a_killed_worker_loses_and_duplicates_nothing(queue_url: str, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'intake.db'}"
    upgrade_database(database)
    engine = create_database_engine(database)
    keyring = Keyring.generated()
    uow_factory = sql_unit_of_work_factory(engine, keyring)
    book = load_packs()
    scenarios = generate_scenarios(count=FILINGS, seed=20261129, book=book)
    store_scenarios(uow_factory, scenarios, owner="app", engine_version="unused")
    env = {
        **os.environ,
        "INTAKE_DATA_DIR": str(tmp_path / "var"),
        "INTAKE_DATABASE_URL": database,
        "INTAKE_QUEUE_URL": queue_url,
        "INTAKE_QUEUE_VISIBILITY_TIMEOUT_S": "3",
        "INTAKE_API_KEYS": "admin:k",
        "INTAKE_OCR_THREADS": "1",
        "INTAKE_DATA_KEYS": keyring.data_keys_string(),
        "INTAKE_LOOKUP_KEY": keyring.lookup_key_string(),
    }
    workers = [start_worker(env, tmp_path / f"worker-{n}.log") for n in range(2)]
    settings = Settings(database_url=database, queue_url=queue_url, api_keys=SecretStr("admin:k"))
    celery = create_celery_app(settings.queue_url, handlers=_NoHandlers(), visibility_timeout_s=3)
    clock = FakeClock(datetime.now(UTC))
    verification = VerificationService(
        uow_factory, book=book, clock=clock, engine_version=lambda: "unused"
    )
    service = ReverifyService(
        uow_factory,
        verification=verification,
        clock=clock,
        engine_version=lambda: "unused",
        batch_size=BATCH,
    )
    service.set_dispatch(CeleryTaskDispatcher(celery).reverify_batch)
    try:
        job = service.start(
            Principal(role=Role.ADMIN, key_id="ops"),
            where=JobFilter(statuses=(FilingStatus.SUBMITTED,)),
        )
        assert job.total == FILINGS
        killed = False
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            progress = service.progress(job.id)
            if not killed and progress.done >= BATCH * 3:
                os.killpg(workers[0].pid, signal.SIGKILL)
                killed = True
            if progress.job.status is not JobStatus.RUNNING:
                break
            time.sleep(0.2)
        assert killed, "the job finished before a worker could be killed"
        progress = service.progress(job.id)
        assert progress.job.status is JobStatus.DONE, (tmp_path / "worker-1.log").read_text()
        assert (progress.done, progress.failed, progress.pending) == (FILINGS, 0, 0)
        with uow_factory() as uow:
            items = uow.jobs.items(job.id)
            assert {i.status for i in items} == {JobItemStatus.DONE}
            assert len({i.filing_id for i in items}) == FILINGS
            for item in items:
                runs = [
                    r
                    for r in uow.verifications.list_for_filing(item.filing_id)
                    if r.verdict.get("job_id") == str(job.id)
                ]
                assert len(runs) == 1, item.filing_id
                assert runs[0].id == item.verification_id
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        celery.close()
        engine.dispose()


class _NoHandlers:
    """The sending side runs no tasks: the worker processes do."""

    def analyse_document(self, document_id: DocumentId) -> None:
        raise AssertionError("the test process ran a task")

    def verify_filing(self, filing_id: FilingId) -> None:
        raise AssertionError("the test process ran a task")

    def expire_filings(self) -> None:
        raise AssertionError("the test process ran a task")

    def reverify_batch(self, job_id: JobId, filing_ids: Sequence[FilingId]) -> None:
        raise AssertionError("the test process ran a task")

    def fail_batch(self, job_id: JobId, filing_ids: Sequence[FilingId], reason: str) -> None:
        raise AssertionError("the test process ran a task")
