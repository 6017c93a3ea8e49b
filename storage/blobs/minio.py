"""A content-addressed blob store in a MinIO (or any S3-protocol) bucket."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Final

import structlog
import urllib3
from minio import Minio
from minio.commonconfig import CopySource
from minio.datatypes import Object
from minio.error import MinioException, S3Error
from minio.sse import Sse, SseKMS, SseS3

from storage.blobs.keys import is_blob_key, key_of, sharded_parts
from storage.blobs.rotation import PLAINTEXT, ResealOutcome, ResealReport, tally
from storage.errors import (
    BlobChecksumMismatchError,
    BlobNotFoundError,
    StorageUnavailableError,
)

log = structlog.get_logger(__name__)

PREFIX: Final = "sha256/"
"""Every object name starts here: ``sha256/ab/cd/<sha256>``."""

_CHECKSUM_META: Final = "sha256"
_SSE_S3: Final = "SSE-S3"
_SSE_KMS: Final = "SSE-KMS"
_SSE_HEADER: Final = "x-amz-server-side-encryption"
_KMS_KEY_HEADER: Final = "x-amz-server-side-encryption-aws-kms-key-id"
_MISSING_CODES: Final = frozenset({"NoSuchKey", "NoSuchBucket", "NoSuchObject", "ResourceNotFound"})
# Errors from the server or the network, translated into StorageUnavailableError.
_TRANSPORT_ERRORS: Final = (MinioException, urllib3.exceptions.HTTPError, OSError)


class MinioBlobStore:
    """Blobs as objects ``sha256/ab/cd/<sha256>`` in one bucket.

    The SHA-256 is also kept as object metadata, and every read hashes the
    bytes again, so a blob altered behind our back is never served. The bucket
    is created on the first write when it does not exist.

    Every object is written with server-side encryption: SSE-S3 (keys the
    server manages) by default, SSE-KMS under a named key when one is given.
    The server refuses the write when it cannot encrypt (MinIO without a KMS),
    so no blob is ever stored in the clear by mistake.
    """

    def __init__(self, client: Minio, *, bucket: str, kms_key_id: str | None = None) -> None:
        """Wrap a client; no request is made until the store is used.

        Args:
            client: a configured ``minio.Minio`` client.
            bucket: the bucket holding the blobs.
            kms_key_id: the KMS key encrypting objects (SSE-KMS); SSE-S3 when ``None``.
        """
        self._client = client
        self._bucket = bucket
        self._bucket_checked = False
        self._kms_key_id = kms_key_id
        self._sse: Sse = SseKMS(kms_key_id, {}) if kms_key_id else SseS3()

    @property
    def bucket(self) -> str:
        return self._bucket

    @property
    def encryption(self) -> str:
        """The server-side encryption every write asks for: ``SSE-S3`` or ``SSE-KMS <key id>``."""
        return f"{_SSE_KMS} {self._kms_key_id}" if self._kms_key_id else _SSE_S3

    @staticmethod
    def object_name(sha256: str) -> str:
        """The object name of a blob key."""
        first, second, name = sharded_parts(sha256)
        return f"{PREFIX}{first}/{second}/{name}"

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist yet.

        Raises:
            StorageUnavailableError: the server refused or did not answer.
        """
        try:
            if not self._client.bucket_exists(self._bucket):
                self._client.make_bucket(self._bucket)
                log.info("storage.bucket.created", bucket=self._bucket)
        except S3Error as e:
            # Another process may have created it between the two calls.
            if e.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise _unavailable(e) from e
        except _TRANSPORT_ERRORS as e:
            raise _unavailable(e) from e
        self._bucket_checked = True

    def put(self, data: bytes, *, content_type: str = "application/octet-stream") -> str:
        """Store ``data`` and return its SHA-256; storing it again is a no-op.

        Args:
            data: the blob's bytes.
            content_type: recorded on the object.

        Returns:
            The blob key.

        Raises:
            StorageUnavailableError: the server refused or did not answer.
        """
        if not self._bucket_checked:
            self.ensure_bucket()
        key = key_of(data)
        if self.exists(key):
            return key
        try:
            self._client.put_object(
                self._bucket,
                self.object_name(key),
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                metadata={_CHECKSUM_META: key},
                sse=self._sse,
            )
        except _TRANSPORT_ERRORS as e:
            raise _unavailable(e) from e
        log.debug("storage.blob.stored", sha256=key, size=len(data), backend="s3")
        return key

    def get(self, sha256: str) -> bytes:
        """Return the blob, verifying its checksum.

        Raises:
            BlobNotFoundError: no blob under that key (or no bucket).
            BlobChecksumMismatchError: the stored bytes do not hash to the key.
            InvalidBlobKeyError: the key is not a SHA-256.
            StorageUnavailableError: the server refused or did not answer.
        """
        name = self.object_name(sha256)
        try:
            response = self._client.get_object(self._bucket, name)
            try:
                data = response.read()
                recorded = response.headers.get(f"x-amz-meta-{_CHECKSUM_META}")
            finally:
                response.close()
                response.release_conn()
        except S3Error as e:
            if e.code in _MISSING_CODES:
                raise BlobNotFoundError(sha256) from e
            raise _unavailable(e) from e
        except _TRANSPORT_ERRORS as e:
            raise _unavailable(e) from e
        actual = key_of(data)
        if actual != sha256 or (recorded is not None and recorded != sha256):
            raise BlobChecksumMismatchError(sha256, actual=actual)
        return data

    def exists(self, sha256: str) -> bool:
        """Whether a blob is stored under the key.

        Raises:
            StorageUnavailableError: the server refused or did not answer.
        """
        return self._stat(sha256) is not None

    def delete(self, sha256: str) -> None:
        """Remove the blob; removing a missing blob is a no-op."""
        try:
            self._client.remove_object(self._bucket, self.object_name(sha256))
        except S3Error as e:
            if e.code not in _MISSING_CODES:
                raise _unavailable(e) from e
        except _TRANSPORT_ERRORS as e:
            raise _unavailable(e) from e

    def keys(self) -> Iterator[str]:
        """Every stored key, in no particular order; none when the bucket is missing."""
        try:
            for obj in self._client.list_objects(self._bucket, prefix=PREFIX, recursive=True):
                name = str(obj.object_name).rsplit("/", 1)[-1]
                if is_blob_key(name):
                    yield name
        except S3Error as e:
            if e.code != "NoSuchBucket":
                raise _unavailable(e) from e
        except _TRANSPORT_ERRORS as e:
            raise _unavailable(e) from e

    def key_usage(self) -> Counter[str]:
        """How many objects each kind of server-side encryption protects.

        Labels as :attr:`encryption` names them, :data:`PLAINTEXT` for objects
        stored without encryption. One HEAD request per object.

        Raises:
            StorageUnavailableError: the server refused or did not answer.
        """
        usage: Counter[str] = Counter()
        for key in self.keys():
            label = self._encryption_of(key)
            if label is not None:
                usage[label] += 1
        return usage

    def reseal(self) -> ResealReport:
        """Encrypt, server-side, every object not stored with the encryption asked for.

        An object stored in the clear, or under another KMS key, is copied onto
        itself with this store's encryption (the server does the work; its
        metadata is kept). Safe to stop and run again.

        Raises:
            StorageUnavailableError: the server refused or did not answer.
        """
        report = tally((key, self._reseal_object(key)) for key in self.keys())
        log.info(
            "storage.blobs.resealed",
            backend="s3",
            encryption=self.encryption,
            rewrapped=report.rewrapped,
            encrypted=report.encrypted,
            current=report.current,
        )
        return report

    def _reseal_object(self, key: str) -> ResealOutcome:
        label = self._encryption_of(key)
        if label is None:
            return ResealOutcome.GONE
        if self._is_current(label):
            return ResealOutcome.CURRENT
        name = self.object_name(key)
        try:
            self._client.copy_object(
                self._bucket, name, CopySource(self._bucket, name), sse=self._sse
            )
        except S3Error as e:
            if e.code in _MISSING_CODES:
                return ResealOutcome.GONE
            raise _unavailable(e) from e
        except _TRANSPORT_ERRORS as e:
            raise _unavailable(e) from e
        return ResealOutcome.ENCRYPTED if label == PLAINTEXT else ResealOutcome.REWRAPPED

    def _is_current(self, label: str) -> bool:
        if self._kms_key_id is None:
            return label == _SSE_S3
        kind, _, reported = label.partition(" ")
        # Servers may answer with the key's ARN rather than the id it was given.
        return kind == _SSE_KMS and (
            reported == self._kms_key_id
            or reported.endswith((f":{self._kms_key_id}", f"/{self._kms_key_id}"))
        )

    def _encryption_of(self, key: str) -> str | None:
        """The object's encryption label; ``None`` when it is gone."""
        stat = self._stat(key)
        return None if stat is None else _encryption_label(stat.metadata or {})

    def _stat(self, key: str) -> Object | None:
        """The object's HEAD; ``None`` when there is none (or no bucket)."""
        try:
            return self._client.stat_object(self._bucket, self.object_name(key))
        except S3Error as e:
            if e.code in _MISSING_CODES:
                return None
            raise _unavailable(e) from e
        except _TRANSPORT_ERRORS as e:
            raise _unavailable(e) from e

    def is_ready(self) -> bool:
        """Whether the server answers with these credentials."""
        try:
            self._client.bucket_exists(self._bucket)
        except _TRANSPORT_ERRORS:
            return False
        return True


def _encryption_label(headers: Mapping[str, str]) -> str:
    lowered = {name.lower(): value for name, value in headers.items()}
    algorithm = lowered.get(_SSE_HEADER)
    if algorithm == "aws:kms":
        return f"{_SSE_KMS} {lowered.get(_KMS_KEY_HEADER, '?')}"
    if algorithm:
        return _SSE_S3
    return PLAINTEXT


def _unavailable(error: Exception) -> StorageUnavailableError:
    if isinstance(error, S3Error):
        return StorageUnavailableError(backend="s3", reason=f"{error.code}: {error.message}")
    return StorageUnavailableError(backend="s3", reason=str(error))
