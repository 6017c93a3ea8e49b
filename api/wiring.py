"""Building the concrete adapters and services from settings (the composition root).

The app's lifespan, the CLI and the worker all call :func:`build_services`
once and :meth:`Services.close` when they stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from api.instruments import MeteredReviewService, MetricsEvents, TimedPageReader
from api.metrics import Metrics
from api.settings import Settings
from api.tasks.broker import QueueProbe, open_queue_probe
from api.tasks.celery import DEFAULT_QUEUE, CeleryTaskDispatcher, create_celery_app
from api.tasks.handlers import IntakeTaskHandlers
from api.tasks.local import LocalTaskDispatcher
from api.webhook_http import HttpxWebhookTransport, resolve_host
from api.webhook_schemas import event_data
from intake.analysis import AnalysisService
from intake.deliveries import WebhookSender
from intake.events import FanOut
from intake.filings import FilingService
from intake.pipeline import Pipeline
from intake.ports import BlobStore, Clock, PageReader, TaskDispatcher, UnitOfWorkFactory
from intake.reverify import ReverifyService
from intake.review import ReviewService
from intake.submission import SubmissionService
from intake.verification import VerificationService
from intake.webhooks import WebhookOutbox, WebhookService
from ocr.engines.rapid import RapidOcrEngine
from ocr.quality import assess_quality
from ocr.reader import Reader
from storage.blobs import open_blob_store
from storage.crypto import Keyring
from storage.errors import StorageConfigError
from storage.sql.engine import create_database_engine
from storage.sql.migrate import is_embedded, prepare_schema
from storage.sql.rekey import holds_sealed_data
from storage.sql.repositories import sql_unit_of_work_factory
from verifiers import PolicyBook, load_packs

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
    verification: VerificationService
    pipeline: Pipeline
    book: PolicyBook
    reader: PageReader
    handlers: IntakeTaskHandlers
    dispatcher: TaskDispatcher
    filings: FilingService
    submission: SubmissionService
    review: ReviewService
    clock: Clock
    reverify: ReverifyService
    keyring: Keyring
    webhooks: WebhookService
    webhook_sender: WebhookSender
    webhook_transport: HttpxWebhookTransport
    metrics: Metrics
    queue: QueueProbe

    def close(self) -> None:
        """Let queued local tasks finish, then release the database."""
        if isinstance(self.dispatcher, LocalTaskDispatcher):
            self.dispatcher.shutdown(wait=True)
        self.webhook_transport.close()
        self.queue.close()
        self.engine.dispose()


def _secret(value: object) -> str | None:
    getter = getattr(value, "get_secret_value", None)
    return getter() if getter is not None else None


def open_blobs(settings: Settings, keyring: Keyring) -> BlobStore:
    """The blob store the settings name, local blobs encrypted with ``keyring``.

    Raises:
        StorageConfigError: The blob URL is malformed.
        StorageUnavailableError: A local directory cannot be created.
    """
    return open_blob_store(
        settings.blob_url_resolved,
        keyring=keyring,
        access_key=_secret(settings.s3_access_key),
        secret_key=_secret(settings.s3_secret_key),
        kms_key_id=settings.s3_kms_key_id,
    )


def build_reader(settings: Settings) -> PageReader:
    """Load the OCR engine's models (once per process) and wrap them in the page reader.

    Raises:
        OcrModelMissingError: The engine's model files are not installed.
    """
    engine = RapidOcrEngine(threads=settings.ocr_threads)
    return Reader(engine, read_seal_text=settings.ocr_seal_text)


def open_keyring(settings: Settings) -> Keyring:
    """The keys sealing personal data; with the embedded database, created on first start.

    Raises:
        StorageConfigError: Keys missing or malformed, or an embedded key file
            that has gone while the database holds data sealed with it.
    """
    lost = (
        settings.uses_key_file
        and is_embedded(settings.database_url_resolved)
        and not settings.key_file.exists()
    )
    if lost and holds_sealed_data(settings.database_url_resolved):
        raise StorageConfigError(
            f"the key file {settings.key_file} is missing but the database holds personal "
            "data sealed with it: restore the key file from its backup"
        )
    return settings.keyring(create=True)


def prepare_database(settings: Settings, *, migrate_embedded: bool) -> Keyring:
    """Check (or, embedded, migrate) the schema, and open the keys that seal its data.

    A server database behind the code is reported before missing keys: the
    schema is what the operator has to fix first.

    Raises:
        SchemaNotCurrentError: The schema is missing or behind.
        StorageConfigError: Keys missing or malformed (see :func:`open_keyring`).
    """
    url = settings.database_url_resolved
    if migrate_embedded and is_embedded(url):
        keyring = open_keyring(settings)
        prepare_schema(url, migrate_embedded=True, keyring=keyring)
        return keyring
    prepare_schema(url, migrate_embedded=migrate_embedded)
    return open_keyring(settings)


def build_services(
    settings: Settings,
    *,
    reader: PageReader | None = None,
    clock: Clock | None = None,
    migrate_embedded: bool = False,
    metrics: Metrics | None = None,
) -> Services:
    """Open the database, blob store and task queue the settings name and wire the use cases.

    Args:
        settings: The configuration.
        reader: The page reader; the real OCR reader is loaded when omitted.
        clock: The clock; the system clock when omitted.
        migrate_embedded: Migrate the embedded SQLite database first (the server
            and workers do); otherwise its schema must be current already.
        metrics: Where the work is measured (the app's); a registry of its own when omitted.

    Raises:
        SchemaNotCurrentError: The database has no schema, or an older one.
        StorageConfigError: A database or blob URL cannot be used.
        VerifierConfigError: A policy pack is invalid (start-up stops).
        OcrModelMissingError: The OCR models are not installed.
        ValueError: An unsupported queue URL.
    """
    book = load_packs(settings.policy_dir)
    keyring = prepare_database(settings, migrate_embedded=migrate_embedded)
    metrics = metrics or Metrics()
    reader = reader or build_reader(settings)
    engine = create_database_engine(settings.database_url_resolved)
    uow_factory: UnitOfWorkFactory = sql_unit_of_work_factory(engine, keyring)
    blobs = open_blobs(settings, keyring)
    clock = clock or SystemClock()
    limits = settings.upload_limits()
    outbox = WebhookOutbox(describe=event_data(lambda: reader.version))
    events = FanOut(MetricsEvents(metrics), outbox)
    analysis = AnalysisService(
        uow_factory,
        blobs=blobs,
        assess=assess_quality,
        limits=limits,
        reader=TimedPageReader(reader, metrics),
        events=events,
        now=clock.now,
    )
    verification = VerificationService(
        uow_factory,
        book=book,
        clock=clock,
        engine_version=lambda: reader.version,
        events=events,
    )
    pipeline = Pipeline(uow_factory, analysis=analysis, verification=verification)
    reverify = ReverifyService(
        uow_factory,
        verification=verification,
        clock=clock,
        engine_version=lambda: reader.version,
        reread=analysis.reread_filing,
    )
    handlers = IntakeTaskHandlers(pipeline, reverify)
    transport = HttpxWebhookTransport(
        timeout_s=settings.webhook_timeout_s, policy=settings.webhook_url_policy()
    )
    sender = WebhookSender(
        uow_factory,
        transport=transport,
        clock=clock,
        # Longer than any attempt can take, so a lease runs out only when its worker died.
        lease=timedelta(seconds=max(60.0, 4 * settings.webhook_timeout_s)),
    )
    dispatcher: LocalTaskDispatcher | CeleryTaskDispatcher
    queue: QueueProbe
    if settings.is_local_queue:
        dispatcher = queue = LocalTaskDispatcher(
            handlers, max_workers=settings.task_workers, webhooks=sender
        )
    else:
        queue = open_queue_probe(settings.queue_url, queues=[DEFAULT_QUEUE])
        dispatcher = CeleryTaskDispatcher(
            create_celery_app(
                settings.queue_url,
                handlers=handlers,
                visibility_timeout_s=settings.queue_visibility_timeout_s,
                webhooks=sender,
            )
        )
    reverify.set_dispatch(dispatcher.reverify_batch)
    outbox.set_dispatch(dispatcher.deliver_webhook)
    webhooks = WebhookService(
        uow_factory,
        clock=clock,
        policy=settings.webhook_url_policy(),
        resolve=resolve_host,
        max_endpoints=settings.webhook_max_endpoints,
        dispatch=dispatcher.deliver_webhook,
    )
    metrics.queue_depth.watch(queue.depths)
    sender.set_observer(metrics.count_webhook_delivery)
    return Services(
        settings=settings,
        engine=engine,
        uow_factory=uow_factory,
        blobs=blobs,
        analysis=analysis,
        verification=verification,
        pipeline=pipeline,
        book=book,
        reader=reader,
        handlers=handlers,
        dispatcher=dispatcher,
        filings=FilingService(
            uow_factory, clock=clock, book=book, reader_version=lambda: reader.version
        ),
        clock=clock,
        reverify=reverify,
        keyring=keyring,
        webhooks=webhooks,
        webhook_sender=sender,
        webhook_transport=transport,
        metrics=metrics,
        queue=queue,
        review=MeteredReviewService(
            uow_factory,
            metrics=metrics,
            book=book,
            clock=clock,
            verification=verification,
            reader_version=lambda: reader.version,
            events=events,
        ),
        submission=SubmissionService(
            uow_factory,
            blobs=blobs,
            dispatcher=dispatcher,
            clock=clock,
            assess=assess_quality,
            limits=limits,
        ),
    )
