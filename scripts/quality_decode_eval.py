"""Whether the upload's quality answer survives a cheaper decode of the photo.

Usage::

    python scripts/quality_decode_eval.py CORPUS_DIR [--real DIR ...] [--json]

``CORPUS_DIR`` is a generated corpus (``python -m samples DIR --count N --seed S``);
from each photo the script also makes, re-encoded as JPEG the way a phone
would, the photos that must not pass (as ``scripts/quality_eval.py``: a blank
sheet, a flat texture, a heavy blur) and a light and a medium blur near the
``blurry`` limit. ``--real`` folders (``../shared/realdocs``,
``samples/examples``) are measured as they are.

Two decodes are compared with the full decode that ``ocr.images.load_pages``
did before (Pillow ``convert("RGB")``, channels reversed by numpy):

* ``load_pages`` as it is now (the image turned upright in place, channels
  swapped by OpenCV): its pixels must be identical, so every answer agrees;
* JPEG DCT-domain reduced decodes (Pillow draft mode, 1/2 and 1/4 where the
  reduced long side still reaches the 1000 px working size the check
  measures on), judged by the quality check's problem codes. ``low_resolution``
  and ``document_too_small`` are left out of that comparison: they measure
  print in full-resolution pixels, which a reduced decode would take from the
  header. Sharpness is reported as the largest relative change.

Prints one line per set, the disagreements, or with ``--json`` one object.
"""

from __future__ import annotations

import argparse
import io
import json
import runpy
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from ocr.images import FileType, load_pages, sniff_file_type
from ocr.quality import WORKING_LONG_SIDE, assess_quality

Pixels = npt.NDArray[np.uint8]
_SUFFIXES = (".jpg", ".jpeg", ".png")
_RESOLUTION = frozenset({"low_resolution", "document_too_small"})
_FACTORS = (2, 4)


@dataclass
class _Tally:
    """Agreement of one set of photos."""

    photos: int = 0
    exact_pixels: int = 0
    reduced: dict[int, int] = field(default_factory=dict)
    """Factor to photos decodable at it."""
    agree: dict[int, int] = field(default_factory=dict)
    sharpness_change: dict[int, float] = field(default_factory=dict)
    disagreements: list[str] = field(default_factory=list)


def _reference_decode(data: bytes) -> Pixels:
    """The full decode as ``load_pages`` did it before: copies through Pillow and numpy."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        upright = ImageOps.exif_transpose(image)
        rgb = np.asarray(upright.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _reduced_decode(data: bytes, factor: int) -> Pixels | None:
    """A DCT-domain reduced decode (Pillow draft), or None below the working size."""
    with Image.open(io.BytesIO(data)) as image:
        if image.format != "JPEG" or max(image.size) // factor < WORKING_LONG_SIDE:
            return None
        image.draft("RGB", (image.width // factor, image.height // factor))
        image.load()
        upright = ImageOps.exif_transpose(image)
        rgb = np.asarray(upright.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _codes(image: Pixels) -> tuple[frozenset[str], float]:
    quality = assess_quality(image)
    return frozenset(p.code for p in quality.problems), quality.sharpness


def _jpeg(image: Pixels) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return bytes(encoded.tobytes())


def _compare(name: str, data: bytes, tally: _Tally) -> None:
    tally.photos += 1
    reference = _reference_decode(data)
    now = load_pages(data, file_type=sniff_file_type(data[:32]))[0].image
    if now.shape == reference.shape and np.array_equal(now, reference):
        tally.exact_pixels += 1
    else:
        tally.disagreements.append(f"{name}: load_pages pixels differ")
    full, full_sharpness = _codes(reference)
    for factor in _FACTORS:
        reduced = _reduced_decode(data, factor)
        if reduced is None:
            continue
        tally.reduced[factor] = tally.reduced.get(factor, 0) + 1
        codes, sharpness = _codes(reduced)
        if codes - _RESOLUTION == full - _RESOLUTION:
            tally.agree[factor] = tally.agree.get(factor, 0) + 1
        else:
            tally.disagreements.append(
                f"{name} 1/{factor}: full {sorted(full)} reduced {sorted(codes)}"
            )
        if full_sharpness > 0:
            change = abs(sharpness - full_sharpness) / full_sharpness
            tally.sharpness_change[factor] = max(tally.sharpness_change.get(factor, 0.0), change)


def _photos(folder: Path) -> Iterator[Path]:
    return (p for p in sorted(folder.iterdir()) if p.suffix.lower() in _SUFFIXES)


def _degradations(quality_eval: Path) -> dict[str, Callable[[Pixels, dict[str, Any]], Pixels]]:
    made = runpy.run_path(str(quality_eval), run_name="quality_eval")

    def blur(share: float) -> Callable[[Pixels, dict[str, Any]], Pixels]:
        def apply(image: Pixels, _: dict[str, Any]) -> Pixels:
            sigma = max(image.shape[:2]) * share
            return np.asarray(cv2.GaussianBlur(image, (0, 0), sigma), dtype=np.uint8)

        return apply

    return {
        "blank sheets": made["_blank_sheet"],
        "flat textures": made["_texture"],
        "heavy blurs": made["_heavy_blur"],
        "light blurs (σ = long side / 1000)": blur(1 / 1000),
        "medium blurs (σ = long side / 400)": blur(1 / 400),
    }


def evaluate(corpus: Path, real: list[Path]) -> dict[str, _Tally]:
    """Tally the agreement of each set of photos."""
    sets: dict[str, _Tally] = {"clean photos": _Tally()}
    made = _degradations(Path(__file__).with_name("quality_eval.py"))
    sets.update({name: _Tally() for name in made})
    for path in _photos(corpus):
        data = path.read_bytes()
        _compare(path.name, data, sets["clean photos"])
        truth_path = path.with_suffix(".json")
        truth = json.loads(truth_path.read_text()) if truth_path.is_file() else {}
        image = load_pages(data, file_type=FileType.JPEG)[0].image
        for name, degrade in made.items():
            _compare(path.name, _jpeg(degrade(image, truth)), sets[name])
    for folder in real:
        tally = sets.setdefault(f"real: {folder.name}", _Tally())
        for path in _photos(folder):
            _compare(path.name, path.read_bytes(), tally)
    return sets


def _line(name: str, tally: _Tally) -> str:
    parts = [f"{name}: {tally.photos} photos, load_pages identical {tally.exact_pixels}"]
    for factor in _FACTORS:
        decodable = tally.reduced.get(factor, 0)
        if decodable:
            parts.append(
                f"1/{factor} agrees {tally.agree.get(factor, 0)}/{decodable}"
                f" (sharpness change up to {tally.sharpness_change.get(factor, 0.0):.0%})"
            )
        else:
            parts.append(f"1/{factor}: none large enough")
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--real", type=Path, action="append", default=[])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sets = evaluate(args.corpus, args.real)
    if args.json:
        report = {
            name: {
                "photos": t.photos,
                "load_pages_identical": t.exact_pixels,
                "reduced": {f"1/{f}": t.reduced.get(f, 0) for f in _FACTORS},
                "agree": {f"1/{f}": t.agree.get(f, 0) for f in _FACTORS},
                "max_sharpness_change": {
                    f"1/{f}": round(t.sharpness_change.get(f, 0.0), 4) for f in _FACTORS
                },
                "disagreements": t.disagreements,
            }
            for name, t in sets.items()
        }
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        return
    for name, tally in sets.items():
        sys.stdout.write(_line(name, tally) + "\n")
        for disagreement in tally.disagreements:
            sys.stdout.write(f"  {disagreement}\n")


if __name__ == "__main__":
    main()
