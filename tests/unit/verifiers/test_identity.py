from __future__ import annotations

from datetime import date

import pytest

from ocr.domain import DocumentKind, DocumentReading, Field, Quality
from ocr.idnumber import check_character
from verifiers import load_packs
from verifiers.domain import Evidence, FilingFacts, Outcome
from verifiers.evidence import CheckContext
from verifiers.identity import check_identity, compare_names


class TestCompareNames:
    @pytest.mark.parametrize(
        ("expected", "read", "outcome"),
        [
            ("王建国", "王建国", Outcome.PASS),
            ("王建国", " 王 建国 ", Outcome.PASS),
            ("买买提·艾力", "买买提•艾力", Outcome.PASS),
            ("王建国", "王建", Outcome.UNSURE),  # a dropped character
            ("王建国", "建国", Outcome.UNSURE),  # dropped surname: still only a misreading
            ("王建国", "王健国", Outcome.UNSURE),  # one given-name character off
            ("王建国", "", Outcome.UNSURE),
            ("王建国", "李建国", Outcome.FAIL),  # a different surname
            ("王建国", "王志红", Outcome.FAIL),  # two characters differ
            ("王伟", "王芳", Outcome.FAIL),  # a two-character name with another given name
            ("王伟", "李伟", Outcome.FAIL),
            ("王建国", "王建国华", Outcome.FAIL),
        ],
    )
    def test_outcomes(self, expected: str, read: str, outcome: Outcome) -> None:
        assert compare_names(expected, read) is outcome

    def test_nothing_but_an_exact_match_passes(self) -> None:
        name = "欧阳明华"
        for i in range(len(name)):
            for replacement in "张明":
                variant = name[:i] + replacement + name[i + 1 :]
                if variant != name:
                    assert compare_names(name, variant) is not Outcome.PASS


BOOK = load_packs()
FILED = date(2025, 6, 1)
NAME = "王建国"
IDN = "32100219600501137" + check_character("32100219600501137")


def _card(name: str, id_number: str, *, id_confidence: float = 0.95) -> Evidence:
    fields = {
        "name": Field(value=name, confidence=0.9),
        "id_number": Field(value=id_number, confidence=id_confidence),
    }
    reading = DocumentReading(
        index=0,
        box=(0, 0, 1, 1),
        kind=DocumentKind.ID_CARD_FRONT,
        kind_confidence=0.97,
        fields=fields,
    )
    return Evidence(document_id="card", page=1, reading=reading, quality=Quality())


def _name_outcome(card: Evidence) -> Outcome:
    facts = FilingFacts(
        filing_type="other_temporary",
        insured_region="321002",
        treatment_region="310000",
        start_date=FILED,
        filed_on=FILED,
        applicant_name=NAME,
        applicant_id_number=IDN,
    )
    ctx = CheckContext(facts=facts, pack=BOOK.for_region("321002"), regions=BOOK.regions)
    (name,) = [c for c in check_identity(ctx, card) if c.code == "identity.name"]
    return name.outcome


class TestNameBesideTheNumber:
    def test_a_misread_name_beside_the_applicants_own_number_is_unsure(self) -> None:
        assert _name_outcome(_card("王建图", IDN)) is Outcome.UNSURE
        assert _name_outcome(_card("汪健国", IDN)) is Outcome.UNSURE

    def test_another_name_and_another_number_is_another_person(self) -> None:
        other = "32100219650302123" + check_character("32100219650302123")
        assert _name_outcome(_card("李秀英", other)) is Outcome.FAIL

    def test_a_number_read_without_confidence_does_not_vouch_for_the_name(self) -> None:
        assert _name_outcome(_card("李秀英", IDN, id_confidence=0.3)) is Outcome.FAIL
