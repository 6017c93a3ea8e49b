"""What a PDF page says besides its pixels: its text layer and whether an image is the page.

A text layer is a claim by whoever made the file: it may be invisible (render
mode 3, as scanner apps lay their OCR over a scan, or as a forger spells a
document over a blank page), white on white, or off the page. This module only
describes the layer, line by line, with how each line is painted;
:mod:`ocr.provenance` holds it against what was read from the pixels.

The caller holds PDFium's lock (:mod:`ocr.images`): every function here calls
into PDFium.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ocr.domain import Box, PageSource, PdfPageLayer, PdfTextLine

__all__ = ["FULL_PAGE_COVERAGE", "page_layer"]

FULL_PAGE_COVERAGE: Final[float] = 0.9
"""Share of the page images must cover for the page to be a photo or a scan
(scanners leave a thin margin)."""

# Render modes that paint nothing: 3 invisible, 7 clip only.
_INVISIBLE_MODES: Final = frozenset({3, 7})
# Render modes that only stroke the outline: their colour is the stroke colour.
_STROKE_MODES: Final = frozenset({1, 5})
# Annotations that draw nothing over the page.
_SILENT_ANNOTATIONS: Final = frozenset({pdfium_c.FPDF_ANNOT_LINK, pdfium_c.FPDF_ANNOT_POPUP})
_NO_UNICODE: Final = frozenset({0, 0xFFFE, 0xFFFF})

_Style = tuple[bool, tuple[int, int, int]]


def page_layer(page: pdfium.PdfPage) -> PdfPageLayer:
    """Describe one PDF page: its source and its text layer, without rendering it.

    Args:
        page: An open PDFium page (the caller holds the PDFium lock).

    Returns:
        The page's source and its text lines, each with how it is painted.
    """
    return PdfPageLayer(source=_page_source(page), lines=tuple(_text_lines(page)))


def _page_source(page: pdfium.PdfPage) -> PageSource:
    """Raster when images cover the page and nothing visible is drawn over them."""
    left, bottom, right, top = page.get_bbox()
    area = (right - left) * (top - bottom)
    covered = 0.0
    for obj in page.get_objects(max_depth=2):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            covered += _overlap(obj.get_bounds(), (left, bottom, right, top))
        elif covered > 0 and _paints(obj):
            return PageSource.BORN_DIGITAL
    if area <= 0 or covered < FULL_PAGE_COVERAGE * area or _has_drawn_annotations(page):
        return PageSource.BORN_DIGITAL
    return PageSource.RASTER


def _overlap(
    bounds: tuple[float, float, float, float], page: tuple[float, float, float, float]
) -> float:
    width = min(bounds[2], page[2]) - max(bounds[0], page[0])
    height = min(bounds[3], page[3]) - max(bounds[1], page[1])
    return max(0.0, width) * max(0.0, height)


def _paints(obj: Any) -> bool:
    """Whether a page object other than an image puts something visible on the page."""
    if obj.type in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_SHADING):
        return True
    if obj.type != pdfium_c.FPDF_PAGEOBJ_TEXT:
        return False  # a form's own objects are visited one by one
    return int(pdfium_c.FPDFTextObj_GetTextRenderMode(obj)) not in _INVISIBLE_MODES


def _has_drawn_annotations(page: pdfium.PdfPage) -> bool:
    for index in range(max(0, int(pdfium_c.FPDFPage_GetAnnotCount(page)))):
        annotation = pdfium_c.FPDFPage_GetAnnot(page, index)
        if not annotation:
            continue
        try:
            if int(pdfium_c.FPDFAnnot_GetSubtype(annotation)) not in _SILENT_ANNOTATIONS:
                return True
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annotation)
    return False


@dataclass(slots=True)
class _Run:
    """Characters of one line painted the same way, in page points."""

    style: _Style
    text: list[str] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)


def _text_lines(page: pdfium.PdfPage) -> Iterator[PdfTextLine]:
    """The text layer as lines: split at line breaks and where the painting changes."""
    textpage = page.get_textpage()
    try:
        frame = _PageFrame(page)
        run: _Run | None = None
        for index in range(max(0, int(pdfium_c.FPDFText_CountChars(textpage)))):
            code = int(pdfium_c.FPDFText_GetUnicode(textpage, index))
            char = "" if code in _NO_UNICODE else chr(code)
            if char in {"\r", "\n"} or not char:
                yield from _finish(run, frame)
                run = None
                continue
            if char.isspace():
                if run is not None:
                    run.text.append(" ")
                continue
            style = _style(textpage, index)
            if run is None or run.style != style:
                yield from _finish(run, frame)
                run = _Run(style=style)
            run.text.append(char)
            run.boxes.append(_char_box(textpage, index))
        yield from _finish(run, frame)
    finally:
        textpage.close()


def _finish(run: _Run | None, frame: _PageFrame) -> Iterator[PdfTextLine]:
    if run is None or not run.boxes:
        return
    text = " ".join("".join(run.text).split())
    left = min(b[0] for b in run.boxes)
    bottom = min(b[1] for b in run.boxes)
    right = max(b[2] for b in run.boxes)
    top = max(b[3] for b in run.boxes)
    invisible, colour = run.style
    yield PdfTextLine(
        text=text,
        box=frame.relative((left, bottom, right, top)),
        invisible=invisible,
        colour=colour,
    )


def _style(textpage: pdfium.PdfTextPage, index: int) -> _Style:
    obj = pdfium_c.FPDFText_GetTextObject(textpage, index)
    mode = int(pdfium_c.FPDFTextObj_GetTextRenderMode(obj)) if obj else 0
    red, green, blue, alpha = (ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint())
    colour_of = (
        pdfium_c.FPDFText_GetStrokeColor
        if mode in _STROKE_MODES
        else pdfium_c.FPDFText_GetFillColor
    )
    if not colour_of(textpage, index, red, green, blue, alpha):
        return (mode in _INVISIBLE_MODES, (0, 0, 0))
    invisible = mode in _INVISIBLE_MODES or alpha.value == 0
    return (invisible, (red.value, green.value, blue.value))


def _char_box(textpage: pdfium.PdfTextPage, index: int) -> tuple[float, float, float, float]:
    """The character's box in page points: left, bottom, right, top."""
    rect = pdfium_c.FS_RECTF()
    if not pdfium_c.FPDFText_GetLooseCharBox(textpage, index, rect):
        return (0.0, 0.0, 0.0, 0.0)
    return (
        float(rect.left),
        float(min(rect.bottom, rect.top)),
        float(rect.right),
        float(max(rect.bottom, rect.top)),
    )


class _PageFrame:
    """Turns page points into boxes relative to the page as displayed (rotation applied)."""

    def __init__(self, page: pdfium.PdfPage) -> None:
        self._left, self._bottom, self._right, self._top = page.get_bbox()
        self._rotation = int(page.get_rotation()) % 360

    def relative(self, points: tuple[float, float, float, float]) -> Box:
        width = (self._right - self._left) or 1.0
        height = (self._top - self._bottom) or 1.0
        x0 = (points[0] - self._left) / width
        x1 = (points[2] - self._left) / width
        y0 = (self._top - points[3]) / height
        y1 = (self._top - points[1]) / height
        return _turn((x0, y0, x1, y1), self._rotation)


def _turn(box: Box, rotation: int) -> Box:
    """A relative box on the page turned clockwise by ``rotation`` degrees, as displayed."""
    x0, y0, x1, y1 = box
    turned = {
        90: (1 - y1, x0, 1 - y0, x1),
        180: (1 - x1, 1 - y1, 1 - x0, 1 - y0),
        270: (y0, 1 - x1, y1, 1 - x0),
    }.get(rotation, box)
    left, top, right, bottom = (round(v, 4) for v in turned)
    return (left, top, right, bottom)
