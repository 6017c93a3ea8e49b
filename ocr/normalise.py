"""Page normalisation: document boundary, perspective, orientation, deskew, size.

The input is a decoded page (EXIF orientation already applied by
:mod:`ocr.images`). The document's border, when one is visible and plausible,
is warped to a rectangle, and the page is downscaled to what the recogniser
needs. The text detector's quads (one pass, at a small size) then decide
between upright and 90°-turned text and give the remaining skew, which is
removed from the line geometry rather than by resampling the image. Whether a
document is upside down is decided later, per document, from the angle
classifier's votes, because the two sides of an ID card on one photocopy are
often turned differently.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from ocr.geometry import find_document_quad, quad_area_fraction

__all__ = [
    "NormalisedPage",
    "normalise_page",
    "orientation_from_quads",
    "rotate_quads",
    "text_channel",
]

Image = npt.NDArray[np.uint8]
Quad = tuple[tuple[float, float], ...]

MAX_SIDE: Final = 2000
"""Long side of the normalised page: the recogniser crops from it (≥ 1600 keeps small print)."""
_MAX_CORNER_COSINE: Final = 0.45  # corners between about 63 and 117 degrees
_MIN_WARP_AREA: Final = 0.2
_MAX_WARP_AREA: Final = 0.9
_MIN_SKEW_DEG: Final = 0.8
_INK_SIDE: Final = 500
_INK_CONTRAST: Final = 12
_OUTSIDE_INK_SHARE: Final = 0.35


@dataclass(frozen=True, slots=True, kw_only=True)
class NormalisedPage:
    """The page ready for text detection.

    Attributes:
        image: BGR pixels, warped flat when a border was found, long side ≤ ``MAX_SIDE``.
        warped: Whether a document border was found and warped flat.
    """

    image: Image
    warped: bool


def text_channel(image: Image) -> Image:
    """The red channel as grey: red seals and stamps vanish, black and blue ink stay."""
    return np.ascontiguousarray(image[:, :, 2]) if image.ndim == 3 else image


def normalise_page(image: Image, *, max_side: int = MAX_SIDE) -> NormalisedPage:
    """Flatten the document (when its border is visible) and shrink the page.

    Args:
        image: BGR page, EXIF orientation applied.
        max_side: Long side of the result.

    Returns:
        The normalised page.
    """
    flat, warped = _flatten(image)
    scale = min(1.0, max_side / max(flat.shape[:2]))
    if scale < 1.0:
        flat = np.asarray(cv2.resize(flat, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    return NormalisedPage(image=flat, warped=warped)


def _flatten(image: Image) -> tuple[Image, bool]:
    quad = find_document_quad(image)
    if quad is None or not _is_trustworthy(quad, width=image.shape[1], height=image.shape[0]):
        return image, False
    if _has_text_outside(image, quad):
        # Another document beside this one (two register pages, two cards): keep the frame.
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


def _is_trustworthy(quad: npt.NDArray[np.float32], *, width: int, height: int) -> bool:
    """A border worth warping to: inside the frame, near-rectangular, not tiny."""
    area = quad_area_fraction(quad, width=width, height=height)
    if not _MIN_WARP_AREA <= area <= _MAX_WARP_AREA:
        return False
    margin = 0.005 * max(width, height)
    xs, ys = quad[:, 0], quad[:, 1]
    if xs.min() < margin or ys.min() < margin:
        return False
    if xs.max() > width - margin or ys.max() > height - margin:
        return False
    for i in range(4):
        a, b, c = quad[i - 1], quad[i], quad[(i + 1) % 4]
        u, v = a - b, c - b
        cosine = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-6))
        if abs(cosine) > _MAX_CORNER_COSINE:
            return False
    return True


def _has_text_outside(image: Image, quad: npt.NDArray[np.float32]) -> bool:
    """Whether the frame outside the quad holds print as dense as a document's."""
    grey = text_channel(image)
    scale = _INK_SIDE / max(grey.shape[:2])
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(
        small, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, _INK_CONTRAST
    )
    inside = np.zeros_like(ink)
    cv2.fillConvexPoly(inside, np.round(quad * scale).astype(np.int32), 1)
    inner = float(ink[inside == 1].mean()) if inside.any() else 0.0
    outer_mask = inside == 0
    outer = float(ink[outer_mask].mean()) if outer_mask.any() else 0.0
    return inner > 0 and outer > _OUTSIDE_INK_SHARE * inner


def orientation_from_quads(quads: Sequence[Quad], *, turned: bool = False) -> tuple[int, float]:
    """Decide from detector quads whether text runs vertically, and measure skew.

    Args:
        quads: Text-line quads (tl, tr, br, bl) from the detector.
        turned: The page has already been turned 90°: only skew is measured.

    Returns:
        ``(rotation, skew)``: 90 when the page must be turned clockwise to make
        lines horizontal (else 0), and the lines' median angle in degrees.
    """
    wide = tall = 0.0
    angles: list[float] = []
    for quad in quads:
        (x0, y0), (x1, y1), _, (x3, y3) = quad[:4]
        across = math.hypot(x1 - x0, y1 - y0)
        down = math.hypot(x3 - x0, y3 - y0)
        # The quad's long side runs along the line: horizontal or vertical on the page.
        dx, dy = (x1 - x0, y1 - y0) if across >= down else (x3 - x0, y3 - y0)
        length, thickness = max(across, down), min(across, down)
        if length < 2.5 * thickness:
            continue
        if abs(dx) >= abs(dy):
            wide += length
            angles.append(math.degrees(math.atan2(dy, dx if dx else 1e-6)))
        else:
            tall += length
    rotation = 90 if tall > wide * 1.2 and not turned else 0
    skew = statistics.median(_fold(a) for a in angles) if angles and not rotation else 0.0
    return rotation, round(skew, 2)


def rotate_quads(
    quads: Sequence[Quad], *, degrees: float, centre: tuple[float, float]
) -> list[Quad]:
    """Rotate quads about ``centre`` by ``degrees`` (counter-clockwise on screen)."""
    if abs(degrees) < _MIN_SKEW_DEG:
        return list(quads)
    angle = math.radians(degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    cx, cy = centre
    # Image y points down, so a counter-clockwise turn on screen is (x, y) -> (x cos + y sin, ...).
    return [
        tuple(
            (cx + (x - cx) * cos + (y - cy) * sin, cy - (x - cx) * sin + (y - cy) * cos)
            for x, y in quad
        )
        for quad in quads
    ]


def _fold(angle: float) -> float:
    while angle > 45:
        angle -= 180
    while angle < -45:
        angle += 180
    return angle
