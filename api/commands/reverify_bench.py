"""``intake bench reverify``: bulk re-verification throughput from cached readings.

Generates N filings from the scenario generator (documents, pages and cached
readings, as the service stores them), verifies them once with a real job
(timed), then re-verifies them with a dry run (timed): filings per second.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from pydantic import SecretStr
from sqlalchemy import delete

from api.commands.progress import SilentSteps, Steps
from api.settings import Settings
from api.tasks.celery import CeleryTaskDispatcher, create_celery_app
from api.wiring import open_blobs, open_keyring
from intake.analysis import NORMALISED_CONTENT_TYPE, normalise_pages
from intake.domain import (
    Applicant,
    Document,
    DocumentId,
    DocumentStatus,
    Filing,
    FilingId,
    FilingStatus,
    FilingType,
    JobFilter,
    JobId,
    JobStatus,
    Principal,
    Role,
    Scheme,
)
from intake.identity import fake_id_number
from intake.ports import BlobStore, UnitOfWorkFactory
from intake.reverify import ReverifyService
from intake.verification import VerificationService
from ocr.images import FileType
from ocr.quality import assess_quality
from samples.filings import generate_scenarios, store_scenarios
from samples.generate import generate_corpus
from storage.crypto import Keyring
from storage.sql import sql_unit_of_work_factory
from storage.sql.engine import create_database_engine
from storage.sql.migrate import upgrade_database
from storage.sql.tables import filing as filing_table
from storage.sql.tables import job as job_table
from storage.sql.tables import reading as reading_table
from verifiers import PolicyBook, load_packs

__all__ = ["benchmark_reread", "benchmark_reverify"]

ENGINE_VERSION: Final = "bench-cached-readings"
_OPERATOR: Final = Principal(role=Role.ADMIN, key_id="bench")
_T0: Final = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


class _FixedClock:
    def __init__(self, day: Any) -> None:
        self._now = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def today(self) -> Any:
        return self._now.date()


_WORKER: dict[str, ReverifyService] = {}


def _start_worker(url: str, day: Any, keyring: Keyring) -> None:
    """A worker process: its own engine and service, as a Celery worker has."""
    book = load_packs()
    uow_factory = sql_unit_of_work_factory(create_database_engine(url), keyring)
    clock = _FixedClock(day)
    verification = VerificationService(
        uow_factory, book=book, clock=clock, engine_version=lambda: ENGINE_VERSION
    )
    _WORKER["service"] = ReverifyService(
        uow_factory, verification=verification, clock=clock, engine_version=lambda: ENGINE_VERSION
    )


def _run_batch(job_id: JobId, filing_ids: list[FilingId]) -> int:
    return _WORKER["service"].run_batch(job_id, filing_ids)


def _ready() -> bool:  # run once per process to start them all before timing
    return "service" in _WORKER


def _timed_job(
    service: ReverifyService,
    *,
    dry_run: bool,
    workers: int,
    where: JobFilter,
    url: str,
    day: Any,
    keyring: Keyring,
    steps: Steps,
) -> tuple[JobId, float]:
    """Run a job on ``workers`` processes (started and warmed before the clock starts)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(url, day, keyring),
    ) as pool:
        for ready in [pool.submit(_ready) for _ in range(workers)]:
            ready.result()
        futures: list[Future[int]] = []
        service.set_dispatch(
            lambda job_id, ids: futures.append(pool.submit(_run_batch, job_id, ids))
        )
        started = time.perf_counter()
        job = service.start(_OPERATOR, where=where, dry_run=dry_run)
        for future in futures:
            steps.advance(future.result())
        elapsed = time.perf_counter() - started
    return job.id, elapsed


