"""Page normalisation: document boundary, perspective, orientation, deskew, size.

The input is a decoded page (EXIF orientation already applied by
:mod:`ocr.images`). The document's border, when one is visible, is warped to a
rectangle; the page is downscaled to what the recogniser needs; a cheap probe
(text detection on a small copy) decides between upright and 90°-turned
text and measures the remaining skew. Whether a document is upside down is
decided later, per document, from the angle classifier's votes, because the
two sides of an ID card on one photocopy are often turned differently.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from ocr.engines.base import OcrEngine
from ocr.geometry import find_document_quad, quad_area_fraction

__all__ = ["NormalisedPage", "normalise_page", "text_channel"]

Image = npt.NDArray[np.uint8]

MAX_SIDE: Final = 2000
"""Long side of the normalised page: the recogniser crops from it (≥ 1600 keeps small print)."""
PROBE_SIDE: Final = 800
_MIN_WARP_AREA: Final = 0.2
_MAX_WARP_AREA: Final = 0.9
_MIN_SKEW_DEG: Final = 0.8


@dataclass(frozen=True, slots=True, kw_only=True)
class NormalisedPage:
    """The page ready for reading.

    Attributes:
        image: BGR pixels, warped, turned and deskewed, long side ≤ ``MAX_SIDE``.
        rotation: Clockwise degrees the page was turned (0 or 90).
        skew: Degrees of skew removed after the turn.
        warped: Whether a document border was found and warped flat.
    """

    image: Image
    rotation: int
    skew: float
    warped: bool


def text_channel(image: Image) -> Image:
    """The red channel as grey: red seals and stamps vanish, black and blue ink stay."""
    return np.ascontiguousarray(image[:, :, 2]) if image.ndim == 3 else image


def normalise_page(
    image: Image, *, engine: OcrEngine | None, max_side: int = MAX_SIDE
) -> NormalisedPage:
    """Flatten, shrink, turn and deskew a page photo.

    Args:
        image: BGR page, EXIF orientation applied.
        engine: Used to probe text direction and skew; ``None`` skips the probe.
        max_side: Long side of the result.

    Returns:
        The normalised page.
    """
    flat, warped = _flatten(image)
    scale = min(1.0, max_side / max(flat.shape[:2]))
    if scale < 1.0:
        flat = np.asarray(cv2.resize(flat, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    if engine is None:
        return NormalisedPage(image=flat, rotation=0, skew=0.0, warped=warped)
    rotation, skew = _probe(flat, engine)
    if rotation:
        flat = np.ascontiguousarray(cv2.rotate(flat, cv2.ROTATE_90_CLOCKWISE))
        skew = -skew
    if abs(skew) >= _MIN_SKEW_DEG:
        flat = _rotate_small(flat, skew)
    return NormalisedPage(image=flat, rotation=rotation, skew=round(skew, 2), warped=warped)


def _flatten(image: Image) -> tuple[Image, bool]:
    quad = find_document_quad(image)
    if quad is None:
        return image, False
    area = quad_area_fraction(quad, width=image.shape[1], height=image.shape[0])
    if not _MIN_WARP_AREA <= area <= _MAX_WARP_AREA:
        return image, False
    centre = quad.mean(axis=0)
    quad = (centre + (quad - centre) * 1.02).astype(np.float32)
    tl, tr, br, bl = quad
    width = round(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = round(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad, target)
    flat = cv2.warpPerspective(
        image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(flat, dtype=np.uint8), True


def _probe(image: Image, engine: OcrEngine) -> tuple[int, float]:
    """Decide whether text runs vertically (page turned 90°) and measure skew."""
    scale = min(1.0, PROBE_SIDE / max(image.shape[:2]))
    small = cv2.resize(text_channel(image), None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    quads = engine.detect(np.asarray(small, dtype=np.uint8))
    wide = tall = 0.0
    angles: list[float] = []
    for quad in quads:
        (x0, y0), (x1, y1), _, (x3, y3) = quad[:4]
        across = math.hypot(x1 - x0, y1 - y0)
        down = math.hypot(x3 - x0, y3 - y0)
        # A detector quad runs along the line from its first corner; its long
        # side says whether the line is horizontal or vertical on the page.
        dx, dy = (x1 - x0, y1 - y0) if across >= down else (x3 - x0, y3 - y0)
        length, thickness = max(across, down), min(across, down)
        if length < 2.5 * thickness:
            continue
        if abs(dx) >= abs(dy):
            wide += length
            angles.append(math.degrees(math.atan2(dy, dx if dx else 1e-6)))
        else:
            tall += length
    rotation = 90 if tall > wide * 1.2 else 0
    skew = statistics.median(_fold(a) for a in angles) if angles and not rotation else 0.0
    return rotation, skew


def _fold(angle: float) -> float:
    while angle > 45:
        angle -= 180
    while angle < -45:
        angle += 180
    return angle


def _rotate_small(image: Image, degrees: float) -> Image:
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    turned = cv2.warpAffine(
        image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(turned, dtype=np.uint8)
