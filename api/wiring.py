"""Building the concrete adapters and services from settings (the composition root).

The app's lifespan, the CLI and the worker all call :func:`build_services`
once and :meth:`Services.close` when they stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from api.settings import Settings
from api.tasks.celery import CeleryTaskDispatcher, create_celery_app
from api.tasks.handlers import IntakeTaskHandlers
from api.tasks.local import LocalTaskDispatcher
from intake.analysis import AnalysisService
from intake.filings import FilingService
from intake.ports import BlobStore, TaskDispatcher, UnitOfWorkFactory
from intake.submission import SubmissionService
from ocr.quality import assess_quality
from storage.blobs import open_blob_store
from storage.sql.engine import create_database_engine
from storage.sql.repositories import sql_unit_of_work_factory

_CHINA: Final = ZoneInfo("Asia/Shanghai")


class SystemClock:
    """The real clock: UTC timestamps, dates as in China Standard Time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(_CHINA).date()


@dataclass(kw_only=True)
class Services:
    settings: Settings
    engine: Engine
    uow_factory: UnitOfWorkFactory
    blobs: BlobStore
    analysis: AnalysisService
    handlers: IntakeTaskHandlers
    dispatcher: TaskDispatcher
    filings: FilingService
    submission: SubmissionService

    def close(self) -> None:
        """Let queued local tasks finish, then release the database."""
        if isinstance(self.dispatcher, LocalTaskDispatcher):
            self.dispatcher.shutdown(wait=True)
        self.engine.dispose()


def _secret(value: object) -> str | None:
    getter = getattr(value, "get_secret_value", None)
    return getter() if getter is not None else None


def build_services(settings: Settings) -> Services:
    """Open the database, blob store and task queue the settings name and wire the use cases.

    Raises:
        StorageConfigError: A database or blob URL cannot be used.
        ValueError: An unsupported queue URL.
    """
    engine = create_database_engine(settings.database_url_resolved)
    uow_factory: UnitOfWorkFactory = sql_unit_of_work_factory(engine)
    blobs = open_blob_store(
        settings.blob_url_resolved,
        access_key=_secret(settings.s3_access_key),
        secret_key=_secret(settings.s3_secret_key),
    )
    clock = SystemClock()
    limits = settings.upload_limits()
    analysis = AnalysisService(uow_factory, blobs=blobs, assess=assess_quality, limits=limits)
    handlers = IntakeTaskHandlers(analysis)
    dispatcher: TaskDispatcher
    if settings.is_local_queue:
        dispatcher = LocalTaskDispatcher(handlers, max_workers=settings.task_workers)
    else:
        dispatcher = CeleryTaskDispatcher(create_celery_app(settings.queue_url, handlers=handlers))
    return Services(
        settings=settings,
        engine=engine,
        uow_factory=uow_factory,
        blobs=blobs,
        analysis=analysis,
        handlers=handlers,
        dispatcher=dispatcher,
        filings=FilingService(uow_factory, clock=clock),
        submission=SubmissionService(
            uow_factory,
            blobs=blobs,
            dispatcher=dispatcher,
            clock=clock,
            assess=assess_quality,
            limits=limits,
        ),
    )
