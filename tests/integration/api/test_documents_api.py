from __future__ import annotations

import hashlib
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import numpy.typing as npt
import pytest

from api.app import create_app
from ocr.domain import PageReading, PdfPageLayer, Quality
from ocr.images import decode_image
from storage.sql.migrate import upgrade_database
from tests.factories import (
    blurred,
    document_image,
    encrypted_pdf_bytes,
    jpeg_bytes,
    pdf_bytes,
)
from tests.fakes import FakeClock, FakeReader
from tests.integration.api.conftest import MAX_UPLOAD_BYTES, Api, api_settings, auth


def _refusals() -> list[tuple[bytes, int, str]]:
    return [
        (b"PK\x03\x04" + bytes(200), 415, "upload.unsupported_type"),
        (jpeg_bytes()[:3000], 422, "upload.corrupt"),
        (encrypted_pdf_bytes(), 422, "upload.encrypted_pdf"),
        (pdf_bytes(pages=4, width=300, height=400), 422, "upload.too_many_pages"),
        (jpeg_bytes(document_image(width=2100, height=2000)), 422, "upload.too_many_pixels"),
        (b"", 422, "upload.empty"),
    ]


class TestUpload:
    async def test_accepts_a_photo_and_analyses_it(self, api: Api) -> None:
        filing_id = await api.create_filing()

        response = await api.upload(filing_id, jpeg_bytes(), declared_kind="id_card_front")

        assert response.status_code == 201
        body = response.json()
        assert body["content_type"] == "image/jpeg"
        assert body["status"] == "received"
        assert body["declared_kind"] == "id_card_front"
        assert body["quality"] == {"ok": True, "problems": []}
        assert body["pages"][0]["width"] == 1600
        analysed = await api.wait_for_document(filing_id, body["id"])
        assert analysed["status"] == "analysed"

    async def test_blurred_photo_reports_quality_problems(self, api: Api) -> None:
        filing_id = await api.create_filing()

        response = await api.upload(filing_id, jpeg_bytes(blurred(document_image(), sigma=3)))

        assert response.status_code == 201
        quality = response.json()["quality"]
        assert quality["ok"] is False
        assert "blurry" in {p["code"] for p in quality["problems"]}
        assert all(p["message"] and p["page"] == 1 for p in quality["problems"])
        assert response.json()["pages"][0]["quality"]["ok"] is False

    async def test_pdf_pages_each_have_quality(self, api: Api) -> None:
        filing_id = await api.create_filing()
        response = await api.upload(filing_id, pdf_bytes(pages=2))
        assert response.status_code == 201
        assert [p["number"] for p in response.json()["pages"]] == [1, 2]

    @pytest.mark.parametrize(("data", "status", "code"), _refusals())
    async def test_refusal_leaves_no_row_and_no_blob(
        self, api: Api, data: bytes, status: int, code: str
    ) -> None:
        filing_id = await api.create_filing()

        response = await api.upload(filing_id, data)

        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code
        assert api.document_rows() == 0
        assert api.blob_files() == []

    async def test_unknown_declared_kind_is_request_invalid(self, api: Api) -> None:
        filing_id = await api.create_filing()
        response = await api.upload(filing_id, jpeg_bytes(), declared_kind="passport")
        assert response.status_code == 422
        assert response.json()["code"] == "request.invalid"
        assert response.json()["field"] == "declared_kind"

    async def test_missing_file_part_is_request_invalid(self, api: Api) -> None:
        filing_id = await api.create_filing()
        response = await api.client.post(
            f"/v1/filings/{filing_id}/documents", data={"declared_kind": "x"}, headers=auth()
        )
        assert response.status_code == 422
        assert response.json()["code"] == "request.invalid"

    async def test_same_bytes_twice_return_the_existing_document_with_200(self, api: Api) -> None:
        filing_id = await api.create_filing()
        data = jpeg_bytes()

        first = await api.upload(filing_id, data)
        second = await api.upload(filing_id, data)

        assert (first.status_code, second.status_code) == (201, 200)
        assert second.json()["id"] == first.json()["id"]
        assert api.document_rows() == 1


class TestIdempotencyKey:
    async def test_replays_the_first_response(self, api: Api) -> None:
        filing_id = await api.create_filing()
        data = jpeg_bytes()
        headers = {"Idempotency-Key": "upload-1"}

        first = await api.upload(filing_id, data, headers=headers)
        await api.wait_for_document(filing_id, first.json()["id"])
        replay = await api.upload(filing_id, data, headers=headers)

        assert replay.status_code == first.status_code == 201
        assert replay.json() == first.json()
        assert replay.json()["status"] == "received"

    async def test_same_key_with_other_bytes_is_409(self, api: Api) -> None:
        filing_id = await api.create_filing()
        headers = {"Idempotency-Key": "upload-2"}
        await api.upload(filing_id, jpeg_bytes(), headers=headers)

        response = await api.upload(filing_id, jpeg_bytes(quality=70), headers=headers)

        assert response.status_code == 409
        assert response.json()["code"] == "idempotency.conflict"
        assert api.document_rows() == 1

    async def test_keys_belong_to_their_api_key(self, api: Api) -> None:
        mine = await api.create_filing("a")
        theirs = await api.create_filing("b")
        headers = {"Idempotency-Key": "shared"}
        await api.upload(mine, jpeg_bytes(), headers=headers)
        response = await api.upload(theirs, jpeg_bytes(quality=70), who="b", headers=headers)
        assert response.status_code == 201


