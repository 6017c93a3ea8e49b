"""Fixtures the command-line tests share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from api import wiring
from api.commands import reading, verification
from api.settings import Settings
from intake.ports import PageReader
from tests.fakes import FakeReader


@pytest.fixture(autouse=True)
def structlog_defaults() -> Iterator[None]:
    """Every test here leaves structlog as it found it: the commands send log events to stderr."""
    yield
    structlog.reset_defaults()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data directory, with the database and pack settings left to their defaults."""
    directory = tmp_path / "var"
    monkeypatch.setenv("INTAKE_DATA_DIR", str(directory))
    monkeypatch.delenv("INTAKE_DATABASE_URL", raising=False)
    monkeypatch.delenv("INTAKE_POLICY_DIR", raising=False)
    return directory


@pytest.fixture
def fake_reader(monkeypatch: pytest.MonkeyPatch) -> FakeReader:
    """Every command that builds the OCR reader gets this fake instead."""
    reader = FakeReader()

    def build(settings: Settings) -> PageReader:
        return reader

    monkeypatch.setattr(reading, "build_reader", build)
    monkeypatch.setattr(verification, "build_reader", build)
    monkeypatch.setattr(wiring, "build_reader", build)
    return reader
