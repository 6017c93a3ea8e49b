"""File-type sniffing, page decoding with limits, and image encoding and hashing.

The type of an upload is decided from its first bytes only, never from the
client's file name or content type (like Unstructured-IO's
``_FileTypeDetector``, but stopping at the binary signature because the
accepted set is small). Decoding enforces the pixel and page limits before any
pixels are decompressed (a PDF's pages are counted only until the count passes
the limit), refuses pages too small or too narrow to read, and turns every
third-party decoding failure into one of :mod:`ocr.errors`' ``FileError``
subclasses.

Every page comes out as a BGR ``uint8`` array (OpenCV's layout) with the EXIF
orientation already applied, so the rest of the pipeline never thinks about
file formats again.
"""

from __future__ import annotations

import functools
import io
import math
import threading
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import cv2
import imagehash
import numpy as np
import numpy.typing as npt
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

from ocr.domain import PdfPageLayer
from ocr.errors import (
    ActiveContentError,
    CorruptFileError,
    EncryptedPdfError,
    ImageTooLargeError,
    ImageTooSmallError,
    TooManyPagesError,
    UnsupportedFileTypeError,
)
from ocr.pdflayers import FULL_PAGE_COVERAGE, page_layer

__all__ = [
    "MAX_PAGE_ASPECT",
    "MIN_PAGE_SIDE",
    "SNIFF_BYTES",
    "FileType",
    "PageImage",
    "count_pdf_pages",
    "decode_image",
    "encode_jpeg",
    "hamming_distance",
    "load_pages",
    "pdf_text_layers",
    "perceptual_hash",
    "sniff_file_type",
]

SNIFF_BYTES: Final[int] = 32
"""How many leading bytes :func:`sniff_file_type` needs."""

PDF_RENDER_DPI: Final[float] = 200.0
"""Resolution PDF pages are rendered at (capped by the pixel limit)."""

MIN_PAGE_SIDE: Final[int] = 32
"""Fewest pixels across a page's shorter side; nothing smaller holds a line of print."""

MAX_PAGE_ASPECT: Final[int] = 100
"""Longest page side, in multiples of the shorter one (a long phone screenshot is about 20)."""

_POINTS_PER_INCH: Final[float] = 72.0

# A page tree with N pages needs fewer than N inner nodes; the slack is for odd writers.
_PAGE_TREE_SLACK: Final[int] = 64

# PDFium is not thread-safe, not even across separate documents, and decoding runs
# in a worker pool: every call into it happens under this lock.
_PDFIUM_LOCK: Final = threading.Lock()

_HEIF_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
)
_GENERIC_HEIF_BRANDS: Final = frozenset({b"mif1", b"msf1", b"mif2"})
_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})

# Signatures of common files we refuse, only to name them in the error.
_REFUSED_SIGNATURES: Final[tuple[tuple[bytes, str], ...]] = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"MZ", "exe"),
    (b"\x7fELF", "elf"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf", "7z"),
    (b"\xd0\xcf\x11\xe0", "ole"),
)


class FileType(StrEnum):
    """The file types an upload may have."""

    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    HEIF = "heif"
    PDF = "pdf"

    @property
    def content_type(self) -> str:
        """The media type stored with the original (``image/jpeg``, ``application/pdf``...)."""
        return _CONTENT_TYPES[self]

    @property
    def extension(self) -> str:
        """The file extension blob keys use, with the dot (``.jpg``, ``.pdf``...)."""
        return _EXTENSIONS[self]


