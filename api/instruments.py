"""The use cases' work, measured: a metrics subscriber to the event port, a timed page reader,
and a review service that counts what reviewers (and applicants) did.

All three wrap intake from the outside, so intake knows nothing of Prometheus.
Counters move only for work that happened: events are counted when the use
case publishes them (inside its transaction, just before the commit), review
actions when the use case returned.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from typing import Any, Concatenate, ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt

from api.metrics import Metrics
from intake.events import Event, EventKind
from intake.ports import PageReader, UnitOfWork
from intake.review import ReviewService
from ocr.domain import PageReading, PdfPageLayer, Quality

P = ParamSpec("P")
R = TypeVar("R")


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


def _counting(
    method: Callable[Concatenate[ReviewService, P], R], action: str | None
) -> Callable[Concatenate[MeteredReviewService, P], R]:
    """``method``, counting ``action`` (or the decision's ``action`` argument) when it returned.

    A ``False`` return (a release of nothing held) is no action.
    """

    @functools.wraps(method)
    def counted(self: MeteredReviewService, /, *args: P.args, **kwargs: P.kwargs) -> R:
        done = method(self, *args, **kwargs)
        if done is not False:
            self._actions.labels(action or str(kwargs["action"])).inc()
        return done

    return counted


class MeteredReviewService(ReviewService):
    """The review use cases, counting ``intake_review_actions_total{action}`` on success.

    Actions: ``claim``, ``release``, ``correct``, ``approve``, ``reject``,
    ``request_materials`` (a reviewer's decisions), ``request_review`` (an
    applicant asks for a person), ``reveal_id_number``.
    """

    def __init__(self, *args: Any, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._actions = metrics.review_actions

    claim = _counting(ReviewService.claim, "claim")
    release = _counting(ReviewService.release, "release")
    reveal_id_number = _counting(ReviewService.reveal_id_number, "reveal_id_number")
    correct = _counting(ReviewService.correct, "correct")
    decide = _counting(ReviewService.decide, None)
    request_review = _counting(ReviewService.request_review, "request_review")