def benchmark_reverify(
    *,
    filings: int,
    database_url: str | None,
    seed: int = 20261129,
    workers: Sequence[int] = (1, 2),
    book: PolicyBook | None = None,
    steps: Steps | None = None,
) -> dict[str, Any]:
    """Filings per second re-verified from cached readings, real run and dry runs.

    Args:
        filings: How many filings to generate.
        database_url: The database (migrated first); a temporary SQLite file when ``None``.
        seed: The scenario generator's seed.
        workers: Worker-process counts to time the dry run with.
        book: The packs (the bundled ones when omitted).
        steps: Where the stages report their progress (the real run, each dry run).
    """
    shown = steps or SilentSteps()
    book = book or load_packs()
    scenarios = generate_scenarios(count=filings, seed=seed, book=book)
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade_database(url)
        engine = create_database_engine(url)
        keyring = Keyring.generated()
        uow_factory = sql_unit_of_work_factory(engine, keyring)
        owner = f"bench-reverify-{uuid.uuid4().hex[:8]}"
        started = time.perf_counter()
        ids = [
            f.id
            for f in store_scenarios(
                uow_factory, scenarios, owner=owner, engine_version=ENGINE_VERSION, first_at=_T0
            )
        ]
        stored_s = time.perf_counter() - started
        day = scenarios[0].facts.filed_on
        clock = _FixedClock(day)
        verification = VerificationService(
            uow_factory, book=book, clock=clock, engine_version=lambda: ENGINE_VERSION
        )
        service = ReverifyService(
            uow_factory,
            verification=verification,
            clock=clock,
            engine_version=lambda: ENGINE_VERSION,
        )
        report: dict[str, Any] = {
            "database": url.split(":", 1)[0].split("+", 1)[0],
            "filings": len(ids),
            "store_s": round(stored_s, 2),
        }
        try:
            submitted = (_T0 + timedelta(hours=8)).date()  # China time
            ours = JobFilter(submitted_from=submitted, submitted_until=submitted)
            shown.start("re-verifying", total=len(ids))
            job_id, elapsed = _timed_job(
                service,
                dry_run=False,
                workers=1,
                where=ours,
                url=url,
                day=day,
                keyring=keyring,
                steps=shown,
            )
            progress = service.progress(job_id)
            report["real_run"] = {
                "filings_per_s": round(progress.done / elapsed, 1),
                "seconds": round(elapsed, 2),
                "failed": progress.failed,
                "decisions": progress.transitions,
            }
            report["dry_run"] = {}
            for count in workers:
                shown.start(f"dry run, {count} worker(s)", total=len(ids))
                job_id, elapsed = _timed_job(
                    service,
                    dry_run=True,
                    workers=count,
                    where=ours,
                    url=url,
                    day=day,
                    keyring=keyring,
                    steps=shown,
                )
                progress = service.progress(job_id)
                report["dry_run"][f"{count}_workers"] = {
                    "filings_per_s": round(progress.done / elapsed, 1),
                    "seconds": round(elapsed, 2),
                    "changed": progress.changed,
                    "failed": progress.failed,
                }
        finally:
            with engine.begin() as connection:
                connection.execute(delete(filing_table).where(filing_table.c.owner == owner))
                connection.execute(delete(job_table).where(job_table.c.created_by == "bench"))
                connection.execute(
                    delete(reading_table).where(reading_table.c.engine_version == ENGINE_VERSION)
                )
            engine.dispose()
    return report


def benchmark_reread(
    *,
    pages: int,
    queue_url: str,
    seed: int = 20261129,
    workers: Sequence[int] = (1, 2),
) -> dict[str, Any]:
    """Pages per second read again by 1 and by 2 Celery worker processes (one OCR thread each).

    Generated photos are stored as the upload path stores them (original and
    normalised page), one filing each; every job reads all their pages again
    with the real reader on ``intake worker`` processes started for it.

    Args:
        pages: How many photos (one filing, one page each).
        queue_url: A ``redis://`` or ``amqp://`` broker; its default queue is used.
        seed: The sample generator's seed.
        workers: Worker-process counts to time.
    """
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "var"
        settings = Settings(data_dir=data_dir, queue_url=queue_url, api_keys=SecretStr("admin:k"))
        upgrade_database(settings.database_url_resolved)
        engine = create_database_engine(settings.database_url_resolved)
        keyring = open_keyring(settings)
        uow_factory = sql_unit_of_work_factory(engine, keyring)
        blobs = open_blobs(settings, keyring)
        _store_photos(settings, uow_factory, blobs, Path(tmp) / "photos", count=pages, seed=seed)
        env = {
            **os.environ,
            "INTAKE_DATA_DIR": str(data_dir),
            "INTAKE_QUEUE_URL": queue_url,
            "INTAKE_API_KEYS": "admin:k",
            "INTAKE_OCR_THREADS": "1",
            "INTAKE_DATABASE_URL": settings.database_url_resolved,
        }
        clock = _FixedClock(datetime.now(UTC).date())
        verification = VerificationService(
            uow_factory, book=load_packs(), clock=clock, engine_version=lambda: "reread"
        )
        service = ReverifyService(
            uow_factory, verification=verification, clock=clock, engine_version=lambda: "reread"
        )
        celery = create_celery_app(queue_url, handlers=_SendOnly())
        service.set_dispatch(CeleryTaskDispatcher(celery).reverify_batch)
        report: dict[str, Any] = {"pages": pages, "ocr_threads_per_worker": 1}
        try:
            for count in workers:
                processes = [
                    _start_celery_worker(env, Path(tmp) / f"w{count}-{n}.log") for n in range(count)
                ]
                try:
                    _wait_for_workers(celery, count)
                    started = time.perf_counter()
                    job = service.start(_OPERATOR, where=JobFilter(), reread=True, dry_run=True)
                    while service.progress(job.id).job.status is JobStatus.RUNNING:
                        time.sleep(0.2)
                    elapsed = time.perf_counter() - started
                    progress = service.progress(job.id)
                finally:
                    for process in processes:
                        os.killpg(process.pid, signal.SIGTERM)
                    for process in processes:
                        process.wait(timeout=60)
                report[f"{count}_workers"] = {
                    "pages_per_s": round(pages / elapsed, 3),
                    "seconds": round(elapsed, 1),
                    "failed": progress.failed,
                }
        finally:
            celery.close()
            engine.dispose()
    if "1_workers" in report and "2_workers" in report:
        one, two = report["1_workers"]["pages_per_s"], report["2_workers"]["pages_per_s"]
        report["speedup"] = round(two / one, 2) if one else None
    return report


