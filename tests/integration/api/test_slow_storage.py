"""Slow storage never holds a decoding slot: it cannot surface as ``503 ocr.busy``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from storage.sql.migrate import upgrade_database
from tests.factories import document_image, jpeg_bytes
from tests.fakes import FakeClock, FakeReader
from tests.integration.api.conftest import Api, api_settings


@pytest.fixture
async def one_slot(tmp_path: Path) -> AsyncIterator[Api]:
    """One decoding slot, and a short wait for it."""
    settings = api_settings(tmp_path / "data", cpu_workers=1, cpu_wait_timeout_s=1.0)
    upgrade_database(settings.database_url_resolved)
    clock = FakeClock(datetime.now(UTC))
    app = create_app(settings, reader=FakeReader(), clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(client=client, app=app, settings=settings, clock=clock)


async def test_slow_blob_writes_do_not_hold_the_decoding_slot(
    one_slot: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = one_slot
    filing_id = await api.create_filing()
    blobs = api.app.state.services.blobs
    put = blobs.put

    def slow_put(data: bytes, *, content_type: str = "application/octet-stream") -> str:
        time.sleep(1.5)  # a blob store that takes 1.5 s per write
        key: str = put(data, content_type=content_type)
        return key

    monkeypatch.setattr(blobs, "put", slow_put)
    # Decoding these takes a fraction of the second the other upload may wait for the
    # slot; the three seconds of blob writes of each upload must not count.
    photos = [jpeg_bytes(document_image(width=800, height=550, seed=n)) for n in (1, 2)]
    responses = await asyncio.gather(*(api.upload(filing_id, photo) for photo in photos))
    assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
