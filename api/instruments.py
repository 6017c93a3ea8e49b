"""The use cases' work, measured: a metrics subscriber to the event port, a timed page reader,
and a review service that counts what reviewers (and applicants) did.

All three wrap intake from the outside, so intake knows nothing of Prometheus.
Counters move only for work that happened: events are counted when the use
case publishes them (inside its transaction, just before the commit), review
actions when the use case returned.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from api.metrics import Metrics
from intake.domain import (
    DocumentId,
    Filing,
    FilingId,
    ReviewAction,
    ReviewClaim,
    ReviewDecision,
    VerificationRecord,
)
from intake.events import Event, EventKind
from intake.ports import PageReader, UnitOfWork
from intake.review import Actor, ReviewService
from ocr.domain import PageReading, PdfPageLayer, Quality


class MetricsEvents:
    """Counts ``filing.decided`` events by status, region and decider; times verification runs.

    It never raises: a subscriber that only counts must not undo the work it counts.
    """

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def publish(self, uow: UnitOfWork, events: Sequence[Event]) -> None:
        for event in events:
            if event.kind is not EventKind.FILING_DECIDED:
                continue
            by = event.by.value if event.by is not None else "unknown"
            self._metrics.decisions.labels(event.status, event.insured_region, by).inc()
            if event.seconds is not None:
                self._metrics.verification.observe(event.seconds)


class TimedPageReader:
    """A :class:`~intake.ports.PageReader` that records each page's reading time.

    Only pages that were read are timed: a reading that raised is not a page read.
    """

    def __init__(self, reader: PageReader, metrics: Metrics) -> None:
        self._reader = reader
        self._metrics = metrics

    @property
    def version(self) -> str:
        return self._reader.version

    def read_page(
        self,
        image: npt.NDArray[np.uint8],
        *,
        page: int = 1,
        text_layer: PdfPageLayer | None = None,
        quality: Quality | None = None,
    ) -> PageReading:
        started = time.perf_counter()
        reading = self._reader.read_page(image, page=page, text_layer=text_layer, quality=quality)
        self._metrics.page_read.observe(time.perf_counter() - started)
        return reading


class MeteredReviewService(ReviewService):
    """The review use cases, counting ``intake_review_actions_total{action}`` on success.

    Actions: ``claim``, ``release``, ``correct``, ``approve``, ``reject``,
    ``request_materials`` (a reviewer's decisions), ``request_review`` (an
    applicant asks for a person), ``reveal_id_number``.
    """

    def __init__(self, *args: Any, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._actions = metrics.review_actions

    def claim(self, actor: Actor, filing_id: FilingId) -> ReviewClaim:
        claim = super().claim(actor, filing_id)
        self._actions.labels("claim").inc()
        return claim

    def release(self, actor: Actor, filing_id: FilingId) -> bool:
        released = super().release(actor, filing_id)
        if released:
            self._actions.labels("release").inc()
        return released

    def reveal_id_number(self, actor: Actor, filing_id: FilingId, *, reason: str) -> str:
        number = super().reveal_id_number(actor, filing_id, reason=reason)
        self._actions.labels("reveal_id_number").inc()
        return number

    def correct(
        self,
        actor: Actor,
        filing_id: FilingId,
        *,
        document_id: DocumentId,
        field_name: str,
        value: str,
        page: int = 1,
        index: int = 0,
    ) -> VerificationRecord:
        record = super().correct(
            actor,
            filing_id,
            document_id=document_id,
            field_name=field_name,
            value=value,
            page=page,
            index=index,
        )
        self._actions.labels("correct").inc()
        return record

    def decide(
        self,
        actor: Actor,
        filing_id: FilingId,
        *,
        action: ReviewAction,
        reasons: Sequence[str] = (),
        note: str = "",
        message: str = "",
    ) -> tuple[Filing, ReviewDecision]:
        decided = super().decide(
            actor, filing_id, action=action, reasons=reasons, note=note, message=message
        )
        self._actions.labels(action.value).inc()
        return decided

    def request_review(self, actor: Actor, filing_id: FilingId, *, note: str) -> Filing:
        requested = super().request_review(actor, filing_id, note=note)
        self._actions.labels("request_review").inc()
        return requested
