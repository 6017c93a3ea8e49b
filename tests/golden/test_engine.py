"""The real RapidOCR engine: offline, models from the wheel, tuned settings."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ocr.engines.rapid import RapidOcrEngine
from ocr.errors import OcrModelMissingError
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
