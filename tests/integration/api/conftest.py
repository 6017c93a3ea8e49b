"""The real app on SQLite (migrated) and a local blob directory in a tmp dir."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from api.app import create_app
from api.settings import Settings
from storage.sql.migrate import upgrade_database
from tests.factories import filing_payload
from tests.fakes import FakeClock, FakeReader

KEYS = {"a": "key-app-a", "b": "key-app-b", "reviewer": "key-reviewer"}
MAX_UPLOAD_BYTES = 3_000_000


def auth(who: str = "a") -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[who]}"}


@dataclass
class Api:
    client: httpx.AsyncClient
    app: FastAPI
    settings: Settings
    clock: FakeClock

    async def create_filing(self, who: str = "a", **overrides: Any) -> str:
        response = await self.client.post(
            "/v1/filings", json=filing_payload(**overrides), headers=auth(who)
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def upload(
        self,
        filing_id: str,
        data: bytes,
        *,
        who: str = "a",
        headers: dict[str, str] | None = None,
        declared_kind: str | None = None,
    ) -> httpx.Response:
        return await self.client.post(
            f"/v1/filings/{filing_id}/documents",
            files={"file": ("photo.jpg", data, "image/jpeg")},
            data={"declared_kind": declared_kind} if declared_kind else None,
            headers={**auth(who), **(headers or {})},
        )

    async def wait_for_document(self, filing_id: str, document_id: str) -> dict[str, Any]:
        for _ in range(200):
            response = await self.client.get(
                f"/v1/filings/{filing_id}/documents/{document_id}", headers=auth()
            )
            body: dict[str, Any] = response.json()
            if body["status"] != "received":
                return body
            await asyncio.sleep(0.05)
        raise AssertionError("document was not analysed in time")

    def document_rows(self) -> int:
        with self.app.state.services.uow_factory() as uow:
            return sum(
                len(uow.documents.list_for_filing(f.id)) for f in uow.filings.list(limit=1000)
            )

    def blob_files(self) -> list[Path]:
        return [p for p in (self.settings.data_dir / "blobs").rglob("*") if p.is_file()]


def api_settings(data_dir: Path, **overrides: Any) -> Settings:
    keys = f"app:{KEYS['a']},app:{KEYS['b']},reviewer:{KEYS['reviewer']}"
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": None,
        "blob_url": None,
        "queue_url": "local://",
        "api_keys": SecretStr(keys),
        "max_upload_bytes": MAX_UPLOAD_BYTES,
        "max_pixels": 4_000_000,
        "max_pdf_pages": 3,
        "task_workers": 1,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with running_api(api_settings(tmp_path / "data")) as running:
        yield running


@asynccontextmanager
async def running_api(settings: Settings) -> AsyncIterator[Api]:
    """The app on ``settings`` (database migrated), started, behind an in-process client."""
    upgrade_database(settings.database_url_resolved)
    clock = FakeClock(datetime.now(UTC))
    app = create_app(settings, reader=FakeReader(), clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(client=client, app=app, settings=settings, clock=clock)
