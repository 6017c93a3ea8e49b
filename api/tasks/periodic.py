"""A periodic sweep on a daemon thread: the in-process stand-in for Celery beat.

With ``INTAKE_QUEUE_URL=local://`` the server itself expires lapsed filings
every ``INTAKE_EXPIRY_INTERVAL_S`` seconds; a failed run is logged and the
next one tries again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

log = structlog.get_logger(__name__)


class PeriodicSweep:
    """Calls ``job`` now and then every ``interval_s`` seconds until stopped."""

    def __init__(self, job: Callable[[], object], *, interval_s: float, name: str) -> None:
        self._job = job
        self._interval_s = interval_s
        self._name = name
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"intake-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._job()
            # A periodic job must survive one bad run (a database hiccup, say).
            except Exception:
                log.exception("api.periodic.failed", job=self._name)
            self._stop.wait(self._interval_s)
