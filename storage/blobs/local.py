"""A content-addressed blob store in a local directory."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import structlog

from storage.blobs.keys import is_blob_key, key_of, sharded_parts
from storage.errors import (
    BlobChecksumMismatchError,
    BlobNotFoundError,
    StorageUnavailableError,
)

log = structlog.get_logger(__name__)

_TEMP_PREFIX = ".tmp-"


class LocalBlobStore:
    """Blobs as files under ``root``, named by their SHA-256 in ``ab/cd/abcd...`` folders.

    A blob is written to a temporary file in its final folder, flushed to disk,
    renamed into place and the folder synced, so a crash leaves either the
    whole blob or none of it (at worst a stray ``.tmp-*`` file, which
    :meth:`keys` ignores).
    """

    def __init__(self, root: Path) -> None:
        """Open (and create if needed) the store at ``root``.

        Args:
            root: the directory holding the blobs.

        Raises:
            StorageUnavailableError: the directory cannot be created.
        """
        self._root = root
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
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._write_atomically(path, data)
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
        """Return the blob, verifying its checksum.

        Raises:
            BlobNotFoundError: no blob under that key.
            BlobChecksumMismatchError: the stored bytes do not hash to the key.
            InvalidBlobKeyError: the key is not a SHA-256.
        """
        path = self.path_of(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError as e:
            raise BlobNotFoundError(sha256) from e
        except OSError as e:
            raise StorageUnavailableError(backend="local", reason=str(e)) from e
        actual = key_of(data)
        if actual != sha256:
            raise BlobChecksumMismatchError(sha256, actual=actual)
        return data

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def delete(self, sha256: str) -> None:
        """Remove the blob; removing a missing blob is a no-op."""
        path = self.path_of(sha256)
        try:
            path.unlink(missing_ok=True)
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
