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
}
"""Stable problem codes and the Chinese message the app shows the applicant."""


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityThresholds:
    """Every threshold of the quality check, and how it was calibrated.

    Calibration set (``tests/unit/ocr/test_quality.py`` builds it): an A4
    page of Chinese text (wqy-zenhei, 30 px body at 150 dpi, a table and a
    red seal outline) as a flat 1240×1754 scan with light noise, as a
    1654×2339 PDF render (full and with only two lines), and as 12 MP phone
    photos (portrait and landscape) lying on a wooden table turned 2-6° with
    perspective, uneven light, sensor noise and σ=1 px optical softness,
    filling 55-80 % of the frame. Each was then degraded at several
    strengths. Measured on the 1000 px working copy:

    * ``min_sharpness`` 0.22. Clean pages measure 0.53-1.23 (0.38 for a page
      filling only 6 % of a photo). Gaussian blur σ (in full-resolution px):
      photo σ=1 0.55, σ=2 0.30 (still readable, passes), σ=3 0.13, σ=4 0.05;
      scan σ=1 0.44, σ=1.5 0.19, σ=2 0.07; PDF render σ=1 0.66, σ=2 0.17.
      Horizontal motion blur: photo 9 px 0.19, 15 px 0.05; scan 5 px 0.25
      (passes), 9 px 0.10. The figure is the smaller of the two axes, so
      motion along one axis is not hidden by the other.
    * ``min_paper_brightness`` 0.38 (90th percentile of the document's grey,
      0-1). Clean photo 0.83, scan 0.99. Darkening ``(x·gain)^γ``: gain 0.6
      γ 1.2 gives 0.43-0.53 and text still stands out (passes); gain 0.45
      γ 1.4 gives 0.25-0.32, gain 0.35 γ 1.5 0.15-0.20 (flagged).
    * ``min_overexposed_ink`` 0.45 with ``min_overexposed_clipped`` 0.30:
      overexposed when the darkest ink (0.5th percentile, 0-1) is washed out
      *and* 30 % of the document is clipped white. Clean pages' ink is
      0.11-0.36, the sparse PDF render 0.29; ``x·1.3+40`` gives 0.30-0.44
      (mild, passes), ``x·1.6+80`` 0.49-0.67, ``x·2+100`` 0.60-0.82,
      ``x·1.2+140`` 0.68-0.82 (flagged). Blur also lifts the ink level, so
      overexposure is only judged on pages that are not blurry.
    * ``max_glare`` 0.02 (share of the document covered by blown-out,
      unsaturated blobs of at least ``min_glare_blob`` of it). Clean photos 0;
      a Gaussian highlight of σ = 2 % of the long side covers 0.012 (passes),
      4 % 0.046, 6 % 0.10, 9 % 0.24 (flagged). When the paper itself is at
      white level (median ≥ ``max_glare_paper``: scans, PDF renders) glare is
      not measured, since a highlight cannot be told from paper there.
    * ``min_long_side`` 1000 / ``min_short_side`` 600 px: the recogniser
      wants about 1600 px on the long side for household-register small print
      (OCR_NOTES.md); below 1000 even body text falls under ~15 px. A scan
      downscaled to 848×1200 passes, 636×900 is flagged.
    * ``min_document_area`` 0.15 of the frame, only when a document border
      was found. Pages filling 55-83 % measure 0.53-0.83, 35 % 0.36 and 20 %
      0.20 (pass); 12 % and 6 % are flagged. A flat scan or PDF render has no
      border and counts as filling the frame.
    * ``max_document_edge_density`` 0.003: ``not_a_document`` only when no
      border was found *and* under 0.3 % of the frame is strong edges. Text
      pages measure 0.10-0.30, the two-line PDF render 0.023; the bare table
      0.0005 and a blank frame 0.
    """

    min_sharpness: float = 0.22
    min_paper_brightness: float = 0.38
    min_overexposed_ink: float = 0.45
    min_overexposed_clipped: float = 0.30
    max_glare: float = 0.02
    min_long_side: int = 1000
    min_short_side: int = 600
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
        width=width,
        height=height,
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
    gx = np.abs(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3), dtype=np.float32) / np.float32(4)
    gy = np.abs(cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3), dtype=np.float32) / np.float32(4)
    inside = None if document_mask is None else document_mask > 0
    edges = cv2.max(gx, gy) > thresholds.edge_gradient
    if inside is not None:
        edges &= inside
    edge_pixels = int(np.count_nonzero(edges))
    # Per axis, so a motion blur along one axis is not hidden by sharp edges along the other.
    sharpness = min(
        _axis_sharpness(grey, gx, dx=1, inside=inside, thresholds=thresholds),
        _axis_sharpness(grey, gy, dx=0, inside=inside, thresholds=thresholds),
    )
    paper, ink = (float(v) / 255.0 for v in np.percentile(region, [90, 0.5]))
    return _Measures(
        sharpness=sharpness,
        exposure=float(region.mean()) / 255.0,
        paper=paper,
        ink=ink,
        clipped=float(np.count_nonzero(region >= thresholds.glare_level)) / max(region.size, 1),
        glare=_glare(working, document_mask=document_mask, thresholds=thresholds),
        content=edge_pixels
        / max(int(grey.size if inside is None else np.count_nonzero(inside)), 1),
        edge_pixels=edge_pixels,
    )


