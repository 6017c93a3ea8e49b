"""``intake bench blobs``: the local blob store's speed with envelope encryption.

Writes N random blobs through the encrypted store, reads them back, reads the
same content stored as plaintext files (the layout before encryption), then
times ``reseal`` encrypting those plaintext files and re-wrapping every blob
under a new key. The keys are generated for the run and the directory is
removed afterwards: no real data is touched.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from storage.blobs import LocalBlobStore
from storage.blobs.keys import key_of
from storage.crypto import Keyring

__all__ = ["benchmark_blobs"]


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _write_plaintext(store: LocalBlobStore, blobs: list[bytes]) -> list[str]:
    keys = []
    for data in blobs:
        key = key_of(data)
        path = store.path_of(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        keys.append(key)
    return keys


def benchmark_blobs(*, count: int, size_kib: int, directory: Path | None = None) -> dict[str, Any]:
    """Put/get throughput (MB/s) encrypted and plain, and reseal speed (blobs per second).

    Args:
        count: Blobs per measurement.
        size_kib: Size of each blob.
        directory: Where to create the temporary store (its disk is what is measured).
    """
    size = size_kib * 1024
    megabytes = count * size / 1e6
    keyring = Keyring.generated("k1")
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        store = LocalBlobStore(Path(tmp) / "sealed", keyring=keyring)
        sealed = [os.urandom(size) for _ in range(count)]
        keys: list[str] = []
        put_s = _timed(lambda: keys.extend(store.put(data) for data in sealed))
        get_s = _timed(lambda: [store.get(key) for key in keys])
        legacy_store = LocalBlobStore(Path(tmp) / "legacy", keyring=keyring)
        legacy = _write_plaintext(legacy_store, [os.urandom(size) for _ in range(count)])
        plain_get_s = _timed(lambda: [legacy_store.get(key) for key in legacy])
        encrypt_s = _timed(legacy_store.reseal)
        rotated = LocalBlobStore(Path(tmp) / "sealed", keyring=keyring.with_new_key("k2"))
        rewrap_s = _timed(rotated.reseal)
        on_disk = store.path_of(keys[0]).stat().st_size
    return {
        "blobs": count,
        "blob_kib": size_kib,
        "put_encrypted_mb_per_s": round(megabytes / put_s, 1),
        "get_encrypted_mb_per_s": round(megabytes / get_s, 1),
        "get_plaintext_mb_per_s": round(megabytes / plain_get_s, 1),
        "reseal_encrypt_blobs_per_s": round(count / encrypt_s, 1),
        "reseal_rewrap_blobs_per_s": round(count / rewrap_s, 1),
        "envelope_overhead_bytes": on_disk - size,
    }
