from __future__ import annotations

from dataclasses import replace

import numpy as np

from ocr.domain import DocumentKind
from ocr.normalise import orientation_from_quads
from ocr.quality import assess_quality
from ocr.reader import Reader, _turn_quads
from tests.unit.ocr.fake_engine import FakeOcrEngine, text_line

VALID_ID = "32100219650312102X"


def _blank_page() -> np.ndarray:
    return np.full((1400, 1000, 3), 255, dtype=np.uint8)


def _front(y: float, *, flipped: bool = False) -> list:  # type: ignore[type-arg]
    rows = [
        "姓名 王建国",
        "性别 男 民族 汉",
        "出生 1965年3月12日",
        "住址 江苏省扬州市",
        f"公民身份号码 {VALID_ID}",
    ]
    if flipped:  # upside down: rows in reverse order, each read upright by the classifier
        rows = rows[::-1]
    return [text_line(text, 100, y + i * 45, flipped=flipped) for i, text in enumerate(rows)]


def _back(y: float) -> list:  # type: ignore[type-arg]
    rows = [
        "中华人民共和国",
        "居民身份证",
        "签发机关 扬州市公安局",
        "有效期限 2015.03.05-2035.03.05",
    ]
    return [text_line(text, 100, y + i * 45) for i, text in enumerate(rows)]


class TestReaderReadPage:
    def test_photocopy_with_front_and_upside_down_back_gives_two_documents(self) -> None:
        engine = FakeOcrEngine([*_back(100), *_front(800, flipped=True)])
        reader = Reader(engine, read_seal_text=False)

        reading = reader.read_page(_blank_page())

        kinds = [d.kind for d in reading.documents]
        assert kinds == [DocumentKind.ID_CARD_BACK, DocumentKind.ID_CARD_FRONT]
        front = reading.documents[1]
        assert front.field_value("name") == "王建国"
        assert front.field_value("id_number") == VALID_ID
        assert front.field_value("birth_date") == "1965-03-12"
        assert reading.documents[0].field_value("valid_until") == "2035-03-05"
        assert all(0 <= v <= 1 for d in reading.documents for v in d.box)

    def test_one_document_page_is_not_split_at_wide_gaps(self) -> None:
        lines = [text_line("中华人民共和国", 100, 100), text_line("居民身份证", 100, 150)]
        lines += [
            text_line("签发机关 扬州市公安局", 100, 600),
            text_line("有效期限 2015.03.05-长期", 100, 650),
        ]
        reader = Reader(FakeOcrEngine(lines), read_seal_text=False)

        reading = reader.read_page(_blank_page())

        assert [d.kind for d in reading.documents] == [DocumentKind.ID_CARD_BACK]

    def test_reading_records_engine_versions_and_timings(self) -> None:
        reader = Reader(FakeOcrEngine(_back(100)), read_seal_text=False)

        reading = reader.read_page(_blank_page(), page=3)

        assert reading.page == 3
        assert reading.engine == "fake"
        assert reading.engine_version.startswith("fake-1/")
        assert reading.models == ("fake.onnx@00000000",)
        assert reading.timings["total"] >= reading.timings["recognise"]

    def test_quality_measured_at_upload_is_used_as_given(self) -> None:
        reader = Reader(FakeOcrEngine(_back(100)), read_seal_text=False)
        measured = assess_quality(_blank_page())
        given = replace(measured, sharpness=0.123, glare=0.0)

        reading = reader.read_page(_blank_page(), quality=given)

        assert reading.quality.sharpness == 0.123
        assert reading.quality.width == measured.width
        assert reader.read_page(_blank_page()).quality.sharpness == measured.sharpness

    def test_text_layer_is_read_without_ocr(self) -> None:
        engine = FakeOcrEngine([])
        reader = Reader(engine, read_seal_text=False)
        layer = (
            "个人承诺书\n本人王建国，身份证号码" + VALID_ID + "，参保地扬州市，\n日期：2024年5月6日"
        )

        reading = reader.read_page(_blank_page(), text_layer=layer)

        assert engine.calls == []
        document = reading.documents[0]
        assert document.kind is DocumentKind.COMMITMENT_LETTER
        assert document.field_value("name") == "王建国"
        assert document.field_value("date") == "2024-05-06"

    def test_blank_page_reads_as_unknown(self) -> None:
        reading = Reader(FakeOcrEngine([]), read_seal_text=False).read_page(_blank_page())

        assert [d.kind for d in reading.documents] == [DocumentKind.UNKNOWN]
        assert reading.documents[0].box == (0.0, 0.0, 1.0, 1.0)


class TestTurnQuads:
    def test_a_vertical_line_becomes_horizontal_with_corners_in_detector_order(self) -> None:
        # A line running down the left edge of a 1000-row image, 40 px wide, 300 px long.
        quad = ((10.0, 100.0), (50.0, 100.0), (50.0, 400.0), (10.0, 400.0))
        (turned,) = _turn_quads([quad], height=1000)
        assert turned == ((600.0, 10.0), (900.0, 10.0), (900.0, 50.0), (600.0, 50.0))
        assert orientation_from_quads([turned], turned=True) == (0, 0.0)
