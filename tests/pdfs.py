"""Hand-written PDFs for tests: pages with an optional full-page photo and text drawn any way.

The text uses one Type0 font (Identity-H, CID = Unicode code point, with a
ToUnicode map), so Chinese text layers extract exactly without a font file.
Nothing binary is committed: every file is built here from its description.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

__all__ = ["PdfPage", "PdfText", "build_pdf", "photo_jpeg"]

A4 = (595.0, 842.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class PdfText:
    """A line of text at ``(x, y)`` points from the page's top-left corner."""

    text: str
    x: float
    y: float
    size: float = 14.0
    mode: int = 0
    """PDF text render mode: 0 fill, 3 invisible, 7 clip only."""
    rgb: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class PdfPage:
    texts: Sequence[PdfText] = ()
    image: bytes | None = None
    """A JPEG drawn over the whole page (a scan), before the text."""
    image_after_text: bool = False
    size: tuple[float, float] = A4


def photo_jpeg(image: npt.NDArray[np.uint8]) -> bytes:
    """A BGR image as a JPEG to place on a page."""
    buffer = io.BytesIO()
    Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def build_pdf(pages: Sequence[PdfPage]) -> bytes:
    """A PDF of the given pages."""
    used = sorted({ord(c) for page in pages for t in page.texts for c in t.text})
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    objects.append(_font(len(objects) + 2))  # 3: Type0 font, 4: CIDFont, 5: ToUnicode
    objects.append(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NotoSansCJKsc-Regular "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/FontDescriptor 6 0 R /DW 1000 /CIDToGIDMap /Identity >>"
    )
    objects.append(pdf_stream(_to_unicode(used)))
    objects.append(
        b"<< /Type /FontDescriptor /FontName /NotoSansCJKsc-Regular /Flags 4 "
        b"/FontBBox [0 -120 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 700 /StemV 80 >>"
    )
    kids = []
    for page in pages:
        kids.append(_add_page(objects, page))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    return pdf_file(objects)


def _font(descendant: int) -> bytes:
    return (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NotoSansCJKsc-Regular "
        b"/Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>"
        % (descendant, descendant + 1)
    )


def _to_unicode(codes: Sequence[int]) -> bytes:
    entries = b"".join(b"<%04X> <%04X>\n" % (c, c) for c in codes)
    return (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        + b"%d beginbfchar\n" % len(codes)
        + entries
        + b"endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end\n"
    )


def _add_page(objects: list[bytes], page: PdfPage) -> int:
    width, height = page.size
    ops: list[bytes] = []
    resources = b"/Font << /F1 3 0 R >>"
    image_ops: list[bytes] = []
    if page.image is not None:
        pixels = Image.open(io.BytesIO(page.image))
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
            b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n"
            % (pixels.width, pixels.height, len(page.image))
            + page.image
            + b"\nendstream"
        )
        resources += b" /XObject << /Im1 %d 0 R >>" % len(objects)
        image_ops.append(b"q %.2f 0 0 %.2f 0 0 cm /Im1 Do Q" % (width, height))
    text_ops = [_text_op(t, height) for t in page.texts]
    ops = [*text_ops, *image_ops] if page.image_after_text else [*image_ops, *text_ops]
    objects.append(pdf_stream(b"\n".join(ops)))
    content = len(objects)
    objects.append(
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << %s >> "
        b"/Contents %d 0 R >>" % (width, height, resources, content)
    )
    return len(objects)


def _text_op(text: PdfText, page_height: float) -> bytes:
    glyphs = "".join(f"{ord(c):04X}" for c in text.text).encode()
    red, green, blue = text.rgb
    baseline = page_height - text.y - text.size
    return b"BT %.3f %.3f %.3f rg %d Tr /F1 %.2f Tf %.2f %.2f Td <%s> Tj ET" % (
        red,
        green,
        blue,
        text.mode,
        text.size,
        text.x,
        baseline,
        glyphs,
    )


def pdf_stream(body: bytes) -> bytes:
    """A PDF stream object holding ``body``."""
    return b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream"


def pdf_file(objects: Sequence[bytes]) -> bytes:
    """Serialise numbered objects (the first is the catalog) with their cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
