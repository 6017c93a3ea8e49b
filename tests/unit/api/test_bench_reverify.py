"""``intake bench reverify`` on a small temporary SQLite database."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from api.cli import app


def test_bench_reverify_reports_filings_per_second(structlog_defaults: None) -> None:
    result = CliRunner().invoke(app, ["bench", "reverify", "--filings", "60"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["filings"] == 60
    assert report["real_run"]["failed"] == 0
    assert sum(report["real_run"]["decisions"].values()) == 60
    for workers in ("1_workers", "2_workers"):
        dry = report["dry_run"][workers]
        assert dry["filings_per_s"] > 0
        assert (dry["changed"], dry["failed"]) == (0, 0)
