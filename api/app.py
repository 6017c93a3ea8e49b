"""The FastAPI application: ``create_app(settings=None)`` and its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api.cpu import BoundedCpuPool
from api.deps import key_digest
from api.errors import install_error_handlers
from api.logs import configure_logging
from api.metrics import Metrics
from api.openapi import (
    DOCS_ASSETS_URL,
    SWAGGER_UI_PARAMETERS,
    DocsContentPolicy,
    operation_id,
)
from api.request_id import RequestIdMiddleware
from api.routes import documents, filings, health, jobs, requirements, review, webhooks
from api.settings import Settings
from api.tasks.local import LocalTaskDispatcher
from api.tasks.periodic import PeriodicSweep
from api.web import install_review_pages
from api.web.demo import install_demo_page
from api.wiring import Services, build_services
from intake.ports import Clock, PageReader

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    reader: PageReader | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """Build the application; the database, blob store, OCR model and pools open in its lifespan.

    Args:
        settings: The configuration; read from the environment when omitted.
        reader: The page reader; the real OCR reader is loaded when omitted.
        clock: The clock; the system clock when omitted.

    Raises:
        ValueError: ``INTAKE_API_KEYS`` is malformed.
    """
    settings = settings or Settings()
    configure_logging(level=settings.log_level, log_format=settings.log_format)
    principals = {key_digest(key): p for key, p in settings.principals().items()}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.upload_tmp_dir.mkdir(parents=True, exist_ok=True)
        services = build_services(
            settings,
            reader=reader,
            clock=clock,
            migrate_embedded=True,
            metrics=app.state.metrics,
        )
        cpu = BoundedCpuPool(
            max_workers=settings.cpu_workers, wait_timeout_s=settings.cpu_wait_timeout_s
        )
        app.state.services = services
        app.state.cpu = cpu
        if settings.is_local_queue:
            # Jobs of the in-process engine resume where they stopped: finished filings
            # are not redone. (Celery keeps its batches in the broker.)
            services.reverify.resume()
        sweep = PeriodicSweep(
            services.verification.expire_filings,
            interval_s=settings.expiry_interval_s,
            name="expire-filings",
        )
        webhook_sweep = PeriodicSweep(
            _sweep_webhooks(services),
            interval_s=settings.webhook_sweep_interval_s,
            name="sweep-webhooks",
        )
        if settings.is_local_queue:
            sweep.start()
            webhook_sweep.start()
        log.info(
            "api.started", queue=settings.queue_url.split("://")[0], dev_keys=settings.uses_dev_keys
        )
        try:
            yield
        finally:
            if settings.is_local_queue:
                sweep.stop()
                webhook_sweep.stop()
            cpu.shutdown()
            services.close()
            log.info("api.stopped")

    app = FastAPIOffline(
        title="intake",
        version="0.1.0",
        summary="Document intake and material verification for cross-region medical filing.",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        static_url=DOCS_ASSETS_URL,
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )
    metrics = Metrics()
    app.state.settings = settings
    app.state.principals = principals
    app.state.metrics = metrics
    app.middleware("http")(metrics.middleware)
    app.add_middleware(DocsContentPolicy)
    # Added last, so outermost: the other middleware and every handler run inside the id.
    app.add_middleware(RequestIdMiddleware)
    install_error_handlers(app)
    app.include_router(filings.router)
    app.include_router(documents.router)
    app.include_router(requirements.router)
    app.include_router(review.applicant_router)
    app.include_router(review.router)
    app.include_router(jobs.router)
    app.include_router(webhooks.router)
    app.include_router(health.router)
    install_review_pages(app, settings=settings, clock=clock)
    install_demo_page(app, settings=settings)
    return app


def _sweep_webhooks(services: Services) -> Callable[[], object]:
    """The in-process sweep: queue every due webhook delivery on the local pool."""

    def sweep() -> object:
        if isinstance(services.dispatcher, LocalTaskDispatcher):
            return services.dispatcher.sweep_webhooks()
        return None

    return sweep
