"""The immediate quality check of an uploaded page, so the app can ask for a retake.

OpenCV only and fast: everything but the resolution is measured on a copy
downscaled to :data:`WORKING_LONG_SIDE` pixels, which also makes the
sharpness figure independent of the camera's resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import cv2
import numpy as np
import numpy.typing as npt

from ocr.domain import Quality, QualityProblem
from ocr.geometry import find_document_quad, quad_area_fraction, quad_skew

__all__ = ["PROBLEM_MESSAGES", "WORKING_LONG_SIDE", "QualityThresholds", "assess_quality"]

WORKING_LONG_SIDE: Final[int] = 1000
"""Long side, in pixels, of the copy the measures work on."""

PROBLEM_MESSAGES: Final[dict[str, str]] = {
    "blurry": "照片模糊，请对焦后重新拍摄",
    "too_dark": "光线太暗，请在明亮处重新拍摄",
    "overexposed": "照片过曝，请避免强光直射后重新拍摄",
    "glare": "有反光，请避开灯光重新拍摄",
    "low_resolution": "照片分辨率太低，请使用更高清晰度重新拍摄",
    "document_too_small": "证件占画面太小，请靠近拍摄",
    "not_a_document": "未识别到证件或材料，请对准材料重新拍摄",
    "blank": "照片中没有可辨认的文字，请拍摄有内容的材料",
}
"""Stable problem codes and the Chinese message the app shows the applicant."""


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityThresholds:
    """Every threshold of the quality check, and how it was calibrated.

    A photo is judged by whether its print can be read. Text marks (ink
    ``mark_contrast`` grey levels darker than its ``mark_block`` neighbourhood,
    pieces of character size and shape) are found on the 1000 px working copy;
    their median height gives the print's size. README.md (quality-threshold
    calibration) has the figures; in short:

    * ``min_marks`` 25 / ``min_text_edges`` 0.012: fewer marks, or fewer strong
      edges, and there is nothing legible (``blank``: a blank sheet, a flat
      texture, print blurred past reading). Text pages measure 0.019-0.19.
      ``not_a_document`` is no longer given; its message stays for old readings.
    * ``min_sharpness`` 0.18, measured with print shrunk to ``mark_target_px``
      8 px marks: the BDCI photocopies measure 0.20-0.21, scans blurred σ=3 px
      0.08, photos σ=4 0.12.
    * ``min_mark_px_full`` 6: smaller marks at full resolution are too small to
      read (``low_resolution``, or ``document_too_small`` when a border covering
      under ``min_document_area`` of the frame was found).
    * ``max_glare`` 0.03: blown-out blobs holding at most ``max_glare_ink`` ink,
      not touching the document's edge, with the paper around them under
      ``max_glare_surround`` and at least ``min_marks_beside_glare`` marks of
      print on both sides (a spot on the table or a blank margin hides none).
    * Exposure limits as before: ``min_paper_brightness`` 0.38,
      ``min_overexposed_ink`` 0.50 with ``min_overexposed_clipped`` 0.30.
    """

    min_sharpness: float = 0.18
    # Text marks: ink at least ``mark_contrast`` grey levels darker than the mean of
    # its ``mark_block``-pixel neighbourhood, pieces at least ``min_mark_px`` high.
    mark_block: int = 31
    mark_contrast: int = 12
    min_mark_px: int = 3
    max_mark_share: float = 0.1
    max_mark_elongation: float = 8.0
    min_marks: int = 25
    min_text_edges: float = 0.012
    mark_target_px: float = 8.0
    min_mark_px_full: float = 6.0
    max_glare_ink: float = 0.02
    max_glare_surround: float = 232.0
    min_paper_brightness: float = 0.38
    min_overexposed_ink: float = 0.5
    min_overexposed_clipped: float = 0.30
    max_glare: float = 0.03
    min_document_area: float = 0.15
    max_document_edge_density: float = 0.003
    # Strong edge: a Sobel slope of 40 grey levels per pixel (ink on paper at the
    # working size is 60-200; noise and table grain stay under 20).
    edge_gradient: float = 40.0
    # Fewer strong-edge pixels than this and sharpness cannot be judged (blank page).
    min_edge_pixels: int = 500
    # Blown out: value ≥ 250 with saturation ≤ 40 (HSV, 0-255).
    glare_level: int = 250
    glare_max_saturation: int = 40
    min_glare_blob: float = 0.002
    # Marks of print needed on each side of a highlight for it to hide print.
    min_marks_beside_glare: int = 5
    max_glare_paper: float = 245.0


@dataclass(frozen=True, slots=True, kw_only=True)
class _Measures:
    sharpness: float
    exposure: float
    paper: float
    ink: float
    clipped: float
    glare: float
    content: float
    edge_pixels: int
    marks: int
    mark_height: float


def assess_quality(
    image: npt.NDArray[np.uint8], *, thresholds: QualityThresholds = QualityThresholds()
) -> Quality:
    """Measure a page image and list what would make it unreadable.

    Args:
        image: BGR ``uint8`` pixels of the page, upright.
        thresholds: The limits; the defaults are calibrated (see :class:`QualityThresholds`).

    Returns:
        The measures and the problems found; ``Quality.ok`` when there are none.
    """
    height, width = image.shape[:2]
    working = _downscale(image)
    quad = find_document_quad(working)
    work_h, work_w = working.shape[:2]
    if quad is None:
        area, skew = 1.0, 0.0
        document_mask = None
    else:
        area = quad_area_fraction(quad, width=work_w, height=work_h)
        skew = quad_skew(quad)
        document_mask = np.zeros((work_h, work_w), dtype=np.uint8)
        cv2.fillConvexPoly(document_mask, quad.astype(np.int32), 255)
    measures = _measure(working, document_mask=document_mask, thresholds=thresholds)
    problems = _problems(
        measures,
        scale=work_w / width,
        area=area,
        found_quad=quad is not None,
        thresholds=thresholds,
    )
    return Quality(
        problems=tuple(
            QualityProblem(code=code, message=PROBLEM_MESSAGES[code]) for code in problems
        ),
        sharpness=round(measures.sharpness, 4),
        exposure=round(measures.exposure, 4),
        glare=round(measures.glare, 4),
        width=width,
        height=height,
        document_area=round(area, 4),
        skew=round(skew, 2),
    )


def _downscale(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    scale = WORKING_LONG_SIDE / max(image.shape[:2])
    if scale >= 1.0:
        return image
    resized = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return np.asarray(resized, dtype=np.uint8)


def _measure(
    working: npt.NDArray[np.uint8],
    *,
    document_mask: npt.NDArray[np.uint8] | None,
    thresholds: QualityThresholds,
) -> _Measures:
    grey = np.asarray(
        working if working.ndim == 2 else cv2.cvtColor(working, cv2.COLOR_BGR2GRAY), np.uint8
    )
    region = grey if document_mask is None else grey[document_mask > 0]
    inside = None if document_mask is None else document_mask > 0
    # Marks are counted over the whole frame: a border found inside a card is no reason
    # to overlook its print.
    centres, mark_height = _text_marks(grey, inside=None, thresholds=thresholds)
    marks = len(centres)
    edges, sharpness = _edges_and_sharpness(
        grey, inside=inside, mark_height=mark_height, thresholds=thresholds
    )
    paper, ink = (float(v) / 255.0 for v in np.percentile(region, [90, 0.5]))
    return _Measures(
        sharpness=sharpness,
        exposure=float(region.mean()) / 255.0,
        paper=paper,
        ink=ink,
        clipped=float(np.count_nonzero(region >= thresholds.glare_level)) / max(region.size, 1),
        glare=_glare(working, document_mask=document_mask, marks=centres, thresholds=thresholds),
        content=edges / max(int(grey.size if inside is None else np.count_nonzero(inside)), 1),
        edge_pixels=edges,
        marks=marks,
        mark_height=mark_height,
    )


def _text_marks(
    grey: npt.NDArray[np.uint8],
    *,
    inside: npt.NDArray[np.bool_] | None,
    thresholds: QualityThresholds,
) -> tuple[npt.NDArray[np.float64], float]:
    """Find the marks that look like pieces of characters, and their median height.

    Ink is what is clearly darker than its neighbourhood; a mark is one
    connected piece of it no larger than a character could be on the page
    and not a hair-thin streak (wood grain, a table's edge).

    Returns:
        The marks' centres (``x, y`` rows) and their median height in working
        pixels (0 when none).
    """
    t = thresholds
    ink = cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, t.mark_block, t.mark_contrast
    )
    if inside is not None:
        ink[~inside] = 0
    _, _, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    height, width = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    area = stats[1:, cv2.CC_STAT_AREA]
    limit = max(grey.shape) * t.max_mark_share
    keep = (
        (height >= t.min_mark_px)
        & (height <= limit)
        & (width <= limit)
        & (area >= 2 * t.min_mark_px)
        & (width <= t.max_mark_elongation * height)
        & (height <= t.max_mark_elongation * width)
    )
    if not keep.any():
        return np.zeros((0, 2)), 0.0
    return np.asarray(centroids[1:][keep], np.float64), float(np.median(height[keep]))


def _edges_and_sharpness(
    grey: npt.NDArray[np.uint8],
    *,
    inside: npt.NDArray[np.bool_] | None,
    mark_height: float,
    thresholds: QualityThresholds,
) -> tuple[int, float]:
    """Strong-edge pixels, and the sharpness of the text at the size it is read at.

    Large print is judged shrunk until its marks are
    :attr:`QualityThresholds.mark_target_px` high: a softness that spans a
    pixel of a 60-pixel character does not keep it from being read.
    """
    t = thresholds
    factor = t.mark_target_px / mark_height if mark_height > t.mark_target_px else 1.0
    if factor < 1.0:
        grey = np.asarray(
            cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA), np.uint8
        )
        if inside is not None:
            size = (grey.shape[1], grey.shape[0])
            mask = cv2.resize(inside.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
            inside = mask > 0
    gx = np.abs(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3), dtype=np.float32) / np.float32(4)
    gy = np.abs(cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3), dtype=np.float32) / np.float32(4)
    edges = cv2.max(gx, gy) > t.edge_gradient
    if inside is not None:
        edges &= inside
    # Per axis, so a motion blur along one axis is not hidden by sharp edges along the other.
    sharpness = min(
        _axis_sharpness(grey, gx, dx=1, inside=inside, thresholds=t, scale=factor),
        _axis_sharpness(grey, gy, dx=0, inside=inside, thresholds=t, scale=factor),
    )
    return int(np.count_nonzero(edges) / (factor * factor)), sharpness


def _axis_sharpness(
    grey: npt.NDArray[np.uint8],
    gradient: npt.NDArray[np.floating[Any]],
    *,
    dx: int,
    inside: npt.NDArray[np.bool_] | None,
    thresholds: QualityThresholds,
    scale: float = 1.0,
) -> float:
    """Variance of the second derivative across strong edges, over the squared mean slope.

    Dividing by the slope makes the figure independent of contrast (a dim
    photo's edges are as sharp as a bright one's); the working copy's fixed
    size makes it independent of the camera's resolution.
    """
    edges = gradient > thresholds.edge_gradient
    if inside is not None:
        edges &= inside
    if np.count_nonzero(edges) < thresholds.min_edge_pixels * scale * scale:
        return 0.0
    second = cv2.Sobel(grey, cv2.CV_32F, 2 * dx, 2 * (1 - dx), ksize=3) / 4.0
    slope = float(gradient[edges].mean())
    return float(second[edges].var()) / max(slope * slope, 1.0)


def _glare(
    working: npt.NDArray[np.uint8],
    *,
    document_mask: npt.NDArray[np.uint8] | None,
    marks: npt.NDArray[np.float64],
    thresholds: QualityThresholds,
) -> float:
    """Share of the document under highlights that wiped its print out.

    A highlight is a blown-out, unsaturated blob inside the document (not
    touching its edge: bright paper at the margins is paper) with no ink left
    in it (text that still shows through a highlight is read), brighter than
    the paper around it, and lying where print is: print on both sides of it
    across its rows or its columns. A highlight on the table beside a card,
    or on a blank margin, hides nothing that could be read.
    """
    t = thresholds
    colour = working if working.ndim == 3 else cv2.cvtColor(working, cv2.COLOR_GRAY2BGR)
    hsv = cv2.cvtColor(colour, cv2.COLOR_BGR2HSV)
    value = np.asarray(hsv[:, :, 2], np.uint8)
    saturation = hsv[:, :, 1]
    region = np.full(value.shape, 255, np.uint8) if document_mask is None else document_mask
    region_pixels = max(int(np.count_nonzero(region)), 1)
    if float(np.median(value[region > 0])) >= t.max_glare_paper:
        # The paper itself is at white level (a scan, a PDF render): a highlight
        # cannot be told from paper, and a scanner makes none.
        return 0.0
    blown = (value >= t.glare_level) & (saturation <= t.glare_max_saturation) & (region > 0)
    blown_mask = np.asarray(
        cv2.morphologyEx(
            np.where(blown, 255, 0).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)
        ),
        np.uint8,
    )
    filled = _fill_holes(blown_mask)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(filled, connectivity=8)
    edge = cv2.subtract(region, cv2.erode(region, np.ones((5, 5), np.uint8))) > 0
    edge[[0, -1], :] = edge[:, [0, -1]] = True
    touching = set(np.unique(labels[edge & (filled > 0)]).tolist())
    blown_per_label = np.bincount(labels[blown_mask > 0], minlength=count)
    total = 0
    for i in range(1, count):
        area = int(stats[i, cv2.CC_STAT_AREA])
        holes = (area - int(blown_per_label[i])) / area
        if area < t.min_glare_blob * region_pixels or i in touching or holes > t.max_glare_ink:
            continue
        box = np.asarray(stats[i, :4], np.int32)
        if _amid_print(marks, box, thresholds=t) and _stands_out(
            value, labels == i, region > 0, box=box, thresholds=t
        ):
            total += area
    return total / region_pixels


def _amid_print(
    marks: npt.NDArray[np.float64], box: npt.NDArray[np.int32], *, thresholds: QualityThresholds
) -> bool:
    """Whether print lies on two sides of a box (of left, right, above and below)."""
    x, y, w, h = (int(v) for v in box)
    if not len(marks):
        return False
    xs, ys = marks[:, 0], marks[:, 1]
    rows, columns = (ys >= y) & (ys <= y + h), (xs >= x) & (xs <= x + w)
    least = thresholds.min_marks_beside_glare

    def enough(side: npt.NDArray[np.bool_]) -> bool:
        return int(np.count_nonzero(side)) >= least

    sides = (rows & (xs < x), rows & (xs > x + w), columns & (ys < y), columns & (ys > y + h))
    return sum(enough(side) for side in sides) >= 2


def _stands_out(
    value: npt.NDArray[np.uint8],
    blob: npt.NDArray[np.bool_],
    document: npt.NDArray[np.bool_],
    *,
    box: npt.NDArray[np.int32],
    thresholds: QualityThresholds,
) -> bool:
    """Whether the paper around a blown-out blob is clearly darker: a highlight, not white paper."""
    x, y, w, h = (int(v) for v in box)
    pad = max(w, h) // 2 + 2
    top, left = max(y - pad, 0), max(x - pad, 0)
    crop = blob[top : y + h + pad, left : x + w + pad].astype(np.uint8)
    ring = cv2.dilate(crop, np.ones((pad, pad), np.uint8)) > crop
    ring &= document[top : y + h + pad, left : x + w + pad]
    around = value[top : y + h + pad, left : x + w + pad][ring]
    return around.size > 0 and float(np.median(around)) < thresholds.max_glare_surround


def _fill_holes(mask: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """``mask`` with every enclosed hole filled (what the frame's border cannot reach)."""
    outside = np.pad(np.where(mask > 0, 0, 255).astype(np.uint8), 1, constant_values=255)
    flood = np.zeros((outside.shape[0] + 2, outside.shape[1] + 2), np.uint8)
    cv2.floodFill(outside, flood, (0, 0), 128)
    return np.where(outside[1:-1, 1:-1] == 128, 0, 255).astype(np.uint8)


def _problems(
    measures: _Measures,
    *,
    scale: float,
    area: float,
    found_quad: bool,
    thresholds: QualityThresholds,
) -> list[str]:
    t = thresholds
    m = measures
    blurry = m.edge_pixels >= t.min_edge_pixels and m.sharpness < t.min_sharpness
    # Bad exposure hides the document, so it is reported instead of a blank page.
    if m.paper < t.min_paper_brightness:
        return ["too_dark"]
    if not blurry and m.ink > t.min_overexposed_ink and m.clipped > t.min_overexposed_clipped:
        return ["overexposed"]
    if m.marks < t.min_marks or m.content < t.min_text_edges:
        # Nothing legible: a blank sheet, a flat texture, or print blurred past reading.
        return ["blank"]
    problems: list[str] = []
    if m.mark_height / scale < t.min_mark_px_full:
        small_in_frame = found_quad and area < t.min_document_area
        problems.append("document_too_small" if small_in_frame else "low_resolution")
    if m.glare > t.max_glare:
        problems.append("glare")
    if blurry:
        problems.append("blurry")
    return problems
