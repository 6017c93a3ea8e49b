"""A page whose text is nearly all upside down is turned 180° and read again."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ocr.domain import DocumentKind
from ocr.engines.base import TextLine
from ocr.reader import Reader
from tests.unit.ocr.fake_engine import FakeOcrEngine, text_line

VALID_ID = "32100219650312102X"
_FRONT = ["姓名 王建国", "性别 男 民族 汉", "出生 1965年3月12日", f"公民身份号码 {VALID_ID}"]
_BACK = ["中华人民共和国", "居民身份证", "签发机关 扬州市公安局", "有效期限 2015.03.05-长期"]


def _rows(rows: Sequence[str], y: float, *, flipped: bool) -> list[TextLine]:
    return [text_line(text, 100, y + i * 45, flipped=flipped) for i, text in enumerate(rows)]


class _TurningEngine(FakeOcrEngine):
    """Upside down, the detector misses the front's labels; upright it reads both cards.

    Which page it sees is told by a dark mark in the top-left corner of the
    upright page (bottom-right once turned).
    """

    def __init__(self) -> None:
        super().__init__([])
        self.passes = 0

    def read_quads(
        self,
        image: npt.NDArray[np.uint8],
        quads: list[tuple[tuple[float, float], ...]],
        *,
        orientation_known: bool,
    ) -> list[TextLine]:
        self.passes += 1
        if image[5, 5] == 0:  # upright
            return [*_rows(_BACK, 100, flipped=False), *_rows(_FRONT, 800, flipped=False)]
        # Turned: only the front's number and the back survive, each read upright by
        # the angle classifier but flagged as turned.
        return [
            *_rows([f"公民身份号码 {VALID_ID}"], 300, flipped=True),
            *_rows(_BACK[::-1], 900, flipped=True),
        ]


def _turned_page() -> npt.NDArray[np.uint8]:
    page = np.full((1400, 1000, 3), 255, dtype=np.uint8)
    page[-10:, -10:] = 0  # the upright page's top-left mark, now bottom-right
    return page


class TestWholePageTurned:
    def test_an_upside_down_photocopy_is_read_again_upright(self) -> None:
        engine = _TurningEngine()

        reading = Reader(engine).read_page(_turned_page())

        assert engine.passes == 2
        assert reading.quality.rotation == 180
        kinds = sorted(d.kind.value for d in reading.documents)
        assert kinds == sorted([DocumentKind.ID_CARD_FRONT.value, DocumentKind.ID_CARD_BACK.value])
        front = next(d for d in reading.documents if d.kind is DocumentKind.ID_CARD_FRONT)
        assert front.field_value("name") == "王建国"

    def test_a_page_with_one_card_each_way_is_read_once(self) -> None:
        lines = [*_rows(_BACK, 100, flipped=False), *_rows(_FRONT[::-1], 800, flipped=True)]
        engine = FakeOcrEngine(lines)

        reading = Reader(engine).read_page(np.full((1400, 1000, 3), 255, dtype=np.uint8))

        assert engine.calls.count(False) == 1
        assert reading.quality.rotation == 0
        assert len(reading.documents) == 2
