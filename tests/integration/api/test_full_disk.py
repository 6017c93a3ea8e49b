"""A full disk under the local blob store: a clean 503, nothing half-written, no row.

The blob directory is a real tmpfs of 1 MiB, mounted by the test (root, as
here and in CI), so the kernel itself answers ``ENOSPC``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.blobs.local import LocalBlobStore
from storage.crypto import Keyring
from storage.errors import StorageUnavailableError
from tests.factories import jpeg_bytes
from tests.integration.api.conftest import Api

pytestmark = pytest.mark.integration


def _mount_small_disk(path: Path, size: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(  # fixed arguments
        ["/bin/mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        message = f"cannot mount a small tmpfs: {done.stderr.strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def _unmount(path: Path) -> None:
    subprocess.run(["/bin/umount", str(path)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    _mount_small_disk(disk, "1m")
    try:
        yield disk
    finally:
        _unmount(disk)


def test_the_store_refuses_cleanly_and_leaves_no_partial_file(small_disk: Path) -> None:
    store = LocalBlobStore(small_disk, keyring=Keyring.generated())
    kept = store.put(b"small blob")
    with pytest.raises(StorageUnavailableError, match="No space left"):
        store.put(os.urandom(2 * 1024 * 1024))
    files = [p for p in small_disk.rglob("*") if p.is_file()]
    assert [p.name for p in files] == [kept]  # no temp file, no half blob
    assert store.get(kept) == b"small blob"


def test_a_reseal_on_a_full_disk_keeps_every_blob_whole(small_disk: Path) -> None:
    keyring = Keyring.generated("k1")
    big = os.urandom(600 * 1024)
    key = LocalBlobStore(small_disk, keyring=keyring).put(big)
    rotated = LocalBlobStore(small_disk, keyring=keyring.with_new_key("k2"))
    with pytest.raises(StorageUnavailableError, match="No space left"):
        rotated.reseal()  # the re-wrapped copy does not fit beside the original
    assert [p.name for p in small_disk.rglob("*") if p.is_file()] == [key]
    assert rotated.key_usage() == {"k1": 1}
    assert rotated.get(key) == big


async def test_an_upload_onto_a_full_disk_is_503_and_stores_nothing(api: Api) -> None:
    filing_id = await api.create_filing()
    blob_dir = api.settings.data_dir / "blobs"
    _mount_small_disk(blob_dir, "64k")
    try:
        response = await api.upload(filing_id, jpeg_bytes())
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "storage.unavailable"
        assert api.document_rows() == 0
        assert [p for p in blob_dir.rglob("*") if p.is_file()] == []
    finally:
        _unmount(blob_dir)
