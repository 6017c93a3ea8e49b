"""The README's curl walk-through, run as written against a real ``intake serve`` process."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
INTAKE = Path(sys.executable).with_name("intake")
BASH = shutil.which("bash") or "/bin/bash"


def walkthrough_script() -> str:
    """The bash block between the walk-through markers of README.md."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- walkthrough:start -->")[1].split("<!-- walkthrough:end -->")[0]
    found = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert found is not None, "README walk-through has no bash block"
    return found.group(1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")},
        "INTAKE_DATA_DIR": str(tmp_path / "var"),
    }
    subprocess.run([str(INTAKE), "db", "upgrade"], env=env, check=True, capture_output=True)
    port = _free_port()
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [str(INTAKE), "serve", "--port", str(port), "--print-dev-keys"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    output = (tmp_path / "server.log").read_text(errors="replace")
    assert "Bearer dev-app-key" in output
    assert f"{base}/docs" in output


def _wait_until_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"intake serve exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("intake serve did not become ready")


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walk-through uses curl")
def test_readme_walkthrough_runs_against_the_real_server(server: str) -> None:
    result = subprocess.run(
        [BASH, "-euo", "pipefail", "-c", walkthrough_script()],
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