def _store_photos(
    settings: Settings,
    uow_factory: UnitOfWorkFactory,
    blobs: BlobStore,
    folder: Path,
    *,
    count: int,
    seed: int,
) -> None:
    """Generated photos stored as uploads are: the original, its normalised page, a document."""
    limits = settings.upload_limits()
    rng = random.Random(seed)  # noqa: S311  # fake people, not secrets
    for n, path in enumerate(
        p for p in generate_corpus(folder, count=count, seed=seed) if p.suffix == ".jpg"
    ):
        data = path.read_bytes()
        normalised = normalise_pages(
            data, file_type=FileType.JPEG, limits=limits, assess=assess_quality
        )
        blobs.put(data, content_type=FileType.JPEG.content_type)
        for page in normalised:
            blobs.put(page.jpeg, content_type=NORMALISED_CONTENT_TYPE)
        at = _T0 + timedelta(seconds=n)
        filing = Filing(
            id=FilingId(uuid.uuid4()),
            owner="bench",
            applicant=Applicant(name="测试", id_number=fake_id_number(rng), phone="13812345678"),
            filing_type=FilingType.OTHER_TEMPORARY,
            insured_region="321002",
            treatment_region="310115",
            scheme=Scheme.EMPLOYEE,
            start_date=_T0.date(),
            filed_on=_T0.date(),
            created_at=at,
            updated_at=at,
            submitted_at=at,
            status=FilingStatus.SUBMITTED,
        )
        document = Document(
            id=DocumentId(uuid.uuid4()),
            filing_id=filing.id,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            content_type=FileType.JPEG.content_type,
            page_count=len(normalised),
            created_at=at,
            status=DocumentStatus.ANALYSED,
            pages=[page.page for page in normalised],
        )
        with uow_factory() as uow:
            uow.filings.add(filing)
            uow.documents.add(document)
            uow.commit()


def _start_celery_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    intake = Path(sys.executable).with_name("intake")
    with log.open("wb") as handle:
        return subprocess.Popen(  # noqa: S603  # our own CLI
            [str(intake), "worker", "--concurrency", "1"],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_for_workers(celery: Any, count: int, *, timeout_s: float = 120.0) -> None:
    """Wait until ``count`` workers answer a ping (their OCR models are loaded by then)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        replies = celery.control.ping(timeout=1.0) or []
        if len(replies) >= count:
            return
    raise RuntimeError(f"{count} worker(s) did not start in {timeout_s:.0f} s")


class _SendOnly:
    """The benchmark process only sends tasks; the workers run them."""

    def analyse_document(self, document_id: DocumentId) -> None:
        raise RuntimeError("the benchmark process runs no tasks")

    def verify_filing(self, filing_id: FilingId) -> None:
        raise RuntimeError("the benchmark process runs no tasks")

    def expire_filings(self) -> None:
        raise RuntimeError("the benchmark process runs no tasks")

    def reverify_batch(self, job_id: JobId, filing_ids: Sequence[FilingId]) -> None:
        raise RuntimeError("the benchmark process runs no tasks")

    def fail_batch(self, job_id: JobId, filing_ids: Sequence[FilingId], reason: str) -> None:
        raise RuntimeError("the benchmark process runs no tasks")
