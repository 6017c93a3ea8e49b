from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from ocr.domain import DocumentKind, LayerMismatch, PageSource, PdfPageLayer, PdfTextLine
from ocr.engines.base import TextLine
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

    def test_text_layer_is_never_read_in_place_of_the_pixels(self) -> None:
        engine = FakeOcrEngine([])
        reader = Reader(engine, read_seal_text=False)
        layer = PdfPageLayer(
            source=PageSource.BORN_DIGITAL,
            lines=tuple(
                PdfTextLine(text=text, box=(0.1, 0.1 * i, 0.9, 0.1 * i + 0.02), invisible=True)
                for i, text in enumerate(["姓名 王建国", f"公民身份号码 {VALID_ID}"], start=1)
            ),
        )

        reading = reader.read_page(_blank_page(), text_layer=layer)

        assert engine.calls  # the pixels were read
        assert [d.kind for d in reading.documents] == [DocumentKind.UNKNOWN]
        assert reading.documents[0].fields == {}
        assert not reading.quality.ok
        assert reading.source is PageSource.BORN_DIGITAL
        assert reading.text_layer is not None
        assert reading.text_layer.agreement == 0.0
        assert {line.mismatch for line in reading.text_layer.disagreements} == {
            LayerMismatch.INVISIBLE
        }

    def test_agreeing_scanner_layer_reads_like_the_image_alone(self) -> None:
        lines = _back(100)
        layer = PdfPageLayer(
            source=PageSource.RASTER,
            lines=tuple(
                PdfTextLine(text=line.text, box=(0.1, 0.1, 0.5, 0.12), invisible=True)
                for line in lines
            ),
        )
        alone = Reader(FakeOcrEngine(lines), read_seal_text=False).read_page(_blank_page())

        reading = Reader(FakeOcrEngine(lines), read_seal_text=False).read_page(
            _blank_page(), text_layer=layer
        )

        assert reading.documents == alone.documents
        assert reading.quality == alone.quality
        assert reading.source is PageSource.RASTER
        assert reading.text_layer is not None
        assert reading.text_layer.agrees
        assert reading.text_layer.agreement == 1.0
        assert alone.text_layer is None

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


class _SecondLookEngine(FakeOcrEngine):
    """The first pass misses the name; a look inside a crop finds it there."""

    def __init__(self, lines: list, found: str) -> None:  # type: ignore[type-arg]
        super().__init__(lines)
        self.found = found
        self.crops: list[np.ndarray] = []

    def recognise(self, image: np.ndarray, *, orientation_known: bool) -> list:  # type: ignore[type-arg]
        if not orientation_known:
            return super().recognise(image, orientation_known=orientation_known)
        self.crops.append(image)
        quad = ((20.0, 10.0), (80.0, 10.0), (80.0, 40.0), (20.0, 40.0))
        return [TextLine(text=self.found, quad=quad, confidence=0.97)]


def _person_page(y: float, *, upside_down: bool = False) -> list:  # type: ignore[type-arg]
    rows = ["常住人口登记卡", "姓名", "出生日期 1948年05月28日", f"公民身份证件编号 {VALID_ID}"]
    lines = [text_line(text, 100, y + i * 60) for i, text in enumerate(rows)]
    lines.append(text_line("户主或与户主关系", 400, y + 60))
    lines.append(text_line("户主", 900, y + 60))
    if not upside_down:
        return lines
    # Turned 180° about the block's centre; the classifier reads each line upright.
    x0, y0 = min(p[0] for t in lines for p in t.quad), min(p[1] for t in lines for p in t.quad)
    x1, y1 = max(p[0] for t in lines for p in t.quad), max(p[1] for t in lines for p in t.quad)
    return [
        replace(t, quad=tuple((x0 + x1 - px, y0 + y1 - py) for px, py in t.quad), flipped=True)
        for t in lines
    ]


