from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.geometry import find_document_quad, quad_area_fraction, quad_skew
from tests.unit.ocr.test_quality import (
    document_page,
    flat_scan,
    pdf_render,
    photo_with_corners,
    table_only,
)


def rectangle(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


class TestFindDocumentQuad:
    @pytest.mark.parametrize(
        ("angle", "size", "fill", "seed"),
        [
            (6.0, (4032, 3024), 0.55, 0),
            (-12.0, (4032, 3024), 0.5, 1),
            (20.0, (3024, 4032), 0.4, 2),
            (0.0, (3024, 4032), 0.45, 3),
            (0.0, (4032, 3024), 0.8, 5),
            (3.0, (2000, 1500), 0.15, 4),
        ],
    )
    def test_finds_corners_of_a_photographed_page(
        self, angle: float, size: tuple[int, int], fill: float, seed: int
    ) -> None:
        photo, truth = photo_with_corners(angle=angle, size=size, fill=fill, seed=seed)
        quad = find_document_quad(photo)
        assert quad is not None
        assert quad.shape == (4, 2)
        tolerance = 0.02 * max(size)
        # Same order as the truth: tl, tr, br, bl.
        assert np.abs(quad - truth).max() < tolerance

    def test_skew_and_area_follow_the_page(self) -> None:
        photo, truth = photo_with_corners(angle=-8.0, fill=0.5, seed=6)
        quad = find_document_quad(photo)
        assert quad is not None
        assert quad_skew(quad) == pytest.approx(quad_skew(truth), abs=1.0)
        assert quad_skew(quad) == pytest.approx(-8.0, abs=2.0)
        height, width = photo.shape[:2]
        assert quad_area_fraction(quad, width=width, height=height) == pytest.approx(0.5, abs=0.04)

    def test_accepts_grey_images(self) -> None:
        photo, truth = photo_with_corners(seed=7)
        grey = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)
        quad = find_document_quad(np.asarray(grey, np.uint8))
        assert quad is not None
        assert np.abs(quad - truth).max() < 0.02 * max(photo.shape)

    def test_flat_scan_has_no_border(self) -> None:
        # The table on the page and the seal outline are not the document's border.
        assert find_document_quad(flat_scan()) is None

    def test_pdf_render_has_no_border(self) -> None:
        assert find_document_quad(pdf_render()) is None

    def test_nothing_document_like(self) -> None:
        assert find_document_quad(table_only()) is None
        assert find_document_quad(np.full((900, 1200, 3), 200, np.uint8)) is None

    def test_page_on_dark_background_without_perspective(self) -> None:
        page = document_page(620, 877, lines=12)
        frame = np.full((1400, 1100, 3), 40, np.uint8)
        frame[200:1077, 240:860] = page
        quad = find_document_quad(frame)
        assert quad is not None
        assert np.abs(quad - rectangle(240, 200, 860, 1077)).max() < 12


class TestQuadMeasures:
    def test_area_fraction(self) -> None:
        assert quad_area_fraction(rectangle(0, 0, 50, 40), width=100, height=80) == 0.25

    @pytest.mark.parametrize("angle", [-30.0, -5.0, 0.0, 7.5, 40.0])
    def test_skew_of_a_turned_rectangle(self, angle: float) -> None:
        theta = np.radians(angle)
        rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        quad = (rectangle(-100, -60, 100, 60) @ rotation.T).astype(np.float32)
        assert quad_skew(quad) == pytest.approx(angle, abs=1e-3)
