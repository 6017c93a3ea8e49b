"""``intake bench review`` on a small temporary SQLite database."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from api.cli import app


@pytest.fixture(autouse=True)
def _restore_logging(structlog_defaults: None) -> Iterator[None]:
    """The benchmark's app points logging at the runner's stream, which closes after it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_bench_review_times_every_queue_filter() -> None:
    result = CliRunner().invoke(app, ["bench", "review", "--filings", "120", "--requests", "2"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["database"] == "sqlite"
    assert report["filings"] == 120
    assert set(report["queue"]) == {"all", "region", "check", "type_and_check", "next_page"}
    assert report["queue"]["all"]["items"] == 50
    assert all(q["p95_ms"] > 0 for q in report["queue"].values())
