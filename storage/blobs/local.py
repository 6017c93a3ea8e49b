"""A content-addressed blob store in a local directory, encrypted at rest."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import structlog

from storage.blobs.envelope import (
    HEADER_MAX,
    envelope_kid,
    is_envelope,
    open_envelope,
    rewrap_envelope,
    seal_envelope,
)
from storage.blobs.keys import is_blob_key, key_of, sharded_parts
from storage.blobs.rotation import DAMAGED, PLAINTEXT, ResealOutcome, ResealReport, tally
from storage.crypto import Keyring
from storage.errors import (
    BlobChecksumMismatchError,
    BlobNotFoundError,
    StorageUnavailableError,
)

log = structlog.get_logger(__name__)

_TEMP_PREFIX = ".tmp-"


class LocalBlobStore:
    """Blobs as files under ``root``, named by their SHA-256 in ``ab/cd/abcd...`` folders.

    Each file is an envelope (:mod:`storage.blobs.envelope`): the content
    encrypted under its own data key, wrapped by the keyring's active key.
    Files written before encryption (plain content, no envelope magic) are
    still read; :meth:`reseal` encrypts them.

    A blob is written to a temporary file in its final folder, flushed to disk,
    renamed into place and the folder synced, so a crash leaves either the
    whole blob or none of it (at worst a stray ``.tmp-*`` file, which
    :meth:`keys` ignores).
    """

    def __init__(self, root: Path, *, keyring: Keyring) -> None:
        """Open (and create if needed) the store at ``root``.

        Args:
            root: the directory holding the blobs.
            keyring: the keys; the active one wraps new blobs' data keys, the
                others open blobs written before a rotation.

        Raises:
            StorageUnavailableError: the directory cannot be created.
        """
        self._root = root
        self._keyring = keyring
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StorageUnavailableError(backend="local", reason=str(e)) from e

    @property
    def root(self) -> Path:
        return self._root

    def path_of(self, sha256: str) -> Path:
        """The file a blob lives in (whether or not it exists)."""
        first, second, name = sharded_parts(sha256)
        return self._root / first / second / name

    def put(self, data: bytes, *, content_type: str = "application/octet-stream") -> str:
        """Store ``data`` durably and return its SHA-256; storing it again is a no-op.

        Args:
            data: the blob's bytes.
            content_type: ignored; files carry no metadata here.

        Returns:
            The blob key.

        Raises:
            StorageUnavailableError: the file could not be written.
        """
        key = key_of(data)
        path = self.path_of(key)
        if path.is_file():
            return key
        envelope = seal_envelope(data, sha256=key, keyring=self._keyring)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._write_atomically(path, envelope)
        except OSError as e:
            raise StorageUnavailableError(backend="local", reason=str(e)) from e
        log.debug("storage.blob.stored", sha256=key, size=len(data), backend="local")
        return key

    @staticmethod
    def _write_atomically(path: Path, data: bytes) -> None:
        fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=path.parent)
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            temp.replace(path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _fsync_directory(path.parent)

    def get(self, sha256: str) -> bytes:
        """Return the blob, decrypted, verifying its integrity.

        An envelope's tags bind the content to its SHA-256 (its associated
        data), so it is not hashed again; a plaintext file is.

        Raises:
            BlobNotFoundError: no blob under that key.
            BlobChecksumMismatchError: the stored bytes do not hash to the key, or
                the envelope fails its integrity check (altered, or another blob's).
            BlobKeyUnavailableError: the blob's key is not in the keyring.
            InvalidBlobKeyError: the key is not a SHA-256.
        """
        stored = self._read(self.path_of(sha256), sha256)
        # Uploads are stored only after their type is detected from their bytes
        # (JPEG, PNG, PDF), so no plaintext blob starts with the envelope's magic.
        if is_envelope(stored):
            return open_envelope(stored, sha256=sha256, keyring=self._keyring)
        actual = key_of(stored)
        if actual != sha256:
            raise BlobChecksumMismatchError(sha256, actual=actual)
        return stored

    @staticmethod
    def _read(path: Path, sha256: str, *, limit: int = -1) -> bytes:
        try:
            with path.open("rb") as stored:
                return stored.read(limit)
        except FileNotFoundError as e:
            raise BlobNotFoundError(sha256) from e
        except OSError as e:
            raise StorageUnavailableError(backend="local", reason=str(e)) from e

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def delete(self, sha256: str) -> None:
        """Remove the blob; removing a missing blob is a no-op."""
        path = self.path_of(sha256)
        try:
            with _locked(path):
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            return
        except OSError as e:
            raise StorageUnavailableError(backend="local", reason=str(e)) from e

    def keys(self) -> Iterator[str]:
        """Every stored key, in no particular order (temporary files are skipped)."""
        for first in _subdirectories(self._root):
            for second in _subdirectories(first):
                for entry in second.iterdir():
                    if is_blob_key(entry.name) and entry.is_file():
                        yield entry.name

    def is_ready(self) -> bool:
        """Whether the root is a directory this process can write to."""
        return self._root.is_dir() and os.access(self._root, os.W_OK | os.X_OK)

    def key_usage(self) -> Counter[str]:
        """How many blobs each key id wraps; :data:`PLAINTEXT` counts unencrypted ones.

        Only each file's header is read.
        """
        usage: Counter[str] = Counter()
        for key in self.keys():
            try:
                head = self._read(self.path_of(key), key, limit=HEADER_MAX)
            except BlobNotFoundError:
                continue  # deleted while we listed
            if not is_envelope(head):
                usage[PLAINTEXT] += 1
                continue
            try:
                usage[envelope_kid(head, sha256=key)] += 1
            except BlobChecksumMismatchError:
                usage[DAMAGED] += 1
        return usage

    def reseal(self) -> ResealReport:
        """Wrap every blob's data key with the active key, and encrypt plaintext blobs.

        Each blob is replaced atomically, one at a time, so the work can stop
        anywhere and run again: blobs already under the active key are skipped.
        A blob deleted meanwhile (each file is locked against :meth:`delete`
        while it is resealed) is not brought back. Corrupt blobs are left as
        they are and listed in the report.

        Raises:
            BlobKeyUnavailableError: a blob's key is not in the keyring.
            StorageUnavailableError: a file could not be read or written.
        """
        report = tally((key, self._reseal_one(key)) for key in self.keys())
        log.info(
            "storage.blobs.resealed",
            active=self._keyring.active,
            rewrapped=report.rewrapped,
            encrypted=report.encrypted,
            current=report.current,
            damaged=len(report.damaged),
        )
        return report

    def _reseal_one(self, key: str) -> ResealOutcome:
        outcome = self._reseal_file(key)
        if outcome is ResealOutcome.DAMAGED:
            log.warning("storage.blob.reseal_damaged", sha256=key, backend="local")
        return outcome

    def _reseal_file(self, key: str) -> ResealOutcome:
        path = self.path_of(key)
        try:
            # Locked against delete(): a blob removed meanwhile (purge, gc)
            # must not come back when the resealed file is renamed into place.
            with _locked(path) as stored:
                head = stored.read(HEADER_MAX)
                if is_envelope(head) and envelope_kid(head, sha256=key) == self._keyring.active:
                    return ResealOutcome.CURRENT
                resealed, outcome = self._resealed(head + stored.read(), key)
                if os.fstat(stored.fileno()).st_nlink == 0:
                    return ResealOutcome.GONE
                if resealed is not None:
                    self._write_atomically(path, resealed)
                return outcome
        except FileNotFoundError:
            return ResealOutcome.GONE
        except BlobChecksumMismatchError:
            return ResealOutcome.DAMAGED
        except OSError as e:
            raise StorageUnavailableError(backend="local", reason=str(e)) from e

    def _resealed(self, stored: bytes, key: str) -> tuple[bytes | None, ResealOutcome]:
        if is_envelope(stored):
            rewrapped = rewrap_envelope(stored, sha256=key, keyring=self._keyring)
            return rewrapped, ResealOutcome.REWRAPPED
        if key_of(stored) != key:
            return None, ResealOutcome.DAMAGED  # left as found, for the operator to inspect
        sealed = seal_envelope(stored, sha256=key, keyring=self._keyring)
        return sealed, ResealOutcome.ENCRYPTED


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[BinaryIO]:
    """The blob file, open for reading under an exclusive advisory lock."""
    with path.open("rb") as stored:
        fcntl.flock(stored.fileno(), fcntl.LOCK_EX)
        yield stored


def _subdirectories(folder: Path) -> Iterator[Path]:
    for entry in folder.iterdir():
        if len(entry.name) == 2 and entry.is_dir():
            yield entry


def _fsync_directory(folder: Path) -> None:
    # Syncing the folder makes the rename itself durable. Not every platform
    # lets a directory be opened for this; the data file is already synced.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
