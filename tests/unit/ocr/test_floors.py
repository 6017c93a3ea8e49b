from __future__ import annotations

import dataclasses
import inspect

from ocr.classify import classify_text
from ocr.domain import DocumentKind
from ocr.engines.rapid import RapidOcrEngine
from ocr.fields import extract_fields
from ocr.floors import (
    FIELD_CONFIDENCE_FLOOR,
    KIND_CONFIDENCE_FLOOR,
    LINE_SCORE_FLOOR,
    SEAL_CONFIDENCE_FLOOR,
)
from ocr.seals import find_seals
from tests.unit.ocr.fake_engine import line
from tests.unit.ocr.test_seals import _page_with


class TestFloors:
    def test_the_engine_drops_lines_below_the_line_floor_by_default(self) -> None:
        text_score = inspect.signature(RapidOcrEngine).parameters["text_score"].default
        assert text_score == LINE_SCORE_FLOOR

    def test_a_field_read_from_the_weakest_line_sits_on_the_field_floor(self) -> None:
        # An ID number failing its check character, on a line the engine barely kept.
        weakest = dataclasses.replace(
            line("公民身份号码 32100219650312I03X", 50, 400), confidence=LINE_SCORE_FLOOR
        )

        found = extract_fields(DocumentKind.ID_CARD_FRONT, [weakest], width=1000, height=1000)

        assert found["id_number"].confidence == FIELD_CONFIDENCE_FLOOR

    def test_the_classifier_never_reports_less_than_the_kind_floor(self) -> None:
        # Cues of many kinds at once: the most even contest the classifier sees.
        muddle = ["居民身份证", "社会保障卡", "户口簿", "居住证", "不动产权证书", "劳动合同"]
        for texts in ([], muddle, ["转诊", "承诺书", "派往"]):
            assert classify_text(texts).confidence >= KIND_CONFIDENCE_FLOOR
        assert KIND_CONFIDENCE_FLOOR * len(DocumentKind) <= 1

    def test_the_seal_detector_reports_nothing_below_its_floor(self) -> None:
        seals = find_seals(_page_with(seal=True))

        assert seals
        assert all(seal.confidence >= SEAL_CONFIDENCE_FLOOR for seal in seals)
