"""Celery task adapter: runs follow-up work on workers fed by Redis or RabbitMQ.

``CeleryTaskDispatcher`` implements intake's ``TaskDispatcher`` port by
sending tasks by name; ``create_celery_app`` builds the app a worker runs,
with the tasks calling into the use cases through ``TaskHandlers``, and a beat
schedule that expires lapsed filings (``intake worker --beat``).

Tasks are acknowledged only after they finish (``task_acks_late``) and a
worker takes one task at a time, so a crashed worker's task is delivered
again: handlers must be idempotent, which the reading cache and the
append-only verification runs make them.

A task sent while a request is handled carries the request's id in a message
header (``request_id``); the worker binds it to the log context while the task
runs, so the task's events can be found with the request's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Protocol
from urllib.parse import urlsplit
from uuid import UUID

import structlog
from celery import Celery
from celery.signals import task_postrun, task_prerun

from api.request_id import LOG_KEY, current_request_id
from intake.domain import DeliveryId, DocumentId, FilingId, JobId

log = structlog.get_logger(__name__)

ANALYSE_DOCUMENT: Final = "intake.analyse_document"
VERIFY_FILING: Final = "intake.verify_filing"
EXPIRE_FILINGS: Final = "intake.expire_filings"
REVERIFY_BATCH: Final = "intake.reverify_batch"
DELIVER_WEBHOOK: Final = "intake.deliver_webhook"
SWEEP_WEBHOOKS: Final = "intake.sweep_webhooks"
REVERIFY_MAX_RETRIES: Final = 5
DEFAULT_QUEUE: Final = "intake"


class TaskHandlers(Protocol):
    """What the worker's tasks call: the use cases behind the two task names."""

    def analyse_document(self, document_id: DocumentId) -> None: ...

    def verify_filing(self, filing_id: FilingId) -> None: ...

    def expire_filings(self) -> None: ...

    def reverify_batch(self, job_id: JobId, filing_ids: Sequence[FilingId]) -> None: ...

    def fail_batch(self, job_id: JobId, filing_ids: Sequence[FilingId], reason: str) -> None: ...


class WebhookTaskHandlers(Protocol):
    """What the webhook tasks call (``intake.deliveries.WebhookSender``)."""

    def deliver(self, delivery_id: DeliveryId) -> object: ...

    def due(self, *, limit: int = ...) -> list[DeliveryId]: ...


class CeleryTaskDispatcher:
    """Sends follow-up work to Celery workers; the payload is the id as a string."""

    def __init__(self, app: Celery) -> None:
        self._app = app

    def analyse_document(self, document_id: DocumentId) -> None:
        self._app.send_task(ANALYSE_DOCUMENT, args=[str(document_id)], headers=_headers())
        log.info("intake.task.sent", task=ANALYSE_DOCUMENT, document_id=str(document_id))

    def verify_filing(self, filing_id: FilingId) -> None:
        self._app.send_task(VERIFY_FILING, args=[str(filing_id)], headers=_headers())
        log.info("intake.task.sent", task=VERIFY_FILING, filing_id=str(filing_id))

    def reverify_batch(self, job_id: JobId, filing_ids: list[FilingId]) -> None:
        self._app.send_task(
            REVERIFY_BATCH, args=[str(job_id), [str(i) for i in filing_ids]], headers=_headers()
        )
        log.info("intake.task.sent", task=REVERIFY_BATCH, job_id=str(job_id), size=len(filing_ids))

    def deliver_webhook(self, delivery_id: DeliveryId) -> None:
        self._app.send_task(DELIVER_WEBHOOK, args=[str(delivery_id)], headers=_headers())


def _headers() -> dict[str, str]:
    request_id = current_request_id()
    return {LOG_KEY: request_id} if request_id else {}


def _bind_request_id(task: Any = None, **_: Any) -> None:
    request_id = task.request.get(LOG_KEY) if task is not None else None
    if isinstance(request_id, str):
        structlog.contextvars.bind_contextvars(**{LOG_KEY: request_id})


def _unbind_request_id(**_: Any) -> None:
    structlog.contextvars.unbind_contextvars(LOG_KEY)


# Signals are process-wide: connected once, whatever number of apps is created.
task_prerun.connect(_bind_request_id, weak=False, dispatch_uid="intake.request_id.bind")
task_postrun.connect(_unbind_request_id, weak=False, dispatch_uid="intake.request_id.unbind")


def _redis_transport_options(visibility_timeout_s: float) -> dict[str, float | int]:
    """Redis: a dead worker's unacknowledged tasks come back soon after the visibility timeout.

    kombu scans for them only every ``unacked_restore_interval`` ×
    ``unacked_restore_throttle`` seconds (100 s by default), under a mutex that a
    worker killed while holding it keeps for ``unacked_mutex_expire`` (300 s); both
    are bounded here by the timeout itself. (AMQP ignores these options: the broker
    redelivers at once when the connection drops.)
    """
    interval = min(10.0, max(1.0, visibility_timeout_s / 3))
    return {
        "visibility_timeout": visibility_timeout_s,
        "unacked_restore_interval": interval,
        "unacked_restore_throttle": 1,
        "unacked_mutex_expire": int(max(10.0, 3 * interval)),
    }


