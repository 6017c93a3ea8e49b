from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings
from api.tasks.celery import CeleryTaskDispatcher
from api.tasks.local import LocalTaskDispatcher
from api.wiring import SystemClock, build_services, open_blobs
from storage.blobs import LocalBlobStore, MinioBlobStore
from storage.blobs.envelope import envelope_kid
from storage.crypto import Keyring, load_key_file
from storage.errors import BlobKeyUnavailableError, SchemaNotCurrentError
from tests.fakes import FakeReader


@pytest.mark.parametrize(
    ("queue_url", "dispatcher"),
    [
        ("local://", LocalTaskDispatcher),
        ("redis://127.0.0.1:6379/0", CeleryTaskDispatcher),
        ("amqp://guest:guest@127.0.0.1:5672//", CeleryTaskDispatcher),
    ],
)
def test_queue_url_selects_the_dispatcher(
    tmp_path: Path, queue_url: str, dispatcher: type[object]
) -> None:
    services = build_services(
        Settings(data_dir=tmp_path, queue_url=queue_url), reader=FakeReader(), migrate_embedded=True
    )
    try:
        assert isinstance(services.dispatcher, dispatcher)
    finally:
        services.close()


def test_system_clock_is_utc_and_dates_in_china() -> None:
    clock = SystemClock()
    now = clock.now()
    offset = now.utcoffset()
    assert offset is not None
    assert offset.total_seconds() == 0
    assert abs((clock.today() - now.date()).days) <= 1


def test_a_command_never_creates_the_embedded_database(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    with pytest.raises(SchemaNotCurrentError, match="intake db upgrade"):
        build_services(Settings(data_dir=data_dir), reader=FakeReader())
    assert not data_dir.exists()


def test_the_blob_store_encrypts_with_the_configured_keys(tmp_path: Path) -> None:
    services = build_services(
        Settings(data_dir=tmp_path), reader=FakeReader(), migrate_embedded=True
    )
    try:
        key = services.blobs.put(b"an upload")
    finally:
        services.close()
    configured = load_key_file(tmp_path / "keys.json", create=False)
    assert services.keyring.data_keys_string() == configured.data_keys_string()
    path = tmp_path / "blobs" / key[:2] / key[2:4] / key
    assert envelope_kid(path.read_bytes()) == configured.active
    assert LocalBlobStore(tmp_path / "blobs", keyring=configured).get(key) == b"an upload"
    with pytest.raises(BlobKeyUnavailableError):
        LocalBlobStore(tmp_path / "blobs", keyring=Keyring.generated("other")).get(key)


def test_an_s3_store_gets_the_kms_key_id(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        blob_url="s3://intake-blobs?endpoint=127.0.0.1:1&secure=false",
        s3_kms_key_id="intake-blob-key",
    )
    store = open_blobs(settings, Keyring.generated())
    assert isinstance(store, MinioBlobStore)
    assert store.encryption == "SSE-KMS intake-blob-key"
