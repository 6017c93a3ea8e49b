"""Progress bars of the long commands: on stderr, only for a terminal, stdout untouched.

The CliRunner tests decide "stderr is a terminal" at ``progress.stderr_is_terminal``;
the last ones run the real command under a pseudo-terminal.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.commands import progress
from tests.factories import document_image, jpeg_bytes, json_lines
from tests.fakes import FakeReader

REPO = Path(__file__).resolve().parents[3]
BAR = "━"  # what rich draws a bar with

runner = CliRunner()


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A person watches stderr."""
    monkeypatch.setattr(progress, "stderr_is_terminal", lambda: True)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("progress") / "corpus"
    result = runner.invoke(app, ["samples", str(out), "--count", "2", "--kind", "id_card_back"])
    assert result.exit_code == 0, result.output
    return out


class TestOnATerminal:
    def test_samples_counts_the_photos(self, tmp_path: Path, terminal: None) -> None:
        out = tmp_path / "corpus"
        result = runner.invoke(app, ["samples", str(out), "--count", "1", "--kind", "unknown"])
        assert result.exit_code == 0, result.output
        assert "writing samples" in result.stderr
        assert "1/1" in result.stderr
        assert BAR in result.stderr
        assert result.stdout == f"1 samples written to {out}\n"

    @pytest.mark.usefixtures("data_dir", "terminal")
    def test_eval_counts_the_pages(self, corpus: Path, fake_reader: FakeReader) -> None:
        result = runner.invoke(app, ["eval", str(corpus), "--json"])
        assert result.exit_code == 0, result.output
        assert "scoring" in result.stderr
        assert "2/2" in result.stderr
        (report,) = json_lines(result.stdout)
        assert report["pages"] == 2

    @pytest.mark.usefixtures("data_dir", "terminal")
    def test_read_counts_the_files_and_keeps_json_lines_whole(
        self, tmp_path: Path, fake_reader: FakeReader
    ) -> None:
        files = []
        for seed in range(3):
            path = tmp_path / f"page{seed}.jpg"
            path.write_bytes(jpeg_bytes(document_image(seed=seed)))
            files.append(str(path))
        result = runner.invoke(app, ["read", *files, "--json"])
        assert result.exit_code == 0, result.output
        assert "reading" in result.stderr
        assert "3/3" in result.stderr
        assert "files" in result.stderr
        assert [r["file"] for r in json_lines(result.stdout)] == files

    @pytest.mark.usefixtures("terminal")
    def test_bench_read_counts_every_page_of_every_run(
        self, corpus: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import ocr.benchmark

        def benchmark(
            directory: Path,
            *,
            limit: int | None,
            workers: list[int],
            on_page: Callable[[], None],
        ) -> dict[str, Any]:
            for _ in range(2 * len(workers)):
                on_page()
            return {"pages": 2, "runs": {str(w): {} for w in workers}}

        monkeypatch.setattr(ocr.benchmark, "benchmark_reading", benchmark)
        result = runner.invoke(app, ["bench", "read", str(corpus), "--workers", "1"])
        assert result.exit_code == 0, result.output
        assert "bench read" in result.stderr
        assert "2/2" in result.stderr
        assert json_lines(result.stdout) == [{"pages": 2, "runs": {"1": {}}}]


class TestElsewhere:
    def test_a_file_or_pipe_gets_no_bar(self, tmp_path: Path) -> None:
        out = tmp_path / "corpus"
        result = runner.invoke(app, ["samples", str(out), "--count", "1", "--kind", "unknown"])
        assert result.exit_code == 0, result.output
        assert "writing samples" not in result.stderr
        assert BAR not in result.stderr

    @pytest.mark.usefixtures("data_dir")
    def test_eval_json_is_the_same_with_a_bar(
        self, corpus: Path, fake_reader: FakeReader, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        plain = runner.invoke(app, ["eval", str(corpus), "--json"])
        monkeypatch.setattr(progress, "stderr_is_terminal", lambda: True)
        barred = runner.invoke(app, ["eval", str(corpus), "--json"])
        assert BAR not in plain.stderr
        assert BAR in barred.stderr
        (first,), (second,) = json_lines(plain.stdout), json_lines(barred.stdout)
        first.pop("timing"), second.pop("timing")
        assert first == second


def run_with_stderr_on_a_terminal(args: list[str]) -> tuple[int, str, str]:
    """Run a command with stderr on a pseudo-terminal and stdout on a pipe."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", *args],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the command closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    stdout, _ = process.communicate(timeout=60)
    return process.returncode, stdout.decode(), seen.decode(errors="replace")


class TestUnderAPseudoTerminal:
    def test_the_bar_goes_to_the_terminal_and_stdout_stays_clean(self, tmp_path: Path) -> None:
        out = tmp_path / "corpus"
        args = ["samples", str(out), "--count", "1", "--kind", "unknown"]
        code, stdout, terminal = run_with_stderr_on_a_terminal(args)
        assert code == 0, terminal
        assert stdout == f"1 samples written to {out}\n"
        assert "writing samples" in terminal
        assert BAR in terminal

    def test_a_piped_stderr_gets_none(self, tmp_path: Path) -> None:
        out = tmp_path / "corpus"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "api.cli",
                "samples",
                str(out),
                "--count",
                "1",
                "--kind",
                "unknown",
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert BAR not in done.stderr
        assert "writing samples" not in done.stderr


@pytest.mark.usefixtures("terminal")
class TestBenchStages:
    def test_review_shows_storing_then_timing(self) -> None:
        result = runner.invoke(app, ["bench", "review", "--filings", "120", "--requests", "2"])
        assert result.exit_code == 0, result.output
        assert "120/120" in result.stderr
        assert "filings" in result.stderr
        assert result.stderr.index("storing filings") < result.stderr.index("timing queries")
        assert "10/10" in result.stderr  # 2 requests on each of the 5 queue filters
        (report,) = json_lines(result.stdout)
        assert report["filings"] == 120

    @pytest.mark.slow  # worker processes started by spawn: half a minute on two cores
    def test_reverify_shows_the_real_run_then_each_dry_run(self) -> None:
        result = runner.invoke(app, ["bench", "reverify", "--filings", "60"])
        assert result.exit_code == 0, result.output
        stages = ["re-verifying", "dry run, 1 worker(s)", "dry run, 2 worker(s)"]
        assert [result.stderr.index(s) for s in stages] == sorted(
            result.stderr.index(s) for s in stages
        )
        assert "60/60" in result.stderr
        (report,) = json_lines(result.stdout)
        assert report["filings"] == 60
