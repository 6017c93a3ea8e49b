"""A fresh start: the embedded database migrates itself; nothing else creates a schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import make_url, text
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app
from api.settings import Settings
from storage.errors import SchemaNotCurrentError
from storage.sql.engine import create_database_engine
from storage.sql.migrate import prepare_schema, upgrade_database
from tests.factories import TEST_DATA_KEYS, TEST_LOOKUP_KEY, filing_payload
from tests.fakes import FakeReader

pytestmark = pytest.mark.integration

runner = CliRunner()


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "var"
    monkeypatch.setenv("INTAKE_DATA_DIR", str(data_dir))
    monkeypatch.delenv("INTAKE_DATABASE_URL", raising=False)
    return data_dir


@pytest.fixture
def behind(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL schema of its own, migrated to an older revision than the code's."""
    schema = f"behind_{uuid4().hex[:12]}"
    admin = create_database_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    upgrade_database(rendered, "0002")
    try:
        yield rendered
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.parametrize(
    "args", [["gc", "--dry-run"], ["expire"], ["export", "corrections", "x.jsonl"]]
)
def test_commands_on_an_unmigrated_directory_say_so_in_one_line(
    fresh: Path, args: list[str]
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "has no schema" in result.stderr
    assert "intake db upgrade" in result.stderr
    assert not fresh.exists()  # nothing created in silence


def test_the_embedded_database_migrates_itself_for_the_server(fresh: Path) -> None:
    url = f"sqlite:///{fresh / 'intake.db'}"
    prepare_schema(url, migrate_embedded=True)
    prepare_schema(url, migrate_embedded=False)  # current now: no error


def test_a_server_database_behind_the_code_stops_serve_and_worker(
    behind: str, fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SchemaNotCurrentError, match="is at schema 0002"):
        prepare_schema(behind, migrate_embedded=True)
    monkeypatch.setenv("INTAKE_DATABASE_URL", behind)
    for args in (["serve", "--port", "1"], ["worker"]):
        monkeypatch.setenv("INTAKE_QUEUE_URL", "redis://127.0.0.1:6379/13")
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        assert result.stderr.strip().count("\n") == 0, result.stderr
        assert "run `intake db upgrade`" in result.stderr


async def test_a_new_data_directory_serves_filings_at_once(fresh: Path) -> None:
    settings = Settings(data_dir=fresh, api_keys=SecretStr("app:k"))
    application = create_app(settings, reader=FakeReader())
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/readyz")).status_code == 200
            created = await client.post(
                "/v1/filings", json=filing_payload(), headers={"Authorization": "Bearer k"}
            )
            assert created.status_code == 201, created.text


def test_an_unreachable_database_is_one_line(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    monkeypatch.setenv("INTAKE_DATA_KEYS", TEST_DATA_KEYS)
    monkeypatch.setenv("INTAKE_LOOKUP_KEY", TEST_LOOKUP_KEY)
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: sql store unavailable")
    assert result.stderr.strip().count("\n") == 0
