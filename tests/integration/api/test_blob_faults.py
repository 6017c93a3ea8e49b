"""The blob store fails under an upload: a 503 problem, and no document row is written."""

from __future__ import annotations

import shutil

from tests.factories import jpeg_bytes
from tests.integration.api.conftest import Api


async def test_blob_store_down_is_503_and_stores_nothing(api: Api) -> None:
    filing_id = await api.create_filing()
    blob_dir = api.settings.data_dir / "blobs"
    shutil.rmtree(blob_dir)
    blob_dir.write_text("not a directory any more")  # every write under it now fails

    response = await api.upload(filing_id, jpeg_bytes())

    assert response.status_code == 503, response.text
    assert response.json()["code"] == "storage.unavailable"
    assert api.document_rows() == 0
    blob_dir.unlink()
    blob_dir.mkdir()
    again = await api.upload(filing_id, jpeg_bytes())
    assert again.status_code == 201, again.text
    assert api.document_rows() == 1
