"""Encryption at rest: AES-256-GCM under named keys, and a keyed hash for lookups.

Every sealed value carries the id of the key that sealed it, so keys can be
rotated: a new key becomes the active one, the old ones stay readable until
``intake keys rotate`` has sealed everything again under the new key.

Sealed bytes are ``b"IKS1" | len(kid) | kid | nonce(12) | ciphertext+tag``;
sealed text is ``v1:<kid>:<base64url of nonce+ciphertext>``. The associated
data names what a value is and which row holds it, so a ciphertext moved to
another column or row fails to open.

The lookup hash is HMAC-SHA256 under a separate key that rotation does not
touch: equal ID numbers give equal hashes, so duplicates and "this applicant's
other filings" are found without decrypting, and a stolen database alone does
not give the numbers back by trying all of them.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.errors import StorageConfigError, StorageError

KEY_BYTES: Final = 32
_NONCE_BYTES: Final = 12
_MAGIC: Final = b"IKS1"
_TEXT_PREFIX: Final = "v1"
_KID_ALPHABET: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_KEY_FILE: Final = "keys.json"


class SealError(StorageError):
    """A sealed value that cannot be opened: unknown key, damaged, or moved."""

    code = "storage.sealed_value"


def _b64decode(value: str) -> bytes:
    padded = value + "=" * (-len(value) % 4)
    return base64.urlsafe_b64decode(padded.encode())


def _b64encode(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).decode().rstrip("=")


def new_key() -> str:
    """A fresh 256-bit key, base64url-encoded."""
    return _b64encode(secrets.token_bytes(KEY_BYTES))


def _decode_key(name: str, value: str) -> bytes:
    try:
        key = _b64decode(value.strip())
    except (binascii.Error, ValueError):
        raise StorageConfigError(f"{name} is not base64") from None
    if len(key) != KEY_BYTES:
        raise StorageConfigError(f"{name} must hold {KEY_BYTES} bytes, not {len(key)}")
    return key


def _check_kid(kid: str) -> str:
    if not kid or len(kid) > 32 or not set(kid) <= _KID_ALPHABET:
        raise StorageConfigError(f"key id {kid!r} must be 1-32 letters, digits, '-' or '_'")
    return kid


@dataclass(frozen=True)
class Keyring:
    """The data keys (the first is active) and the lookup key."""

    keys: Mapping[str, bytes]
    active: str
    lookup_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise StorageConfigError(f"the active key {self.active!r} is not in the keyring")
        if len(self.lookup_key) != KEY_BYTES:
            raise StorageConfigError(f"the lookup key must hold {KEY_BYTES} bytes")

    def __repr__(self) -> str:
        return f"Keyring(active={self.active!r}, kids={sorted(self.keys)!r})"

    # -- bytes ------------------------------------------------------------

    def seal(self, plaintext: bytes, *, aad: bytes) -> bytes:
        """Encrypt under the active key, bound to ``aad``."""
        kid = self.active.encode()
        return _MAGIC + bytes([len(kid)]) + kid + self.encrypt(plaintext, aad=aad)

    def open(self, sealed: bytes, *, aad: bytes) -> bytes:
        """Decrypt what :meth:`seal` produced with the same ``aad``.

        Raises:
            SealError: Not a sealed value, an unknown key id, or a failed tag.
        """
        kid, nonce, body = _split(sealed)
        return self.decrypt(kid, nonce, body, aad=aad)

    @staticmethod
    def kid_of(sealed: bytes) -> str:
        """The id of the key that sealed these bytes."""
        return _split(sealed)[0]

    @staticmethod
    def is_sealed(data: bytes) -> bool:
        return data.startswith(_MAGIC)

    # -- text -------------------------------------------------------------

    def seal_text(self, plaintext: str, *, aad: str) -> str:
        """Encrypt a string into ``v1:<kid>:<base64url>``."""
        sealed = self.encrypt(plaintext.encode(), aad=aad.encode())
        return f"{_TEXT_PREFIX}:{self.active}:{_b64encode(sealed)}"

    def open_text(self, token: str, *, aad: str) -> str:
        """Decrypt what :meth:`seal_text` produced with the same ``aad``.

        Raises:
            SealError: Not sealed text, an unknown key id, or a failed tag.
        """
        prefix, kid, payload = _split_text(token)
        try:
            raw = _b64decode(payload)
        except (binascii.Error, ValueError):
            raise SealError("sealed text is not base64") from None
        if prefix != _TEXT_PREFIX or len(raw) <= _NONCE_BYTES:
            raise SealError("sealed text is malformed")
        return self.decrypt(kid, raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], aad=aad.encode()).decode()

    @staticmethod
    def text_kid(token: str) -> str:
        """The id of the key that sealed this text."""
        return _split_text(token)[1]

    @staticmethod
    def is_sealed_text(value: str) -> bool:
        return value.startswith(_TEXT_PREFIX + ":") and value.count(":") >= 2

    # -- JSON documents -----------------------------------------------------

    def seal_json(self, document: Any, *, aad: str) -> dict[str, str]:
        """A JSON document stored as ``{"sealed": <sealed text>}``."""
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        return {"sealed": self.seal_text(text, aad=aad)}

    def open_json(self, stored: Any, *, aad: str) -> Any:
        """The document inside ``{"sealed": ...}``.

        Raises:
            SealError: ``stored`` is not a sealed document, or fails to open.
        """
        token = stored.get("sealed") if isinstance(stored, dict) else None
        if not isinstance(token, str) or len(stored) != 1:
            raise SealError("the stored document is not sealed")
        return json.loads(self.open_text(token, aad=aad))

    @staticmethod
    def json_kid(stored: Any) -> str | None:
        """The key id of a sealed document; ``None`` for a plain one."""
        token = stored.get("sealed") if isinstance(stored, dict) else None
        return Keyring.text_kid(token) if isinstance(token, str) else None

    # -- lookups ------------------------------------------------------------

    def lookup(self, value: str) -> str:
        """HMAC-SHA256 of a normalised identifier, hex: equal inputs, equal hashes."""
        return hmac.new(self.lookup_key, value.strip().upper().encode(), sha256).hexdigest()

    # -- the framing left to the caller ------------------------------------------

    def encrypt(self, plaintext: bytes, *, aad: bytes) -> bytes:
        """``nonce(12) | ciphertext+tag`` under the active key; the caller records its id.

        For formats of their own (blob envelopes); :meth:`seal` frames it with the key id.
        """
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return nonce + AESGCM(self.keys[self.active]).encrypt(nonce, plaintext, aad)

    def decrypt(self, kid: str, nonce: bytes, body: bytes, *, aad: bytes) -> bytes:
        """Open what :meth:`encrypt` made under key ``kid``, split into nonce and body.

        Raises:
            SealError: An unknown key id, or a failed tag.
        """
        key = self.keys.get(kid)
        if key is None:
            raise SealError(f"sealed under key {kid!r}, which is not configured")
        try:
            return AESGCM(key).decrypt(nonce, body, aad)
        except InvalidTag:
            raise SealError("a sealed value failed its integrity check") from None

    # -- construction ---------------------------------------------------------

    @classmethod
    def from_strings(cls, data_keys: str, lookup_key: str) -> Keyring:
        """Parse ``kid:key,kid:key`` (the first is active) and a base64url lookup key.

        Raises:
            StorageConfigError: A malformed entry, a repeated id, or a key of the wrong size.
        """
        keys: dict[str, bytes] = {}
        active = None
        for entry in filter(None, (part.strip() for part in data_keys.split(","))):
            kid, sep, value = entry.partition(":")
            if not sep:
                raise StorageConfigError("INTAKE_DATA_KEYS entries must look like kid:base64key")
            kid = _check_kid(kid.strip())
            if kid in keys:
                raise StorageConfigError(f"INTAKE_DATA_KEYS repeats key id {kid!r}")
            keys[kid] = _decode_key(f"INTAKE_DATA_KEYS key {kid!r}", value)
            active = active or kid
        if active is None:
            raise StorageConfigError("INTAKE_DATA_KEYS names no key")
        return cls(
            keys=keys, active=active, lookup_key=_decode_key("INTAKE_LOOKUP_KEY", lookup_key)
        )

    @classmethod
    def generated(cls, kid: str = "k1") -> Keyring:
        """A keyring of fresh random keys (tests and new embedded installs)."""
        return cls(
            keys={_check_kid(kid): secrets.token_bytes(KEY_BYTES)},
            active=kid,
            lookup_key=secrets.token_bytes(KEY_BYTES),
        )

    def with_new_key(self, kid: str | None = None) -> Keyring:
        """This keyring with a fresh key added and made active."""
        kid = _check_kid(kid or _next_kid(self.keys))
        if kid in self.keys:
            raise StorageConfigError(f"key id {kid!r} is already in the keyring")
        return Keyring(
            keys={kid: secrets.token_bytes(KEY_BYTES), **self.keys},
            active=kid,
            lookup_key=self.lookup_key,
        )

    def keeping(self, in_use: Collection[str]) -> Keyring:
        """This keyring with the active key and the old keys still in use; the others retired.

        Args:
            in_use: Ids of the keys something stored still needs (sealed cells, blobs).
        """
        return Keyring(
            keys={
                kid: key for kid, key in self.keys.items() if kid == self.active or kid in in_use
            },
            active=self.active,
            lookup_key=self.lookup_key,
        )

    def without_keys_except_active(self, *, in_use: Collection[str]) -> Keyring:
        """This keyring with the active key only: every old key retired.

        Args:
            in_use: Ids of the keys something stored still needs (sealed cells,
                blobs); retiring one of them would lose that data.

        Raises:
            StorageConfigError: An old key is still in use.
        """
        needed = sorted(kid for kid in in_use if kid in self.keys and kid != self.active)
        if needed:
            raise StorageConfigError(
                f"key(s) {', '.join(needed)} still seal stored data: run `intake keys rotate` "
                "until nothing uses them before removing them"
            )
        return self.keeping(in_use=())

    def data_keys_string(self) -> str:
        """The ``INTAKE_DATA_KEYS`` value of this keyring (active key first)."""
        ordered = [self.active, *(k for k in self.keys if k != self.active)]
        return ",".join(f"{kid}:{_b64encode(self.keys[kid])}" for kid in ordered)

    def lookup_key_string(self) -> str:
        return _b64encode(self.lookup_key)


def _next_kid(keys: Mapping[str, bytes]) -> str:
    numbers = [int(k[1:]) for k in keys if k.startswith("k") and k[1:].isdigit()]
    return f"k{max(numbers, default=0) + 1}"


def _split(sealed: bytes) -> tuple[str, bytes, bytes]:
    if not sealed.startswith(_MAGIC) or len(sealed) < len(_MAGIC) + 1:
        raise SealError("the value is not sealed")
    length = sealed[len(_MAGIC)]
    start = len(_MAGIC) + 1
    kid = sealed[start : start + length]
    nonce = sealed[start + length : start + length + _NONCE_BYTES]
    body = sealed[start + length + _NONCE_BYTES :]
    if len(kid) != length or len(nonce) != _NONCE_BYTES or not body:
        raise SealError("the sealed value is truncated")
    return kid.decode(errors="replace"), nonce, body


def _split_text(token: str) -> tuple[str, str, str]:
    prefix, _, rest = token.partition(":")
    kid, _, payload = rest.partition(":")
    if not prefix or not kid or not payload:
        raise SealError("the value is not sealed text")
    return prefix, kid, payload


# -- the embedded key file ----------------------------------------------------


def key_file(data_dir: Path) -> Path:
    return data_dir / _KEY_FILE


def load_key_file(path: Path, *, create: bool) -> Keyring:
    """The keyring kept in the embedded data directory, created (mode 0600) if asked.

    Raises:
        StorageConfigError: The file is missing (and not to be created) or malformed.
    """
    if not path.exists():
        if not create:
            raise StorageConfigError(
                f"no key file at {path}; start `intake serve` once or set INTAKE_DATA_KEYS"
            )
        keyring = Keyring.generated()
        save_key_file(path, keyring)
        return keyring
    try:
        content = json.loads(path.read_text())
        return Keyring.from_strings(content["data_keys"], content["lookup_key"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise StorageConfigError(f"the key file {path} cannot be read: {e}") from None


def save_key_file(path: Path, keyring: Keyring) -> None:
    """Write the key file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(
            {"data_keys": keyring.data_keys_string(), "lookup_key": keyring.lookup_key_string()},
            out,
        )
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
