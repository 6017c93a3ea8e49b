"""``intake keys status`` and ``rotate`` with blobs on an S3 server (moto)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
import structlog
from typer.testing import CliRunner

from api.cli import app
from storage.blobs import MinioBlobStore, S3BlobUrl, open_minio_blob_store
from storage.blobs.keys import key_of

pytestmark = pytest.mark.integration

runner = CliRunner()


@pytest.fixture
def s3_settings(
    tmp_path: Path, s3_server: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MinioBlobStore]:
    """The CLI's environment pointing at a fresh bucket; yields a store on that bucket."""
    bucket = f"testing-{uuid4().hex[:20]}"
    monkeypatch.setenv("INTAKE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("INTAKE_DATABASE_URL", raising=False)
    monkeypatch.setenv(
        "INTAKE_BLOB_URL", f"s3://{bucket}?endpoint={s3_server}&secure=false&region=us-east-1"
    )
    monkeypatch.setenv("INTAKE_S3_ACCESS_KEY", "testing")
    monkeypatch.setenv("INTAKE_S3_SECRET_KEY", "testing")
    location = S3BlobUrl(bucket=bucket, endpoint=s3_server, secure=False, region="us-east-1")
    store = open_minio_blob_store(location, access_key="testing", secret_key="testing")  # noqa: S106
    yield store
    structlog.reset_defaults()
    client = store._client  # removing the test bucket, past the adapter
    if client.bucket_exists(bucket):
        for obj in client.list_objects(bucket, recursive=True):
            client.remove_object(bucket, str(obj.object_name))
        client.remove_bucket(bucket)


def test_rotate_encrypts_objects_stored_in_the_clear(s3_settings: MinioBlobStore) -> None:
    store = s3_settings
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    store.put(b"stored with SSE")
    legacy = b"stored before SSE"
    store._client.put_object(  # an object from before encryption, written past the adapter
        store.bucket, MinioBlobStore.object_name(key_of(legacy)), io.BytesIO(legacy), len(legacy)
    )

    status = runner.invoke(app, ["keys", "status"])
    assert status.exit_code == 0, status.output
    assert re.search(r"blobs\s+\(plaintext\) 1, SSE-S3 1", status.stdout)
    assert "new objects: SSE-S3" in status.stdout

    rotated = runner.invoke(app, ["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    assert "1 blob(s) sealed again under SSE-S3 (0 re-wrapped, 1 encrypted" in rotated.stdout
    assert store.key_usage() == {"SSE-S3": 2}
    assert store.get(key_of(legacy)) == legacy
