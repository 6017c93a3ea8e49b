"""Envelope encryption of one blob: a fresh data key, wrapped by a keyring key.

Layout (all lengths in bytes)::

    magic      4   b"\\x89IKB"
    version    1   1
    kid_len    1
    kid        kid_len   id of the keyring key that wrapped the data key
    wrap_nonce 12
    wrapped    48  the 256-bit data key, AES-GCM under the keyring key
    nonce      12
    body       n+16  the content, AES-GCM under the data key

The content's associated data is the blob's SHA-256, so a file renamed or
swapped under another blob's name fails its tag. The wrap's associated data is
the header (magic, version, kid) and the SHA-256 too, so a wrapped key cannot
be lifted into another blob's envelope nor its key id edited. Rotation only
re-wraps the data key: the body is copied as it is, never decrypted.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.crypto import KEY_BYTES, Keyring, SealError
from storage.errors import BlobChecksumMismatchError, BlobKeyUnavailableError

__all__ = [
    "MAGIC",
    "VERSION",
    "envelope_kid",
    "is_envelope",
    "open_envelope",
    "rewrap_envelope",
    "seal_envelope",
]

MAGIC: Final = b"\x89IKB"
VERSION: Final = 1
_NONCE: Final = 12
_TAG: Final = 16
_WRAPPED: Final = KEY_BYTES + _TAG
_MAX_KID: Final = 255
HEADER_MAX: Final = len(MAGIC) + 2 + _MAX_KID
"""Enough leading bytes of a file to read its key id with :func:`envelope_kid`."""


@dataclass(frozen=True, slots=True)
class _Parts:
    header: bytes
    kid: str
    wrap_nonce: bytes
    wrapped: bytes
    rest: bytes
    """The content nonce and body, untouched by a re-wrap."""


def is_envelope(data: bytes) -> bool:
    """Whether ``data`` starts like an envelope (otherwise: a plaintext blob)."""
    return data.startswith(MAGIC)


def _header(kid: str) -> bytes:
    raw = kid.encode()
    return MAGIC + bytes([VERSION, len(raw)]) + raw


def _aad(header: bytes, sha256: str) -> bytes:
    return header + sha256.encode()


def _corrupt(sha256: str) -> BlobChecksumMismatchError:
    return BlobChecksumMismatchError(sha256, actual=None)


def _split_header(data: bytes, sha256: str) -> tuple[bytes, str]:
    start = len(MAGIC) + 2
    if not is_envelope(data) or len(data) < start or data[len(MAGIC)] != VERSION:
        raise _corrupt(sha256)
    end = start + data[len(MAGIC) + 1]
    kid = data[start:end]
    if len(kid) != end - start or not kid:
        raise _corrupt(sha256)
    return data[:end], kid.decode(errors="replace")


def _split(data: bytes, sha256: str) -> _Parts:
    header, kid = _split_header(data, sha256)
    at = len(header)
    wrap_nonce = data[at : at + _NONCE]
    wrapped = data[at + _NONCE : at + _NONCE + _WRAPPED]
    rest = data[at + _NONCE + _WRAPPED :]
    if len(wrapped) != _WRAPPED or len(rest) < _NONCE + _TAG:
        raise _corrupt(sha256)
    return _Parts(header, kid, wrap_nonce, wrapped, rest)


def envelope_kid(data: bytes, *, sha256: str = "") -> str:
    """The id of the key that wrapped this envelope's data key.

    Only the header is needed: ``data`` may be the first :data:`HEADER_MAX` bytes.

    Raises:
        BlobChecksumMismatchError: Not an envelope, or a damaged header.
    """
    return _split_header(data, sha256)[1]


def _wrap(keyring: Keyring, data_key: bytes, *, sha256: str) -> bytes:
    header = _header(keyring.active)
    return header + keyring.encrypt(data_key, aad=_aad(header, sha256))


def _unwrap(keyring: Keyring, parts: _Parts, *, sha256: str) -> bytes:
    if parts.kid not in keyring.keys:
        raise BlobKeyUnavailableError(sha256, kid=parts.kid)
    aad = _aad(parts.header, sha256)
    try:
        return keyring.decrypt(parts.kid, parts.wrap_nonce, parts.wrapped, aad=aad)
    except SealError:
        raise _corrupt(sha256) from None


def seal_envelope(data: bytes, *, sha256: str, keyring: Keyring) -> bytes:
    """Encrypt a blob under a fresh data key wrapped by the keyring's active key.

    Args:
        data: The blob's content.
        sha256: Its key, bound into both ciphertexts.
        keyring: The keys; the active one wraps the data key.

    Returns:
        The envelope's bytes.
    """
    data_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    nonce = secrets.token_bytes(_NONCE)
    body = AESGCM(data_key).encrypt(nonce, data, sha256.encode())
    return _wrap(keyring, data_key, sha256=sha256) + nonce + body


def open_envelope(envelope: bytes, *, sha256: str, keyring: Keyring) -> bytes:
    """Decrypt what :func:`seal_envelope` made for the same ``sha256``.

    Raises:
        BlobKeyUnavailableError: The wrapping key is not in the keyring.
        BlobChecksumMismatchError: A damaged envelope, or one made for another blob.
    """
    parts = _split(envelope, sha256)
    data_key = _unwrap(keyring, parts, sha256=sha256)
    nonce, body = parts.rest[:_NONCE], parts.rest[_NONCE:]
    try:
        return AESGCM(data_key).decrypt(nonce, body, sha256.encode())
    except InvalidTag:
        raise _corrupt(sha256) from None


def rewrap_envelope(envelope: bytes, *, sha256: str, keyring: Keyring) -> bytes:
    """The same envelope with its data key wrapped by the active key; the body is kept.

    Raises:
        BlobKeyUnavailableError: The current wrapping key is not in the keyring.
        BlobChecksumMismatchError: A damaged envelope, or one made for another blob.
    """
    parts = _split(envelope, sha256)
    data_key = _unwrap(keyring, parts, sha256=sha256)
    return _wrap(keyring, data_key, sha256=sha256) + parts.rest
