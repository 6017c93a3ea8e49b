"""The OCR engine protocol and the text lines engines return.

An engine turns a page image into text lines with pixel geometry. Everything
else (orientation, document regions, classification, fields, seals) is done by
:mod:`ocr.reader` on top of it, so engines can be swapped and benchmarked side
by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ocr.domain import Alternatives

__all__ = ["OcrEngine", "TextLine"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TextLine:
    """One recognised line in pixel coordinates of the image the engine was given.

    Attributes:
        text: The recognised text.
        quad: Four corners ``(x, y)`` as the detector found them (tl, tr, br, bl).
        confidence: The recogniser's score in ``[0, 1]``.
        flipped: The angle classifier found the line upside down (it was read
            turned back upright).
        alternatives: One tuple per character of ``text``: the recogniser's
            likeliest characters where it emitted that one, with their
            probabilities (empty when the engine does not give them).
    """

    text: str
    quad: tuple[tuple[float, float], ...]
    confidence: float
    flipped: bool = False
    alternatives: Alternatives = ()

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Axis-aligned ``(x0, y0, x1, y1)`` around the quad."""
        xs = [p[0] for p in self.quad]
        ys = [p[1] for p in self.quad]
        return (min(xs), min(ys), max(xs), max(ys))


class OcrEngine(Protocol):
    """Something that reads text lines from an image.

    ``version`` identifies the engine and its model files (it is part of the
    reading cache key): two engines with equal versions read equally.
    """

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def models(self) -> tuple[str, ...]: ...

    def detect(self, image: npt.NDArray[np.uint8]) -> list[tuple[tuple[float, float], ...]]:
        """Find text-line quads (tl, tr, br, bl) without reading them."""
        ...

    def read_quads(
        self,
        image: npt.NDArray[np.uint8],
        quads: list[tuple[tuple[float, float], ...]],
        *,
        orientation_known: bool,
    ) -> list[TextLine]:
        """Read the lines at ``quads`` (from :meth:`detect` on the same image)."""
        ...

    def recognise(self, image: npt.NDArray[np.uint8], *, orientation_known: bool) -> list[TextLine]:
        """Detect and read every text line of ``image`` (BGR or single channel).

        Args:
            image: The image, ``uint8``.
            orientation_known: The caller made the page upright, so the angle
                classifier can be skipped.

        Returns:
            The lines found, in no particular order.
        """
        ...
