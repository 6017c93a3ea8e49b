"""Per-character alternatives carried from the engine's lines into the fields of a reading."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from opencc import OpenCC

from ocr.domain import DocumentKind, Field, PageReading
from ocr.fields import extract_fields
from ocr.layout import PageLine, fold_alternatives
from ocr.reader import Reader
from tests.unit.ocr.fake_engine import FakeOcrEngine, line, text_line

VALID_ID = "32100219650312102X"  # fake, valid check character
SURE = (("姓", 0.99),)
NAME_ALTERNATIVES = (
    (("王", 0.98),),
    (("建", 0.95), ("健", 0.05)),
    (("图", 0.61), ("国", 0.32)),
)


def _labelled(text: str, alternatives: tuple[tuple[tuple[str, float], ...], ...]) -> PageLine:
    return replace(line(text, 50, 50), alternatives=alternatives)


class TestFoldAlternatives:
    def test_folds_each_character_and_merges_into_one_already_listed(self) -> None:
        t2s = OpenCC("t2s")

        folded = fold_alternatives(
            "国", ((("國", 0.7), ("国", 0.2), ("圖", 0.1)),), fold=lambda c: str(t2s.convert(c))
        )

        assert folded == ((("国", 0.7), ("图", 0.1)),)

    def test_gives_none_when_they_no_longer_line_up_with_the_text(self) -> None:
        assert fold_alternatives("王建", (SURE,), fold=str) == ()


class TestFieldAlternatives:
    def test_a_name_read_beside_its_label_gets_its_characters_alternatives(self) -> None:
        lines = [
            _labelled("姓名王建图", (SURE, (("名", 0.99),), *NAME_ALTERNATIVES)),
            line(f"公民身份号码{VALID_ID}", 50, 300),
        ]

        fields = extract_fields(DocumentKind.ID_CARD_FRONT, lines, width=1000, height=1000)

        assert fields["name"].value == "王建图"
        assert fields["name"].alternatives == NAME_ALTERNATIVES
        assert fields["id_number"].alternatives == ()

    def test_a_value_found_twice_in_its_line_gets_none(self) -> None:
        repeated = _labelled("乙方王建(王建)", (SURE,) * 8)

        fields = extract_fields(
            DocumentKind.LABOR_CONTRACT,
            [line("劳动合同", 50, 10), repeated],
            width=1000,
            height=1000,
        )

        assert fields["name"].value == "王建"
        assert fields["name"].alternatives == ()


class TestReadingKeepsAlternatives:
    def test_the_reader_carries_them_from_the_engine_into_the_cached_reading(self) -> None:
        name = replace(
            text_line("姓名王建图", 100, 100),
            alternatives=(
                SURE,
                (("名", 0.99),),
                *NAME_ALTERNATIVES[:2],
                (("圖", 0.61), ("國", 0.32)),
            ),
        )
        rows = ["性别男民族汉", "出生1965年3月12日", "住址江苏省扬州市", f"公民身份号码{VALID_ID}"]
        others = [text_line(text, 100, 145 + i * 45) for i, text in enumerate(rows)]
        reader = Reader(FakeOcrEngine([name, *others]), read_seal_text=False)

        reading = reader.read_page(np.full((1400, 1000, 3), 255, dtype=np.uint8))

        found = reading.documents[0].fields["name"]
        assert found.value == "王建图"
        # Traditional characters are folded as the line's text was.
        assert found.alternatives == NAME_ALTERNATIVES
        assert PageReading.from_dict(reading.export()) == reading


class TestFieldExport:
    def test_round_trip_keeps_the_alternatives(self) -> None:
        field = Field(
            value="王建图", confidence=0.8, box=(0, 0, 1, 1), alternatives=NAME_ALTERNATIVES
        )

        exported = field.export()

        assert exported["alternatives"][2] == [["图", 0.61], ["国", 0.32]]
        assert Field.from_dict(exported) == field

    def test_a_field_without_them_exports_as_before(self) -> None:
        field = Field(value="王建国", confidence=0.8)

        assert "alternatives" not in field.export()
        assert Field.from_dict(field.export()) == field
