from __future__ import annotations

import cv2
import numpy as np

from ocr.seals import find_seals, unwrap_seal


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
