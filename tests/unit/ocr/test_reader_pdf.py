"""The reader on real PDF pages: scans with OCR layers, white text, born-digital pages."""

from __future__ import annotations

import numpy as np

from ocr.domain import DocumentKind, LayerMismatch, PageSource
from ocr.images import FileType, load_pages
from ocr.reader import Reader
from tests.pdfs import PdfPage, PdfText, build_pdf, photo_jpeg
from tests.unit.ocr.fake_engine import FakeOcrEngine, text_line

BACK = ["中华人民共和国", "居民身份证", "签发机关 扬州市公安局", "有效期限 2015.03.05-2035.03.05"]


def _engine() -> FakeOcrEngine:
    return FakeOcrEngine([text_line(row, 100, 100 + 45 * i) for i, row in enumerate(BACK)])


def _scan() -> np.ndarray:
    page = np.full((1400, 1000, 3), 235, dtype=np.uint8)
    page[100:400, 100:900] = 60  # something printed
    return page


class TestReaderOnPdfPages:
    def test_scan_with_an_agreeing_invisible_layer_reads_like_the_image_alone(self) -> None:
        texts = [PdfText(text=row, x=60, y=60 + 27 * i, mode=3) for i, row in enumerate(BACK)]
        pdf = build_pdf([PdfPage(image=photo_jpeg(_scan()), texts=texts)])
        (page,) = load_pages(pdf, file_type=FileType.PDF)
        reader = Reader(_engine(), read_seal_text=False)

        with_layer = reader.read_page(page.image, text_layer=page.text_layer)
        alone = reader.read_page(page.image)

        assert with_layer.documents == alone.documents
        assert [d.kind for d in with_layer.documents] == [DocumentKind.ID_CARD_BACK]
        assert with_layer.source is PageSource.RASTER
        assert with_layer.text_layer is not None
        assert with_layer.text_layer.agrees

    def test_white_text_over_an_image_is_reported_and_not_read(self) -> None:
        texts = [PdfText(text="有效期限 2020.01.01-长期", x=60, y=300, rgb=(1.0, 1.0, 1.0))]
        white = np.full((1400, 1000, 3), 255, dtype=np.uint8)
        pdf = build_pdf([PdfPage(image=photo_jpeg(white), texts=texts)])
        (page,) = load_pages(pdf, file_type=FileType.PDF)

        reading = Reader(_engine(), read_seal_text=False).read_page(
            page.image, text_layer=page.text_layer
        )

        assert reading.documents[0].field_value("valid_until") == "2035-03-05"
        assert reading.source is PageSource.BORN_DIGITAL
        assert reading.text_layer is not None
        (line,) = reading.text_layer.disagreements
        assert line.mismatch is LayerMismatch.BACKGROUND

    def test_a_born_digital_page_that_shows_its_text_is_born_digital_and_agrees(self) -> None:
        texts = [PdfText(text=row, x=60, y=60 + 27 * i) for i, row in enumerate(BACK)]
        (page,) = load_pages(build_pdf([PdfPage(texts=texts)]), file_type=FileType.PDF)

        reading = Reader(_engine(), read_seal_text=False).read_page(
            page.image, text_layer=page.text_layer
        )

        assert reading.source is PageSource.BORN_DIGITAL
        assert reading.text_layer is not None
        assert reading.text_layer.agrees
        assert [d.kind for d in reading.documents] == [DocumentKind.ID_CARD_BACK]
