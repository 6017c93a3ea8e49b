"""A handwriting-style name misread by a character, from the pixels to the verdict."""

from __future__ import annotations

import dataclasses
import functools
from datetime import date

import cv2
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw

from ocr.domain import DocumentKind, PageReading
from ocr.engines.rapid import RapidOcrEngine
from ocr.idnumber import check_character
from ocr.reader import Reader
from samples.canvas import load_font
from tests.factories import make_facts
from verifiers import Decision, Evidence, Verdict, load_packs, verify_filing

pytestmark = pytest.mark.slow

FILED = date(2025, 6, 1)
NAME = "马永强"  # fake; the blur below makes the recogniser read 马水强
IDN = "32100219600501137" + check_character("32100219600501137")


def _card_page(name: str) -> npt.NDArray[np.uint8]:
    """An ID-card-like page in print, its name written in a blurred Kai (brush) hand."""
    page = Image.new("RGB", (1600, 1000), "white")
    draw = ImageDraw.Draw(page)
    rows = [
        ("姓名", 80),
        ("性别 男   民族 汉", 200),
        ("出生 1960年5月1日", 300),
        ("住址 江苏省扬州市广陵区汶河南路1号", 400),
        (f"公民身份号码 {IDN}", 600),
    ]
    for text, y in rows:
        draw.text((80, y), text, font=load_font("sans", 48), fill="black")
    hand = Image.new("RGB", (400, 100), "white")
    ImageDraw.Draw(hand).text((10, 10), name, font=load_font("kai", 72), fill="black")
    blurred = cv2.GaussianBlur(np.asarray(hand, dtype=np.uint8), (0, 0), 8)
    pixels = np.asarray(page, dtype=np.uint8).copy()
    pixels[70:170, 260:660] = blurred
    return np.ascontiguousarray(pixels[:, :, ::-1])


@functools.cache
def _reading() -> PageReading:
    return Reader(RapidOcrEngine(threads=2)).read_page(_card_page(NAME))


def _verdict(reading: PageReading) -> Verdict:
    (card,) = reading.documents
    evidence = Evidence(document_id="card", page=1, reading=card, quality=reading.quality)
    facts = make_facts(name=NAME, id_number=IDN, start_date=FILED, filed_on=FILED)
    return verify_filing(facts, [evidence], book_or_pack=load_packs())


class TestHandwrittenNameOnAnIdCard:
    def test_the_misread_name_keeps_the_filed_characters_among_its_alternatives(self) -> None:
        (card,) = _reading().documents

        assert card.kind is DocumentKind.ID_CARD_FRONT
        name = card.fields["name"]
        assert name.value != NAME
        assert len(name.alternatives) == len(name.value) == len(NAME)
        assert all(
            want in {char for char, _ in choices}
            for want, choices in zip(NAME, name.alternatives, strict=True)
        )
        assert card.field_value("id_number") == IDN

    def test_the_clean_filing_is_approved(self) -> None:
        verdict = _verdict(_reading())

        assert verdict.decision is Decision.APPROVE, [
            (c.code, c.outcome, c.message) for c in verdict.checks
        ]

    def test_without_the_alternatives_it_would_go_to_a_reviewer(self) -> None:
        reading = _reading()
        (card,) = reading.documents
        name = dataclasses.replace(card.fields["name"], alternatives=())
        bare = dataclasses.replace(card, fields={**card.fields, "name": name})

        verdict = _verdict(dataclasses.replace(reading, documents=(bare,)))

        assert verdict.decision is Decision.REVIEW
