"""``intake bench blobs``: a small run reports every figure, and leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()


@pytest.mark.usefixtures("structlog_defaults")
def test_a_small_run_reports_throughput_and_the_envelope_size(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["bench", "blobs", "--count", "3", "--size-kib", "4", "--dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["blobs"] == 3
    # magic 4, version 1, id length 1, "k2" 2, nonce 12, wrapped key 48, nonce 12, tag 16
    assert report["envelope_overhead_bytes"] == 96
    for name in ("put_encrypted", "get_encrypted", "get_plaintext"):
        assert report[f"{name}_mb_per_s"] > 0
    assert report["reseal_rewrap_blobs_per_s"] > 0
    assert list(tmp_path.iterdir()) == []