def _axis_sharpness(
    grey: npt.NDArray[np.uint8],
    gradient: npt.NDArray[np.floating[Any]],
    *,
    dx: int,
    inside: npt.NDArray[np.bool_] | None,
    thresholds: QualityThresholds,
) -> float:
    """Variance of the second derivative across strong edges, over the squared mean slope.

    Dividing by the slope makes the figure independent of contrast (a dim
    photo's edges are as sharp as a bright one's); the working copy's fixed
    size makes it independent of the camera's resolution.
    """
    edges = gradient > thresholds.edge_gradient
    if inside is not None:
        edges &= inside
    if np.count_nonzero(edges) < thresholds.min_edge_pixels:
        return 0.0
    second = cv2.Sobel(grey, cv2.CV_32F, 2 * dx, 2 * (1 - dx), ksize=3) / 4.0
    slope = float(gradient[edges].mean())
    return float(second[edges].var()) / max(slope * slope, 1.0)


def _glare(
    working: npt.NDArray[np.uint8],
    *,
    document_mask: npt.NDArray[np.uint8] | None,
    thresholds: QualityThresholds,
) -> float:
    colour = working if working.ndim == 3 else cv2.cvtColor(working, cv2.COLOR_GRAY2BGR)
    hsv = cv2.cvtColor(colour, cv2.COLOR_BGR2HSV)
    value, saturation = hsv[:, :, 2], hsv[:, :, 1]
    region = np.full(value.shape, 255, np.uint8) if document_mask is None else document_mask
    region_pixels = max(int(np.count_nonzero(region)), 1)
    paper = float(np.median(value[region > 0]))
    if paper >= thresholds.max_glare_paper:
        # The paper itself is at white level (a scan, a PDF render): a highlight
        # cannot be told from paper, and a scanner makes none.
        return 0.0
    blown = (value >= thresholds.glare_level) & (saturation <= thresholds.glare_max_saturation)
    blown_mask = cv2.morphologyEx(
        np.where(blown & (region > 0), 255, 0).astype(np.uint8),
        cv2.MORPH_OPEN,
        np.ones((3, 3), np.uint8),
    )
    count, _, stats, _ = cv2.connectedComponentsWithStats(blown_mask, connectivity=8)
    min_blob = thresholds.min_glare_blob * region_pixels
    blobs = [int(stats[i, cv2.CC_STAT_AREA]) for i in range(1, count)]
    return sum(area for area in blobs if area >= min_blob) / region_pixels


def _problems(
    measures: _Measures,
    *,
    width: int,
    height: int,
    area: float,
    found_quad: bool,
    thresholds: QualityThresholds,
) -> list[str]:
    t = thresholds
    problems: list[str] = []
    if max(width, height) < t.min_long_side or min(width, height) < t.min_short_side:
        problems.append("low_resolution")
    blurry = measures.edge_pixels >= t.min_edge_pixels and measures.sharpness < t.min_sharpness
    # Bad exposure hides the document, so it is reported instead of "not a document".
    if measures.paper < t.min_paper_brightness:
        problems.append("too_dark")
    elif (
        not blurry
        and measures.ink > t.min_overexposed_ink
        and measures.clipped > t.min_overexposed_clipped
    ):
        problems.append("overexposed")
    elif not found_quad and measures.content < t.max_document_edge_density:
        problems.append("not_a_document")
        return problems
    if found_quad and area < t.min_document_area:
        problems.append("document_too_small")
    if measures.glare > t.max_glare:
        problems.append("glare")
    if blurry:
        problems.append("blurry")
    return problems
