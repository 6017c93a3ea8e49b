"""Blob keys: the SHA-256 of the content in lowercase hex, and its sharded path."""

from __future__ import annotations

import hashlib
import re

from storage.errors import InvalidBlobKeyError

_KEY = re.compile(r"[0-9a-f]{64}")


def checked_key(sha256: str) -> str:
    """Return ``sha256`` if it is a well-formed blob key.

    Keys end up in file paths and object names, so anything else is refused
    before it gets near either.

    Raises:
        InvalidBlobKeyError: not 64 lowercase hexadecimal characters.
    """
    if not _KEY.fullmatch(sha256):
        raise InvalidBlobKeyError(sha256)
    return sha256


def is_blob_key(name: str) -> bool:
    """Whether ``name`` is a well-formed blob key."""
    return _KEY.fullmatch(name) is not None


def key_of(data: bytes) -> str:
    """The blob key of ``data``: its SHA-256 in lowercase hex."""
    return hashlib.sha256(data).hexdigest()


def sharded_parts(sha256: str) -> tuple[str, str, str]:
    """Split a key into two shard folders and the name: ``("ab", "cd", "abcd...")``."""
    key = checked_key(sha256)
    return key[:2], key[2:4], key