class TestSecondLook:
    def test_a_name_missed_beside_its_label_is_read_from_the_cell(self) -> None:
        page = _blank_page()
        page[160:190, 200:260] = 0  # ink where the name's cell is (姓名 ends at x=160)
        engine = _SecondLookEngine(_person_page(100), "郭杰")

        reading = Reader(engine).read_page(page)

        (document,) = reading.documents
        assert document.kind is DocumentKind.HUKOU_PERSON
        assert document.field_value("name") == "郭杰"
        (crop,) = engine.crops
        assert crop.min() == 0  # the crop holds the cell's ink
        box = document.fields["name"].box
        assert box is not None
        x0, _, x1, _ = box
        assert x0 > 0.16
        assert x1 < 0.6
        assert "郭杰" in [line.text for line in document.lines]

    def test_the_cell_of_an_upside_down_document_is_cut_from_the_turned_page(self) -> None:
        page = _blank_page()
        # The block spans x 100-960, y 100-310: the cell right of 姓名 (x 160-400,
        # y 160-190 upright) lies at x 660-900, y 220-250 on the turned page.
        page[220:250, 700:760] = 0
        # An upright card lower on the page: the page as a whole is not upside down.
        engine = _SecondLookEngine([*_person_page(100, upside_down=True), *_back(900)], "郭杰")

        reading = Reader(engine).read_page(page)

        document = reading.documents[0]
        assert document.kind is DocumentKind.HUKOU_PERSON
        assert document.field_value("name") == "郭杰"
        (crop,) = engine.crops
        assert crop.min() == 0

    def test_no_second_look_when_every_identifying_field_was_read(self) -> None:
        lines = _person_page(100)
        lines[1] = text_line("姓名 郭杰", 100, 160)
        engine = _SecondLookEngine(lines, "不应读到")

        reading = Reader(engine).read_page(_blank_page())

        assert reading.documents[0].field_value("name") == "郭杰"
        assert engine.crops == []


class _SealTextEngine(FakeOcrEngine):
    """Reads the page's lines, and ``seal`` in any strip read with orientation known."""

    def __init__(self, lines: list[TextLine], seal: str) -> None:
        super().__init__(lines)
        self.seal = seal
        self.strips: list[np.ndarray] = []

    def read_quads(
        self,
        image: np.ndarray,
        quads: list[tuple[tuple[float, float], ...]],
        *,
        orientation_known: bool,
    ) -> list[TextLine]:
        if not orientation_known:
            return super().read_quads(image, quads, orientation_known=orientation_known)
        self.strips.append(image)
        return [TextLine(text=self.seal, quad=quads[0], confidence=0.9)]


def _sealed_page() -> np.ndarray:
    page = _blank_page()
    red = (40, 30, 210)  # BGR
    cv2.circle(page, (600, 900), 120, red, 8)
    for angle in range(160, 380, 15):
        x = int(600 + 90 * np.cos(np.radians(angle)))
        y = int(900 + 90 * np.sin(np.radians(angle)))
        cv2.circle(page, (x, y), 9, red, -1)
    return page


class TestSealText:
    def test_seal_text_is_read_by_default(self) -> None:
        engine = _SealTextEngine([text_line("单位派出证明", 100, 100)], "扬州华安科技有限公司")

        reading = Reader(engine).read_page(_sealed_page())

        (seal,) = [seal for document in reading.documents for seal in document.seals]
        assert seal.text == "扬州华安科技有限公司"
        (strip,) = engine.strips
        assert strip.shape[1] > strip.shape[0] * 5

    def test_seal_text_can_be_left_unread(self) -> None:
        engine = _SealTextEngine([text_line("单位派出证明", 100, 100)], "扬州华安科技有限公司")

        reading = Reader(engine, read_seal_text=False).read_page(_sealed_page())

        (seal,) = [seal for document in reading.documents for seal in document.seals]
        assert seal.text == ""
        assert engine.strips == []