_CONTENT_TYPES: Final[dict[FileType, str]] = {
    FileType.JPEG: "image/jpeg",
    FileType.PNG: "image/png",
    FileType.WEBP: "image/webp",
    FileType.HEIF: "image/heif",
    FileType.PDF: "application/pdf",
}
_EXTENSIONS: Final[dict[FileType, str]] = {
    FileType.JPEG: ".jpg",
    FileType.PNG: ".png",
    FileType.WEBP: ".webp",
    FileType.HEIF: ".heic",
    FileType.PDF: ".pdf",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class PageImage:
    """One decoded page of an upload."""

    number: int
    """1-based page number (always 1 for an image)."""
    image: npt.NDArray[np.uint8]
    """BGR ``uint8`` pixels, EXIF orientation already applied."""
    text_layer: PdfPageLayer | None = None
    """A PDF page's text layer and source (never read as text: see
    :mod:`ocr.provenance`); ``None`` for an image."""


def sniff_file_type(head: bytes) -> FileType:
    """Detect the file type from the leading bytes of a file.

    Args:
        head: At least the first :data:`SNIFF_BYTES` bytes (more is fine).

    Returns:
        The detected type.

    Raises:
        UnsupportedFileTypeError: The bytes are none of the accepted types;
            ``detected`` names common refused types (``zip``, ``exe``, ``gif``,
            ``avif``, ``text``...) or is ``None``.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return FileType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType.PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileType.WEBP
    if head.startswith(b"%PDF-"):
        return FileType.PDF
    if head[4:8] == b"ftyp":
        if _is_heif(head):
            return FileType.HEIF
        brands = {head[8:12], *_compatible_brands(head)}
        raise UnsupportedFileTypeError("avif" if brands & _AVIF_BRANDS else "video")
    raise UnsupportedFileTypeError(_name_refused(head))


def _compatible_brands(head: bytes) -> list[bytes]:
    box_end = min(int.from_bytes(head[:4], "big"), len(head))
    return [head[i : i + 4] for i in range(16, box_end - 3, 4)]


def _is_heif(head: bytes) -> bool:
    major = head[8:12]
    if major in _HEIF_BRANDS:
        return True
    if major not in _GENERIC_HEIF_BRANDS:
        return False
    compatible = set(_compatible_brands(head))
    # A generic image-file brand is HEIF unless the payload is AV1 (AVIF) without HEVC.
    return bool(compatible & _HEIF_BRANDS) or not compatible & _AVIF_BRANDS


def _name_refused(head: bytes) -> str | None:
    for signature, name in _REFUSED_SIGNATURES:
        if head.startswith(signature):
            return name
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text" if text and all(c.isprintable() or c.isspace() for c in text) else None


def count_pdf_pages(data: bytes, *, limit: int | None = None) -> int:
    """Count the pages of a PDF without rendering anything.

    Args:
        data: The whole PDF file.
        limit: The most pages accepted; counting stops once it is passed, so
            a file of 10,000 pages is refused after reading a few of them.

    Returns:
        The number of pages (at least 1).

    Raises:
        TooManyPagesError: More pages than ``limit``.
        EncryptedPdfError: The PDF is encrypted, even with an empty user password.
        CorruptFileError: pypdf cannot parse it, its page tree loops or it has no pages.
    """
    with _pdf_parse_errors():
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise EncryptedPdfError
        if limit is not None:
            _refuse_pages_over(reader, limit=limit)
        _refuse_active_pdf(reader)
        pages = len(reader.pages)
    if pages < 1:
        raise CorruptFileError("PDF has no pages")
    return pages


def _refuse_pages_over(reader: PdfReader, *, limit: int) -> None:
    """Walk the page tree only until it passes ``limit`` pages.

    ``len(reader.pages)`` builds a page object for every leaf: seconds for a
    file of 10,000 empty pages. The walk classifies nodes as pypdf does (by
    ``/Type``, else by ``/Kids``), and caps the inner nodes too, so a tree of
    empty ``/Pages`` nodes cannot stand in for pages.
    """
    root = reader.root_object["/Pages"]
    if not isinstance(root, DictionaryObject):
        return  # pypdf's own count reports the damage
    max_nodes = 2 * limit + _PAGE_TREE_SLACK
    path: list[tuple[DictionaryObject, Iterator[PdfObject]]] = [(root, _kids(root))]
    on_path = {id(root)}
    pages = nodes = 0
    while path:
        node, kids = path[-1]
        kid = next(kids, None)
        if kid is None:
            path.pop()
            on_path.discard(id(node))
            continue
        child = kid.get_object()
        if not isinstance(child, DictionaryObject) or not child:
            continue  # pypdf skips these too
        if id(child) in on_path:
            raise CorruptFileError("the PDF page tree loops")
        nodes += 1
        if nodes > max_nodes:
            raise CorruptFileError("the PDF page tree has far more nodes than pages")
        kind = child.get("/Type", "/Pages" if "/Kids" in child else "/Page")
        if kind == "/Pages":
            path.append((child, _kids(child)))
            on_path.add(id(child))
        elif kind == "/Page":
            pages += 1
            if pages > limit:
                raise TooManyPagesError(pages=pages, limit=limit)


def _kids(node: DictionaryObject) -> Iterator[PdfObject]:
    kids = node.get("/Kids")
    resolved = kids.get_object() if isinstance(kids, PdfObject) else None
    items: Iterable[PdfObject] = resolved if isinstance(resolved, ArrayObject) else ()
    return iter(items)


def load_pages(
    data: bytes,
    *,
    file_type: FileType,
    max_pixels: int = 40_000_000,
    max_pages: int = 20,
) -> list[PageImage]:
    """Decode an upload into page images, enforcing the limits before decoding pixels.

    Images give one page. PDFs are counted first (the page limit applies
    before anything is rendered); each page then gives its layer (its text
    lines as drawn, and whether an image is the page: :func:`pdf_text_layers`)
    and an image: the page's single embedded image when it covers the page
    and fits the pixel limit, otherwise a render at about
    :data:`PDF_RENDER_DPI` capped to ``max_pixels``.

    Args:
        data: The whole file.
        file_type: The type :func:`sniff_file_type` detected.
        max_pixels: The largest image (width × height) accepted.
        max_pages: The most PDF pages accepted.

    Returns:
        The pages in order, numbered from 1.

    Raises:
        ImageTooLargeError: An image has more pixels than ``max_pixels``.
        ImageTooSmallError: A page's shorter side is under :data:`MIN_PAGE_SIDE`
            pixels, or under 1/:data:`MAX_PAGE_ASPECT` of its longer side.
        TooManyPagesError: A PDF has more pages than ``max_pages``.
        EncryptedPdfError: The PDF is encrypted.
        CorruptFileError: The data is truncated or not decodable.
    """
    if file_type is FileType.PDF:
        return _load_pdf_pages(data, max_pixels=max_pixels, max_pages=max_pages)
    _refuse_archive(data)
    return [PageImage(number=1, image=_load_image(data, max_pixels=max_pixels))]


def _refuse_archive(data: bytes) -> None:
    """An image that is also a ZIP archive (its central directory at the end) is refused.

    Bytes after a JPEG's end-of-image marker are legal and common (phones
    append a motion photo's video, maker data): only a whole archive is refused.
    """
    if zipfile.is_zipfile(io.BytesIO(data)):
        raise ActiveContentError("a ZIP archive inside the image file")


_ACTIVE_ACTIONS: Final = frozenset({"/JavaScript", "/Launch"})
_MAX_PDF_OBJECTS: Final = 50_000


def _refuse_active_pdf(reader: PdfReader) -> None:
    """Walk every object reachable from the trailer; refuse JavaScript and Launch actions.

    Actions hide in many places (``/OpenAction``, ``/AA`` of pages and fields,
    link annotations, the ``/Names`` tree's ``/JavaScript``), so the walk looks
    at every dictionary rather than at a list of places.
    """
    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject] = [reader.trailer]
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            resolved = item.get_object()
            if resolved is None:
                continue
            item = resolved
        visited += 1
        if visited > _MAX_PDF_OBJECTS:
            raise CorruptFileError("the PDF holds far more objects than a scan")
        if isinstance(item, DictionaryObject):
            if item.get("/S") in _ACTIVE_ACTIONS or "/JS" in item or "/JavaScript" in item:
                kind = "JavaScript" if item.get("/S") != "/Launch" else "a Launch action"
                raise ActiveContentError(f"{kind} in the PDF")
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _load_image(data: bytes, *, max_pixels: int) -> npt.NDArray[np.uint8]:
    _register_heif_opener()
    try:
        # Image.open only reads the header; the pixels are decoded by load().
        with Image.open(io.BytesIO(data)) as image:
            _check_pixels(image.width, image.height, max_pixels=max_pixels)
            image.load()
            # In place: the default returns a copy even when nothing turns.
            ImageOps.exif_transpose(image, in_place=True)
            return _pil_to_bgr(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # Pillow's own bomb guard fires inside open(), before our check could run.
        raise ImageTooLargeError(pixels=_declared_pixels(error), limit=max_pixels) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise CorruptFileError(str(error) or type(error).__name__) from error


def _declared_pixels(error: Exception) -> int:
    # Pillow's message is "Image size (N pixels) exceeds limit of M pixels ...".
    words = str(error).replace("(", " ").split()
    numbers = [int(word) for word in words if word.isdigit()]
    return numbers[0] if numbers else 0


def _check_pixels(width: int, height: int, *, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise CorruptFileError(f"image size {width}x{height}")
    if width * height > max_pixels:
        raise ImageTooLargeError(pixels=width * height, limit=max_pixels)
    _check_page_shape(width, height)


def _check_page_shape(width: int, height: int) -> None:
    # The quality check and the reader scale a page by its long side: a 1x5000
    # strip would shrink to nothing across, and a 1x1 image holds nothing to read.
    min_side = max(MIN_PAGE_SIDE, math.ceil(max(width, height) / MAX_PAGE_ASPECT))
    if min(width, height) < min_side:
        raise ImageTooSmallError(width=width, height=height, min_side=min_side)


@functools.cache
def _register_heif_opener() -> None:
    # Registering a Pillow plugin is idempotent process state, done on first use
    # rather than at import so importing ocr stays free of side effects.
    from pillow_heif import register_heif_opener

    register_heif_opener()


def _pil_to_bgr(image: Image.Image) -> npt.NDArray[np.uint8]:
    # The common modes go straight to OpenCV's channel swap: the same pixels as
    # ``convert("RGB")`` and reversing the channels, without two full-size copies.
    if image.mode == "RGB" and "transparency" not in image.info:
        return np.asarray(cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR), dtype=np.uint8)
    if image.mode == "L" and "transparency" not in image.info:
        return np.asarray(cv2.cvtColor(np.asarray(image), cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    if image.mode in {"I", "I;16", "I;16L", "I;16B", "F"}:
        grey = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if grey.max(initial=0.0) > 255 else 255.0
        grey8 = np.clip(grey * (255.0 / peak), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(cv2.cvtColor(grey8, cv2.COLOR_GRAY2BGR))
    if image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info:
        # Transparent areas of screenshots and exported scans are paper, not black.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])


@contextmanager
def _pdf_parse_errors() -> Iterator[None]:
    """Turn pypdf's failures on hostile or broken input into ``CorruptFileError``."""
    try:
        yield
    except PyPdfError as error:
        raise CorruptFileError(str(error) or type(error).__name__) from error
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, OSError) as error:
        # pypdf surfaces malformed objects as plain Python errors.
        raise CorruptFileError(f"malformed PDF: {type(error).__name__}") from error
    except RecursionError as error:
        raise CorruptFileError("malformed PDF: nesting too deep") from error


def _load_pdf_pages(data: bytes, *, max_pixels: int, max_pages: int) -> list[PageImage]:
    pages = count_pdf_pages(data, limit=max_pages)
    if pages > max_pages:
        raise TooManyPagesError(pages=pages, limit=max_pages)
    with _pdfium_document(data) as document:
        if len(document) != pages:
            raise CorruptFileError("pypdf and PDFium disagree on the page count")
        return [
            PageImage(
                number=number,
                image=_pdf_page_image(page, max_pixels=max_pixels),
                text_layer=page_layer(page),
            )
            for number, page in enumerate(document, start=1)
        ]


def pdf_text_layers(data: bytes) -> dict[int, PdfPageLayer]:
    """The layer of each page of an upload, by 1-based page number, without rendering.

    A layer holds the page's text lines as the file draws them (visible or
    not, in which colour, where) and whether a camera or scanner image is the
    page; it is evidence about the file, never text to read.

    Args:
        data: A file already accepted by :func:`load_pages`.

    Returns:
        Page number to layer, for every page of a PDF; empty for an image.
    """
    if sniff_file_type(data[:SNIFF_BYTES]) is not FileType.PDF:
        return {}
    with _pdfium_document(data) as document:
        return {number: page_layer(page) for number, page in enumerate(document, start=1)}


@contextmanager
def _pdfium_document(data: bytes) -> Iterator[pdfium.PdfDocument]:
    """Open a PDF in PDFium under its lock; PDFium failures become ``CorruptFileError``."""
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as error:
            raise CorruptFileError(str(error)) from error
        try:
            yield document
        except pdfium.PdfiumError as error:
            raise CorruptFileError(str(error)) from error
        finally:
            document.close()


def _pdf_page_image(page: pdfium.PdfPage, *, max_pixels: int) -> npt.NDArray[np.uint8]:
    embedded = _full_page_image(page, max_pixels=max_pixels)
    image = (
        embedded.get_bitmap(render=False).to_pil()
        if embedded is not None
        else _render_page(page, max_pixels=max_pixels)
    )
    # Either way the image is within the pixel limit, so checking it after costs little.
    _check_page_shape(image.width, image.height)
    return _pil_to_bgr(image)


def _render_page(page: pdfium.PdfPage, *, max_pixels: int) -> Image.Image:
    width, height = page.get_size()
    if width <= 0 or height <= 0:
        raise CorruptFileError(f"page size {width}x{height}")
    scale = PDF_RENDER_DPI / _POINTS_PER_INCH
    if width * height * scale * scale > max_pixels:
        scale = math.sqrt(max_pixels / (width * height)) * 0.999
    rendered: Image.Image = page.render(scale=scale, fill_color=(255, 255, 255, 255)).to_pil()
    return rendered


def _full_page_image(page: pdfium.PdfPage, *, max_pixels: int) -> pdfium.PdfImage | None:
    """The page's only image when it is upright, covers the page and fits the limit."""
    if page.get_rotation() != 0:
        return None
    images = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))
    if len(images) != 1:
        return None
    image = images[0]
    matrix = image.get_matrix()
    if abs(matrix.b) > 1e-6 or abs(matrix.c) > 1e-6 or matrix.a <= 0 or matrix.d <= 0:
        return None
    left, bottom, right, top = image.get_bounds()
    page_left, page_bottom, page_right, page_top = page.get_bbox()
    overlap_w = max(0.0, min(right, page_right) - max(left, page_left))
    overlap_h = max(0.0, min(top, page_top) - max(bottom, page_bottom))
    page_area = (page_right - page_left) * (page_top - page_bottom)
    if page_area <= 0 or overlap_w * overlap_h < FULL_PAGE_COVERAGE * page_area:
        return None
    px_width, px_height = image.get_px_size()
    if px_width * px_height > max_pixels or px_width <= 0 or px_height <= 0:
        return None
    found: pdfium.PdfImage = image
    return found


