from __future__ import annotations

import numpy as np

from ocr.normalise import normalise_page, orientation_from_quads, rotate_quads, text_channel


def _quad(x: float, y: float, w: float, h: float) -> tuple[tuple[float, float], ...]:
    return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))


class TestOrientationFromQuads:
    def test_horizontal_lines_need_no_turn(self) -> None:
        assert orientation_from_quads([_quad(10, 10 + 40 * i, 400, 30) for i in range(5)]) == (
            0,
            0.0,
        )

    def test_vertical_lines_mean_the_page_is_turned(self) -> None:
        rotation, _ = orientation_from_quads([_quad(10 + 40 * i, 10, 30, 400) for i in range(5)])

        assert rotation == 90

    def test_skew_is_the_median_line_angle(self) -> None:
        slope = np.tan(np.radians(3))
        quads = [
            ((0, y), (400, y + 400 * slope), (400, y + 400 * slope + 30), (0, y + 30))
            for y in (0, 50, 100)
        ]

        _, skew = orientation_from_quads(quads)

        assert abs(skew - 3) < 0.1

    def test_rotating_by_the_skew_levels_the_lines(self) -> None:
        slope = np.tan(np.radians(3))
        quad = ((0.0, 0.0), (400.0, 400 * slope), (400.0, 400 * slope + 30), (0.0, 30.0))

        ((tl, tr, _, _),) = rotate_quads([quad], degrees=3, centre=(200, 200))

        assert abs(tl[1] - tr[1]) < 0.5


class TestNormalisePage:
    def test_large_pages_are_shrunk_to_the_recogniser_size(self) -> None:
        page = np.full((4000, 3000, 3), 255, dtype=np.uint8)

        normal = normalise_page(page)

        assert max(normal.image.shape[:2]) == 2000
        assert not normal.warped

    def test_text_channel_hides_red_ink(self) -> None:
        pixel = np.array([[[40, 30, 220]]], dtype=np.uint8)  # red in BGR

        assert text_channel(pixel)[0, 0] == 220
