"""The database goes away under a running server, and comes back.

The app talks to PostgreSQL through a TCP proxy that the test owns. With the
proxy stopped, requests get ``503 storage.unavailable`` problems (never a
500) and ``/readyz`` says the database is down; once the proxy is back, the
same server answers again without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import make_url, text

from api.app import create_app
from api.settings import Settings
from storage.sql.engine import create_database_engine
from storage.sql.migrate import upgrade_database
from tests.factories import filing_payload, key_settings
from tests.fakes import FakeReader
from tests.integration.proxy import Proxy

pytestmark = pytest.mark.integration

KEY = "fault-app"


@pytest.fixture
async def proxied(postgres_url: str, tmp_path: Path) -> AsyncIterator[tuple[Proxy, str]]:
    schema = f"faults_{uuid4().hex[:12]}"
    admin = create_database_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    base = make_url(postgres_url)
    proxy = Proxy((base.host or "127.0.0.1", base.port or 5432))
    await proxy.start()
    url = base.set(host="127.0.0.1", port=proxy.port).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    rendered = url.render_as_string(hide_password=False)
    await asyncio.to_thread(upgrade_database, rendered)
    try:
        yield proxy, rendered
    finally:
        with contextlib.suppress(AssertionError):
            await proxy.stop()
        proxy.close()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


async def test_database_down_is_503_and_the_server_recovers(
    proxied: tuple[Proxy, str], tmp_path: Path
) -> None:
    proxy, url = proxied
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url=url,
        api_keys=SecretStr(f"app:{KEY}"),
        **key_settings(),
    )
    app = create_app(settings, reader=FakeReader())
    headers = {"Authorization": f"Bearer {KEY}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            created = await client.post("/v1/filings", json=filing_payload(), headers=headers)
            assert created.status_code == 201, created.text

            await proxy.stop()
            down = await client.post("/v1/filings", json=filing_payload(), headers=headers)
            assert down.status_code == 503, down.text
            assert down.json()["code"] == "storage.unavailable"
            listed = await client.get("/v1/filings", headers=headers)
            assert listed.status_code == 503
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"] is False

            await proxy.start()  # the same port: the database is back
            again = await client.post("/v1/filings", json=filing_payload(), headers=headers)
            assert again.status_code == 201, again.text
            assert (await client.get("/readyz")).status_code == 200
            listed = await client.get("/v1/filings", headers=headers)
            assert len(listed.json()["items"]) == 2  # nothing half-written while it was down
