"""The real RapidOCR engine: offline, models from the wheel, tuned settings."""

from __future__ import annotations

import functools
import socket
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw

from ocr.engines.rapid import RapidOcrEngine
from ocr.errors import OcrModelMissingError
from samples.canvas import load_font
from tests.golden.rendering import render_lines

pytestmark = pytest.mark.slow


def _no_network(*_args: Any, **_kwargs: Any) -> socket.socket:
    raise OSError("network access attempted")


class TestRapidOcrEngine:
    def test_reads_rendered_text_with_network_blocked(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(socket, "socket", _no_network)
        monkeypatch.setattr(socket, "create_connection", _no_network)
        engine = RapidOcrEngine(threads=2)
        image = render_lines(["姓名 王建国", "公民身份号码 32100219650312123X"])

        lines = engine.recognise(image, orientation_known=True)

        texts = sorted(line.text.replace(" ", "") for line in lines)
        assert "姓名王建国" in texts or any("王建国" in t for t in texts)
        assert any("32100219650312123X" in t for t in texts)
        assert all(0.5 <= line.confidence <= 1.0 for line in lines)

    def test_classifier_marks_upside_down_lines(self) -> None:
        engine = RapidOcrEngine(threads=2)
        image = np.ascontiguousarray(render_lines(["中华人民共和国居民身份证"])[::-1, ::-1])

        lines = engine.recognise(image, orientation_known=False)

        assert lines
        assert lines[0].flipped
        assert "居民身份证" in lines[0].text

    def test_version_names_every_model_with_its_hash(self) -> None:
        engine = RapidOcrEngine(threads=1)

        assert engine.version.startswith("rapidocr-3.")
        assert len(engine.models) == 3
        assert all("@" in model for model in engine.models)

    def test_missing_model_fails_at_construction(self, tmp_path: Path) -> None:
        with pytest.raises(OcrModelMissingError) as caught:
            RapidOcrEngine(model_dir=tmp_path)

        assert caught.value.path.endswith(".onnx")


def _kai_crop(name: str, *, blur: float) -> npt.NDArray[np.uint8]:
    """A name drawn in the Kai (brush-style) face, blurred like a poor photo of handwriting."""
    font = load_font("kai", 40)
    page = Image.new("RGB", (int(40 * len(name) * 1.1) + 16, 56), "white")
    ImageDraw.Draw(page).text((8, 6), name, font=font, fill="black")
    bgr = np.ascontiguousarray(np.asarray(page, dtype=np.uint8)[:, :, ::-1])
    if not blur:
        return bgr
    return np.ascontiguousarray(cv2.GaussianBlur(bgr, (0, 0), blur), dtype=np.uint8)


def _whole(image: npt.NDArray[np.uint8]) -> list[tuple[tuple[float, float], ...]]:
    height, width = (float(v) for v in image.shape[:2])
    return [((0.0, 0.0), (width, 0.0), (width, height), (0.0, height))]


# Kai-style names that the blur makes the recogniser misread by a character.
_BLURRED_NAMES = ("林国庆", "罗志刚", "马永强", "赵志强", "周海涛")


@functools.cache
def _engine() -> RapidOcrEngine:
    return RapidOcrEngine(threads=2)


class TestAlternatives:
    @pytest.mark.parametrize("rec_batch", [1, 4])
    def test_text_and_score_are_what_rapidocr_gives_for_the_same_crops(
        self, rec_batch: int
    ) -> None:
        from rapidocr.ch_ppocr_rec import TextRecInput

        engine = RapidOcrEngine(threads=2, rec_batch=rec_batch, text_score=0.0)
        crops = [_kai_crop(name, blur=blur) for name in _BLURRED_NAMES for blur in (0, 5.5)]
        crops.append(render_lines(["公民身份号码 32100219650312123X"], size=(1000, 120)))

        # Batches are padded to their widest crop: compare whole batches, as RapidOCR reads them.
        ours = engine._recognise_crops(crops)
        # The recogniser the engine drives, called as RapidOCR calls it, on the same crops.
        theirs = engine._rec(TextRecInput(img=crops))

        assert [read.text for read in ours] == list(theirs.txts)
        assert [read.score for read in ours] == [float(s) for s in theirs.scores]

    def test_one_set_per_character_the_read_one_first(self) -> None:
        engine = _engine()
        for name in _BLURRED_NAMES:
            for blur in (0, 5.5):
                crop = _kai_crop(name, blur=blur)
                (line,) = engine.read_quads(crop, _whole(crop), orientation_known=True)

                assert len(line.alternatives) == len(line.text)
                for char, choices in zip(line.text, line.alternatives, strict=True):
                    assert 1 <= len(choices) <= 3
                    assert choices[0][0] == char
                    probabilities = [p for _, p in choices]
                    assert probabilities == sorted(probabilities, reverse=True)
                    assert all(0.05 <= p <= 1.0 for p in probabilities)

    def test_a_misread_handwriting_style_name_keeps_the_true_characters(self) -> None:
        engine = _engine()
        misread = 0
        for name in _BLURRED_NAMES:
            crop = _kai_crop(name, blur=5.5)
            (line,) = engine.read_quads(crop, _whole(crop), orientation_known=True)
            if line.text == name:
                continue
            misread += 1
            assert len(line.text) == len(name)
            for want, choices in zip(name, line.alternatives, strict=True):
                assert want in {char for char, _ in choices}

        assert misread >= 3
