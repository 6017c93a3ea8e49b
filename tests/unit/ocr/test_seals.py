from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from ocr.seals import _outermost, find_seals, unwrap_seal


def _page_with(*, seal: bool, emblem: bool = False) -> np.ndarray:
    page = np.full((1200, 900, 3), 235, dtype=np.uint8)
    cv2.putText(page, "TEXT LINE", (80, 200), cv2.FONT_HERSHEY_SIMPLEX, 2, (30, 30, 30), 4)
    red = (40, 30, 210)  # BGR
    if seal:
        cv2.circle(page, (600, 700), 120, red, 8)
        cv2.putText(page, "SEAL", (540, 710), cv2.FONT_HERSHEY_SIMPLEX, 1.2, red, 3)
        for angle in range(200, 340, 20):
            x = int(600 + 90 * np.cos(np.radians(angle)))
            y = int(700 + 90 * np.sin(np.radians(angle)))
            cv2.circle(page, (x, y), 9, red, -1)
    if emblem:
        cv2.circle(page, (200, 700), 80, red, -1)
    return page


class TestFindSeals:
    def test_finds_a_red_ring_with_text(self) -> None:
        seals = find_seals(_page_with(seal=True))

        assert len(seals) == 1
        x0, y0, x1, y1 = seals[0].box
        assert abs((x0 + x1) / 2 - 600) < 15
        assert abs((y0 + y1) / 2 - 700) < 15
        assert seals[0].confidence > 0.5

    def test_black_print_and_filled_red_discs_are_not_seals(self) -> None:
        assert find_seals(_page_with(seal=False, emblem=True)) == []

    def test_reader_gets_the_unwrapped_strip(self) -> None:
        strips: list[np.ndarray] = []

        def read(strip: np.ndarray) -> str:
            strips.append(strip)
            return "户口专用章"

        seals = find_seals(_page_with(seal=True), read=read)

        assert seals[0].text == "户口专用章"
        assert strips[0].ndim == 2
        assert strips[0].shape[1] > strips[0].shape[0] * 5

    def test_unwrap_turns_the_ring_into_a_wide_strip(self) -> None:
        strip = unwrap_seal(_page_with(seal=True), (480, 580, 720, 820))

        assert strip.shape[1] > strip.shape[0] * 5


def _warm_light(page: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """The page photographed under warm light: blue and green dimmed, red kept."""
    tint = np.array([0.72, 0.86, 1.0])  # BGR
    warmed: npt.NDArray[np.uint8] = np.clip(page.astype(np.float64) * tint, 0, 255).astype(np.uint8)
    return warmed


def _faded_broken_seal(page: np.ndarray) -> None:
    """A pale pink ring stamped unevenly: four arcs with gaps, a star and arc marks."""
    pink = (165, 150, 235)  # BGR
    for start in (10, 100, 190, 280):
        cv2.ellipse(page, (600, 700), (120, 120), 0, start, start + 78, pink, 5)
    cv2.circle(page, (600, 700), 14, pink, -1)
    for angle in range(200, 340, 20):
        x = int(600 + 90 * np.cos(np.radians(angle)))
        y = int(700 + 90 * np.sin(np.radians(angle)))
        cv2.circle(page, (x, y), 7, pink, 2)


class TestFadedSealsAndRedAreas:
    def test_faded_broken_ring_under_warm_light_is_a_seal(self) -> None:
        page = np.full((1200, 900, 3), 245, dtype=np.uint8)
        cv2.putText(page, "TEXT LINE", (80, 200), cv2.FONT_HERSHEY_SIMPLEX, 2, (30, 30, 30), 4)
        _faded_broken_seal(page)

        seals = find_seals(_warm_light(page))

        assert len(seals) == 1
        x0, y0, x1, y1 = seals[0].box
        assert abs((x0 + x1) / 2 - 600) < 20
        assert abs((y0 + y1) / 2 - 700) < 20

    def test_warm_paper_and_a_red_card_face_with_a_chip_are_not_seals(self) -> None:
        page = np.full((1200, 900, 3), 245, dtype=np.uint8)
        cv2.rectangle(page, (150, 400), (750, 900), (40, 30, 190), -1)
        cv2.rectangle(page, (400, 580), (500, 680), (80, 190, 220), -1)  # a gold chip

        assert find_seals(_warm_light(page)) == []


class TestOutermost:
    def test_two_outlines_of_one_seal_keep_the_stronger_one(self) -> None:
        # The closed contour and the ink cluster's hull differ by a pixel.
        a = ((302.0, 648.0, 400.0, 746.0), 0.945)
        b = ((302.0, 648.0, 400.0, 747.0), 0.973)

        assert _outermost([a, b]) == [b]

    def test_a_ring_inner_edge_is_dropped(self) -> None:
        ring = ((100.0, 100.0, 300.0, 300.0), 0.9)
        inner = ((130.0, 130.0, 270.0, 270.0), 0.95)

        assert _outermost([ring, inner]) == [ring]

    def test_an_outline_around_two_seals_is_neither(self) -> None:
        left = ((100.0, 100.0, 200.0, 200.0), 0.9)
        right = ((300.0, 100.0, 400.0, 200.0), 0.9)
        both = ((90.0, 90.0, 410.0, 210.0), 0.8)

        assert sorted(_outermost([left, right, both])) == [left, right]


class TestUnwrap:
    def test_the_strip_opens_at_the_gap_below_the_arc_text_however_the_seal_is_turned(
        self,
    ) -> None:
        page = np.full((1200, 900, 3), 245, dtype=np.uint8)
        red = (40, 30, 210)  # BGR
        cv2.circle(page, (450, 600), 150, red, 8)
        # Arc "characters" over 240°, their gap turned away from the bottom.
        for angle in range(100, 340, 12):
            x = int(450 + 115 * np.cos(np.radians(angle)))
            y = int(600 + 115 * np.sin(np.radians(angle)))
            cv2.circle(page, (x, y), 10, red, -1)

        strip = unwrap_seal(page, (300, 450, 600, 750))

        inked = (255 - strip[strip.shape[0] // 5 :].astype(int)).sum(axis=0) > 255
        assert not inked[:3].any()
        assert not inked[-3:].any()
        columns = np.flatnonzero(inked)
        # One run of text: no blank stretch inside longer than a character's gap.
        assert np.diff(columns).max() < strip.shape[1] * 0.1
        assert columns[-1] - columns[0] > strip.shape[1] * 0.8
