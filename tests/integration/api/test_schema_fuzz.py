"""Generated requests from ``/openapi.json`` against a live server: no 5xx, responses as documented.

Schemathesis builds requests for every operation from the schema (bounded to
a few examples each, so the run fits in CI) and sends them, with an admin key,
to the real application served by uvicorn on loopback. Each response must not
be a server error, must use a documented status code and content type, must
match its documented schema, and a 405 must name the allowed methods.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
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
from tests.live import serving

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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("fuzz") / "var",
        api_keys=SecretStr(f"admin:{KEY}"),
        task_workers=1,
    )
    with serving(create_app(settings, reader=FakeReader())) as base:
        yield base


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
def test_generated_requests_get_documented_answers(case: Any, server: str) -> None:
    case.call_and_validate(
        base_url=server,
        headers={"Authorization": f"Bearer {KEY}"},
        checks=CHECKS,
    )
