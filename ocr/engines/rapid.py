"""PP-OCR through RapidOCR on ONNX Runtime, with the models shipped in its wheel.

The models are named explicitly (never by version or type name, which makes
RapidOCR reach for its model hub), so the engine works with the network off
and fails at construction with :class:`~ocr.errors.OcrModelMissingError` when a
file is missing. Detection, the angle classifier and recognition are driven
step by step so the detector can work on a small copy while the recogniser
crops from the larger image, and the classifier runs only when orientation is
unknown. The recogniser's session is called as RapidOCR calls it, so that its
per-step character probabilities, which RapidOCR discards, give each character
read its likeliest alternatives (a handwritten 国 read 图 still shows 国).
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

import numpy as np
import numpy.typing as npt
import structlog

from ocr.domain import Alternatives
from ocr.engines.base import TextLine
from ocr.errors import OcrModelMissingError

__all__ = [
    "ALTERNATIVES_KEPT",
    "ALTERNATIVE_MIN_PROBABILITY",
    "CLS_MODEL",
    "DET_MODEL",
    "REC_MODEL",
    "BareRapidOcr",
    "RapidOcrEngine",
    "ctc_alternatives",
]

DET_MODEL: Final = "PP-OCRv6_det_small.onnx"
REC_MODEL: Final = "PP-OCRv6_rec_small.onnx"
CLS_MODEL: Final = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
# Per emitted character: at most this many alternatives, each at least this likely.
ALTERNATIVES_KEPT: Final = 3
ALTERNATIVE_MIN_PROBABILITY: Final = 0.05

_log = structlog.get_logger(__name__)

Quad = tuple[tuple[float, float], ...]


def _wheel_model_dir() -> Path:
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None:
        raise OcrModelMissingError("rapidocr package")
    return Path(spec.origin).parent / "models"


def _resolve_models(model_dir: Path | None) -> dict[str, Path]:
    folder = model_dir or _wheel_model_dir()
    paths = {"det": folder / DET_MODEL, "rec": folder / REC_MODEL, "cls": folder / CLS_MODEL}
    for path in paths.values():
        if not path.is_file():
            raise OcrModelMissingError(str(path))
    return paths


def _hash_prefix(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:8]


def _params(
    paths: dict[str, Path], *, threads: int | None, extra: dict[str, Any]
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "Global.log_level": "warning",
        "Global.model_root_dir": str(paths["det"].parent),
        "Det.model_path": str(paths["det"]),
        "Rec.model_path": str(paths["rec"]),
        "Cls.model_path": str(paths["cls"]),
    }
    if threads is not None:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    params.update(extra)
    return params


def _rapidocr_version() -> str:
    from rapidocr._version import __version__

    return str(__version__)


class RapidOcrEngine:
    """PP-OCRv6-small tuned for documents (see OCR_NOTES.md).

    The three models load once, at construction.

    Args:
        threads: ONNX Runtime intra-op threads per session.
        det_limit: Longest side of the image the detector sees.
        rec_batch: Crops recognised per batch. One is fastest on CPU: a batch
            is padded to its widest crop, and the padding costs more than
            batching saves (about 20 % of recognition time at eight).
        cls_batch: Crops per angle-classifier batch (fixed-size inputs: no padding).
        text_score: Lines the recogniser scores below this are dropped.
        model_dir: Folder holding the model files (default: the wheel's).

    Raises:
        OcrModelMissingError: A model file is missing.
    """

    name: Final = "rapidocr"

    def __init__(
        self,
        *,
        threads: int = 2,
        det_limit: int = 960,
        rec_batch: int = 1,
        cls_batch: int = 8,
        text_score: float = 0.5,
        model_dir: Path | None = None,
    ) -> None:
        from rapidocr import RapidOCR

        paths = _resolve_models(model_dir)
        extra = {
            "Det.limit_type": "max",
            "Det.limit_side_len": det_limit,
            "Rec.rec_batch_num": rec_batch,
            "Cls.cls_batch_num": cls_batch,
            "Global.text_score": text_score,
        }
        # RapidOCR is untyped: it is held as Any at this boundary.
        self._ocr: Any = cast(Any, RapidOCR(params=_params(paths, threads=threads, extra=extra)))
        self._det = self._ocr._load_det_model()
        self._cls = self._ocr._load_cls_model()
        self._rec = self._ocr._load_rec_model()
        self._text_score = text_score
        hashes = {key: _hash_prefix(path) for key, path in paths.items()}
        self._models = tuple(f"{paths[k].name}@{hashes[k]}" for k in ("det", "rec", "cls"))
        self._version = (
            f"rapidocr-{_rapidocr_version()}+"
            + "+".join(f"{k}:{hashes[k]}" for k in ("det", "rec", "cls"))
            + f"+det{det_limit}"
        )
        _log.info("ocr.engine.loaded", engine=self.name, version=self._version, threads=threads)

    @property
    def version(self) -> str:
        """Engine version, model hash prefixes and detector size."""
        return self._version

    @property
    def models(self) -> tuple[str, ...]:
        """Model file names with their hash prefixes."""
        return self._models

    def detect(self, image: npt.NDArray[np.uint8]) -> list[Quad]:
        """Find text-line quads in ``image`` without reading them.

        Args:
            image: ``uint8`` BGR or grey image.

        Returns:
            The quads in pixel coordinates of ``image``.
        """
        result = self._det(_three_channels(image))
        if result.boxes is None:
            return []
        return [_quad(box) for box in result.boxes]

    def recognise(self, image: npt.NDArray[np.uint8], *, orientation_known: bool) -> list[TextLine]:
        """Detect, (optionally) orient and read every line of ``image``.

        Args:
            image: ``uint8`` BGR or grey image; crops are cut at full resolution.
            orientation_known: Skip the angle classifier.

        Returns:
            The lines scoring at least ``text_score``.
        """
        img = _three_channels(image)
        return self.read_quads(img, self.detect(img), orientation_known=orientation_known)

    def read_quads(
        self, image: npt.NDArray[np.uint8], quads: list[Quad], *, orientation_known: bool
    ) -> list[TextLine]:
        """Read the lines at ``quads``, cropping each from ``image`` at full resolution.

        Args:
            image: ``uint8`` BGR or grey image the quads were detected on.
            quads: Line quads (tl, tr, br, bl) in pixel coordinates of ``image``.
            orientation_known: Skip the angle classifier.

        Returns:
            The lines scoring at least ``text_score``.
        """
        from rapidocr.utils.process_img import get_rotate_crop_image

        if not quads:
            return []
        img = _three_channels(image)
        crops = [get_rotate_crop_image(img, np.array(q, dtype=np.float32)) for q in quads]
        flipped = [False] * len(crops)
        if not orientation_known:
            cls = self._cls(crops)
            crops = list(cls.img_list)
            flipped = [
                "180" in label and score > self._cls.cls_thresh for label, score in cls.cls_res
            ]
        lines = []
        for quad, read, flip in zip(quads, self._recognise_crops(crops), flipped, strict=True):
            if read.text.strip() and read.score >= self._text_score:
                lines.append(
                    TextLine(
                        text=read.text,
                        quad=quad,
                        confidence=read.score,
                        flipped=flip,
                        alternatives=read.alternatives,
                    )
                )
        return lines

    def _recognise_crops(self, crops: list[npt.NDArray[np.uint8]]) -> list[_Read]:
        """Recognise line crops as RapidOCR's ``TextRecognizer`` does, keeping the CTC output.

        The crops are taken in order of aspect ratio and batched, each batch
        padded to its widest crop, exactly as ``TextRecognizer.__call__`` does;
        its own decoder gives the text and score, so both are what it would
        return. The per-step probabilities it discards give each emitted
        character its alternatives.
        """
        rec = self._rec
        order = [int(i) for i in np.argsort(np.array([c.shape[1] / c.shape[0] for c in crops]))]
        found: dict[int, _Read] = {}
        for start in range(0, len(order), rec.rec_batch_num):
            members = order[start : start + rec.rec_batch_num]
            preds = self._rec_preds([crops[i] for i in members])
            # RapidOCR's decoder on the best class per step and its probability, as its
            # own __call__ passes them; the same best classes then give the alternatives.
            best = preds.argmax(axis=2)
            prob = np.take_along_axis(preds, best[:, :, np.newaxis], axis=2)[:, :, 0]
            decoded, _ = rec.postprocess_op.decode(best, prob, remove_duplicate=True)
            for row, (index, (text, score)) in enumerate(zip(members, decoded, strict=True)):
                choices = ctc_alternatives(preds[row], rec.postprocess_op.character, best=best[row])
                found[index] = _Read(
                    text=str(text),
                    score=float(score),
                    alternatives=choices if len(choices) == len(text) else (),
                )
        return [found[i] for i in range(len(crops))]

    def _rec_preds(self, batch: list[npt.NDArray[np.uint8]]) -> npt.NDArray[np.float32]:
        """The recogniser's ``(N, T, C)`` character probabilities for one batch."""
        rec = self._rec
        _channels, height, width = rec.rec_image_shape[:3]
        widest = max([width / height] + [c.shape[1] * 1.0 / c.shape[0] for c in batch])
        norm = np.concatenate([rec.resize_norm_img(c, widest)[np.newaxis, :] for c in batch])
        return cast(npt.NDArray[np.float32], rec.session(norm.astype(np.float32)))


class BareRapidOcr:
    """RapidOCR with its default settings (the benchmark's baseline).

    Only the model paths are given explicitly, so nothing is downloaded.
    """

    def __init__(self, *, threads: int | None = None, model_dir: Path | None = None) -> None:
        from rapidocr import RapidOCR

        paths = _resolve_models(model_dir)
        self._ocr: Any = cast(Any, RapidOCR(params=_params(paths, threads=threads, extra={})))

    def read(self, image: npt.NDArray[np.uint8]) -> list[TextLine]:
        """Read ``image`` exactly as ``RapidOCR()(image)`` would.

        Args:
            image: ``uint8`` BGR image.

        Returns:
            The lines it returned, in its order.
        """
        result: Any = self._ocr(image)
        if getattr(result, "txts", None) is None or result.boxes is None:
            return []
        return [
            TextLine(text=str(t), quad=_quad(b), confidence=float(s))
            for b, t, s in zip(result.boxes, result.txts, result.scores, strict=True)
        ]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Read:
    text: str
    score: float
    alternatives: Alternatives


def ctc_alternatives(
    probs: npt.NDArray[np.float32],
    characters: Sequence[str],
    *,
    top: int = ALTERNATIVES_KEPT,
    min_probability: float = ALTERNATIVE_MIN_PROBABILITY,
    best: npt.NDArray[np.intp] | None = None,
) -> Alternatives:
    """Each character a greedy CTC decoding emits, with the likeliest readings at its step.

    The decoding is RapidOCR's: the best class at each time step, repeats
    merged, blanks (class 0) dropped. Where a character is emitted, the
    ``top`` likeliest non-blank classes at that step with at least
    ``min_probability`` are its alternatives (the emitted one first).

    Args:
        probs: ``(T, C)`` softmax output for one line.
        characters: Class index to character (``"blank"`` at 0).
        top: Most alternatives kept per character.
        min_probability: Least probability an alternative needs.
        best: ``probs.argmax(axis=1)`` when the caller has it already.

    Returns:
        One tuple of ``(character, probability)`` per emitted character.
    """
    if best is None:
        best = probs.argmax(axis=1)
    emitted = np.ones(len(best), dtype=bool)
    emitted[1:] = best[1:] != best[:-1]
    emitted &= best != 0
    rows = probs[emitted]
    # One pass over the thousands of classes: few can reach the threshold (they sum to 1).
    places, classes = np.nonzero(rows[:, 1:] >= min_probability)
    found: list[list[tuple[str, float]]] = [[] for _ in range(len(rows))]
    for place, cls in zip(places.tolist(), (classes + 1).tolist(), strict=True):
        found[place].append((characters[cls], round(float(rows[place, cls]), 4)))
    return tuple(tuple(sorted(choices, key=lambda choice: -choice[1])[:top]) for choices in found)


def _three_channels(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    if image.ndim == 2:
        return np.ascontiguousarray(np.repeat(image[:, :, None], 3, axis=2))
    return image


def _quad(box: Any) -> Quad:
    return tuple((float(x), float(y)) for x, y in np.asarray(box).reshape(-1, 2))
