"""The applicant demo page: when ``INTAKE_DEMO`` turns it on, and what the page carries."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from api.app import create_app
from api.settings import Settings
from api.web.demo import dev_app_key
from intake.identity import normalise_id_number
from tests.fakes import FakeReader

_KEYS = "app:demo-test-app-key,reviewer:demo-test-reviewer-key"
_POSTGRES = "postgresql+psycopg://intake@127.0.0.1:5432/test"


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path / "var",
        "database_url": None,
        "api_keys": None,
        "demo": None,
        "task_workers": 1,
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]  # a test's loose kwargs


@asynccontextmanager
async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app on ``settings`` with its lifespan run (embedded SQLite migrates itself)."""
    app = create_app(settings, reader=FakeReader())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def _routes_only(settings: Settings) -> httpx.AsyncClient:
    """The app's routes without its lifespan: enough to see which paths exist."""
    transport = httpx.ASGITransport(app=create_app(settings, reader=FakeReader()))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


class TestDemoSetting:
    def test_on_by_default_in_the_embedded_setup(self, tmp_path: Path) -> None:
        assert _settings(tmp_path).demo_enabled

    def test_off_by_default_with_configured_keys(self, tmp_path: Path) -> None:
        assert not _settings(tmp_path, api_keys=SecretStr(_KEYS)).demo_enabled

    def test_off_by_default_with_a_server_database(self, tmp_path: Path) -> None:
        assert not _settings(tmp_path, database_url=_POSTGRES).demo_enabled

    @pytest.mark.parametrize(
        "overrides",
        [
            {"api_keys": SecretStr(_KEYS)},
            {"database_url": _POSTGRES, "api_keys": SecretStr(_KEYS)},
            {},
        ],
    )
    def test_an_explicit_true_wins(self, tmp_path: Path, overrides: dict[str, object]) -> None:
        assert _settings(tmp_path, demo=True, **overrides).demo_enabled

    def test_an_explicit_false_wins_over_the_embedded_setup(self, tmp_path: Path) -> None:
        assert not _settings(tmp_path, demo=False).demo_enabled

    @pytest.mark.parametrize(("value", "enabled"), [("false", False), ("0", False), ("true", True)])
    def test_read_from_intake_demo(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str, enabled: bool
    ) -> None:
        monkeypatch.setenv("INTAKE_DEMO", value)
        monkeypatch.setenv("INTAKE_API_KEYS", _KEYS)
        monkeypatch.setenv("INTAKE_DATA_DIR", str(tmp_path))
        monkeypatch.delenv("INTAKE_DATABASE_URL", raising=False)
        assert Settings().demo_enabled is enabled


class TestDemoPageOff:
    @pytest.mark.parametrize("path", ["/demo", "/demo/static/demo.js", "/demo/static/demo.css"])
    async def test_answers_404_when_off(self, tmp_path: Path, path: str) -> None:
        async with _routes_only(_settings(tmp_path, demo=False)) as client:
            response = await client.get(path)
        assert response.status_code == 404

    async def test_answers_404_with_production_settings(self, tmp_path: Path) -> None:
        async with _client(_settings(tmp_path, api_keys=SecretStr(_KEYS))) as client:
            assert (await client.get("/demo")).status_code == 404
            assert (await client.get("/healthz")).status_code == 200

    async def test_stays_out_of_the_openapi_document(self, tmp_path: Path) -> None:
        async with _routes_only(_settings(tmp_path)) as client:
            paths = (await client.get("/openapi.json")).json()["paths"]
        assert not [p for p in paths if p.startswith("/demo")]


class TestDemoPageOn:
    async def test_the_embedded_setup_writes_the_development_app_key_into_the_page(
        self, tmp_path: Path
    ) -> None:
        async with _client(_settings(tmp_path)) as client:
            response = await client.get("/demo")
        assert response.status_code == 200
        assert 'data-app-key="dev-app-key"' in response.text
        assert 'id="app-key"' not in response.text
        assert "dev-reviewer-key" not in response.text
        assert "dev-admin-key" not in response.text

    async def test_configured_keys_never_reach_the_page(self, tmp_path: Path) -> None:
        async with _client(_settings(tmp_path, demo=True, api_keys=SecretStr(_KEYS))) as client:
            response = await client.get("/demo")
        assert response.status_code == 200
        assert 'data-app-key=""' in response.text
        assert 'id="app-key"' in response.text
        assert "demo-test-app-key" not in response.text
        assert "dev-app-key" not in response.text

    def test_a_server_database_gets_no_key_even_with_the_development_keys(
        self, tmp_path: Path
    ) -> None:
        settings = _settings(tmp_path, demo=True, database_url=_POSTGRES)
        assert settings.uses_dev_keys
        assert dev_app_key(settings) == ""
        assert dev_app_key(_settings(tmp_path)) == "dev-app-key"

    async def test_the_page_is_never_cached_and_runs_only_its_own_script(
        self, tmp_path: Path
    ) -> None:
        async with _client(_settings(tmp_path)) as client:
            response = await client.get("/demo")
            script = await client.get("/demo/static/demo.js")
            sheet = await client.get("/demo/static/demo.css")
            other = await client.get("/demo/static/review.js")
        assert response.headers["cache-control"] == "no-store"
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "connect-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))", response.text)
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        assert "/v1/filings" in script.text
        assert sheet.headers["content-type"].startswith("text/css")
        assert other.status_code == 404

    async def test_the_form_is_prefilled_with_a_made_up_applicant(self, tmp_path: Path) -> None:
        async with _client(_settings(tmp_path)) as client:
            page = (await client.get("/demo")).text
        found = re.search(r'id="id_number"[^>]*value="([^"]+)"', page)
        assert found is not None
        normalise_id_number(found.group(1), today=datetime.now(UTC).date())  # raises when not valid
        assert re.search(r'id="name"[^>]*value="[^"]+"', page)
        assert 'option value="long_term_resident" selected' in page
        assert "异地长期居住人员" in page
        assert 'capture="environment"' in page

    async def test_the_examples_are_given_to_the_script_as_json(self, tmp_path: Path) -> None:
        async with _client(_settings(tmp_path)) as client:
            page = (await client.get("/demo")).text
        block = re.search(r'<script type="application/json" id="demo-labels">(.+?)</script>', page)
        assert block is not None
        labels = json.loads(block.group(1))
        types = {e["filing_type"] for e in labels["examples"]}
        assert len(types) == len(labels["examples"]) > 1
        for example in labels["examples"]:
            normalise_id_number(example["id_number"], today=datetime.now(UTC).date())
        assert labels["decisions"]["needs_materials"] == "需补充材料"

    async def test_every_example_is_a_filing_the_api_accepts(self, tmp_path: Path) -> None:
        async with _client(_settings(tmp_path)) as client:
            page = (await client.get("/demo")).text
            block = re.search(r'id="demo-labels">(.+?)</script>', page)
            assert block is not None
            for example in json.loads(block.group(1))["examples"]:
                person = {k: example.pop(k) for k in ("name", "id_number", "phone")}
                created = await client.post(
                    "/v1/filings",
                    json={"applicant": person, **example},
                    headers={"Authorization": "Bearer dev-app-key"},
                )
                assert created.status_code == 201, created.text
                assert created.json()["filing_type"] == example["filing_type"]
