"""``X-Request-ID``: taken when sane, made otherwise, returned, and on every log event it causes.

The app logs JSON to stderr (``INTAKE_LOG_FORMAT=json``); the test points the
app's stderr at a file of its own and parses each line written there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.logs import configure_logging
from api.request_id import accept_request_id
from storage.sql.migrate import upgrade_database
from tests.factories import fake_id, filing_payload, jpeg_bytes
from tests.fakes import FakeClock, FakeReader
from tests.integration.api.conftest import Api, api_settings, auth

HEX_ID = re.compile(r"[0-9a-f]{32}")


@dataclass
class LoggedApi(Api):
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def log_events(self) -> list[dict[str, Any]]:
        lines = self.log_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]


@pytest.fixture
async def json_api(tmp_path: Path) -> AsyncIterator[LoggedApi]:
    settings = api_settings(tmp_path / "data", log_format="json")
    upgrade_database(settings.database_url_resolved)
    clock = FakeClock(datetime.now(UTC))
    log = tmp_path / "stderr.log"
    with log.open("w", encoding="utf-8") as stderr:
        try:
            with contextlib.redirect_stderr(stderr):  # the app's loggers write here
                app = create_app(settings, reader=FakeReader(), clock=clock)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                    yield LoggedApi(client=client, app=app, settings=settings, clock=clock, log=log)
        finally:
            configure_logging()  # back to the real stderr before the file closes
            assert sys.stderr is not stderr


class TestAcceptRequestId:
    @pytest.mark.parametrize(
        "incoming", ["3f2b8c1e-7d4a-4b9e-9c1f-2a6d8e0b5c71", "gateway:abc.DEF_123-456"]
    )
    def test_keeps_a_sane_id(self, incoming: str) -> None:
        assert accept_request_id(incoming) == incoming

    @pytest.mark.parametrize(
        "incoming",
        [None, "", "short", "has space in it", 'quote"d-value-123', "x" * 129, "é" * 10],
    )
    def test_makes_a_new_one_for_anything_else(self, incoming: str | None) -> None:
        made = accept_request_id(incoming)
        assert HEX_ID.fullmatch(made)
        assert made != incoming

    def test_never_takes_an_id_number(self) -> None:
        number = fake_id(3)
        assert accept_request_id(number) != number
        assert accept_request_id(f"req-{number}") != f"req-{number}"


class TestRoundTrip:
    async def test_a_caller_id_comes_back(self, json_api: LoggedApi) -> None:
        response = await json_api.client.get("/healthz", headers={"X-Request-ID": "abc-12345678"})
        assert response.headers["X-Request-ID"] == "abc-12345678"

    async def test_every_response_gets_one_errors_included(self, json_api: LoggedApi) -> None:
        ok = await json_api.client.get("/healthz")
        missing = await json_api.client.get("/v1/filings/not-a-uuid", headers=auth())
        unauthorised = await json_api.client.get("/v1/filings")
        ids = [r.headers.get("X-Request-ID", "") for r in (ok, missing, unauthorised)]
        assert missing.status_code >= 400
        assert unauthorised.status_code == 401
        assert all(HEX_ID.fullmatch(i) for i in ids)
        assert len(set(ids)) == 3

    async def test_a_bad_header_is_replaced(self, json_api: LoggedApi) -> None:
        response = await json_api.client.get("/healthz", headers={"X-Request-ID": "bad id"})
        assert HEX_ID.fullmatch(response.headers["X-Request-ID"])


class TestLogBinding:
    async def test_the_requests_events_and_its_tasks_carry_the_id(
        self, json_api: LoggedApi
    ) -> None:
        payload = filing_payload()
        number = payload["applicant"]["id_number"]
        created = await json_api.client.post(
            "/v1/filings",
            json=payload,
            headers={**auth(), "X-Request-ID": "create-0001"},
        )
        assert created.status_code == 201, created.text
        filing_id = created.json()["id"]
        uploaded = await json_api.upload(
            filing_id, jpeg_bytes(), headers={"X-Request-ID": "upload-0002"}
        )
        assert uploaded.status_code == 201, uploaded.text
        # An ID number pasted into the header is neither used nor logged.
        listed = await json_api.client.get(
            "/v1/filings", headers={**auth(), "X-Request-ID": number}
        )
        assert listed.headers["X-Request-ID"] != number
        await json_api.wait_for_document(filing_id, uploaded.json()["id"])
        await asyncio.sleep(0.1)  # the task logs after it commits

        events = json_api.log_events()
        by_event = {e["event"]: e for e in events if "request_id" in e}
        assert by_event["intake.filing.created"]["request_id"] == "create-0001"
        # The upload's analysis ran on the in-process pool, in the request's context.
        assert by_event["intake.analysis.recorded"]["request_id"] == "upload-0002"
        (started,) = (e for e in events if e["event"] == "api.started")
        assert "request_id" not in started  # outside any request
        assert number not in json_api.log_text()

    async def test_an_unexpected_error_is_logged_with_the_id(self, json_api: LoggedApi) -> None:
        async def boom() -> None:
            raise RuntimeError("unexpected")

        json_api.app.add_api_route("/boom", boom)
        transport = httpx.ASGITransport(app=json_api.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/boom", headers={"X-Request-ID": "boom-00001"})

        assert response.status_code == 500
        (failed,) = (e for e in json_api.log_events() if e["event"] == "api.request.failed")
        assert failed["request_id"] == "boom-00001"
        assert failed["path"] == "/boom"
        assert "RuntimeError: unexpected" in failed["exception"]
