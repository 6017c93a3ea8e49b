"""Confidence floors: the lowest confidence each producer of a reading reports.

A policy pack sets a minimum confidence for seals, document kinds and fields.
A minimum at or below its producer's floor is met by every reading, so the
check it guards can never be ``unsure``; :mod:`verifiers.policy` refuses such
a pack. Each floor is stated next to where its producer makes it, and the
tests pin the two together.
"""

from __future__ import annotations

import math
from typing import Final

from ocr.domain import DocumentKind
from ocr.seals import MIN_SEAL_CONFIDENCE

__all__ = [
    "FIELD_CONFIDENCE_FLOOR",
    "KIND_CONFIDENCE_FLOOR",
    "LINE_SCORE_FLOOR",
    "MIN_FIELD_FACTOR",
    "SEAL_CONFIDENCE_FLOOR",
]

SEAL_CONFIDENCE_FLOOR: Final = MIN_SEAL_CONFIDENCE
"""The seal detector drops weaker candidates (:mod:`ocr.seals`)."""

KIND_CONFIDENCE_FLOOR: Final = math.floor(10_000 / len(DocumentKind)) / 10_000
"""The classifier (:func:`ocr.classify.classify_text`) reports the winner of a
softmax over every kind, ``unknown`` included, rounded to four places: the
winner never holds less than an equal share."""

LINE_SCORE_FLOOR: Final = 0.5
"""The engine drops lines its recogniser scores lower (the ``text_score`` of
:class:`~ocr.engines.rapid.RapidOcrEngine`); a PDF text layer's lines score 1."""

MIN_FIELD_FACTOR: Final = 0.4
"""The lowest factor a field extractor puts on its line's score: an ID number
that fails its check character (:mod:`ocr.fields.kinds`)."""

FIELD_CONFIDENCE_FLOOR: Final = LINE_SCORE_FLOOR * MIN_FIELD_FACTOR
"""A field's confidence is its line's score times the extractor's factor."""
