from __future__ import annotations

from tests.factories import fake_id, filing_payload, jpeg_bytes
from tests.integration.api.conftest import Api, auth


class TestAuth:
    async def test_missing_key_is_401_auth_missing(self, api: Api) -> None:
        response = await api.client.post("/v1/filings", json=filing_payload())
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "auth.missing"

    async def test_unknown_key_is_401_auth_invalid(self, api: Api) -> None:
        response = await api.client.get(
            "/v1/filings", headers={"Authorization": "Bearer not-a-key"}
        )
        assert response.status_code == 401
        assert response.json()["code"] == "auth.invalid"


class TestCreateFiling:
    async def test_creates_a_draft(self, api: Api) -> None:
        response = await api.client.post("/v1/filings", json=filing_payload(), headers=auth())

        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "draft"
        assert body["filing_type"] == "long_term_resident"
        assert body["documents"] == []
        assert body["verdict"] is None
        assert body["applicant"]["id_number"] != fake_id(1)
        assert body["applicant"]["id_number"][-4:] == fake_id(1)[-4:]

    async def test_bad_id_number_is_a_problem_with_its_field(self, api: Api) -> None:
        payload = filing_payload(
            applicant={"name": "张三", "id_number": "123", "phone": "13812345678"}
        )
        response = await api.client.post("/v1/filings", json=payload, headers=auth())

        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "applicant.invalid_id_number"
        assert body["field"] == "applicant.id_number"
        assert {"type", "title", "status", "detail"} <= body.keys()

    async def test_bad_phone_and_region_have_their_codes(self, api: Api) -> None:
        payload = filing_payload(applicant={"name": "张三", "id_number": fake_id(1), "phone": "1"})
        response = await api.client.post("/v1/filings", json=payload, headers=auth())
        assert response.json()["code"] == "applicant.invalid_phone"

        response = await api.client.post(
            "/v1/filings", json=filing_payload(insured_region="990000"), headers=auth()
        )
        assert response.json()["code"] == "applicant.invalid_region_code"

    async def test_schema_errors_are_request_invalid_with_field_errors(self, api: Api) -> None:
        response = await api.client.post(
            "/v1/filings", json=filing_payload(filing_type="holiday"), headers=auth()
        )
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "request.invalid"
        assert body["errors"][0]["loc"] == ["body", "filing_type"]


class TestOwnership:
    async def test_other_app_key_gets_404(self, api: Api) -> None:
        filing_id = await api.create_filing("a")

        response = await api.client.get(f"/v1/filings/{filing_id}", headers=auth("b"))

        assert response.status_code == 404
        assert response.json()["code"] == "filing.not_found"

    async def test_other_app_key_cannot_upload_or_submit(self, api: Api) -> None:
        filing_id = await api.create_filing("a")
        upload = await api.upload(filing_id, jpeg_bytes(), who="b")
        submit = await api.client.post(f"/v1/filings/{filing_id}/submit", headers=auth("b"))
        assert upload.status_code == 404
        assert submit.status_code == 404
        assert api.document_rows() == 0

    async def test_reviewer_sees_every_filing(self, api: Api) -> None:
        filing_id = await api.create_filing("a")
        response = await api.client.get(f"/v1/filings/{filing_id}", headers=auth("reviewer"))
        assert response.status_code == 200

    async def test_list_shows_only_own_filings_and_pages(self, api: Api) -> None:
        mine = {await api.create_filing("a") for _ in range(3)}
        await api.create_filing("b")

        first = (await api.client.get("/v1/filings?limit=2", headers=auth("a"))).json()
        after = first["next_after"]
        rest = (await api.client.get(f"/v1/filings?limit=2&after={after}", headers=auth())).json()

        listed = {f["id"] for f in first["items"]} | {f["id"] for f in rest["items"]}
        assert listed == mine
        assert rest["next_after"] is None
        everything = (await api.client.get("/v1/filings", headers=auth("reviewer"))).json()
        assert len(everything["items"]) == 4


class TestSubmit:
    async def test_submit_needs_a_document(self, api: Api) -> None:
        filing_id = await api.create_filing()
        response = await api.client.post(f"/v1/filings/{filing_id}/submit", headers=auth())
        assert response.status_code == 409
        assert response.json()["code"] == "filing.no_documents"
        assert "上传" in response.json()["message"]
        filing = (await api.client.get(f"/v1/filings/{filing_id}", headers=auth())).json()
        assert filing["status"] == "draft"

    async def test_submit_then_get(self, api: Api) -> None:
        filing_id = await api.create_filing()
        await api.upload(filing_id, jpeg_bytes())

        response = await api.client.post(f"/v1/filings/{filing_id}/submit", headers=auth())

        assert response.status_code == 202
        assert response.json()["status"] == "submitted"
        filing = (await api.client.get(f"/v1/filings/{filing_id}", headers=auth())).json()
        # Verification may already have run: the one document reads as unknown, so
        # the filing then needs materials.
        assert filing["status"] in ("submitted", "needs_materials")
        assert filing["submitted_at"] is not None
        assert len(filing["documents"]) == 1
        assert set(filing["documents"][0]) >= {"id", "kind", "kind_confidence", "status", "quality"}

    async def test_upload_to_a_closed_filing_is_409(self, api: Api) -> None:
        # A submitted filing may already be back in needs_materials by the time a
        # second upload arrives (verification runs in the background), so the
        # deterministic closed state is a cancelled filing.
        filing_id = await api.create_filing()
        await api.upload(filing_id, jpeg_bytes())
        await api.client.post(f"/v1/filings/{filing_id}/cancel", headers=auth())

        response = await api.upload(filing_id, jpeg_bytes(quality=80))

        assert response.status_code == 409
        assert response.json()["code"] == "filing.invalid_transition"
