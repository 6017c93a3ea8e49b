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

__all__ = ["MIN_SEAL_CONFIDENCE", "SealCandidate", "find_seals", "red_mask", "unwrap_seal"]

_WORK_SIDE: Final = 1000
_MIN_DIAMETER: Final = 0.04  # of the long side
_MAX_DIAMETER: Final = 0.45
_MIN_ROUNDNESS: Final = 0.72
_MAX_FILL: Final = 0.55
_MIN_FILL: Final = 0.03
_UNWRAP_RADIUS: Final = 150
# The arc text's band, as shares of the radius.
_BAND: Final = (0.58, 0.95)
_MIN_INK_RANGE: Final = 30.0
# A strip column with less ink than this share of the darkest column is blank.
_BLANK_SHARE: Final = 0.1
_RING_ROWS: Final = 0.2
_STRIP_MARGIN: Final = 8
_MIN_REDNESS: Final = 45
_PAPER_SHARE: Final = 0.025
_MIN_PAPER: Final = 40.0
_MIN_RING: Final = 0.5
_RING_INNER: Final = 0.78
_CORE_RADIUS: Final = 0.55
_MAX_CORE_FILL: Final = 0.45
_MIN_RED: Final = 90
_INK: Final = 255
_SOLID: Final = 128
_MAX_SOLID: Final = 0.05
_CLUSTER_SHARE: Final = 0.035
_SAME_SEAL: Final = 0.5
MIN_SEAL_CONFIDENCE: Final = 0.3 + 0.4 * _MIN_RING
"""The lowest confidence a seal is reported with: a ring only half drawn,
barely round enough (weaker candidates are dropped)."""

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True, kw_only=True)
class SealCandidate:
    """A seal in pixel coordinates of the image searched."""

    box: tuple[float, float, float, float]
    confidence: float
    text: str = ""


def red_mask(image: Image, *, paper_size: int | None = None) -> Image:
    """Pixels of red ink (255) in a BGR image, faded stamps included.

    Args:
        image: BGR pixels.
        paper_size: Width in pixels of the neighbourhood the paper colour is
            taken from (see :func:`_red_labels`).
    """
    labels = _red_labels(image, paper_size=paper_size)
    return np.where(labels == _INK, 255, 0).astype(np.uint8)


def _red_labels(image: Image, *, paper_size: int | None = None) -> Image:
    """Red ink (``_INK``) and solid red areas (``_SOLID``) in a BGR image.

    Each channel is first divided by the local paper colour (the brightest
    value nearby), so warm light, tinted paper (the household register's pink)
    and large coloured areas (a face, a red card) become neutral while thin
    ink keeps its colour. Redness is then the red channel's lead over the mean
    of green and blue.

    Args:
        image: BGR pixels.
        paper_size: Width in pixels of the neighbourhood the paper colour is
            taken from; wider than any ink stroke (default: 2 % of the long side).
    """
    size = paper_size or max(9, round(max(image.shape[:2]) * _PAPER_SHARE))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size | 1, size | 1))
    paper = cv2.dilate(image, kernel).astype(np.float32)
    flat = image.astype(np.float32) * 255.0 / np.maximum(paper, _MIN_PAPER)
    blue, green, red = flat[:, :, 0], flat[:, :, 1], flat[:, :, 2]
    redness = red - (green + blue) / 2
    ink = (redness > _MIN_REDNESS) & (red - green > _MIN_REDNESS) & (image[:, :, 2] > _MIN_RED)
    # A large solid red area (a card's red face) is no ink; its edges, where
    # the paper estimate reaches the white beyond, would otherwise look like one.
    raw = image.astype(np.int16)
    reddish = (raw[:, :, 2] - (raw[:, :, 1] + raw[:, :, 0]) // 2 > _MIN_REDNESS) & (
        raw[:, :, 2] - raw[:, :, 1] > _MIN_REDNESS
    )
    solid = cv2.morphologyEx(np.where(reddish, 255, 0).astype(np.uint8), cv2.MORPH_OPEN, kernel)
    solid = cv2.dilate(solid, kernel)
    return np.where(ink & (solid == 0), _INK, np.where(solid > 0, _SOLID, 0)).astype(np.uint8)


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
    labels = _red_labels(np.asarray(small, dtype=np.uint8))
    mask = np.where(labels == _INK, 255, 0).astype(np.uint8)
    solid = labels == _SOLID
    long_side = max(mask.shape)
    size = max(3, round(long_side * 0.02)) | 1
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((size, size), np.uint8))
    # Every contour, nested ones included: a seal can sit inside a red page
    # border or tinted frame that encloses everything else.
    contours = [
        np.asarray(c, dtype=np.int32)
        for c in cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)[0]
    ]
    contours.extend(_ink_clusters(mask, long_side=long_side))
    judged = [c for c in (_judge(ct, mask, solid, long_side=long_side) for ct in contours) if c]
    found = []
    for candidate in _outermost(judged):
        x0, y0, x1, y1 = (v / scale for v in candidate[0])
        text = read(unwrap_seal(image, (x0, y0, x1, y1))) if read else ""
        found.append(SealCandidate(box=(x0, y0, x1, y1), confidence=candidate[1], text=text))
    return sorted(found, key=lambda s: (s.box[2] - s.box[0]) * (s.box[3] - s.box[1]), reverse=True)


