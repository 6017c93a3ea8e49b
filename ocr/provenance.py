"""Holding a PDF page's text layer against what was read from its pixels.

The reading always comes from the pixels. A text layer only says what the
file's maker claims the page holds, so it is compared with the recognised
text, line by line: a layer line agrees when most of its character pairs
were read somewhere on the page. A scanner app's invisible OCR layer over a
scan agrees; text that is invisible over a blank page, white on white, off
the page, or not what the image under it shows does not, and each such line
is reported with why (:class:`~ocr.domain.LayerMismatch`).

Position is not used to match: the layer never feeds the reading, so all
that matters is whether the pixels show what the layer says; the recognised
lines live on the normalised (flattened, turned) page, the layer on the PDF's.
For the same reason a line that changes one short value beside a label the
pixels show (``有效期限 长期`` over ``有效期限 2030.01.01``) may still agree:
nothing of it is read, and visible text drawn over a scan makes the page
born digital (:mod:`ocr.pdflayers`) whatever its text says.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from ocr.domain import Box, LayerLine, LayerMismatch, PdfPageLayer, PdfTextLine, TextLayerFinding

__all__ = ["compare_text_layer"]

MIN_LINE_CHARACTERS: Final = 2
"""Layer lines with fewer letters, digits or CJK characters are too short to judge."""
MIN_SHOWN: Final = 0.6
"""Share of a layer line's character pairs the recognised text must hold for it to agree.

Two recognisers that each misread one character in twenty keep about 80 %
of a line's pairs; a changed name keeps its label only (``姓名 张三`` read as
``姓名 李四``: 50 %)."""
MIN_ON_PAGE: Final = 0.5
"""A line with less of its box on the page than this is off the page."""
MAX_BACKGROUND_DISTANCE: Final = 40
"""Text whose colour is this close (per RGB channel, 0-255) to the pixels under it is hidden."""

Image = npt.NDArray[np.uint8]


def compare_text_layer(
    layer: PdfPageLayer,
    *,
    read: Iterable[str],
    image: Image,
    fold: Callable[[str], str] = str,
) -> TextLayerFinding | None:
    """Compare a PDF page's text layer with the text read from its pixels.

    Args:
        layer: The page's layer (:func:`ocr.images.pdf_text_layers`).
        read: The text of every line recognised on the page.
        image: The page's pixels as read (BGR), to see the colour under a line.
        fold: Applied to layer text before comparing, as it was to the
            recognised text (traditional to simplified).

    Returns:
        The finding, or ``None`` when the page has no text layer.
    """
    if not layer.lines:
        return None
    seen = {pair for text in read for pair in _pairs(text)}
    total = shown = 0
    disagreements: list[LayerLine] = []
    for line in layer.lines:
        pairs = _pairs(fold(line.text))
        characters = len(_characters(fold(line.text)))
        if characters < MIN_LINE_CHARACTERS:
            continue
        total += characters
        if sum(pair in seen for pair in pairs) >= MIN_SHOWN * len(pairs):
            shown += characters
        else:
            mismatch = _mismatch(line, image)
            disagreements.append(LayerLine(text=line.text, box=line.box, mismatch=mismatch))
    agreement = round(shown / total, 4) if total else 1.0
    return TextLayerFinding(
        characters=total, agreement=agreement, disagreements=tuple(disagreements)
    )


def _characters(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text).upper() if c.isalnum())


def _pairs(text: str) -> list[str]:
    """Adjacent character pairs within each word, and single-character words."""
    found: list[str] = []
    for word in unicodedata.normalize("NFKC", text).upper().split():
        kept = _characters(word)
        if len(kept) == 1:
            found.append(kept)
        found.extend(kept[i : i + 2] for i in range(len(kept) - 1))
    return found


def _mismatch(line: PdfTextLine, image: Image) -> LayerMismatch:
    if _share_on_page(line.box) < MIN_ON_PAGE:
        return LayerMismatch.OFF_PAGE
    if line.invisible:
        return LayerMismatch.INVISIBLE
    under = _colour_under(line.box, image)
    if under is not None and max(abs(a - b) for a, b in zip(under, line.colour, strict=True)) <= (
        MAX_BACKGROUND_DISTANCE
    ):
        return LayerMismatch.BACKGROUND
    return LayerMismatch.NOT_IN_IMAGE


def _share_on_page(box: Box) -> float:
    x0, y0, x1, y1 = box
    area = max(x1 - x0, 0.0) * max(y1 - y0, 0.0)
    if area <= 0:
        return 1.0 if 0 <= x0 <= 1 and 0 <= y0 <= 1 else 0.0
    inside = max(min(x1, 1.0) - max(x0, 0.0), 0.0) * max(min(y1, 1.0) - max(y0, 0.0), 0.0)
    return inside / area


def _colour_under(box: Box, image: Image) -> Sequence[int] | None:
    """The median RGB colour of the pixels under a relative box, or ``None`` off the image."""
    height, width = image.shape[:2]
    x0, x1 = (round(min(max(v, 0.0), 1.0) * width) for v in (box[0], box[2]))
    y0, y1 = (round(min(max(v, 0.0), 1.0) * height) for v in (box[1], box[3]))
    patch = image[y0:y1, x0:x1]
    if patch.size == 0:
        return None
    pixels = patch.reshape(-1, patch.shape[2]) if patch.ndim == 3 else patch.reshape(-1, 1)
    median = [int(v) for v in np.median(pixels, axis=0)]
    blue, green, red = (median * 3)[:3] if len(median) == 1 else median[:3]
    return (red, green, blue)
