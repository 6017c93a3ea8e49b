"""The deployment files hold to the rules the README promises.

No Docker engine runs where the tests run, so ``deploy/compose.yaml`` and the
``Dockerfile`` are checked as data: which services exist, what each waits
for, that nothing secret is written in them, that every setting they pass is
one the service knows. ``docker compose config`` runs too where the client
and its compose plugin are installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from api.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose.yaml"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

LONG_RUNNING = ("postgres", "redis", "minio", "api", "worker")
ONE_SHOT = ("migrate", "minio-setup")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|_KEYS?$|ACCESS_KEY|ROOT_USER")
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")
PLACEHOLDER = "filled-in"
REQUIRED_ONLY = re.compile(r"^\$\{[A-Z0-9_]+:\?[^}]*\}$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def _environment(service: dict[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in (service.get("environment") or {}).items()}


def _env_example_names() -> set[str]:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE)) | set(
        re.findall(r"\b(INTAKE_DATA_KEYS|INTAKE_LOOKUP_KEY)\b", text)
    )


class TestComposeServices:
    def test_has_the_service_and_its_parts(self, services: dict[str, dict[str, Any]]) -> None:
        assert set(services) == {*LONG_RUNNING, *ONE_SHOT}

    def test_long_running_services_have_health_checks(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        for name in LONG_RUNNING:
            check = services[name].get("healthcheck")
            assert check, name
            assert not check.get("disable"), name
            assert check["test"][0] == "CMD", name

    def test_the_api_and_the_worker_wait_for_the_migration_and_the_bucket(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        for name in ("api", "worker"):
            assert services[name]["depends_on"] == {
                "migrate": {"condition": "service_completed_successfully"},
                "minio-setup": {"condition": "service_completed_successfully"},
                "redis": {"condition": "service_healthy"},
            }, name

    def test_one_shots_run_once_after_their_server_is_healthy(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        migrate, setup = services["migrate"], services["minio-setup"]
        assert migrate["command"] == ["db", "upgrade"]
        assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        assert setup["depends_on"] == {"minio": {"condition": "service_healthy"}}
        script = "\n".join(setup["entrypoint"])
        assert 'mc mb --ignore-existing "local/$$INTAKE_BUCKET"' in script
        for name in ONE_SHOT:
            assert services[name]["restart"] == "no", name

    def test_the_image_is_built_from_this_repository(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        for name in ("migrate", "api", "worker"):
            build = services[name]["build"]
            assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE

    def test_the_worker_serves_its_metrics(self, services: dict[str, dict[str, Any]]) -> None:
        worker = services["worker"]
        env = _environment(worker)
        port = env["INTAKE_WORKER_METRICS_PORT"]
        assert env["PROMETHEUS_MULTIPROC_DIR"].startswith("/tmp/")  # in the container
        assert env["INTAKE_WORKER_METRICS_HOST"] == "0.0.0.0"  # noqa: S104  # scraped from outside
        assert port in worker["expose"]
        assert f"127.0.0.1:{port}/metrics" in " ".join(worker["healthcheck"]["test"])
        assert worker["command"][0] == "worker"


class TestComposeSettings:
    def test_no_secret_is_written_in_the_file(self, services: dict[str, dict[str, Any]]) -> None:
        checked = 0
        for name, service in services.items():
            for key, value in _environment(service).items():
                if SECRET_NAME.search(key):
                    assert REQUIRED_ONLY.fullmatch(value), f"{name}: {key} must be ${{{key}:?...}}"
                    checked += 1
        assert checked >= 10
        url = _environment(services["api"])["INTAKE_DATABASE_URL"]
        filled = urlsplit(INTERPOLATION.sub(PLACEHOLDER, url))
        assert filled.password == PLACEHOLDER  # the password comes from the environment too
        assert "${POSTGRES_PASSWORD:?" in url

    def test_every_variable_it_reads_is_in_env_example(self) -> None:
        used = set(INTERPOLATION.findall(COMPOSE.read_text(encoding="utf-8")))
        assert used
        assert used <= _env_example_names(), used - _env_example_names()

    def test_env_example_holds_no_values(self) -> None:
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.partition("=")
                assert value == "", f"{name} has a value in env.example"

    def test_passes_only_settings_the_service_knows(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        known = {f"INTAKE_{field.upper()}" for field in Settings.model_fields}
        for name in ("migrate", "api", "worker"):
            passed = {k for k in _environment(services[name]) if k.startswith("INTAKE_")}
            assert passed <= known, (name, passed - known)

    def test_each_embedded_default_becomes_its_server(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        for name in ("api", "worker"):
            env = {k: INTERPOLATION.sub("x", v) for k, v in _environment(services[name]).items()}
            assert urlsplit(env["INTAKE_DATABASE_URL"]).scheme == "postgresql+psycopg"
            assert urlsplit(env["INTAKE_DATABASE_URL"]).hostname == "postgres"
            blob = urlsplit(env["INTAKE_BLOB_URL"])
            assert blob.scheme == "s3"
            assert parse_qs(blob.query)["endpoint"] == ["minio:9000"]
            assert urlsplit(env["INTAKE_QUEUE_URL"]).scheme == "redis"
            assert urlsplit(env["INTAKE_QUEUE_URL"]).hostname == "redis"
        assert "INTAKE_QUEUE_URL" not in _environment(services["migrate"])

    def test_docker_compose_accepts_it(self, tmp_path: Path) -> None:
        docker = shutil.which("docker")
        if (
            docker is None
            or subprocess.run(
                [docker, "compose", "version"], capture_output=True, check=False
            ).returncode
        ):
            pytest.skip("the docker compose plugin is not installed here")
        names = sorted(_env_example_names())
        env_file = tmp_path / "env"
        env_file.write_text("".join(f"{n}=value{i}\n" for i, n in enumerate(names)))
        result = subprocess.run(
            [docker, "compose", "-f", str(COMPOSE), "--env-file", str(env_file), "config", "-q"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def stages() -> list[list[str]]:
    """The Dockerfile's instructions, stage by stage, continuation lines joined."""
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    found: list[list[str]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("FROM "):
            found.append([])
        if found and stripped and not stripped.startswith("#"):
            found[-1].append(stripped)
    return found


class TestDockerfile:
    def test_builds_in_one_stage_and_runs_from_a_slim_one(self, stages: list[list[str]]) -> None:
        assert len(stages) == 2
        assert stages[0][0].endswith("AS build")
        assert stages[1][0].endswith("AS runtime")
        assert any(line.startswith("COPY --from=build /opt/venv") for line in stages[1])
        assert "ARG PYTHON_IMAGE=python:3.11-slim" in DOCKERFILE.read_text(encoding="utf-8")

    def test_runs_as_an_unprivileged_user(self, stages: list[list[str]]) -> None:
        (user,) = [line for line in stages[1] if line.startswith("USER ")]
        assert user.split()[1].split(":")[0] not in ("root", "0")

    def test_the_ocr_models_are_loaded_at_build_time(self, stages: list[list[str]]) -> None:
        assert any("RapidOcrEngine(threads=1)" in line for line in stages[0])

    def test_checks_health_and_serves_by_default(self, stages: list[list[str]]) -> None:
        runtime = stages[1]
        (check,) = [line for line in runtime if line.startswith("HEALTHCHECK ")]
        assert "http://127.0.0.1:8000/healthz" in check
        assert 'ENTRYPOINT ["intake"]' in runtime
        assert 'CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]' in runtime

    def test_copies_every_package_and_nothing_ignored(self, stages: list[list[str]]) -> None:
        copied = {
            line.split()[1].rstrip("/")
            for line in stages[0]
            if line.startswith("COPY ") and "--from" not in line
        }
        copied.discard("pyproject.toml")
        pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
        packages = set(re.findall(r'"(\w+)\*"', pyproject.split("[tool.setuptools]")[1]))
        assert copied >= packages
        ignored = {
            line.strip().rstrip("/")
            for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        }
        for source in [*packages, "pyproject.toml", "README.md"]:
            assert (ROOT / source).exists(), source
            assert source not in ignored, source
        assert {".git", ".venv", "var", "tests"} <= ignored
