"""The local blob store encrypted at rest: envelopes on disk, legacy files, rotation."""

from __future__ import annotations

import fcntl
import shutil
import threading
from pathlib import Path

import pytest

from storage.blobs import LocalBlobStore, ResealReport
from storage.blobs.envelope import MAGIC, envelope_kid
from storage.blobs.keys import key_of
from storage.blobs.rotation import DAMAGED, PLAINTEXT
from storage.crypto import Keyring
from storage.errors import BlobChecksumMismatchError, BlobKeyUnavailableError

pytestmark = pytest.mark.integration

ID_NUMBER = b"110101199003070011"
PHOTO = b"\xff\xd8\xff\xe0 residence permit of test person " + ID_NUMBER


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.generated("k1")


@pytest.fixture
def store(tmp_path: Path, keyring: Keyring) -> LocalBlobStore:
    return LocalBlobStore(tmp_path, keyring=keyring)


def _wait_until_a_lock_waits_on(path: Path) -> None:
    """Until someone is blocked on a lock of ``path`` (``/proc/locks`` shows waiters as ``->``)."""
    inode = f":{path.stat().st_ino} "
    done = threading.Event()
    for _ in range(1000):
        lines = Path("/proc/locks").read_text().splitlines()
        if any("->" in line and inode in line for line in lines):
            return
        done.wait(0.01)
    pytest.fail(f"nothing waited for the lock on {path}")


