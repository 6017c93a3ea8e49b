"""Blob stores: content-addressed storage of uploads and page images.

``open_blob_store`` turns ``INTAKE_BLOB_URL`` into a store; the composition
root calls it once and hands the store to the use cases.
"""

from __future__ import annotations

import urllib3
from minio import Minio

from intake.ports import BlobStore
from storage.blobs.local import LocalBlobStore
from storage.blobs.minio import MinioBlobStore
from storage.blobs.rotation import ResealReport
from storage.blobs.urls import FileBlobUrl, S3BlobUrl, parse_blob_url
from storage.crypto import Keyring

# Fail fast rather than hang a request: the client's default retries a
# refused connection for tens of seconds.
_CONNECT_TIMEOUT_S = 5.0
_READ_TIMEOUT_S = 60.0
_RETRIES = 2


def open_blob_store(
    url: str,
    *,
    keyring: Keyring,
    access_key: str | None = None,
    secret_key: str | None = None,
    kms_key_id: str | None = None,
) -> BlobStore:
    """Open the blob store a URL names.

    No request is sent to an S3 server here; the bucket is created on first write.

    Args:
        url: ``file:///abs/path`` or ``s3://BUCKET?endpoint=HOST:PORT&secure=false``.
        keyring: The keys encrypting local blobs (envelope encryption); an S3
            server encrypts with its own keys instead.
        access_key: S3 access key (ignored for ``file://``).
        secret_key: S3 secret key (ignored for ``file://``).
        kms_key_id: S3 only: encrypt objects with SSE-KMS under this key
            instead of SSE-S3.

    Returns:
        A ``LocalBlobStore`` or a ``MinioBlobStore``.

    Raises:
        StorageConfigError: the URL is malformed.
        StorageUnavailableError: a local directory cannot be created.
    """
    location = parse_blob_url(url)
    if isinstance(location, FileBlobUrl):
        return LocalBlobStore(location.root, keyring=keyring)
    return open_minio_blob_store(
        location, access_key=access_key, secret_key=secret_key, kms_key_id=kms_key_id
    )


def open_minio_blob_store(
    location: S3BlobUrl,
    *,
    access_key: str | None = None,
    secret_key: str | None = None,
    kms_key_id: str | None = None,
) -> MinioBlobStore:
    """Build a ``MinioBlobStore`` for a parsed S3 location, with short timeouts."""
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=_CONNECT_TIMEOUT_S, read=_READ_TIMEOUT_S),
        retries=urllib3.Retry(total=_RETRIES, backoff_factor=0.2, status_forcelist=(502, 503, 504)),
        maxsize=10,
    )
    client = Minio(
        location.endpoint,
        access_key=access_key,
        secret_key=secret_key,
        secure=location.secure,
        region=location.region,
        http_client=http,
    )
    return MinioBlobStore(client, bucket=location.bucket, kms_key_id=kms_key_id)


__all__ = [
    "FileBlobUrl",
    "LocalBlobStore",
    "MinioBlobStore",
    "ResealReport",
    "S3BlobUrl",
    "open_blob_store",
    "open_minio_blob_store",
    "parse_blob_url",
]