def _ink_clusters(mask: Image, *, long_side: int) -> list[npt.NDArray[np.int32]]:
    """Ink grouped by proximity, each as its points' hull.

    A faded seal's ring breaks where the stamp pressed lightly and closing
    does not join the pieces; the hull of the nearby pieces still traces it.
    """
    size = max(3, round(long_side * _CLUSTER_SHARE)) | 1
    grouped = cv2.dilate(mask, np.ones((size, size), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grouped)
    hulls = []
    for label in range(1, count):
        x, y, w, h = (int(v) for v in stats[label, :4])
        if max(w, h) < _MIN_DIAMETER * long_side or max(w, h) > 1.2 * _MAX_DIAMETER * long_side:
            continue
        inside = (labels[y : y + h, x : x + w] == label) & (mask[y : y + h, x : x + w] > 0)
        ys, xs = np.nonzero(inside)
        if len(xs) < 3:
            continue
        points = np.stack([xs + x, ys + y], axis=1).astype(np.int32).reshape(-1, 1, 2)
        hulls.append(np.asarray(cv2.convexHull(points), dtype=np.int32))
    return hulls


def _outermost(
    candidates: list[tuple[tuple[float, float, float, float], float]],
) -> list[tuple[tuple[float, float, float, float], float]]:
    """Drop candidates lying inside another one (a ring's inner edge) and the
    weaker of two that outline the same seal."""
    # An outline around two seals side by side is neither of them.
    candidates = [
        (box, confidence)
        for box, confidence in candidates
        if sum(_contains(box, other) for other, _ in candidates if other != box) < 2
    ]
    kept: list[tuple[tuple[float, float, float, float], float]] = []
    for box, confidence in sorted(candidates, key=lambda c: c[1], reverse=True):
        # Two outlines of one seal contain each other: that is no ring's inner edge.
        inside = any(
            other != box and _contains(other, box) and not _contains(box, other)
            for other, _ in candidates
        )
        if not inside and all(_overlap(box, other) < _SAME_SEAL for other, _ in kept):
            kept.append((box, confidence))
    return kept


def _contains(
    outer: tuple[float, float, float, float], inner: tuple[float, float, float, float]
) -> bool:
    return (
        outer[0] <= inner[0] + 2
        and outer[1] <= inner[1] + 2
        and outer[2] >= inner[2] - 2
        and outer[3] >= inner[3] - 2
    )


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over the smaller box's area."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / max(smaller, 1.0)


def _judge(
    contour: npt.NDArray[np.int32] | cv2.typing.MatLike,
    mask: Image,
    solid: npt.NDArray[np.bool_],
    *,
    long_side: int,
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
    # Beside a solid red area (an emblem, a red card face) red edges are no seal.
    if float(np.count_nonzero(solid[y : y + h, x : x + w])) / float(w * h) > _MAX_SOLID:
        return None
    ring, core = _ring_coverage(mask[y : y + h, x : x + w])
    if ring < _MIN_RING or core > _MAX_CORE_FILL:
        return None
    confidence = min(
        1.0, 0.3 + 0.4 * ring + 0.3 * (roundness - _MIN_ROUNDNESS) / (1 - _MIN_ROUNDNESS)
    )
    if confidence < MIN_SEAL_CONFIDENCE:
        return None
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

    The ink is kept as shades of grey rather than thresholded: small seal
    characters lose their strokes to a threshold. The strip starts and ends in
    the widest gap between the ink, where the arc text's two ends meet below
    the centre whichever way the seal was turned, and that gap is cut away.

    Args:
        image: BGR page image.
        box: The seal's box in pixel coordinates of ``image``.

    Returns:
        A grey strip reading left to right, for the recogniser.
    """
    x0, y0, x1, y1 = (round(v) for v in box)
    crop = np.ascontiguousarray(image[max(y0, 0) : y1, max(x0, 0) : x1])
    radius = _UNWRAP_RADIUS
    circle = cv2.resize(_ink_shades(crop), (radius * 2, radius * 2), interpolation=cv2.INTER_CUBIC)
    rows = round(radius * 2 * math.pi)
    # warpPolar maps angle (clockwise from 3 o'clock) to rows and radius to
    # columns; the arc text sits in the outer band.
    polar = cv2.warpPolar(circle, (radius, rows), (radius, radius), radius, cv2.WARP_POLAR_LINEAR)
    band = polar[:, round(radius * _BAND[0]) : round(radius * _BAND[1])]
    strip = cv2.rotate(band, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return _open_at_gap(np.asarray(strip, dtype=np.uint8))


def _ink_shades(crop: Image) -> Image:
    """Red ink as dark grey on white, in shades: how much redder than its paper a pixel is."""
    flat = crop.astype(np.float32)
    redness = np.clip(flat[:, :, 2] - (flat[:, :, 1] + flat[:, :, 0]) / 2, 0, None)
    paper = float(np.percentile(redness, 5))
    ink = float(max(np.percentile(redness, 99), paper + _MIN_INK_RANGE))
    share = np.clip((redness - paper) / (ink - paper), 0.0, 1.0)
    return np.asarray(255 - share * 255, dtype=np.uint8)


def _open_at_gap(strip: Image) -> Image:
    """Turn the circular strip so that it starts after, and ends before, its widest blank run."""
    # The top rows may hold the inside of the border ring, ink at every angle.
    height = strip.shape[0]
    inside = strip[round(height * _RING_ROWS) :]
    darkness = (255 - inside.astype(np.float32)).sum(axis=0)
    blank = darkness < max(float(np.percentile(darkness, 95)) * _BLANK_SHARE, 1.0)
    width = len(blank)
    if blank.all() or not blank.any():
        return strip
    # The longest circular run of blank columns: look at the strip twice over.
    best, best_end, run = 0, 0, 0
    for index, empty in enumerate(np.concatenate([blank, blank])):
        run = run + 1 if empty else 0
        if run > best:
            best, best_end = min(run, width), index
    start = (best_end + 1) % width
    turned = np.concatenate([strip[:, start:], strip[:, :start]], axis=1)
    # The ink now fills the first ``width - best`` columns; keep a little blank on each side.
    margin = min(_STRIP_MARGIN, best // 2)
    kept = (turned[:, width - margin :], turned[:, : width - best + margin])
    return np.ascontiguousarray(np.concatenate(kept, axis=1))
