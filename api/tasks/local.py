"""The in-process task dispatcher: a bounded thread pool inside the server.

Selected by ``INTAKE_QUEUE_URL=local://`` (the default). Use cases call it
only after their transaction committed, so the task always finds its rows.
A task's failure is logged and never reaches the request that dispatched it;
the handlers record per-document failures themselves. A task runs in a copy
of the dispatching context, so its log events carry the request's id.

The task threads run at a lower CPU priority (:data:`TASK_NICENESS`) than
the request threads: an upload's answer is awaited by the app, while
reading a page can wait a moment for the cores.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Final, ParamSpec

import structlog

from api.tasks.celery import TaskHandlers, WebhookTaskHandlers
from intake.domain import DeliveryId, DocumentId, FilingId, JobId

log = structlog.get_logger(__name__)

_P = ParamSpec("_P")

LOCAL_QUEUE: Final = "local"
"""The ``queue`` label of the in-process pool in ``intake_queue_depth``."""

TASK_NICENESS: Final = 10
"""How much nicer than the server's request threads a task thread is (Linux ``nice``)."""


def lower_thread_priority(niceness: int = TASK_NICENESS) -> None:
    """Make the calling thread yield the CPU to the process's other threads.

    On Linux each thread has its own nice value; raising it needs no privilege.
    Elsewhere (or if refused) the thread keeps its priority.
    """
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + niceness)
    except (AttributeError, OSError) as error:
        log.info("api.task.priority_unchanged", reason=str(error))


class LocalTaskDispatcher:
    """Runs follow-up work on a fixed number of threads of this process."""

    def __init__(
        self,
        handlers: TaskHandlers,
        *,
        max_workers: int,
        webhooks: WebhookTaskHandlers | None = None,
    ) -> None:
        self._handlers = handlers
        self._webhooks = webhooks
        self._executor = ThreadPoolExecutor(
            max_workers=max_workers,
            thread_name_prefix="intake-task",
            initializer=lower_thread_priority,
        )
        self._waiting = 0
        self._lock = threading.Lock()
        self._closed = False

    def analyse_document(self, document_id: DocumentId) -> None:
        self._submit("analyse_document", document_id, self._handlers.analyse_document, document_id)

    def verify_filing(self, filing_id: FilingId) -> None:
        self._submit("verify_filing", filing_id, self._handlers.verify_filing, filing_id)

    def reverify_batch(self, job_id: JobId, filing_ids: list[FilingId]) -> None:
        self._submit("reverify_batch", job_id, self._handlers.reverify_batch, job_id, filing_ids)

    def deliver_webhook(self, delivery_id: DeliveryId) -> None:
        if self._webhooks is None:
            raise RuntimeError("this dispatcher was built without webhooks")
        self._submit("deliver_webhook", delivery_id, self._webhooks.deliver, delivery_id)

    def sweep_webhooks(self) -> int:
        """Queue every due webhook delivery (the periodic sweep); return how many."""
        if self._webhooks is None:
            return 0
        due = self._webhooks.due()
        for delivery_id in due:
            self.deliver_webhook(delivery_id)
        return len(due)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop taking tasks; with ``wait`` let the queued ones finish first."""
        self._closed = True
        self._executor.shutdown(wait=wait, cancel_futures=not wait)

    def is_ready(self) -> bool:
        """Whether the pool still takes tasks (until the server stops)."""
        return not self._closed

    def depths(self) -> dict[str, int]:
        """Tasks dispatched that no thread has started yet."""
        with self._lock:
            return {LOCAL_QUEUE: self._waiting}

    def close(self) -> None:
        """Nothing to release: :meth:`shutdown` stops the pool."""
        return None

    def _submit(
        self,
        task: str,
        item: object,
        handler: Callable[_P, object],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> None:
        """Run ``handler`` on the pool in a copy of this context; log how it ended."""
        context = contextvars.copy_context()

        def started() -> None:
            with self._lock:
                self._waiting -= 1
            context.run(handler, *args, **kwargs)  # the result is not kept

        with self._lock:
            self._waiting += 1
        try:
            future = self._executor.submit(started)
        except RuntimeError:  # the pool is shut down
            with self._lock:
                self._waiting -= 1
            raise
        future.add_done_callback(lambda done: self._finished(done, task=task, item=str(item)))

    def _finished(self, future: Future[None], *, task: str, item: str) -> None:
        if future.cancelled():  # at shutdown: it never started, so it no longer waits either
            with self._lock:
                self._waiting -= 1
        _log_outcome(future, task=task, item=item)


def _log_outcome(future: Future[Any], *, task: str, item: str) -> None:
    if future.cancelled():
        log.warning("api.task.cancelled", task=task, item=item)
        return
    error = future.exception()
    if error is not None:
        log.error("api.task.failed", task=task, item=item, exc_info=error)
