"""``/readyz`` with the production parts: PostgreSQL, an S3 server and Redis, each behind a proxy.

Each part is taken away in turn while the server runs: ``/readyz`` answers
503 and names that part (and only it) in ``failed``; once the part is back,
the same server is ready again without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
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
from tests.factories import key_settings
from tests.fakes import FakeReader
from tests.integration.proxy import Proxy

pytestmark = pytest.mark.integration


@dataclass
class Parts:
    database: Proxy
    blobs: Proxy
    queue: Proxy
    settings: Settings


def _host_port(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    return host, int(port)


@contextlib.contextmanager
def _schema(postgres_url: str) -> Iterator[str]:
    schema = f"ready_{uuid4().hex[:12]}"
    admin = create_database_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
async def parts(
    postgres_url: str, s3_server: str, redis_url: str, tmp_path: Path
) -> AsyncIterator[Parts]:
    base = make_url(postgres_url)
    proxies = [
        Proxy((base.host or "127.0.0.1", base.port or 5432)),
        Proxy(_host_port(s3_server)),
        Proxy((make_url(redis_url).host or "127.0.0.1", make_url(redis_url).port or 6379)),
    ]
    for proxy in proxies:
        await proxy.start()
    database, blobs, queue = proxies
    with _schema(postgres_url) as schema:
        url = base.set(host="127.0.0.1", port=database.port).update_query_dict(
            {"options": f"-csearch_path={schema}"}
        )
        rendered = url.render_as_string(hide_password=False)
        await asyncio.to_thread(upgrade_database, rendered)
        settings = Settings(
            data_dir=tmp_path / "var",
            database_url=rendered,
            blob_url=(
                f"s3://testing-ready-{uuid4().hex[:12]}?endpoint=127.0.0.1:{blobs.port}"
                "&secure=false&region=us-east-1"
            ),
            s3_access_key=SecretStr("testing"),
            s3_secret_key=SecretStr("testing"),
            queue_url=f"redis://127.0.0.1:{queue.port}/{make_url(redis_url).database or 0}",
            api_keys=SecretStr("app:ready-app"),
            **key_settings(),
        )
        try:
            yield Parts(database=database, blobs=blobs, queue=queue, settings=settings)
        finally:
            for proxy in proxies:
                with contextlib.suppress(AssertionError):
                    await proxy.stop()
                proxy.close()


async def test_each_part_down_is_named_and_the_server_recovers(parts: Parts) -> None:
    app = create_app(parts.settings, reader=FakeReader())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json() == {
                "status": "ready",
                "checks": {"database": True, "schema": True, "blobs": True, "queue": True},
                "failed": [],
            }
            for proxy, failed in (
                (parts.database, ["database", "schema"]),
                (parts.blobs, ["blobs"]),
                (parts.queue, ["queue"]),
            ):
                await proxy.stop()
                down = await client.get("/readyz")
                assert down.status_code == 503, down.text
                assert down.json()["status"] == "unavailable"
                assert down.json()["failed"] == failed
                await proxy.start()  # the same port: the part is back
                again = await client.get("/readyz")
                assert again.status_code == 200, again.text
