"""Same-city treatment over HTTP: inside one's own pooling area no filing is needed."""

from __future__ import annotations

import pytest

from tests.factories import fake_id, filing_payload
from tests.integration.api.conftest import Api, auth

# A person insured in Wujiang (Suzhou) treated in Suzhou's Gusu district.
SUZHOU_GUSU = {"insured_region": "320509", "treatment_region": "320508"}


class TestSamePoolingArea:
    async def test_requirement_says_not_required_with_the_reason(self, api: Api) -> None:
        response = await api.client.get(
            "/v1/filing-requirement",
            params={"insured": "320509", "treatment": "320508"},
            headers=auth(),
        )
        assert response.status_code == 200
        body = response.json()
        assert body["required"] is False
        assert body["zone"] == "参保地统筹区（苏州市）"
        assert body["message"] == "属于参保地统筹区（苏州市），无需办理异地就医备案"

    async def test_creating_the_filing_is_refused_with_the_reason(self, api: Api) -> None:
        payload = filing_payload(
            applicant={
                "name": "王芳",
                "id_number": fake_id(5, region="320509"),
                "phone": "13812345678",
            },
            filing_type="other_temporary",
            contact=None,
            **SUZHOU_GUSU,
        )
        response = await api.client.post("/v1/filings", json=payload, headers=auth())
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["code"] == "filing.not_required"
        assert body["message"] == "属于参保地统筹区（苏州市），无需办理异地就医备案"

    @pytest.mark.parametrize(
        ("insured", "treatment", "required"),
        [("321002", "321012", False), ("320509", "320612", True), ("310115", "310104", False)],
    )
    async def test_other_cities(
        self, api: Api, insured: str, treatment: str, required: bool
    ) -> None:
        response = await api.client.get(
            "/v1/filing-requirement",
            params={"insured": insured, "treatment": treatment},
            headers=auth(),
        )
        assert response.json()["required"] is required

    async def test_another_city_is_filed(self, api: Api) -> None:
        filing_id = await api.create_filing(insured_region="320509", treatment_region="320612")
        assert filing_id
