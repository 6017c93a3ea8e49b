"""The lifecycle over HTTP: read, verify on submit, verdicts, history, cancel, filing-free zones."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from samples.filings import ground_truth_evidence, make_scenario
from tests.factories import document_image, jpeg_bytes
from tests.fakes import FakeReader
from tests.integration.api.conftest import Api, auth
from verifiers import load_packs


async def _wait_for_status(api: Api, filing_id: str, *, leaving: str) -> dict[str, Any]:
    for _ in range(200):
        response = await api.client.get(f"/v1/filings/{filing_id}", headers=auth())
        body: dict[str, Any] = response.json()
        if body["status"] != leaving:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"filing stayed {leaving}")


async def _submit_and_wait(api: Api, filing_id: str) -> dict[str, Any]:
    """Submit the filing (202) and return it once verification has moved it on."""
    response = await api.client.post(f"/v1/filings/{filing_id}/submit", headers=auth())
    assert response.status_code == 202, response.text
    return await _wait_for_status(api, filing_id, leaving="submitted")


async def _file_scenario(api: Api, *, filing_type: str, defect: str | None = None) -> str:
    """Create the scenario's filing over HTTP and upload one photo per document.

    The fake reader is told what each photo reads as: the scenario's ground truth.
    """
    scenario = make_scenario(
        pack="national", seed=21, filing_type=filing_type, defect=defect, book=load_packs()
    )
    facts = scenario.facts
    filed = facts.filed_on
    api.clock.current = datetime(filed.year, filed.month, filed.day, 2, 0, tzinfo=UTC)
    filing_id = await api.create_filing(
        applicant={
            "name": facts.applicant_name,
            "id_number": facts.applicant_id_number,
            "phone": "13812345678",
        },
        filing_type=facts.filing_type,
        insured_region=facts.insured_region,
        treatment_region=facts.treatment_region,
        start_date=facts.start_date.isoformat(),
    )
    reader: FakeReader = api.app.state.services.reader
    for seed, item in enumerate(ground_truth_evidence(scenario), start=100):
        image = document_image(seed=seed)
        reader.register(image, (item.reading,))
        response = await api.upload(filing_id, jpeg_bytes(image))
        assert response.status_code == 201, response.text
    return filing_id


class TestVerification:
    async def test_clean_referral_is_approved_after_submit(self, api: Api) -> None:
        filing_id = await _file_scenario(api, filing_type="referral")
        body = await _submit_and_wait(api, filing_id)
        assert body["status"] == "approved", [
            c for c in body["verdict"]["checks"] if c["outcome"] != "pass"
        ]
        assert body["verdict"]["decision"] == "approve"
        assert body["verdict"]["policy"] == "national"
        assert all(c["outcome"] == "pass" for c in body["verdict"]["checks"] if c["blocking"])
        assert body["valid_until"] is not None
        kinds = {d["kind"] for d in body["documents"]}
        assert "referral_form" in kinds
        referral = next(d for d in body["documents"] if d["kind"] == "referral_form")
        assert referral["fields"]["name"]["value"]

    async def test_document_view_lists_what_was_read(self, api: Api) -> None:
        filing_id = await _file_scenario(api, filing_type="referral")
        body = (await api.client.get(f"/v1/filings/{filing_id}", headers=auth())).json()
        document_id = body["documents"][0]["id"]
        document = await api.wait_for_document(filing_id, document_id)
        assert document["status"] == "analysed"
        assert document["found"][0]["kind"] == document["kind"]
        assert document["found"][0]["fields"]

    async def test_defective_filing_goes_to_review_and_keeps_every_run(self, api: Api) -> None:
        filing_id = await _file_scenario(
            api, filing_type="referral", defect="referral_wrong_destination"
        )
        body = await _submit_and_wait(api, filing_id)
        assert body["status"] == "needs_review"
        assert body["verdict"]["decision"] == "review"
        assert any(c["outcome"] != "pass" for c in body["verdict"]["checks"])
        runs = (
            await api.client.get(f"/v1/filings/{filing_id}/verifications", headers=auth())
        ).json()
        assert len(runs) == 1
        assert runs[0]["engine_version"] == FakeReader.version

    async def test_missing_material_names_the_group(self, api: Api) -> None:
        filing_id = await _file_scenario(
            api, filing_type="stationed_worker", defect="missing_material"
        )
        body = await _submit_and_wait(api, filing_id)
        assert body["status"] == "needs_materials"
        assert body["verdict"]["missing"]
        assert all(m["name"] for m in body["verdict"]["missing"])


class TestCancel:
    async def test_draft_is_cancelled(self, api: Api) -> None:
        filing_id = await api.create_filing()
        response = await api.client.post(f"/v1/filings/{filing_id}/cancel", headers=auth())
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        again = await api.client.post(f"/v1/filings/{filing_id}/cancel", headers=auth())
        assert again.status_code == 409
        assert again.json()["code"] == "filing.invalid_transition"

    async def test_other_key_cannot_cancel(self, api: Api) -> None:
        filing_id = await api.create_filing()
        response = await api.client.post(f"/v1/filings/{filing_id}/cancel", headers=auth("b"))
        assert response.status_code == 404


class TestFilingFreeZones:
    @pytest.mark.parametrize(("treatment", "required"), [("310118", False), ("330100", True)])
    async def test_requirement_endpoint(self, api: Api, treatment: str, required: bool) -> None:
        response = await api.client.get(
            "/v1/filing-requirement",
            params={"insured": "320509", "treatment": treatment},
            headers=auth(),
        )
        assert response.status_code == 200
        assert response.json()["required"] is required

    async def test_creating_a_filing_inside_a_zone_is_refused(self, api: Api) -> None:
        response = await api.client.post(
            "/v1/filings",
            json={
                "applicant": {
                    "name": "王芳",
                    "id_number": "320509199001011239",
                    "phone": "13812345678",
                },
                "filing_type": "other_temporary",
                "insured_region": "320509",
                "treatment_region": "310000",
                "scheme": "employee",
            },
            headers=auth(),
        )
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "filing.not_required"

    async def test_bad_region_code_is_a_problem(self, api: Api) -> None:
        response = await api.client.get(
            "/v1/filing-requirement",
            params={"insured": "32", "treatment": "310000"},
            headers=auth(),
        )
        assert response.status_code == 422
        assert response.json()["code"] == "applicant.invalid_region_code"