def _write_plaintext(store: LocalBlobStore, data: bytes) -> str:
    """A blob as the store wrote it before encryption: the bare content."""
    key = key_of(data)
    path = store.path_of(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return key


class TestEncryptedFiles:
    def test_round_trip(self, store: LocalBlobStore) -> None:
        key = store.put(PHOTO, content_type="image/jpeg")
        assert key == key_of(PHOTO)
        assert store.get(key) == PHOTO

    def test_the_file_on_disk_holds_no_plaintext(self, store: LocalBlobStore) -> None:
        key = store.put(PHOTO)
        on_disk = store.path_of(key).read_bytes()
        assert on_disk.startswith(MAGIC)
        assert ID_NUMBER not in on_disk
        assert b"residence permit" not in on_disk
        assert envelope_kid(on_disk) == "k1"

    def test_a_tampered_file_is_refused(self, store: LocalBlobStore) -> None:
        key = store.put(PHOTO)
        path = store.path_of(key)
        data = bytearray(path.read_bytes())
        data[-5] ^= 0x40
        path.write_bytes(bytes(data))
        with pytest.raises(BlobChecksumMismatchError) as raised:
            store.get(key)
        assert raised.value.sha256 == key

    def test_a_file_swapped_under_another_name_is_refused(self, store: LocalBlobStore) -> None:
        key = store.put(PHOTO)
        other = store.put(b"another page")
        shutil.copyfile(store.path_of(other), store.path_of(key))
        with pytest.raises(BlobChecksumMismatchError):
            store.get(key)

    def test_a_store_without_the_key_says_which_key_it_needs(
        self, store: LocalBlobStore, tmp_path: Path
    ) -> None:
        key = store.put(PHOTO)
        stranger = LocalBlobStore(tmp_path, keyring=Keyring.generated("k7"))
        with pytest.raises(BlobKeyUnavailableError, match="'k1'") as raised:
            stranger.get(key)
        assert raised.value.kid == "k1"

    def test_a_different_key_under_the_same_id_fails_its_check(
        self, store: LocalBlobStore, tmp_path: Path
    ) -> None:
        key = store.put(PHOTO)
        impostor = LocalBlobStore(tmp_path, keyring=Keyring.generated("k1"))
        with pytest.raises(BlobChecksumMismatchError, match="integrity check"):
            impostor.get(key)


class TestLegacyPlaintext:
    def test_a_file_written_before_encryption_is_still_read(self, store: LocalBlobStore) -> None:
        key = _write_plaintext(store, PHOTO)
        assert store.get(key) == PHOTO
        assert store.key_usage() == {PLAINTEXT: 1}

    def test_an_altered_plaintext_file_is_still_detected(self, store: LocalBlobStore) -> None:
        key = _write_plaintext(store, PHOTO)
        store.path_of(key).write_bytes(b"altered")
        with pytest.raises(BlobChecksumMismatchError) as raised:
            store.get(key)
        assert raised.value.actual == key_of(b"altered")

    def test_reseal_encrypts_it(self, store: LocalBlobStore) -> None:
        key = _write_plaintext(store, PHOTO)
        report = store.reseal()
        assert (report.encrypted, report.rewrapped, report.current) == (1, 0, 0)
        on_disk = store.path_of(key).read_bytes()
        assert ID_NUMBER not in on_disk
        assert store.get(key) == PHOTO
        assert store.key_usage() == {"k1": 1}


class TestReseal:
    def test_rotation_rewraps_every_blob_under_the_new_key(
        self, store: LocalBlobStore, tmp_path: Path, keyring: Keyring
    ) -> None:
        keys = [store.put(f"page {n} ".encode() + ID_NUMBER) for n in range(3)]
        rotated = keyring.with_new_key("k2")
        after = LocalBlobStore(tmp_path, keyring=rotated)
        assert after.key_usage() == {"k1": 3}

        report = after.reseal()

        assert (report.rewrapped, report.encrypted, report.changed) == (3, 0, 3)
        assert after.key_usage() == {"k2": 3}
        only_new = LocalBlobStore(tmp_path, keyring=rotated.without_keys_except_active(in_use=()))
        assert [only_new.get(k) for k in keys] == [
            f"page {n} ".encode() + ID_NUMBER for n in range(3)
        ]
        with pytest.raises(BlobKeyUnavailableError):
            store.get(keys[0])  # the old keyring alone no longer opens them

    def test_runs_again_after_an_interruption(
        self, store: LocalBlobStore, tmp_path: Path, keyring: Keyring
    ) -> None:
        """An interrupted run leaves some blobs under each key; each file is whole."""
        old = [store.put(f"old {n}".encode()) for n in range(2)]
        rotated = keyring.with_new_key("k2")
        after = LocalBlobStore(tmp_path, keyring=rotated)
        new = after.put(b"written after the rotation")
        plain = _write_plaintext(after, b"written before encryption")

        first = after.reseal()
        second = after.reseal()

        assert (first.rewrapped, first.encrypted, first.current) == (2, 1, 1)
        assert (second.changed, second.current) == (0, 4)
        assert [after.get(k) for k in (*old, new, plain)] == [
            b"old 0",
            b"old 1",
            b"written after the rotation",
            b"written before encryption",
        ]
        assert [p.name for p in tmp_path.rglob(".tmp-*")] == []

    def test_leaves_damaged_blobs_and_reports_them(
        self, store: LocalBlobStore, tmp_path: Path, keyring: Keyring
    ) -> None:
        good = store.put(b"good")
        bad = store.put(b"bad")
        path = store.path_of(bad)
        raw = bytearray(path.read_bytes())
        raw[len(MAGIC) + 2 + 2 + 12 + 3] ^= 0x01  # inside the wrapped data key
        path.write_bytes(bytes(raw))
        broken_header = _write_plaintext(store, b"x")
        store.path_of(broken_header).write_bytes(MAGIC + b"\x01")
        after = LocalBlobStore(tmp_path, keyring=keyring.with_new_key("k2"))

        report = after.reseal()

        assert report.rewrapped == 1
        assert report.damaged == tuple(sorted((bad, broken_header)))
        assert after.get(good) == b"good"
        assert after.key_usage() == {"k2": 1, "k1": 1, DAMAGED: 1}

    def test_a_blob_deleted_while_it_is_resealed_stays_deleted(
        self, store: LocalBlobStore, tmp_path: Path, keyring: Keyring
    ) -> None:
        key = store.put(b"purged during the rotation")
        path = store.path_of(key)
        rotated = LocalBlobStore(tmp_path, keyring=keyring.with_new_key("k2"))
        reports: list[ResealReport] = []
        worker = threading.Thread(target=lambda: reports.append(rotated.reseal()))
        with path.open("rb") as held:
            fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # as delete() holds it
            worker.start()
            _wait_until_a_lock_waits_on(path)
            path.unlink()
        worker.join()
        assert not path.exists()
        assert list(rotated.keys()) == []
        assert reports[0].changed == 0

    def test_stops_when_a_key_is_missing(self, store: LocalBlobStore, tmp_path: Path) -> None:
        store.put(b"under k1")
        with pytest.raises(BlobKeyUnavailableError):
            LocalBlobStore(tmp_path, keyring=Keyring.generated("k2")).reseal()