def result_backend_for(queue_url: str) -> str:
    """The result backend matching a broker URL: Redis stores results, AMQP replies by RPC.

    Raises:
        ValueError: the URL is neither ``redis://`` / ``rediss://`` nor ``amqp://`` / ``amqps://``.
    """
    scheme = urlsplit(queue_url).scheme
    if scheme in ("redis", "rediss"):
        return queue_url
    if scheme in ("amqp", "amqps"):
        return "rpc://"
    raise ValueError(f"queue URL must be redis:// or amqp://, not {scheme or queue_url!r}://")


def create_celery_app(
    queue_url: str,
    *,
    handlers: TaskHandlers,
    queue: str = DEFAULT_QUEUE,
    expiry_interval_s: float = 3600.0,
    reverify_retries: int = REVERIFY_MAX_RETRIES,
    visibility_timeout_s: float = 600.0,
    webhooks: WebhookTaskHandlers | None = None,
    webhook_sweep_interval_s: float = 10.0,
) -> Celery:
    """Build the Celery app for ``INTAKE_QUEUE_URL`` with our tasks registered.

    Args:
        queue_url: ``redis://127.0.0.1:6379/0`` or ``amqp://guest:guest@127.0.0.1:5672//``.
        handlers: the use cases the tasks call.
        queue: the queue tasks are sent to and consumed from.
        expiry_interval_s: how often beat sends the expiry sweep.
        visibility_timeout_s: Redis only: how long the task of a worker that died waits
            before it is delivered to another worker.
        reverify_retries: how often a failing re-verification batch is retried
            (backoff 1, 2, 4... s) before its filings end ``failed``.
        webhooks: sends webhook deliveries; without it the app has no webhook tasks.
        webhook_sweep_interval_s: how often beat sends the sweep of due deliveries.

    Returns:
        The configured app; dispatchers and workers built from it share the queue.

    Raises:
        ValueError: an unsupported queue URL.
    """
    app = Celery("intake", broker=queue_url, backend=result_backend_for(queue_url))
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        # The dispatcher never waits for a result: follow-up work is fire and forget.
        task_ignore_result=True,
        task_default_queue=queue,
        broker_connection_retry_on_startup=True,
        broker_transport_options=_redis_transport_options(visibility_timeout_s),
        worker_hijack_root_logger=False,
        enable_utc=True,
        beat_schedule={"expire-filings": {"task": EXPIRE_FILINGS, "schedule": expiry_interval_s}},
    )

    # shared=False: a shared task would be bound into every app created later
    # in the process, so a second app (tests, or a re-created app) would call
    # the first app's handlers.
    @app.task(name=ANALYSE_DOCUMENT, shared=False)  # type: ignore[untyped-decorator]  # celery is untyped
    def analyse_document(document_id: str) -> None:
        handlers.analyse_document(DocumentId(UUID(document_id)))

    @app.task(name=VERIFY_FILING, shared=False)  # type: ignore[untyped-decorator]  # celery is untyped
    def verify_filing(filing_id: str) -> None:
        handlers.verify_filing(FilingId(UUID(filing_id)))

    @app.task(  # type: ignore[untyped-decorator]  # celery is untyped
        name=REVERIFY_BATCH,
        shared=False,
        bind=True,
        max_retries=reverify_retries,
        acks_late=True,
    )
    def reverify_batch(task: Any, job_id: str, filing_ids: list[str]) -> None:
        # A batch finishes each filing once (job items), so a redelivery after a
        # worker died is harmless. Infrastructure errors retry with backoff; once
        # the retries are spent the batch's filings end failed, with the reason.
        job, ids = JobId(UUID(job_id)), [FilingId(UUID(i)) for i in filing_ids]
        try:
            handlers.reverify_batch(job, ids)
        except Exception as error:
            if task.request.retries >= reverify_retries:
                handlers.fail_batch(job, ids, f"{type(error).__name__}: {error}")
                return
            raise task.retry(exc=error, countdown=min(2**task.request.retries, 60)) from error

    @app.task(name=EXPIRE_FILINGS, shared=False)  # type: ignore[untyped-decorator]  # celery is untyped
    def expire_filings() -> None:
        handlers.expire_filings()

    if webhooks is not None:
        _add_webhook_tasks(app, webhooks, sweep_interval_s=webhook_sweep_interval_s)
    return app


def _add_webhook_tasks(
    app: Celery, webhooks: WebhookTaskHandlers, *, sweep_interval_s: float
) -> None:
    """One attempt per task (the sender claims the delivery, so a duplicate task sends
    nothing), and a sweep that sends a task for every due delivery: retries, and
    deliveries whose task was lost."""
    app.conf.beat_schedule["sweep-webhooks"] = {
        "task": SWEEP_WEBHOOKS,
        "schedule": sweep_interval_s,
    }

    @app.task(name=DELIVER_WEBHOOK, shared=False)  # type: ignore[untyped-decorator]  # celery is untyped
    def deliver_webhook(delivery_id: str) -> None:
        webhooks.deliver(DeliveryId(UUID(delivery_id)))

    @app.task(name=SWEEP_WEBHOOKS, shared=False)  # type: ignore[untyped-decorator]  # celery is untyped
    def sweep_webhooks() -> None:
        dispatcher = CeleryTaskDispatcher(app)
        for delivery_id in webhooks.due():
            dispatcher.deliver_webhook(delivery_id)
