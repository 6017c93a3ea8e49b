"""Accuracy of reading against generated ground truth (``samples`` corpora).

A corpus directory holds ``NNNN.jpg`` with ``NNNN.json`` beside it (see
``samples.generate``). Each page is read, its documents are paired with the
truth's (same kind first, then the rest in page order), and the report gives
kind accuracy with a confusion matrix, ``unknown`` recall, per-field exact
match rates, seal recall and precision (counted per paired document: ground
truth boxes are in photo coordinates, readings in normalised-page ones),
character error rate, timing, and how well the kind confidence is
calibrated (expected calibration error: a confidence of 0.9 should be right
nine times in ten).
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from ocr.domain import DocumentReading, PageReading
from ocr.fields.labels import reading_order
from ocr.layout import PageLine, compact

__all__ = [
    "DATE_FIELDS",
    "Tally",
    "character_errors",
    "corpus_pages",
    "evaluate_corpus",
    "expected_calibration_error",
    "ordered_text",
    "score_page",
]

DATE_FIELDS: Final = ("birth_date", "valid_from", "valid_until", "date")
MISSING: Final = "(missing)"
EXTRA: Final = "(none)"

Truth = dict[str, Any]


_CALIBRATION_BINS: Final = 10


def expected_calibration_error(
    outcomes: Sequence[tuple[float, bool]], *, bins: int = _CALIBRATION_BINS
) -> float | None:
    """The expected calibration error of confidences against what turned out right.

    The confidences are put into ``bins`` equal-width bins; the error is the
    average gap between each bin's mean confidence and its accuracy, weighted
    by the bin's share of the predictions.

    Args:
        outcomes: ``(confidence, correct)`` per prediction.
        bins: How many bins split ``[0, 1]``.

    Returns:
        The error in ``[0, 1]``, or ``None`` without predictions.
    """
    if not outcomes:
        return None
    grouped: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for confidence, correct in outcomes:
        grouped[min(bins - 1, max(0, int(confidence * bins)))].append((confidence, correct))
    gap = 0.0
    for members in grouped.values():
        mean_confidence = sum(c for c, _ in members) / len(members)
        accuracy = sum(ok for _, ok in members) / len(members)
        gap += len(members) * abs(mean_confidence - accuracy)
    return round(gap / len(outcomes), 4)


def corpus_pages(directory: Path, *, limit: int | None = None) -> list[tuple[Path, Truth]]:
    """The corpus's images with their ground truth, in name order."""
    pages = []
    for truth_path in sorted(directory.glob("*.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if "image" in truth and "documents" in truth:
            pages.append((truth_path.parent / truth["image"], truth))
    return pages[:limit] if limit else pages


def character_errors(truth: str, read: str) -> int:
    """Levenshtein distance between two strings."""
    if not truth:
        return len(read)
    previous = list(range(len(read) + 1))
    for i, t in enumerate(truth, 1):
        current = [i]
        for j, r in enumerate(read, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (t != r)))
        previous = current
    return previous[-1]


def ordered_text(lines: Iterable[tuple[str, tuple[float, float, float, float]]]) -> str:
    """Lines put in reading order by their geometry and joined without spaces."""
    page_lines = [PageLine(text=t, box=b, confidence=1.0) for t, b in lines]
    return "".join(compact(line.text) for line in reading_order(page_lines))


@dataclass(slots=True)
class Tally:
    """Running counts over a corpus."""

    documents: int = 0
    kind_correct: int = 0
    unknown_truth: int = 0
    unknown_correct: int = 0
    confusion: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    field_total: Counter[str] = field(default_factory=Counter)
    field_exact: Counter[str] = field(default_factory=Counter)
    field_misses: list[dict[str, str | None]] = field(default_factory=list)
    seal_truth: int = 0
    seal_found: int = 0
    seal_matched: int = 0
    kind_outcomes: list[tuple[float, bool]] = field(default_factory=list)
    chars: int = 0
    char_errors: int = 0
    seconds: list[float] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        """The tally as the ``eval --json`` object."""
        fields = {
            name: {
                "total": total,
                "exact": self.field_exact[name],
                "rate": _ratio(self.field_exact[name], total),
            }
            for name, total in sorted(self.field_total.items())
        }
        dates_total = sum(self.field_total[n] for n in DATE_FIELDS)
        dates_exact = sum(self.field_exact[n] for n in DATE_FIELDS)
        return {
            "pages": len(self.seconds),
            "documents": self.documents,
            "kind_accuracy": _ratio(self.kind_correct, self.documents),
            "unknown_recall": _ratio(self.unknown_correct, self.unknown_truth),
            "kind_ece": expected_calibration_error(self.kind_outcomes),
            "confusion": {t: dict(sorted(c.items())) for t, c in sorted(self.confusion.items())},
            "fields": fields,
            "dates_exact": _ratio(dates_exact, dates_total),
            "seals": {
                "truth": self.seal_truth,
                "found": self.seal_found,
                "matched": self.seal_matched,
                "recall": _ratio(self.seal_matched, self.seal_truth),
                "precision": _ratio(self.seal_matched, self.seal_found),
            },
            "cer": _ratio(self.char_errors, self.chars),
            "timing": _timing(self.seconds),
            "field_misses": self.field_misses[:50],
        }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _timing(seconds: Sequence[float]) -> dict[str, float | None]:
    if not seconds:
        return {"median_s": None, "p95_s": None, "total_s": 0.0, "pages_per_s": None}
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    total = sum(ordered)
    return {
        "median_s": round(statistics.median(ordered), 3),
        "p95_s": round(p95, 3),
        "total_s": round(total, 2),
        "pages_per_s": round(len(ordered) / total, 3) if total else None,
    }


def _pair(
    truths: Sequence[Truth], readings: Sequence[DocumentReading]
) -> list[tuple[Truth | None, DocumentReading | None]]:
    left = list(readings)
    pairs: list[tuple[Truth | None, DocumentReading | None]] = []
    unpaired: list[Truth] = []
    for truth in truths:
        same = next((r for r in left if r.kind.value == truth["kind"]), None)
        if same is None:
            unpaired.append(truth)
            continue
        left.remove(same)
        pairs.append((truth, same))
    for truth in unpaired:
        pairs.append((truth, left.pop(0) if left else None))
    pairs.extend((None, reading) for reading in left)
    return pairs


def score_page(tally: Tally, truth: Truth, reading: PageReading, *, file: str = "") -> None:
    """Add one page's reading to ``tally``.

    Args:
        tally: The running counts.
        truth: The page's ground truth (``samples`` JSON).
        reading: What the reader returned for it.
        file: The image name, kept with field misses.
    """
    for expected, got in _pair(truth["documents"], reading.documents):
        kind = got.kind.value if got else MISSING
        if expected is None:
            tally.confusion[EXTRA][kind] += 1
            tally.seal_found += len(got.seals) if got else 0
            continue
        tally.documents += 1
        tally.confusion[expected["kind"]][kind] += 1
        tally.kind_correct += kind == expected["kind"]
        if got is not None:
            tally.kind_outcomes.append((got.kind_confidence, kind == expected["kind"]))
        if expected["kind"] == "unknown":
            tally.unknown_truth += 1
            tally.unknown_correct += kind == "unknown"
        _score_fields(tally, expected, got, file=file)
        truth_seals = len(expected.get("seals", ()))
        found_seals = len(got.seals) if got else 0
        tally.seal_truth += truth_seals
        tally.seal_found += found_seals
        tally.seal_matched += min(truth_seals, found_seals)
    _score_text(tally, truth, reading)


def _score_fields(tally: Tally, expected: Truth, got: DocumentReading | None, *, file: str) -> None:
    if expected["kind"] == "unknown":
        return
    for name, value in expected.get("fields", {}).items():
        read = got.field_value(name) if got and got.kind.value == expected["kind"] else None
        tally.field_total[name] += 1
        if read is not None and compact(read) == compact(str(value)):
            tally.field_exact[name] += 1
        else:
            # ``read`` stays None (JSON null) when the field was not read at all.
            miss = {"file": file, "kind": expected["kind"], "field": name}
            tally.field_misses.append(miss | {"truth": str(value), "read": read})


def _score_text(tally: Tally, truth: Truth, reading: PageReading) -> None:
    expected = "".join(compact(t) for doc in truth["documents"] for t in doc.get("text", ()))
    # Readings list each document's lines in reading order already.
    read = "".join(compact(line.text) for doc in reading.documents for line in doc.lines)
    tally.chars += len(expected)
    tally.char_errors += character_errors(expected, read)


Image = npt.NDArray[np.uint8]


def evaluate_corpus(
    directory: Path,
    *,
    read_page: Callable[[Image], PageReading],
    load: Callable[[Path], Image],
    limit: int | None = None,
    on_page: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Read every page of a generated corpus and score the readings.

    Args:
        directory: The corpus folder.
        read_page: Reads one decoded page (e.g. ``Reader(engine).read_page``).
        load: Decodes an image file into BGR pixels with EXIF orientation applied.
        limit: Score only the first pages.
        on_page: Called after each page is scored (a progress bar's step).

    Returns:
        The report (see :meth:`Tally.report`).
    """
    tally = Tally()
    for path, truth in corpus_pages(directory, limit=limit):
        image = load(path)
        started = time.perf_counter()
        reading = read_page(image)
        tally.seconds.append(time.perf_counter() - started)
        score_page(tally, truth, reading, file=path.name)
        if on_page is not None:
            on_page()
    return tally.report()
