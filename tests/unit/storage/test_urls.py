from __future__ import annotations

from pathlib import Path

import pytest

from storage.blobs import (
    FileBlobUrl,
    LocalBlobStore,
    MinioBlobStore,
    S3BlobUrl,
    open_blob_store,
    parse_blob_url,
)
from storage.crypto import Keyring
from storage.errors import StorageConfigError


class TestParseBlobUrl:
    def test_reads_an_absolute_file_url(self) -> None:
        assert parse_blob_url("file:///srv/intake/blobs") == FileBlobUrl(
            root=Path("/srv/intake/blobs")
        )

    def test_accepts_localhost_and_escaped_characters(self) -> None:
        assert parse_blob_url("file://localhost/srv/my%20blobs") == FileBlobUrl(
            root=Path("/srv/my blobs")
        )

    @pytest.mark.parametrize(
        "url", ["file://var/blobs", "file://./var/blobs", "file:relative/path", "file:///x?y=1"]
    )
    def test_refuses_file_urls_without_an_absolute_path(self, url: str) -> None:
        with pytest.raises(StorageConfigError) as raised:
            parse_blob_url(url)
        assert raised.value.url == url

    def test_reads_an_s3_url_with_endpoint_and_secure_flag(self) -> None:
        assert parse_blob_url(
            "s3://intake-blobs?endpoint=127.0.0.1:9000&secure=false"
        ) == S3BlobUrl(bucket="intake-blobs", endpoint="127.0.0.1:9000", secure=False)

    def test_defaults_to_a_secure_aws_endpoint(self) -> None:
        location = parse_blob_url("s3://intake-blobs")
        assert location == S3BlobUrl(bucket="intake-blobs", endpoint="s3.amazonaws.com")

    def test_reads_a_region(self) -> None:
        location = parse_blob_url("s3://intake-blobs/?endpoint=minio:9000&region=cn-east-1")
        assert isinstance(location, S3BlobUrl)
        assert (location.endpoint, location.region, location.secure) == (
            "minio:9000",
            "cn-east-1",
            True,
        )

    @pytest.mark.parametrize(
        ("url", "reason"),
        [
            ("http://bucket", "file:// or s3://"),
            ("", "file:// or s3://"),
            ("s3://Intake_Blobs?endpoint=h:1", "bucket name"),
            ("s3://ab?endpoint=h:1", "bucket name"),
            ("s3://bucket/some/prefix?endpoint=h:1", "no path"),
            ("s3://bucket?endpoint=h:1&secure=maybe", "secure must be"),
            ("s3://bucket?endpoint=http://h:1", "no scheme"),
            ("s3://bucket?endpint=h:1", "unknown S3 URL parameter"),
            ("s3://bucket?endpoint=a:1&endpoint=b:2", "repeated"),
        ],
    )
    def test_refuses_malformed_urls_with_a_reason(self, url: str, reason: str) -> None:
        with pytest.raises(StorageConfigError, match=reason):
            parse_blob_url(url)

    def test_refuses_keys_in_the_url_without_echoing_them(self) -> None:
        with pytest.raises(StorageConfigError) as raised:
            parse_blob_url("s3://key:secret@bucket?endpoint=h:1")
        assert "secret" not in str(raised.value)
        assert "INTAKE_S3_ACCESS_KEY" in raised.value.reason


class TestOpenBlobStore:
    def test_opens_a_local_store(self, tmp_path: Path) -> None:
        store = open_blob_store(f"file://{tmp_path}/blobs", keyring=Keyring.generated())
        assert isinstance(store, LocalBlobStore)
        assert store.root == tmp_path / "blobs"

    def test_opens_a_minio_store_without_contacting_it(self) -> None:
        store = open_blob_store(
            "s3://intake-blobs?endpoint=127.0.0.1:1&secure=false",
            keyring=Keyring.generated(),
            access_key="k",
            secret_key="s",  # noqa: S106 - not a real secret
        )
        assert isinstance(store, MinioBlobStore)
        assert store.bucket == "intake-blobs"
