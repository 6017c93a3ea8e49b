"""``intake worker``'s metrics port: it needs a multiprocess directory, and starts it empty."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.worker_metrics import MULTIPROC_ENV, WorkerMetricsConfigError, prepare_multiprocess_dir


class TestPrepareMultiprocessDir:
    def test_refuses_without_the_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv(MULTIPROC_ENV, raising=False)
        with pytest.raises(WorkerMetricsConfigError, match=MULTIPROC_ENV):
            prepare_multiprocess_dir()

    def test_creates_the_folder_and_drops_an_earlier_runs_files(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        folder = tmp_path / "metrics"
        monkeypatch.setenv(MULTIPROC_ENV, str(folder))
        assert prepare_multiprocess_dir() == folder
        (folder / "counter_123.db").write_bytes(b"old")
        (folder / "README").write_text("not ours")
        prepare_multiprocess_dir()
        assert sorted(p.name for p in folder.iterdir()) == ["README"]


class TestWorkerCommand:
    def test_a_metrics_port_without_the_directory_stops_before_anything_opens(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.delenv(MULTIPROC_ENV, raising=False)
        result = CliRunner().invoke(
            app,
            ["worker"],
            env={
                "INTAKE_DATA_DIR": str(tmp_path / "var"),
                "INTAKE_QUEUE_URL": "redis://127.0.0.1:1/0",
                "INTAKE_WORKER_METRICS_PORT": "9187",
            },
        )
        assert result.exit_code == 2
        assert MULTIPROC_ENV in result.output
        assert not (tmp_path / "var").exists()
