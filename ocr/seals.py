"""Red seals: found by colour and shape, their text read from a polar unwrap.

Seals are looked for in the colour image on their own because the text pass
reads the red channel as grey, which hides red ink. A candidate is a blob of
saturated red whose outline is round or oval and whose ink is a ring with
text rather than a filled disc (the emblem on an ID card's back) or a band.
The arc text of a round seal becomes a straight line in polar coordinates,
which the ordinary recogniser can read.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

__all__ = ["SealCandidate", "find_seals", "red_mask", "unwrap_seal"]

_WORK_SIDE: Final = 1000
_MIN_DIAMETER: Final = 0.04  # of the long side
_MAX_DIAMETER: Final = 0.45
_MIN_ROUNDNESS: Final = 0.72
_MAX_FILL: Final = 0.55
_MIN_FILL: Final = 0.03
_UNWRAP_RADIUS: Final = 160
_MIN_REDNESS: Final = 20
_MIN_RING: Final = 0.5
_RING_INNER: Final = 0.78
_CORE_RADIUS: Final = 0.55
_MAX_CORE_FILL: Final = 0.45
_MIN_RED: Final = 90

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True, kw_only=True)
class SealCandidate:
    """A seal in pixel coordinates of the image searched."""

    box: tuple[float, float, float, float]
    confidence: float
    text: str = ""


def red_mask(image: Image) -> Image:
    """Pixels of red ink (255) in a BGR image, faded stamps included.

    Redness is the red channel's lead over the mean of green and blue, which
    survives fading and tinted paper better than a hue window.
    """
    channels = image.astype(np.int16)
    blue, green, red = channels[:, :, 0], channels[:, :, 1], channels[:, :, 2]
    redness = red - (green + blue) // 2
    # Tinted paper (the household register's pink) raises redness everywhere:
    # ink must stand out from the page's typical level.
    level = max(_MIN_REDNESS, float(np.median(redness)) + _MIN_REDNESS)
    ink = (redness > level) & (red > _MIN_RED) & (red - green > level)
    return np.where(ink, 255, 0).astype(np.uint8)


def find_seals(image: Image, *, read: Callable[[Image], str] | None = None) -> list[SealCandidate]:
    """Find round or oval red seals.

    Args:
        image: BGR page image.
        read: Reads the text of an unwrapped seal strip (grey, dark ink on white);
            seal text is left empty without it.

    Returns:
        The seals found, largest first.
    """
    scale = min(1.0, _WORK_SIDE / max(image.shape[:2]))
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    mask = red_mask(np.asarray(small, dtype=np.uint8))
    long_side = max(mask.shape)
    size = max(3, round(long_side * 0.02)) | 1
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((size, size), np.uint8))
    # Every contour, nested ones included: a seal can sit inside a red page
    # border or tinted frame that encloses everything else.
    contours, _ = cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    judged = [c for c in (_judge(ct, mask, long_side=long_side) for ct in contours) if c]
    found = []
    for candidate in _outermost(judged):
        x0, y0, x1, y1 = (v / scale for v in candidate[0])
        text = read(unwrap_seal(image, (x0, y0, x1, y1))) if read else ""
        found.append(SealCandidate(box=(x0, y0, x1, y1), confidence=candidate[1], text=text))
    return sorted(found, key=lambda s: (s.box[2] - s.box[0]) * (s.box[3] - s.box[1]), reverse=True)


def _outermost(
    candidates: list[tuple[tuple[float, float, float, float], float]],
) -> list[tuple[tuple[float, float, float, float], float]]:
    """Drop candidates lying inside another one (a ring's inner edge)."""
    kept = []
    for box, confidence in candidates:
        inside = any(
            other != box
            and other[0] <= box[0] + 2
            and other[1] <= box[1] + 2
            and other[2] >= box[2] - 2
            and other[3] >= box[3] - 2
            for other, _ in candidates
        )
        if not inside:
            kept.append((box, confidence))
    return kept


def _judge(
    contour: npt.NDArray[np.int32] | cv2.typing.MatLike, mask: Image, *, long_side: int
) -> tuple[tuple[float, float, float, float], float] | None:
    x, y, w, h = cv2.boundingRect(contour)
    if not _MIN_DIAMETER * long_side <= max(w, h) <= _MAX_DIAMETER * long_side:
        return None
    if not 0.55 <= w / h <= 1.8:
        return None
    hull = cv2.convexHull(contour)
    area, perimeter = cv2.contourArea(hull), cv2.arcLength(hull, closed=True)
    if perimeter == 0:
        return None
    roundness = 4 * math.pi * area / perimeter**2
    fill = float(np.count_nonzero(mask[y : y + h, x : x + w])) / float(w * h)
    if roundness < _MIN_ROUNDNESS or not _MIN_FILL <= fill <= _MAX_FILL:
        return None
    ring, core = _ring_coverage(mask[y : y + h, x : x + w])
    if ring < _MIN_RING or core > _MAX_CORE_FILL:
        return None
    confidence = min(
        1.0, 0.3 + 0.4 * ring + 0.3 * (roundness - _MIN_ROUNDNESS) / (1 - _MIN_ROUNDNESS)
    )
    return (float(x), float(y), float(x + w), float(y + h)), round(confidence, 3)


def _ring_coverage(mask: Image) -> tuple[float, float]:
    """Share of 36 angular sectors with ink near the outline (a seal's border ring),
    and the ink share of the core (a filled emblem, not a seal, when high)."""
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return 0.0, 0.0
    dx = (xs - w / 2) / (w / 2)
    dy = (ys - h / 2) / (h / 2)
    radius = np.hypot(dx, dy)
    outer = (radius > _RING_INNER) & (radius < 1.1)
    sectors = ((np.arctan2(dy[outer], dx[outer]) + np.pi) / (2 * np.pi) * 36).astype(int) % 36
    core_area = math.pi * (_CORE_RADIUS * w / 2) * (_CORE_RADIUS * h / 2)
    core = float(np.count_nonzero(radius < _CORE_RADIUS)) / max(core_area, 1.0)
    return len(set(sectors.tolist())) / 36, core


def unwrap_seal(image: Image, box: tuple[float, float, float, float]) -> Image:
    """Unroll a round seal's arc text into a horizontal strip (red ink dark on white).

    Args:
        image: BGR page image.
        box: The seal's box in pixel coordinates of ``image``.

    Returns:
        A grey strip reading left to right, for the recogniser.
    """
    x0, y0, x1, y1 = (round(v) for v in box)
    crop = image[max(y0, 0) : y1, max(x0, 0) : x1]
    ink = 255 - red_mask(np.ascontiguousarray(crop))
    radius = max(_UNWRAP_RADIUS, max(ink.shape) / 2)
    circle = cv2.resize(ink, (round(radius * 2), round(radius * 2)), interpolation=cv2.INTER_CUBIC)
    rows, cols = round(radius * 2 * math.pi), round(radius)
    # warpPolar maps angle to rows and radius to columns; the arc text sits in
    # the outer band, read clockwise from the left end of the arc.
    polar = cv2.warpPolar(circle, (cols, rows), (radius, radius), radius, cv2.WARP_POLAR_LINEAR)
    band = polar[:, round(cols * 0.6) : round(cols * 0.93)]
    strip = cv2.rotate(band, cv2.ROTATE_90_COUNTERCLOCKWISE)
    # Angles run clockwise from 3 o'clock; the arc text starts at about 7:30 (135°).
    start = round(strip.shape[1] * 0.375)
    ordered = np.concatenate([strip[:, start:], strip[:, :start]], axis=1)
    return np.asarray(ordered, dtype=np.uint8)
