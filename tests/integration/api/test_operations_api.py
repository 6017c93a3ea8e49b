from __future__ import annotations

import shutil
from typing import Any

from alembic import command

from storage.sql.migrate import alembic_config, upgrade_database
from tests.factories import jpeg_bytes
from tests.integration.api.conftest import Api

PROBLEM = "application/problem+json"


class TestProbes:
    async def test_healthz(self, api: Api) -> None:
        response = await api.client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    async def test_readyz_checks_database_and_blobs(self, api: Api) -> None:
        response = await api.client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["checks"] == {
            "database": True,
            "schema": True,
            "blobs": True,
            "queue": True,
        }
        assert response.json()["failed"] == []

    async def test_readyz_is_503_while_the_schema_is_behind(self, api: Api) -> None:
        with api.app.state.services.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0002")
        response = await api.client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["schema"] is False
        assert response.json()["failed"] == ["schema"]
        upgrade_database(api.settings.database_url_resolved)
        assert (await api.client.get("/readyz")).status_code == 200

    async def test_readyz_is_503_when_the_blob_directory_is_gone(self, api: Api) -> None:
        blob_dir = api.settings.data_dir / "blobs"
        shutil.rmtree(blob_dir)
        blob_dir.write_text("not a directory")

        response = await api.client.get("/readyz")

        assert response.status_code == 503
        assert response.json()["checks"]["blobs"] is False
        assert response.json()["failed"] == ["blobs"]


class TestMetrics:
    async def test_counts_requests_and_uploads(self, api: Api) -> None:
        filing_id = await api.create_filing()
        await api.upload(filing_id, jpeg_bytes())
        await api.upload(filing_id, jpeg_bytes())
        await api.upload(filing_id, b"not an image at all")

        response = await api.client.get("/metrics")

        text = response.text
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert 'intake_uploads_total{outcome="created"} 1.0' in text
        assert 'intake_uploads_total{outcome="duplicate"} 1.0' in text
        assert 'intake_uploads_total{outcome="upload.unsupported_type"} 1.0' in text
        assert (
            'intake_http_requests_total{method="POST",route="/v1/filings",status="201"} 1.0' in text
        )
        assert "intake_http_request_duration_seconds_bucket" in text


class TestOpenApi:
    async def test_every_v1_route_declares_problem_responses_with_examples(self, api: Api) -> None:
        document: dict[str, Any] = (await api.client.get("/openapi.json")).json()
        operations = {
            (method.upper(), path): operation
            for path, item in document["paths"].items()
            for method, operation in item.items()
        }
        expected = {
            ("POST", "/v1/filings"),
            ("GET", "/v1/filings"),
            ("GET", "/v1/filings/{filing_id}"),
            ("POST", "/v1/filings/{filing_id}/submit"),
            ("POST", "/v1/filings/{filing_id}/documents"),
            ("GET", "/v1/filings/{filing_id}/documents/{document_id}"),
        }
        assert expected <= operations.keys()
        for key in expected:
            responses = operations[key]["responses"]
            assert "401" in responses, key
            problem = responses["401"]["content"][PROBLEM]
            assert {"auth.missing", "auth.invalid"} <= problem["examples"].keys()
            assert "422" in responses, key

    async def test_upload_documents_its_codes_and_multipart_body(self, api: Api) -> None:
        document: dict[str, Any] = (await api.client.get("/openapi.json")).json()
        upload = document["paths"]["/v1/filings/{filing_id}/documents"]["post"]
        codes = {
            code
            for response in upload["responses"].values()
            for code in response.get("content", {}).get(PROBLEM, {}).get("examples", {})
        }
        assert {
            "upload.too_large",
            "upload.unsupported_type",
            "upload.corrupt",
            "upload.encrypted_pdf",
            "upload.too_many_pages",
            "upload.too_many_pixels",
            "idempotency.conflict",
            "filing.invalid_transition",
            "ocr.busy",
        } <= codes
        assert {"200", "201"} <= upload["responses"].keys()
        assert "multipart/form-data" in upload["requestBody"]["content"]
