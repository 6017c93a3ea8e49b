"""Reading a multipart upload as a stream, refusing it as soon as it is too large.

The body is never buffered whole by the framework: chunks from
``request.stream()`` go through python-multipart's streaming parser, the
``file`` part's bytes are counted as they arrive and written to a spooled
temporary file (memory first, a nameless temporary file beyond that), and the
upload is refused with ``upload.too_large`` the moment the count passes the
limit. The whole body is counted too (bulk may hide in part headers or after
the closing boundary), and a ``Content-Length`` that already says too much is
refused before a byte is read.

The form has two fields, ``file`` and the optional ``declared_kind``; a part
under any other name is refused as it begins, naming the field expected, and
a body that ends before its closing boundary is malformed.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from api.errors import RequestInvalidError
from intake.errors import UploadTooLargeError

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FILE_FIELD: Final = "file"
KIND_FIELD: Final = "declared_kind"
MULTIPART_OVERHEAD: Final = 64 * 1024
"""Room for boundaries, part headers and the small fields on top of the file limit."""
_SPOOL_IN_MEMORY: Final = 1024 * 1024
_MAX_SMALL_FIELD: Final = 256
_MAX_PART_HEADER: Final = 8 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceivedUpload:
    data: bytes
    declared_kind: str | None


class _Parts:
    """python-multipart callbacks collecting the ``file`` part and the small fields."""

    def __init__(self, sink: IO[bytes], *, max_bytes: int) -> None:
        self._sink = sink
        self._max_bytes = max_bytes
        self._header_field = b""
        self._header_value = b""
        self._header_bytes = 0
        self._name: str | None = None
        self._small = bytearray()
        self.file_bytes = 0
        self.file_parts = 0
        self.fields: dict[str, str] = {}
        self.ended = False

    def on_part_begin(self) -> None:
        self._name = None
        self._small.clear()
        self._header_bytes = 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_value += data[start:end]

    def _count_header(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > _MAX_PART_HEADER:
            raise RequestInvalidError("form part headers too long", field=FILE_FIELD)

    def on_header_end(self) -> None:
        if self._header_field.lower() == b"content-disposition":
            _, params = parse_options_header(self._header_value)
            name = params.get(b"name")
            self._name = name.decode("utf-8", "replace") if name is not None else None
        self._header_field = b""
        self._header_value = b""

    def on_headers_finished(self) -> None:
        if self._name not in (FILE_FIELD, KIND_FIELD):
            raise RequestInvalidError(
                f"unexpected form field {self._name!r}: send the document in the field "
                f"'{FILE_FIELD}' (and optionally '{KIND_FIELD}')",
                field=FILE_FIELD,
            )
        if self._name == FILE_FIELD:
            self.file_parts += 1
            if self.file_parts > 1:
                raise RequestInvalidError("send exactly one 'file' part", field=FILE_FIELD)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._name == FILE_FIELD:
            self.file_bytes += end - start
            if self.file_bytes > self._max_bytes:
                raise UploadTooLargeError(limit=self._max_bytes)
            self._sink.write(data[start:end])
        else:
            self._small += data[start:end]
            if len(self._small) > _MAX_SMALL_FIELD:
                raise RequestInvalidError("form field too long", field=self._name)

    def on_part_end(self) -> None:
        if self._name is not None and self._name != FILE_FIELD:
            self.fields[self._name] = self._small.decode("utf-8", "replace").strip()

    def on_end(self) -> None:
        self.ended = True


def _boundary(request: Request) -> bytes:
    media_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise RequestInvalidError("send multipart/form-data with a 'file' part", field=FILE_FIELD)
    return boundary


async def receive_upload(request: Request, *, max_bytes: int, tmp_dir: Path) -> ReceivedUpload:
    """Stream a multipart upload in, enforcing the size limit as bytes arrive.

    Args:
        request: The HTTP request (its body not yet read).
        max_bytes: The most bytes the ``file`` part may have.
        tmp_dir: Where bodies over 1 MiB are spooled (an existing directory).

    Returns:
        The file's bytes and the ``declared_kind`` field, if sent.

    Raises:
        UploadTooLargeError: The file passes ``max_bytes`` (or Content-Length says it will).
        RequestInvalidError: Not multipart, malformed or cut short, a field other
            than ``file`` and ``declared_kind``, no or several ``file`` parts.
    """
    boundary = _boundary(request)
    max_body = max_bytes + MULTIPART_OVERHEAD
    length = request.headers.get("content-length", "")
    # isascii: str.isdigit() also accepts "²", which int() refuses.
    if length.isascii() and length.isdigit() and int(length) > max_body:
        raise UploadTooLargeError(limit=max_bytes)
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY, dir=str(tmp_dir)) as spool:
        parts = _Parts(spool, max_bytes=max_bytes)
        parser = MultipartParser(boundary, callbacks=_callbacks(parts))
        received = 0
        try:
            async for chunk in request.stream():
                received += len(chunk)
                if received > max_body:
                    raise UploadTooLargeError(limit=max_bytes)
                parser.write(chunk)
            parser.finalize()
        except MultipartParseError as error:
            raise RequestInvalidError(f"malformed multipart body: {error}") from None
        if not parts.ended:
            raise RequestInvalidError("malformed multipart body: no closing boundary")
        if parts.file_parts == 0:
            raise RequestInvalidError(
                f"the field '{FILE_FIELD}' holding the document is missing", field=FILE_FIELD
            )
        spool.seek(0)
        data = spool.read()
    return ReceivedUpload(data=data, declared_kind=parts.fields.get(KIND_FIELD) or None)


def _callbacks(parts: _Parts) -> MultipartCallbacks:
    return {
        "on_part_begin": parts.on_part_begin,
        "on_header_field": parts.on_header_field,
        "on_header_value": parts.on_header_value,
        "on_header_end": parts.on_header_end,
        "on_headers_finished": parts.on_headers_finished,
        "on_part_data": parts.on_part_data,
        "on_part_end": parts.on_part_end,
        "on_end": parts.on_end,
    }
