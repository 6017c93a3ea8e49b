"""Where the document lies in a photo: its four corners and its skew.

Two detectors run on a copy downscaled to :data:`DETECTION_LONG_SIDE` pixels:
the outline of a bright, paper-like region (Otsu threshold, holes closed) and
the largest four-sided contour of the edge map. A candidate counts only when
it is convex, neither tiny nor the whole frame, and its inside differs from a
ring just outside it (paper against a table). A flat scan or a PDF render has
no visible border, so it gives ``None``: callers treat that as "the document
fills the frame".
"""

from __future__ import annotations

import math
from typing import Any, Final

import cv2
import numpy as np
import numpy.typing as npt

__all__ = ["DETECTION_LONG_SIDE", "find_document_quad", "quad_area_fraction", "quad_skew"]

DETECTION_LONG_SIDE: Final[int] = 500
"""Long side, in pixels, of the copy the detectors work on."""

# A quad smaller than this share of the frame is noise (a stamp, a table cell),
# one larger is the frame itself.
_MIN_AREA_FRACTION: Final[float] = 0.03
_MAX_AREA_FRACTION: Final[float] = 0.97
# Mean grey levels (0-255) inside and just outside the quad must differ this much:
# paper against a table, not one table cell against the paper around it.
_MIN_BORDER_CONTRAST: Final[float] = 18.0
_RING_WIDTH: Final[int] = 7
_APPROX_EPSILONS: Final[tuple[float, ...]] = (0.02, 0.03, 0.05, 0.08)

Quad = npt.NDArray[np.float32]


def find_document_quad(image: npt.NDArray[np.uint8]) -> Quad | None:
    """Find the corners of the document in a photo.

    Args:
        image: BGR or grey ``uint8`` pixels of the whole frame.

    Returns:
        A ``(4, 2)`` float32 array of corner points in the image's pixel
        coordinates, ordered top-left, top-right, bottom-right, bottom-left;
        ``None`` when no document border is visible (a flat scan filling the
        frame, or nothing document-like at all).
    """
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = min(1.0, DETECTION_LONG_SIDE / max(grey.shape[:2]))
    resized = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = np.asarray(cv2.GaussianBlur(resized, (5, 5), 0), dtype=np.uint8)
    candidates = [*_bright_region_quads(small), *_edge_quads(small)]
    accepted = [quad for quad in candidates if _is_plausible(quad, small)]
    if not accepted:
        return None
    best = max(accepted, key=lambda quad: cv2.contourArea(quad))
    return _order_corners(best / scale)


def quad_area_fraction(quad: Quad, *, width: int, height: int) -> float:
    """Share of a ``width`` × ``height`` frame covered by ``quad``.

    Args:
        quad: Corner points in pixel coordinates.
        width: Frame width in pixels.
        height: Frame height in pixels.

    Returns:
        The fraction, between 0 and 1.
    """
    return float(min(1.0, cv2.contourArea(quad.astype(np.float32)) / float(width * height)))


def quad_skew(quad: Quad) -> float:
    """Angle of the document's horizontal edges against the frame.

    Args:
        quad: Corners ordered tl, tr, br, bl.

    Returns:
        Degrees in ``(-45, 45]``, positive when the document is turned clockwise.
    """
    tl, tr, br, bl = (quad[i].astype(np.float64) for i in range(4))
    angles = [math.degrees(math.atan2(b[1] - a[1], b[0] - a[0])) for a, b in ((tl, tr), (bl, br))]
    mean = sum(angles) / len(angles)
    # A document held sideways reads as a 90° turn plus a small skew.
    return float((mean + 45.0) % 90.0 - 45.0)


def _bright_region_quads(small: npt.NDArray[np.uint8]) -> list[Quad]:
    _, mask = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Close the holes text leaves in the paper, then drop specks.
    size = max(5, min(small.shape[:2]) // 25)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    largest = sorted(contours, key=cv2.contourArea, reverse=True)[:2]
    return [quad for contour in largest if (quad := _to_quad(cv2.convexHull(contour))) is not None]


def _edge_quads(small: npt.NDArray[np.uint8]) -> list[Quad]:
    edges = cv2.Canny(small, 40, 120)
    edges = cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    largest = sorted(contours, key=cv2.contourArea, reverse=True)[:5]
    return [quad for contour in largest if (quad := _to_quad(contour)) is not None]


def _to_quad(contour: npt.NDArray[Any]) -> Quad | None:
    perimeter = cv2.arcLength(contour, closed=True)
    for epsilon in _APPROX_EPSILONS:
        approx = cv2.approxPolyDP(contour, epsilon * perimeter, closed=True)
        if len(approx) == 4 and cv2.isContourConvex(approx):
            return approx.reshape(4, 2).astype(np.float32)
    return None


def _is_plausible(quad: Quad, small: npt.NDArray[np.uint8]) -> bool:
    height, width = small.shape[:2]
    fraction = quad_area_fraction(quad, width=width, height=height)
    if not _MIN_AREA_FRACTION <= fraction <= _MAX_AREA_FRACTION:
        return False
    inside = np.zeros((height, width), dtype=np.uint8)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 255)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * _RING_WIDTH + 1, 2 * _RING_WIDTH + 1))
    ring = cv2.subtract(cv2.dilate(inside, kernel), inside)
    if cv2.countNonZero(ring) < _RING_WIDTH * 20:
        return False
    eroded = cv2.erode(inside, kernel)
    inner = eroded if cv2.countNonZero(eroded) else inside
    contrast = abs(cv2.mean(small, mask=inner)[0] - cv2.mean(small, mask=ring)[0])
    return bool(contrast >= _MIN_BORDER_CONTRAST)


def _order_corners(points: npt.NDArray[np.float64] | Quad) -> Quad:
    pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    # Image y grows downwards, so increasing angle runs clockwise on screen: tl, tr, br, bl.
    clockwise = pts[np.argsort(angles)]
    start = int(np.argmin(clockwise.sum(axis=1)))
    return np.roll(clockwise, -start, axis=0).astype(np.float32)
