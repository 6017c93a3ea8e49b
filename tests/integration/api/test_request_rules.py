"""One rule for refusing a request body: its shape is `request.invalid`, a broken rule its code."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import filing_payload
from tests.integration.api.conftest import Api, auth


def _with_applicant(**fields: Any) -> dict[str, Any]:
    payload = filing_payload()
    payload["applicant"] = {**payload["applicant"], **fields}
    return payload


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        # A value of the right type and size that breaks a rule: the rule's code.
        ({**filing_payload(), "insured_region": "32100"}, "applicant.invalid_region_code"),
        ({**filing_payload(), "insured_region": "3210021"}, "applicant.invalid_region_code"),
        ({**filing_payload(), "insured_region": "990000"}, "applicant.invalid_region_code"),
        ({**filing_payload(), "treatment_region": "abcdef"}, "applicant.invalid_region_code"),
        (_with_applicant(id_number="123"), "applicant.invalid_id_number"),
        (_with_applicant(id_number="32100219600501137Y"), "applicant.invalid_id_number"),
        # The body's shape: JSON types, required and unknown fields, size caps.
        ({**filing_payload(), "insured_region": 321002}, "request.invalid"),
        ({**filing_payload(), "start_date": "2025-13-40"}, "request.invalid"),
        ({**filing_payload(), "surprise": True}, "request.invalid"),
        ({**filing_payload(), "insured_region": "3" * 33}, "request.invalid"),
        (_with_applicant(name="张" * 10_000), "request.invalid"),
        ([1, 2, 3], "request.invalid"),
    ],
)
async def test_one_rule_decides_the_code(api: Api, payload: Any, code: str) -> None:
    response = await api.client.post("/v1/filings", json=payload, headers=auth())
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code


async def test_a_body_that_is_not_json_is_request_invalid(api: Api) -> None:
    response = await api.client.post(
        "/v1/filings",
        content=b"\xff\x00{not json",
        headers={**auth(), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"


async def test_a_405_names_every_method_of_the_path(api: Api) -> None:
    response = await api.client.delete("/v1/filings", headers=auth())
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
