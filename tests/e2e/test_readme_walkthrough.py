"""The README's curl walk-through, run as written against a real ``intake serve`` process."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import free_port, wait_until_ready
from tests.readme import readme_code

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
INTAKE = Path(sys.executable).with_name("intake")
BASH = shutil.which("bash") or "/bin/bash"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")},
        "INTAKE_DATA_DIR": str(tmp_path / "var"),
    }
    subprocess.run([str(INTAKE), "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [str(INTAKE), "serve", "--port", str(port), "--print-dev-keys"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    output = (tmp_path / "server.log").read_text(errors="replace")
    assert "Bearer dev-app-key" in output
    assert f"{base}/docs" in output


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walk-through uses curl")
def test_readme_walkthrough_runs_against_the_real_server(server: str) -> None:
    result = subprocess.run(
        [BASH, "-euo", "pipefail", "-c", readme_code("walkthrough", "bash")],
        env={**os.environ, "BASE": server},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert re.search(r"document [0-9a-f-]{36} is analysed", result.stdout), result.stdout
    assert "\nsubmitted\n" in result.stdout
    assert "filing is needs_materials" in result.stdout
    assert '"decision": "needs_materials"' in result.stdout
    assert "长期" in result.stdout  # the missing group is named in Chinese
    assert '"status": "analysed"' in result.stdout
