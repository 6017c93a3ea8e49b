"""A client generated from the live ``/openapi.json`` runs the README's API tour.

openapi-python-client (from ``make sdk-tools``: its own venv, ``.venv/tools``,
because it pins older httpx and typer than the service) writes a client from
the schema a real uvicorn server serves; the README's Python block then runs
with the test venv's interpreter, so the generated code's runtime (httpx,
attrs, python-dateutil) must import there, against that server.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from api.app import create_app
from api.settings import Settings
from tests.fakes import FakeReader
from tests.live import serving
from tests.readme import readme_code

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
GENERATOR = Path(sys.prefix) / "tools" / "bin" / "openapi-python-client"
KEY = "generated-client-app-key"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("sdk") / "var",
        api_keys=SecretStr(f"app:{KEY}"),
        task_workers=1,
    )
    with serving(create_app(settings, reader=FakeReader())) as base:
        yield base


@pytest.fixture(scope="module")
def generated_client(server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory holding the ``intake_client`` package generated from the server."""
    if not GENERATOR.is_file():
        message = f"{GENERATOR} is missing: run `make sdk-tools`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("client")
    config = out / "config.yaml"
    # No post-hooks: they would run ruff from PATH on the generated code.
    config.write_text("post_hooks: []\n", encoding="utf-8")
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--url",
            f"{server}/openapi.json",
            "--meta",
            "none",
            "--output-path",
            str(out / "intake_client"),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # A warning means part of the API was left out of the client.
    assert "Warning" not in result.stdout, result.stdout
    return out


class TestGeneratedClient:
    def test_functions_are_named_by_operation_id(self, generated_client: Path) -> None:
        package = generated_client / "intake_client" / "api"
        modules = {path.stem for path in package.rglob("*.py") if path.stem != "__init__"}
        assert {"create_filing", "upload_document", "submit_filing", "get_filing"} <= modules

    def test_problem_is_one_shared_model(self, generated_client: Path) -> None:
        models = generated_client / "intake_client" / "models"
        problem_models = sorted(p.name for p in models.glob("*problem*.py"))
        # Problem, its `errors` items, and the (unrelated) quality ProblemOut.
        assert problem_models == ["problem.py", "problem_errors_item.py", "problem_out.py"]

    def test_readme_tour_runs_against_the_live_server(
        self, server: str, generated_client: Path
    ) -> None:
        result = subprocess.run(
            [sys.executable, "-c", readme_code("sdk-tour", "python")],
            env={
                **os.environ,
                "BASE": server,
                "KEY": KEY,
                "PYTHONPATH": str(generated_client),
            },
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

        assert result.returncode == 0, result.stderr + result.stdout
        output = result.stdout
        assert re.search(r"^filing [0-9a-f-]{36}$", output, re.MULTILINE), output
        assert "filing.no_documents 备案还没有上传任何材料" in output
        assert re.search(r"^document [0-9a-f-]{36} quality ok: (True|False)$", output, re.M)
        assert re.search(r"^filing is (needs_materials|needs_review|approved)", output, re.M)
        assert "decision " in output
