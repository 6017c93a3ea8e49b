"""A canned OCR engine and line builders for reader, classification and field tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ocr.engines.base import TextLine
from ocr.layout import PageLine


def line(text: str, x: float, y: float, *, w: float | None = None, h: float = 30.0) -> PageLine:
    """A line whose top-left corner is at ``(x, y)``; width from the text length."""
    width = w if w is not None else 30.0 * len(text)
    return PageLine(text=text, box=(x, y, x + width, y + h), confidence=0.95)


def text_line(text: str, x: float, y: float, *, flipped: bool = False) -> TextLine:
    width = 30.0 * len(text)
    quad = ((x, y), (x + width, y), (x + width, y + 30.0), (x, y + 30.0))
    return TextLine(text=text, quad=quad, confidence=0.95, flipped=flipped)


class FakeOcrEngine:
    """Returns the same lines for every image; records how it was called."""

    name = "fake"
    version = "fake-1"
    models = ("fake.onnx@00000000",)

    def __init__(self, lines: Sequence[TextLine]) -> None:
        self._lines = list(lines)
        self.calls: list[bool] = []

    def detect(self, image: npt.NDArray[np.uint8]) -> list[tuple[tuple[float, float], ...]]:
        return [line.quad for line in self._lines]

    def read_quads(
        self,
        image: npt.NDArray[np.uint8],
        quads: list[tuple[tuple[float, float], ...]],
        *,
        orientation_known: bool,
    ) -> list[TextLine]:
        return self.recognise(image, orientation_known=orientation_known)

    def recognise(self, image: npt.NDArray[np.uint8], *, orientation_known: bool) -> list[TextLine]:
        self.calls.append(orientation_known)
        return [] if orientation_known else list(self._lines)