class TestStreamingSizeLimit:
    async def test_refuses_oversized_body_without_reading_it_all(self, api: Api) -> None:
        filing_id = await api.create_filing()
        boundary = "limit-test"
        chunk = 64 * 1024
        total_chunks = (MAX_UPLOAD_BYTES * 3) // chunk
        sent = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                'filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
            ).encode()
            for _ in range(total_chunks):
                sent += 1
                yield b"\xff" * chunk
            yield f"\r\n--{boundary}--\r\n".encode()

        # No Content-Length: the limit must hold while streaming, not only up front.
        request = api.client.build_request(
            "POST",
            f"/v1/filings/{filing_id}/documents",
            content=body(),
            headers={**auth(), "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        response = await api.client.send(request)

        assert response.status_code == 413
        assert response.json()["code"] == "upload.too_large"
        assert sent < total_chunks / 2
        assert list(api.settings.upload_tmp_dir.iterdir()) == []
        assert api.blob_files() == []

    async def test_refuses_declared_oversized_body_up_front(self, api: Api) -> None:
        filing_id = await api.create_filing()
        response = await api.client.post(
            f"/v1/filings/{filing_id}/documents",
            content=b"x",
            headers={
                **auth(),
                "Content-Type": "multipart/form-data; boundary=b",
                "Content-Length": str(MAX_UPLOAD_BYTES * 2),
            },
        )
        assert response.status_code == 413


class TestGetDocument:
    async def test_returns_pages_with_quality(self, api: Api) -> None:
        filing_id = await api.create_filing()
        created = (await api.upload(filing_id, jpeg_bytes())).json()

        response = await api.client.get(
            f"/v1/filings/{filing_id}/documents/{created['id']}", headers=auth()
        )

        assert response.status_code == 200
        page = response.json()["pages"][0]
        assert page["quality"]["sharpness"] > 0
        assert np.isclose(page["quality"]["sharpness"], created["pages"][0]["quality"]["sharpness"])

    async def test_unknown_document_is_404(self, api: Api) -> None:
        filing_id = await api.create_filing()
        response = await api.client.get(
            f"/v1/filings/{filing_id}/documents/00000000-0000-0000-0000-000000000000",
            headers=auth(),
        )
        assert response.status_code == 404
        assert response.json()["code"] == "document.not_found"


class _HeldReader(FakeReader):
    """Reads only once the test lets it: the document stays ``received`` until then."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def read_page(
        self,
        image: npt.NDArray[np.uint8],
        *,
        page: int = 1,
        text_layer: PdfPageLayer | None = None,
        quality: Quality | None = None,
    ) -> PageReading:
        assert self.release.wait(timeout=30)
        return super().read_page(image, page=page, text_layer=text_layer, quality=quality)


class TestPageImageAfterUpload:
    async def test_the_analysis_task_makes_the_page_image(self, tmp_path: Path) -> None:
        settings = api_settings(tmp_path / "data")
        upgrade_database(settings.database_url_resolved)
        reader = _HeldReader()
        app = create_app(settings, reader=reader, clock=FakeClock(datetime.now(UTC)))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                api = Api(client=client, app=app, settings=settings, clock=FakeClock())
                filing_id = await api.create_filing()
                data = jpeg_bytes()

                created = (await api.upload(filing_id, data)).json()
                image_url = f"/v1/filings/{filing_id}/documents/{created['id']}/pages/1/image"
                waiting = await client.get(image_url, headers=auth())
                only_original = {p.name for p in api.blob_files()}
                reader.release.set()
                analysed = await api.wait_for_document(filing_id, created["id"])
                shown = await client.get(image_url, headers=auth())

        # The answer carries the quality; the page image is not made yet.
        assert created["quality"] == {"ok": True, "problems": []}
        assert created["pages"][0]["image_sha256"] is None
        assert (created["pages"][0]["width"], created["pages"][0]["height"]) == (1600, 1100)
        assert waiting.status_code == 404
        assert waiting.json()["code"] == "document.not_found"
        assert only_original == {hashlib.sha256(data).hexdigest()}
        # The task made it, from the same pixels, and kept the quality the app was told.
        page = analysed["pages"][0]
        assert page["image_sha256"] is not None
        assert page["quality"] == created["pages"][0]["quality"]
        assert {p.name for p in api.blob_files()} == only_original | {page["image_sha256"]}
        assert shown.status_code == 200
        assert decode_image(shown.content).shape[:2] == (1100, 1600)
