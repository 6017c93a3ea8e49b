"""Measure the upload quality check: how often it asks for a retake, by kind of photo.

Usage::

    python scripts/quality_eval.py CORPUS_DIR [--real DIR ...] [--json]

``CORPUS_DIR`` is a generated corpus (``python -m samples DIR --count N --seed S``):
its photos are readable by construction and should pass. From each one the
script also makes the photos that must not pass: a blank sheet in the same
scene (the document's box painted with its paper colour), a flat texture
(the scene blurred until nothing is left of any print) and a heavy blur
(Gaussian σ of a fortieth of the long side). ``--real`` folders (the real
specimens, the committed examples) should pass. It prints the share of each
set asked to retake and the time the check takes per photo.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from ocr.images import decode_image
from ocr.quality import assess_quality

Image = npt.NDArray[np.uint8]
_SUFFIXES = (".jpg", ".jpeg", ".png")


def _blank_sheet(image: Image, truth: dict[str, Any]) -> Image:
    """The same scene with each document's box painted in its own paper colour."""
    out = image.copy()
    height, width = image.shape[:2]
    for document in truth.get("documents", []):
        x0, y0, x1, y1 = document["box"]
        box = (int(x0 * width), int(y0 * height), int(x1 * width), int(y1 * height))
        patch = out[box[1] : box[3], box[0] : box[2]]
        if patch.size:
            paper = np.percentile(patch.reshape(-1, patch.shape[-1]), 90, axis=0)
            patch[:] = paper.astype(np.uint8)
    return out


def _texture(image: Image, _: dict[str, Any]) -> Image:
    sigma = max(image.shape[:2]) / 25
    return np.asarray(cv2.GaussianBlur(image, (0, 0), sigma), dtype=np.uint8)


def _heavy_blur(image: Image, _: dict[str, Any]) -> Image:
    sigma = max(image.shape[:2]) / 40
    return np.asarray(cv2.GaussianBlur(image, (0, 0), sigma), dtype=np.uint8)


_NEGATIVES: dict[str, Callable[[Image, dict[str, Any]], Image]] = {
    "blank_sheet": _blank_sheet,
    "flat_texture": _texture,
    "heavy_blur": _heavy_blur,
}


def _images(folder: Path) -> Iterator[tuple[Path, Image]]:
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in _SUFFIXES:
            yield path, decode_image(path.read_bytes())


def _codes(image: Image, timings: list[float]) -> list[str]:
    started = time.perf_counter()
    quality = assess_quality(image)
    timings.append(time.perf_counter() - started)
    return [problem.code for problem in quality.problems]


def evaluate(corpus: Path, real: list[Path]) -> dict[str, Any]:
    """Retake rates for clean photos, the negatives made from them and real folders."""
    flagged: dict[str, list[bool]] = {"clean": [], **{name: [] for name in _NEGATIVES}}
    problems: dict[str, dict[str, int]] = {name: {} for name in flagged}
    timings: list[float] = []
    for path, image in _images(corpus):
        truth = json.loads(path.with_suffix(".json").read_text())
        variants = {"clean": image} | {n: make(image, truth) for n, make in _NEGATIVES.items()}
        for name, variant in variants.items():
            codes = _codes(variant, timings if name == "clean" else [])
            flagged[name].append(bool(codes))
            for code in codes:
                problems[name][code] = problems[name].get(code, 0) + 1
    report: dict[str, Any] = {
        name: {"photos": len(v), "retake_rate": round(sum(v) / max(len(v), 1), 4)}
        for name, v in flagged.items()
    }
    for name in flagged:
        report[name]["problems"] = problems[name]
    for folder in real:
        asked = {p.name: _codes(image, []) for p, image in _images(folder)}
        report[str(folder)] = {name: codes for name, codes in asked.items() if codes}
    report["ms_per_clean_photo"] = round(statistics.median(timings) * 1000, 1) if timings else None
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--real", type=Path, nargs="*", default=[])
    parser.add_argument("--json", action="store_true", help="compact JSON")
    args = parser.parse_args()
    report = evaluate(args.corpus, args.real)
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=None if args.json else 1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
