"""The page image in the frame its reading's boxes refer to.

``ocr/domain.py`` promises boxes relative to the normalised page image, but
the reader measures them on its own view of that image: the document
flattened to its border when one is visible (``ocr.normalise.normalise_page``),
turned upright by the reading's ``quality.rotation`` (clockwise), and with the
line boxes turned back by ``quality.skew`` about the centre
(``ocr.normalise.rotate_quads``). Drawn over the stored page, the boxes of a
photographed sheet or a sideways card land beside the text. Until the reader
maps its boxes back to the stored page, the page is shown as the reader saw
it: derived here from the stored page with the reader's own public functions.
"""

from __future__ import annotations

import hashlib
from typing import Final

import cv2
import numpy as np

from ocr.domain import PageReading
from ocr.images import decode_image, encode_jpeg
from ocr.normalise import normalise_page

__all__ = ["frame_tag", "reading_frame"]

_TURNS: Final = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}
_MIN_SKEW_DEG: Final = 0.8
"""``rotate_quads`` leaves a smaller skew alone, so the frame does too."""


def frame_tag(image_sha256: str, reading: PageReading | None) -> str:
    """An ETag for the page as shown: its image and the reading whose frame it is drawn in."""
    if reading is None:
        return f'"{image_sha256}"'
    quality = reading.quality
    frame = f"{reading.engine_version}|{quality.rotation}|{quality.skew:.3f}"
    return f'"{image_sha256}-{hashlib.sha256(frame.encode()).hexdigest()[:12]}"'


def reading_frame(page_jpeg: bytes, reading: PageReading | None) -> bytes:
    """The stored page as the reader measured it (JPEG); the page itself when it was not read."""
    if reading is None:
        return page_jpeg
    frame = normalise_page(decode_image(page_jpeg)).image
    turn = _TURNS.get(reading.quality.rotation % 360)
    if turn is not None:
        frame = np.ascontiguousarray(cv2.rotate(frame, turn))
    skew = reading.quality.skew
    if abs(skew) >= _MIN_SKEW_DEG:
        height, width = frame.shape[:2]
        # The same turn as rotate_quads: counter-clockwise on screen for a positive skew.
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), skew, 1.0)
        frame = np.asarray(
            cv2.warpAffine(frame, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE),
            dtype=np.uint8,
        )
    return encode_jpeg(frame)
