"""Contract suite of the blob stores: a local directory and MinIO's client against moto."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from minio import Minio

from intake.ports import BlobStore
from storage.blobs import (
    LocalBlobStore,
    MinioBlobStore,
    S3BlobUrl,
    open_blob_store,
    open_minio_blob_store,
)
from storage.blobs.envelope import MAGIC
from storage.blobs.keys import key_of
from storage.blobs.rotation import PLAINTEXT
from storage.crypto import Keyring
from storage.errors import (
    BlobChecksumMismatchError,
    BlobNotFoundError,
    InvalidBlobKeyError,
    StorageUnavailableError,
)
from tests.integration.conftest import require_local

pytestmark = pytest.mark.integration

BUCKET_PREFIX = "testing-"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"  # noqa: S105 - moto accepts any key


def _s3_store(endpoint: str, bucket: str, *, kms_key_id: str | None = None) -> MinioBlobStore:
    require_local(endpoint)
    if not bucket.startswith(BUCKET_PREFIX):
        pytest.fail(f"test buckets must start with {BUCKET_PREFIX!r}")
    location = S3BlobUrl(bucket=bucket, endpoint=endpoint, secure=False, region="us-east-1")
    return open_minio_blob_store(
        location, access_key=ACCESS_KEY, secret_key=SECRET_KEY, kms_key_id=kms_key_id
    )


def _client(store: MinioBlobStore) -> Minio:
    return store._client  # the test reaches past the adapter to tamper with objects


def _drop_bucket(store: MinioBlobStore) -> None:
    client = _client(store)
    if not client.bucket_exists(store.bucket):
        return
    for obj in client.list_objects(store.bucket, recursive=True):
        client.remove_object(store.bucket, obj.object_name)
    client.remove_bucket(store.bucket)


@pytest.fixture
def s3_store(s3_server: str) -> Iterator[MinioBlobStore]:
    """A store on its own, not yet existing, bucket; removed after the test."""
    store = _s3_store(s3_server, f"{BUCKET_PREFIX}{uuid4().hex[:20]}")
    yield store
    _drop_bucket(store)


@pytest.fixture(params=["local", "minio"])
def blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs", keyring=Keyring.generated())
    store: MinioBlobStore = request.getfixturevalue("s3_store")
    return store


class TestBlobStoreContract:
    def test_stores_and_returns_bytes_by_their_sha256(self, blob_store: BlobStore) -> None:
        data = b"\xff\xd8\xff\xe0 a photo of a residence permit"
        key = blob_store.put(data, content_type="image/jpeg")
        assert key == key_of(data)
        assert blob_store.get(key) == data
        assert blob_store.exists(key)

    def test_storing_again_is_a_no_op(self, blob_store: BlobStore) -> None:
        first = blob_store.put(b"same bytes")
        second = blob_store.put(b"same bytes")
        assert first == second
        assert list(blob_store.keys()) == [first]

    def test_lists_every_key(self, blob_store: BlobStore) -> None:
        assert list(blob_store.keys()) == []
        keys = {blob_store.put(f"blob {i}".encode()) for i in range(5)}
        assert set(blob_store.keys()) == keys

    def test_stores_an_empty_blob(self, blob_store: BlobStore) -> None:
        key = blob_store.put(b"")
        assert blob_store.get(key) == b""

    def test_deletes_and_then_reports_missing(self, blob_store: BlobStore) -> None:
        kept = blob_store.put(b"kept")
        gone = blob_store.put(b"gone")
        blob_store.delete(gone)
        assert not blob_store.exists(gone)
        assert set(blob_store.keys()) == {kept}
        with pytest.raises(BlobNotFoundError) as raised:
            blob_store.get(gone)
        assert raised.value.sha256 == gone

    def test_deleting_a_missing_blob_is_a_no_op(self, blob_store: BlobStore) -> None:
        blob_store.put(b"something, so the bucket exists")
        blob_store.delete(key_of(b"never stored"))
        assert not blob_store.exists(key_of(b"never stored"))

    def test_raises_not_found_for_a_missing_blob(self, blob_store: BlobStore) -> None:
        blob_store.put(b"something, so the bucket exists")
        missing = key_of(b"never stored")
        assert not blob_store.exists(missing)
        with pytest.raises(BlobNotFoundError):
            blob_store.get(missing)

    @pytest.mark.parametrize("key", ["../../etc/passwd", "ABC", "A" * 64, "g" * 64, ""])
    def test_refuses_keys_that_are_not_sha256(self, blob_store: BlobStore, key: str) -> None:
        with pytest.raises(InvalidBlobKeyError):
            blob_store.get(key)

    def test_is_ready(self, blob_store: BlobStore) -> None:
        assert blob_store.is_ready()


class TestLocalBlobStore:
    def test_shards_files_by_the_first_four_hex_digits(self, tmp_path: Path) -> None:
        store = LocalBlobStore(tmp_path, keyring=Keyring.generated())
        key = store.put(b"page image")
        assert (tmp_path / key[:2] / key[2:4] / key).read_bytes().startswith(MAGIC)
        assert [p.name for p in (tmp_path / key[:2] / key[2:4]).iterdir()] == [key]

    def test_detects_a_corrupted_file(self, tmp_path: Path) -> None:
        store = LocalBlobStore(tmp_path, keyring=Keyring.generated())
        key = store.put(b"original bytes")
        store.path_of(key).write_bytes(b"altered bytes")
        with pytest.raises(BlobChecksumMismatchError) as raised:
            store.get(key)
        assert raised.value.sha256 == key
        assert raised.value.actual == key_of(b"altered bytes")

    def test_ignores_leftover_temporary_files(self, tmp_path: Path) -> None:
        store = LocalBlobStore(tmp_path, keyring=Keyring.generated())
        key = store.put(b"complete")
        (store.path_of(key).parent / ".tmp-interrupted").write_bytes(b"half")
        assert list(store.keys()) == [key]

    def test_creates_its_root(self, tmp_path: Path) -> None:
        store = LocalBlobStore(tmp_path / "a" / "b", keyring=Keyring.generated())
        assert store.is_ready()
        assert (tmp_path / "a" / "b").is_dir()


class TestMinioBlobStore:
    def test_creates_the_bucket_on_first_write(self, s3_store: MinioBlobStore) -> None:
        client = _client(s3_store)
        assert not client.bucket_exists(s3_store.bucket)
        assert list(s3_store.keys()) == []
        assert not s3_store.exists(key_of(b"x"))
        key = s3_store.put(b"first upload")
        assert client.bucket_exists(s3_store.bucket)
        assert s3_store.get(key) == b"first upload"

    def test_names_objects_by_hash_with_checksum_metadata(self, s3_store: MinioBlobStore) -> None:
        key = s3_store.put(b"scan", content_type="application/pdf")
        stat = _client(s3_store).stat_object(s3_store.bucket, f"sha256/{key[:2]}/{key[2:4]}/{key}")
        assert stat.content_type == "application/pdf"
        assert stat.metadata is not None
        assert stat.metadata["x-amz-meta-sha256"] == key

    def test_detects_an_object_altered_behind_its_back(self, s3_store: MinioBlobStore) -> None:
        key = s3_store.put(b"original bytes")
        tampered = b"altered bytes"
        _client(s3_store).put_object(
            s3_store.bucket, MinioBlobStore.object_name(key), io.BytesIO(tampered), len(tampered)
        )
        with pytest.raises(BlobChecksumMismatchError) as raised:
            s3_store.get(key)
        assert raised.value.actual == key_of(tampered)

    def test_missing_bucket_means_missing_blob(self, s3_store: MinioBlobStore) -> None:
        with pytest.raises(BlobNotFoundError):
            s3_store.get(key_of(b"anything"))

    def test_opens_from_an_s3_url(self, s3_server: str) -> None:
        bucket = f"{BUCKET_PREFIX}{uuid4().hex[:20]}"
        store = open_blob_store(
            f"s3://{bucket}?endpoint={s3_server}&secure=false&region=us-east-1",
            keyring=Keyring.generated(),
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            kms_key_id="intake-blobs",
        )
        assert isinstance(store, MinioBlobStore)
        try:
            key = store.put(b"via url")
            assert store.get(key) == b"via url"
            stat = _client(store).stat_object(store.bucket, MinioBlobStore.object_name(key))
            assert stat.metadata is not None
            assert stat.metadata["x-amz-server-side-encryption"] == "aws:kms"
        finally:
            _drop_bucket(store)

    def test_every_object_is_stored_with_sse_s3_by_default(self, s3_store: MinioBlobStore) -> None:
        key = s3_store.put(b"a residence permit")
        stat = _client(s3_store).stat_object(s3_store.bucket, MinioBlobStore.object_name(key))
        assert stat.metadata is not None
        assert stat.metadata["x-amz-server-side-encryption"] == "AES256"
        assert "x-amz-server-side-encryption-aws-kms-key-id" not in stat.metadata
        assert s3_store.encryption == "SSE-S3"

    def test_a_kms_key_id_asks_for_sse_kms_under_that_key(self, s3_server: str) -> None:
        store = _s3_store(s3_server, f"{BUCKET_PREFIX}{uuid4().hex[:20]}", kms_key_id="blob-key-1")
        try:
            key = store.put(b"a hospital invoice")
            stat = _client(store).stat_object(store.bucket, MinioBlobStore.object_name(key))
            assert stat.metadata is not None
            assert stat.metadata["x-amz-server-side-encryption"] == "aws:kms"
            assert stat.metadata["x-amz-server-side-encryption-aws-kms-key-id"] == "blob-key-1"
            assert store.get(key) == b"a hospital invoice"
            assert store.encryption == "SSE-KMS blob-key-1"
        finally:
            _drop_bucket(store)

    def test_reseal_encrypts_objects_stored_in_the_clear(self, s3_store: MinioBlobStore) -> None:
        encrypted = s3_store.put(b"stored with SSE")
        legacy = key_of(b"stored before SSE")
        _client(s3_store).put_object(
            s3_store.bucket,
            MinioBlobStore.object_name(legacy),
            io.BytesIO(b"stored before SSE"),
            len(b"stored before SSE"),
            metadata={"sha256": legacy},
        )
        assert s3_store.key_usage() == {"SSE-S3": 1, PLAINTEXT: 1}

        report = s3_store.reseal()

        assert (report.encrypted, report.rewrapped, report.current) == (1, 0, 1)
        assert s3_store.key_usage() == {"SSE-S3": 2}
        stat = _client(s3_store).stat_object(s3_store.bucket, MinioBlobStore.object_name(legacy))
        assert stat.metadata is not None
        assert stat.metadata["x-amz-meta-sha256"] == legacy
        assert s3_store.get(legacy) == b"stored before SSE"
        assert s3_store.get(encrypted) == b"stored with SSE"
        assert s3_store.reseal().changed == 0

    def test_reseal_moves_objects_to_a_new_kms_key(self, s3_server: str) -> None:
        bucket = f"{BUCKET_PREFIX}{uuid4().hex[:20]}"
        old = _s3_store(s3_server, bucket, kms_key_id="blob-key-1")
        new = _s3_store(s3_server, bucket, kms_key_id="blob-key-2")
        try:
            keys = [old.put(f"page {n}".encode()) for n in range(2)]
            assert new.key_usage() == {"SSE-KMS blob-key-1": 2}
            report = new.reseal()
            assert (report.rewrapped, report.encrypted) == (2, 0)
            assert new.key_usage() == {"SSE-KMS blob-key-2": 2}
            assert [new.get(k) for k in keys] == [b"page 0", b"page 1"]
        finally:
            _drop_bucket(new)

    def test_reports_an_unreachable_server(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        store = _s3_store(f"127.0.0.1:{port}", f"{BUCKET_PREFIX}unreachable")
        assert not store.is_ready()
        with pytest.raises(StorageUnavailableError):
            store.put(b"nowhere to go")
