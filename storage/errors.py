"""Errors raised by the storage adapters.

    StorageError
    ├── StorageConfigError              a database or blob URL we cannot use
    ├── StorageUnavailableError         the database or blob server does not answer
    ├── SchemaNotCurrentError           the schema is missing or behind (`intake db upgrade`)
    ├── ConstraintViolationError        a write broke a key, unique or foreign-key constraint
    ├── SealError                       a sealed value that cannot be opened (storage.crypto)
    └── BlobError                       about one blob (``sha256`` attribute)
        ├── InvalidBlobKeyError         the key is not a SHA-256 in lowercase hex
        ├── BlobNotFoundError           no blob under that key
        ├── BlobChecksumMismatchError   the stored bytes do not hash to the key (or fail their tag)
        └── BlobKeyUnavailableError     the blob is encrypted under a key not configured

Callers catch ``StorageError``; adapters translate third-party exceptions
(``S3Error``, ``OSError``) into these, chaining the original.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class of the storage adapters' errors."""


class StorageConfigError(StorageError):
    """A storage URL or setting that cannot be used.

    Attributes:
        url: the offending URL with any password removed, or ``""``.
        reason: what is wrong, for the operator.
    """

    def __init__(self, reason: str, *, url: str = "") -> None:
        super().__init__(f"{reason}: {url}" if url else reason)
        self.reason = reason
        self.url = url


class SchemaNotCurrentError(StorageError):
    """The database has no schema yet, or an older one than the code needs.

    Attributes:
        current: the database's revision (``None``: never migrated, or no database).
        head: the revision the code needs.
    """

    def __init__(self, *, current: str | None, head: str | None, where: str) -> None:
        state = "has no schema" if current is None else f"is at schema {current}"
        super().__init__(
            f"the database {where} {state}; the code needs {head}: run `intake db upgrade`"
        )
        self.current = current
        self.head = head


class StorageUnavailableError(StorageError):
    """The backing server did not answer or refused the request.

    Attributes:
        backend: which store failed (``"s3"``, ``"local"``, ``"sql"``).
        reason: what went wrong.
    """

    def __init__(self, *, backend: str, reason: str) -> None:
        super().__init__(f"{backend} store unavailable: {reason}")
        self.backend = backend
        self.reason = reason


class ConstraintViolationError(StorageError):
    """A write broke a primary-key, unique or foreign-key constraint.

    Typically a row with the same key exists, or the parent row does not.
    The transaction is no longer usable: leave the unit of work and open a new one.

    Attributes:
        table: the table written to.
        detail: the database's own description of the violation.
    """

    def __init__(self, *, table: str, detail: str) -> None:
        super().__init__(f"{table}: {detail}")
        self.table = table
        self.detail = detail


class BlobError(StorageError):
    """A problem with one blob.

    Attributes:
        sha256: the blob's key.
    """

    def __init__(self, sha256: str, message: str) -> None:
        super().__init__(message)
        self.sha256 = sha256


class InvalidBlobKeyError(BlobError):
    """The key is not 64 lowercase hexadecimal characters."""

    def __init__(self, sha256: str) -> None:
        super().__init__(sha256, f"not a SHA-256 blob key: {sha256[:80]!r}")


class BlobNotFoundError(BlobError):
    """No blob is stored under the key."""

    def __init__(self, sha256: str) -> None:
        super().__init__(sha256, f"blob {sha256} not found")


class BlobChecksumMismatchError(BlobError):
    """The stored bytes do not hash to their key, or fail to decrypt: the blob is corrupt.

    Attributes:
        actual: the SHA-256 of the bytes actually read; ``None`` when an encrypted
            blob failed its integrity check, so no content came out to hash.
    """

    def __init__(self, sha256: str, *, actual: str | None) -> None:
        reason = "it fails its integrity check" if actual is None else f"its bytes hash to {actual}"
        super().__init__(sha256, f"blob {sha256} is corrupt: {reason}")
        self.actual = actual


class BlobKeyUnavailableError(BlobError):
    """The blob's data key is wrapped by a key the keyring does not hold.

    Attributes:
        kid: the id of the missing key.
    """

    def __init__(self, sha256: str, *, kid: str) -> None:
        super().__init__(
            sha256,
            f"blob {sha256} is encrypted under key {kid!r}, which is not configured: "
            "put it back in INTAKE_DATA_KEYS (or restore keys.json)",
        )
        self.kid = kid
