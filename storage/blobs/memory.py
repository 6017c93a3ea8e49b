"""A content-addressed blob store in memory, for one offline run (``intake verify``)."""

from __future__ import annotations

from collections.abc import Iterator

from storage.blobs.keys import checked_key, key_of
from storage.errors import BlobChecksumMismatchError, BlobNotFoundError

__all__ = ["MemoryBlobStore"]


class MemoryBlobStore:
    """Blobs in a dictionary keyed by their SHA-256; gone when the process ends."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def put(self, data: bytes, *, content_type: str = "application/octet-stream") -> str:
        """Store ``data`` and return its SHA-256; storing it again is a no-op.

        Args:
            data: The blob's bytes.
            content_type: Ignored; nothing but the bytes is kept.

        Returns:
            The blob key.
        """
        key = key_of(data)
        self._blobs.setdefault(key, data)
        return key

    def get(self, sha256: str) -> bytes:
        """Return the blob, verifying its checksum.

        Raises:
            BlobNotFoundError: No blob under that key.
            BlobChecksumMismatchError: The stored bytes do not hash to the key.
            InvalidBlobKeyError: The key is not a SHA-256.
        """
        try:
            data = self._blobs[checked_key(sha256)]
        except KeyError as e:
            raise BlobNotFoundError(sha256) from e
        actual = key_of(data)
        if actual != sha256:
            raise BlobChecksumMismatchError(sha256, actual=actual)
        return data

    def exists(self, sha256: str) -> bool:
        return sha256 in self._blobs

    def delete(self, sha256: str) -> None:
        """Remove the blob; removing a missing blob is a no-op."""
        self._blobs.pop(sha256, None)

    def keys(self) -> Iterator[str]:
        """Every stored key, in no particular order."""
        return iter(list(self._blobs))

    def is_ready(self) -> bool:
        return True