def encode_jpeg(image: npt.NDArray[np.uint8], *, quality: int = 92) -> bytes:
    """Encode a page image as JPEG, the normalised form stored beside the original.

    Args:
        image: BGR (or single-channel grey) ``uint8`` pixels.
        quality: JPEG quality, 1-100.

    Returns:
        The JPEG file, without EXIF (the pixels are already upright).

    Raises:
        ValueError: The array cannot be encoded.
    """
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("image could not be encoded as JPEG")
    return bytes(encoded.tobytes())


def decode_image(data: bytes) -> npt.NDArray[np.uint8]:
    """Decode a stored normalised image (as written by :func:`encode_jpeg`).

    Args:
        data: An encoded image.

    Returns:
        BGR ``uint8`` pixels.

    Raises:
        CorruptFileError: OpenCV cannot decode the data.
    """
    buffer = np.frombuffer(data, dtype=np.uint8)
    decoded = cv2.imdecode(buffer, cv2.IMREAD_COLOR) if buffer.size else None
    if decoded is None:
        raise CorruptFileError("stored image could not be decoded")
    return np.asarray(decoded, dtype=np.uint8)


def perceptual_hash(image: npt.NDArray[np.uint8]) -> str:
    """Compute the 64-bit perceptual hash (pHash) of a page image.

    Args:
        image: BGR or grey ``uint8`` pixels.

    Returns:
        16 lowercase hex characters; compare two with :func:`hamming_distance`.
    """
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return str(imagehash.phash(Image.fromarray(grey), hash_size=8))


def hamming_distance(a: str, b: str) -> int:
    """Count the differing bits of two perceptual hashes.

    Args:
        a: A hash from :func:`perceptual_hash`.
        b: Another one, of the same length.

    Returns:
        The number of differing bits (0 means visually the same page).

    Raises:
        ValueError: The hashes differ in length or are not hex.
    """
    if len(a) != len(b):
        raise ValueError("hashes of different lengths cannot be compared")
    return (int(a, 16) ^ int(b, 16)).bit_count()
