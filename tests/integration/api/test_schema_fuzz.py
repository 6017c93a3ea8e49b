"""Generated requests from ``/openapi.json`` against a live server: no 5xx, responses as documented.

Schemathesis builds requests for every operation from the schema (bounded to
a few examples each, so the run fits in CI) and sends them, with an admin key,
to the real application served by uvicorn on loopback. Each response must not
be a server error, must use a documented status code and content type, must
match its documented schema, and a 405 must name the allowed methods.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.settings import Settings
from tests.fakes import FakeReader

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KEY = "schema-fuzz-admin"
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    allow_header_conformance,
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Server:
    def __init__(self, data_dir: Path) -> None:
        settings_ = Settings(data_dir=data_dir, api_keys=SecretStr(f"admin:{KEY}"), task_workers=1)
        self.app = create_app(settings_, reader=FakeReader())
        self.port = _free_port()
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Server]:
    with _Server(tmp_path_factory.mktemp("fuzz") / "var") as running:
        yield running


def _schema() -> Any:
    application = create_app(
        Settings(data_dir=Path("/nonexistent-schema-only"), api_keys=SecretStr(f"admin:{KEY}")),
        reader=FakeReader(),
    )
    # The reviewer pages and probes are HTML or plain; the API is what apps generate from.
    return schemathesis.openapi.from_dict(application.openapi())


schema = _schema()


@schema.parametrize()  # type: ignore[untyped-decorator]  # schemathesis is untyped here
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_get_documented_answers(case: Any, server: _Server) -> None:
    case.call_and_validate(
        base_url=server.url,
        headers={"Authorization": f"Bearer {KEY}"},
        checks=CHECKS,
    )
