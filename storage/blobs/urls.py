"""Blob store URLs (CONTRACT.md ``INTAKE_BLOB_URL``).

file:///abs/path                                    a local directory
s3://BUCKET?endpoint=HOST:PORT&secure=false[&region=R]   MinIO or any S3 server
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from storage.errors import StorageConfigError

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_ENDPOINT = re.compile(r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_S3_PARAMETERS = frozenset({"endpoint", "secure", "region"})
DEFAULT_S3_ENDPOINT = "s3.amazonaws.com"


@dataclass(frozen=True, slots=True, kw_only=True)
class FileBlobUrl:
    """A local directory."""

    root: Path


@dataclass(frozen=True, slots=True, kw_only=True)
class S3BlobUrl:
    """A bucket on an S3-protocol server."""

    bucket: str
    endpoint: str
    secure: bool = True
    region: str | None = None


def parse_blob_url(url: str) -> FileBlobUrl | S3BlobUrl:
    """Parse a blob store URL.

    Args:
        url: ``file:///abs/path`` or ``s3://BUCKET?endpoint=HOST:PORT&secure=false``.

    Returns:
        The parsed location.

    Raises:
        StorageConfigError: the URL is not one of those forms.
    """
    parts = urlsplit(url.strip())
    if parts.scheme == "file":
        return _parse_file(url, netloc=parts.netloc, path=parts.path, query=parts.query)
    if parts.scheme == "s3":
        return _parse_s3(url, netloc=parts.netloc, path=parts.path, query=parts.query)
    raise StorageConfigError("blob URL must start with file:// or s3://", url=url)


def _parse_file(url: str, *, netloc: str, path: str, query: str) -> FileBlobUrl:
    if netloc not in ("", "localhost") or not path.startswith("/"):
        raise StorageConfigError(
            "file blob URL needs an absolute path, e.g. file:///srv/intake/blobs", url=url
        )
    if query:
        raise StorageConfigError("file blob URL takes no query parameters", url=url)
    return FileBlobUrl(root=Path(unquote(path)))


def _parse_s3(url: str, *, netloc: str, path: str, query: str) -> S3BlobUrl:
    if "@" in netloc:
        raise StorageConfigError(
            "put S3 keys in INTAKE_S3_ACCESS_KEY / INTAKE_S3_SECRET_KEY, not in the URL",
            url=url.split("@", 1)[-1],
        )
    if not _BUCKET.fullmatch(netloc) or ".." in netloc:
        raise StorageConfigError(
            "S3 bucket name must be 3-63 lowercase letters, digits, dots or hyphens", url=url
        )
    if path not in ("", "/"):
        raise StorageConfigError("S3 blob URL takes no path after the bucket", url=url)
    params = _single_valued(url, query)
    unknown = sorted(set(params) - _S3_PARAMETERS)
    if unknown:
        raise StorageConfigError(f"unknown S3 URL parameter(s) {', '.join(unknown)}", url=url)
    endpoint = params.get("endpoint", DEFAULT_S3_ENDPOINT)
    if not _ENDPOINT.fullmatch(endpoint):
        raise StorageConfigError("S3 endpoint must be HOST or HOST:PORT, no scheme", url=url)
    return S3BlobUrl(
        bucket=netloc,
        endpoint=endpoint,
        secure=_flag(url, params.get("secure", "true")),
        region=params.get("region") or None,
    )


def _single_valued(url: str, query: str) -> dict[str, str]:
    try:
        parsed = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError as e:
        raise StorageConfigError("malformed query string", url=url) from e
    repeated = sorted(name for name, values in parsed.items() if len(values) > 1)
    if repeated:
        raise StorageConfigError(f"repeated URL parameter(s) {', '.join(repeated)}", url=url)
    return {name: values[0] for name, values in parsed.items()}


def _flag(url: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise StorageConfigError(f"secure must be true or false, not {value!r}", url=url)
