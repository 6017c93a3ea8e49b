"""The metrics around the use cases: events counted, pages timed, the queue depth collected."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pytest
import structlog
from prometheus_client.parser import text_string_to_metric_families

from api.instruments import MetricsEvents, TimedPageReader
from api.metrics import Metrics
from api.tasks.local import LOCAL_QUEUE, LocalTaskDispatcher
from intake.domain import DocumentId, FilingId, FilingStatus
from intake.events import Decider, Event
from ocr.domain import PageReading, PdfPageLayer, Quality
from tests.factories import make_filing
from tests.fakes import FakeReader, RequestIdHandlers

AT = datetime(2026, 3, 1, tzinfo=UTC)


def samples(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(metrics.render().decode())
        for s in family.samples
    }


class TestMetricsEvents:
    def test_counts_decisions_and_times_machine_runs(self) -> None:
        metrics = Metrics()
        approved = make_filing(status=FilingStatus.APPROVED, insured_region="321000")
        review = make_filing(status=FilingStatus.NEEDS_REVIEW, insured_region="350200")
        events = [
            Event.filing_decided(approved, by=Decider.MACHINE, at=AT, seconds=0.2),
            Event.filing_decided(review, by=Decider.MACHINE, at=AT, seconds=0.4),
            Event.filing_decided(approved, by=Decider.REVIEWER, at=AT),
            Event.filing_expired(make_filing(status=FilingStatus.EXPIRED), at=AT),
        ]

        MetricsEvents(metrics).publish(None, events)  # type: ignore[arg-type]  # never touched

        got = samples(metrics)
        decisions = {
            tuple(sorted(labels)): value
            for (name, labels), value in got.items()
            if name == "intake_decisions_total"
        }
        assert decisions == {
            (("by", "machine"), ("decision", "approved"), ("region", "321000")): 1.0,
            (("by", "machine"), ("decision", "needs_review"), ("region", "350200")): 1.0,
            (("by", "reviewer"), ("decision", "approved"), ("region", "321000")): 1.0,
        }
        assert got[("intake_verification_duration_seconds_count", frozenset())] == 2.0
        assert got[("intake_verification_duration_seconds_sum", frozenset())] == pytest.approx(0.6)


class TestTimedPageReader:
    def test_times_each_page_and_keeps_the_version(self) -> None:
        metrics = Metrics()
        inner = FakeReader()
        reader = TimedPageReader(inner, metrics)
        image = np.zeros((64, 64, 3), dtype=np.uint8)

        reader.read_page(image, page=1)
        reader.read_page(image, page=2)

        assert reader.version == inner.version
        assert inner.calls == 2
        assert samples(metrics)[("intake_page_read_duration_seconds_count", frozenset())] == 2.0

    def test_a_failed_reading_is_not_a_page_read(self) -> None:
        class Broken(FakeReader):
            def read_page(
                self,
                image: npt.NDArray[np.uint8],
                *,
                page: int = 1,
                text_layer: PdfPageLayer | None = None,
                quality: Quality | None = None,
            ) -> PageReading:
                raise RuntimeError("model crashed")

        metrics = Metrics()
        with pytest.raises(RuntimeError):
            TimedPageReader(Broken(), metrics).read_page(np.zeros((8, 8, 3), dtype=np.uint8))
        assert samples(metrics)[("intake_page_read_duration_seconds_count", frozenset())] == 0.0


class TestQueueDepthCollector:
    def test_reports_what_the_source_reads_and_nothing_when_it_is_down(self) -> None:
        metrics = Metrics()
        reading: list[Mapping[str, int] | None] = [{"intake": 3, "other": 0}]
        metrics.queue_depth.watch(lambda: reading[0])
        got = samples(metrics)
        assert got[("intake_queue_depth", frozenset({("queue", "intake")}))] == 3.0
        assert got[("intake_queue_depth", frozenset({("queue", "other")}))] == 0.0

        reading[0] = None
        assert not any(name == "intake_queue_depth" for name, _ in samples(metrics))


class TestLocalQueueDepth:
    def test_counts_tasks_no_thread_has_started(self) -> None:
        handlers = RequestIdHandlers(blocked=True)
        dispatcher = LocalTaskDispatcher(handlers, max_workers=1)
        try:
            assert dispatcher.depths() == {LOCAL_QUEUE: 0}
            with structlog.contextvars.bound_contextvars(request_id="req-local-1"):
                for _ in range(3):
                    dispatcher.analyse_document(DocumentId(uuid.uuid4()))
            assert handlers.started.wait(10)
            assert dispatcher.depths() == {LOCAL_QUEUE: 2}  # one runs, two wait
            assert dispatcher.is_ready()
        finally:
            handlers.release.set()
            dispatcher.shutdown(wait=True)
        assert dispatcher.depths() == {LOCAL_QUEUE: 0}
        assert not dispatcher.is_ready()
        assert handlers.seen == ["req-local-1"] * 3

    def test_tasks_cancelled_at_shutdown_no_longer_wait(self) -> None:
        handlers = RequestIdHandlers(blocked=True)
        dispatcher = LocalTaskDispatcher(handlers, max_workers=1)
        for _ in range(3):
            dispatcher.verify_filing(FilingId(uuid.uuid4()))
        assert handlers.started.wait(10)
        handlers.release.set()
        dispatcher.shutdown(wait=False)
        dispatcher.shutdown(wait=True)
        assert dispatcher.depths() == {LOCAL_QUEUE: 0}
