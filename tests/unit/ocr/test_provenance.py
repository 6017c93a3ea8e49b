from __future__ import annotations

import numpy as np
import pytest

from ocr.domain import LayerMismatch, PageSource, PdfPageLayer, PdfTextLine
from ocr.provenance import compare_text_layer

BOX = (0.1, 0.1, 0.6, 0.14)


def _white() -> np.ndarray:
    return np.full((1000, 800, 3), 255, dtype=np.uint8)


def _layer(*lines: PdfTextLine) -> PdfPageLayer:
    return PdfPageLayer(source=PageSource.RASTER, lines=lines)


class TestCompareTextLayer:
    def test_no_lines_no_finding(self) -> None:
        assert compare_text_layer(_layer(), read=["姓名 王建国"], image=_white()) is None

    def test_a_layer_the_pixels_show_agrees_despite_a_misread_character(self) -> None:
        layer = _layer(
            PdfTextLine(text="住址 江苏省扬州市广陵区", box=BOX, invisible=True),
            PdfTextLine(text="签发机关 扬州市公安局", box=BOX, invisible=True),
        )
        read = ["住址江苏省杨州市广陵区", "签发机关", "扬州市公安局"]

        finding = compare_text_layer(layer, read=read, image=_white())

        assert finding is not None
        assert finding.agrees
        assert finding.agreement == 1.0
        assert finding.characters == 21

    def test_invisible_text_over_a_blank_page_disagrees(self) -> None:
        layer = _layer(PdfTextLine(text="居住证 上海市", box=BOX, invisible=True))

        finding = compare_text_layer(layer, read=[], image=_white())

        assert finding is not None
        assert finding.agreement == 0.0
        (line,) = finding.disagreements
        assert (line.text, line.mismatch) == ("居住证 上海市", LayerMismatch.INVISIBLE)

    def test_white_text_over_white_paper_is_background_coloured(self) -> None:
        layer = _layer(PdfTextLine(text="有效期限 长期", box=BOX, colour=(250, 250, 250)))

        finding = compare_text_layer(layer, read=["居住证"], image=_white())

        assert finding is not None
        assert [d.mismatch for d in finding.disagreements] == [LayerMismatch.BACKGROUND]

    def test_visible_text_the_image_does_not_show_contradicts_it(self) -> None:
        image = _white()
        image[100:140, 80:480] = (40, 40, 40)  # dark ink under the line
        layer = _layer(PdfTextLine(text="姓名 张三", box=BOX, colour=(0, 0, 0)))

        finding = compare_text_layer(layer, read=["姓名 李四"], image=_white())
        other = compare_text_layer(layer, read=["姓名 李四"], image=image)

        assert finding is not None
        assert other is not None
        assert [d.mismatch for d in finding.disagreements] == [LayerMismatch.NOT_IN_IMAGE]
        assert [d.mismatch for d in other.disagreements] == [LayerMismatch.BACKGROUND]
        assert finding.agreement == 0.0

    def test_text_off_the_page_is_reported_so(self) -> None:
        layer = _layer(PdfTextLine(text="常住人口登记卡", box=(1.2, -0.3, 1.5, -0.28)))

        finding = compare_text_layer(layer, read=[], image=_white())

        assert finding is not None
        assert [d.mismatch for d in finding.disagreements] == [LayerMismatch.OFF_PAGE]

    def test_one_character_lines_are_not_judged(self) -> None:
        layer = _layer(
            PdfTextLine(text="男", box=BOX, invisible=True),
            PdfTextLine(text="民族 汉", box=BOX, invisible=True),
        )

        finding = compare_text_layer(layer, read=["民族 汉"], image=_white())

        assert finding is not None
        assert finding.agrees
        assert finding.characters == 3

    @pytest.mark.parametrize(
        ("layer_text", "read"),
        [("公民身份號碼", "公民身份号码"), ("ＩＤ １２３４", "id 1234")],
    )
    def test_folding_and_width_are_not_differences(self, layer_text: str, read: str) -> None:
        layer = _layer(PdfTextLine(text=layer_text, box=BOX, invisible=True))

        finding = compare_text_layer(
            layer,
            read=[read],
            image=_white(),
            fold=lambda text: text.replace("號碼", "号码"),
        )

        assert finding is not None
        assert finding.agrees

    def test_agreement_is_the_share_of_characters_shown(self) -> None:
        layer = _layer(
            PdfTextLine(text="中华人民共和国", box=BOX, invisible=True),
            PdfTextLine(text="居民身份证", box=BOX, invisible=True),
            PdfTextLine(text="长期居住证明", box=BOX, invisible=True),
        )

        finding = compare_text_layer(layer, read=["中华人民共和国", "居民身份证"], image=_white())

        assert finding is not None
        assert finding.agreement == pytest.approx(12 / 18, abs=1e-4)
        assert [d.text for d in finding.disagreements] == ["长期居住证明"]
