"""Shared fixtures: fakes of intake's ports and the services built on them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from intake.analysis import AnalysisService, UploadLimits
from intake.domain import Principal, Role
from intake.filings import FilingService
from intake.submission import SubmissionService
from samples.canvas import load_font
from samples.fonts import find_face, installed_cjk_faces
from tests.factories import ok_quality
from tests.fakes import FakeBlobStore, FakeClock, FakeDatabase, FakeTaskDispatcher


@pytest.fixture
def database() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def blobs() -> FakeBlobStore:
    return FakeBlobStore()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def dispatcher() -> FakeTaskDispatcher:
    return FakeTaskDispatcher()


@pytest.fixture
def limits() -> UploadLimits:
    return UploadLimits(max_bytes=2_000_000, max_pixels=4_000_000, max_pages=3)


@pytest.fixture
def app_a() -> Principal:
    return Principal(role=Role.APP, key_id="app-a")


@pytest.fixture
def app_b() -> Principal:
    return Principal(role=Role.APP, key_id="app-b")


@pytest.fixture
def reviewer() -> Principal:
    return Principal(role=Role.REVIEWER, key_id="reviewer")


@pytest.fixture
def filings(database: FakeDatabase, clock: FakeClock) -> FilingService:
    return FilingService(database.uow_factory, clock=clock)


@pytest.fixture
def submission(
    database: FakeDatabase,
    blobs: FakeBlobStore,
    dispatcher: FakeTaskDispatcher,
    clock: FakeClock,
    limits: UploadLimits,
) -> SubmissionService:
    return SubmissionService(
        database.uow_factory,
        blobs=blobs,
        dispatcher=dispatcher,
        clock=clock,
        assess=ok_quality,
        limits=limits,
    )


@pytest.fixture
def analysis(database: FakeDatabase, blobs: FakeBlobStore, limits: UploadLimits) -> AnalysisService:
    return AnalysisService(database.uow_factory, blobs=blobs, assess=ok_quality, limits=limits)


def _clear_font_caches() -> None:
    installed_cjk_faces.cache_clear()
    find_face.cache_clear()
    load_font.cache_clear()


@pytest.fixture
def fresh_fonts() -> Iterator[None]:
    """The font lookup runs again in the test, and its answer does not outlive it."""
    _clear_font_caches()
    yield
    _clear_font_caches()
