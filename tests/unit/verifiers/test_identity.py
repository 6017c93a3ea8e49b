from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from ocr.domain import DocumentKind, DocumentReading, Field, Quality
from ocr.idnumber import check_character
from tests.factories import make_facts
from verifiers import Decision, Verdict, load_packs, verify_filing
from verifiers.domain import CheckResult, Evidence, FilingFacts, Outcome
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
    return _name_check(card, applicant=NAME).outcome


class TestNameBesideTheNumber:
    def test_a_misread_name_beside_the_applicants_own_number_is_unsure(self) -> None:
        assert _name_outcome(_card("王建图", IDN)) is Outcome.UNSURE
        assert _name_outcome(_card("汪健国", IDN)) is Outcome.UNSURE

    def test_another_name_and_another_number_is_another_person(self) -> None:
        other = "32100219650302123" + check_character("32100219650302123")
        assert _name_outcome(_card("李秀英", other)) is Outcome.FAIL

    def test_a_number_read_without_confidence_does_not_vouch_for_the_name(self) -> None:
        assert _name_outcome(_card("李秀英", IDN, id_confidence=0.3)) is Outcome.FAIL


# What the recogniser gave for a blurred Kai-style 林国庆 read as 林圆庆 (golden engine test).
READ_AS = "林圆庆"
FILED_AS = "林国庆"
ALTERNATIVES = (
    (("林", 0.9851),),
    (("圆", 0.602), ("国", 0.3859)),
    (("庆", 0.5324), ("成", 0.2152), ("底", 0.0545)),
)


def _handwritten(
    name: str = READ_AS,
    alternatives: tuple[tuple[tuple[str, float], ...], ...] = ALTERNATIVES,
    *,
    kind: DocumentKind = DocumentKind.ID_CARD_FRONT,
    id_number: str | None = IDN,
) -> Evidence:
    fields = {"name": Field(value=name, confidence=0.7, alternatives=alternatives)}
    if id_number is not None:
        fields["id_number"] = Field(value=id_number, confidence=0.95)
    reading = DocumentReading(
        index=0, box=(0, 0, 1, 1), kind=kind, kind_confidence=0.97, fields=fields
    )
    return Evidence(document_id="card", page=1, reading=reading, quality=Quality())


def _name_check(evidence: Evidence, *, applicant: str = FILED_AS) -> CheckResult:
    facts = make_facts(name=applicant, id_number=IDN)
    ctx = CheckContext(facts=facts, pack=BOOK.for_region("321002"), regions=BOOK.regions)
    (name,) = [c for c in check_identity(ctx, evidence) if c.code == "identity.name"]
    return name


class TestNameReadCharacterByCharacter:
    def test_consistent_alternatives_beside_the_applicants_own_number_pass(self) -> None:
        check = _name_check(_handwritten())

        assert check.outcome is Outcome.PASS
        assert "逐字比对" in check.message

    def test_a_misread_surname_consistent_with_the_alternatives_passes_too(self) -> None:
        # compare_names alone calls 网海涛 another person (another surname).
        alternatives = ((("网", 0.4654), ("周", 0.4627)), (("海", 0.997),), (("涛", 0.9664),))

        check = _name_check(_handwritten("网海涛", alternatives), applicant="周海涛")

        assert check.outcome is Outcome.PASS

    def test_consistent_alternatives_without_a_number_are_unsure(self) -> None:
        letter = _handwritten(kind=DocumentKind.COMMITMENT_LETTER, id_number=None)

        check = _name_check(letter)

        assert check.outcome is Outcome.UNSURE
        assert "可能被误读" in check.message

    def test_consistent_alternatives_beside_another_number_are_unsure(self) -> None:
        other = "32100219650302123" + check_character("32100219650302123")

        assert _name_check(_handwritten(id_number=other)).outcome is Outcome.UNSURE

    def test_consistent_alternatives_beside_an_unconfident_number_are_unsure(self) -> None:
        card = _handwritten()
        fields = {**card.reading.fields, "id_number": Field(value=IDN, confidence=0.3)}
        card = dataclasses.replace(card, reading=dataclasses.replace(card.reading, fields=fields))

        assert _name_check(card).outcome is Outcome.UNSURE

    def test_a_filed_character_missing_from_the_alternatives_keeps_todays_outcome(self) -> None:
        # 国 is not among the second character's alternatives: another person's 林圆庆?
        alternatives = (ALTERNATIVES[0], (("圆", 0.9), ("园", 0.06)), ALTERNATIVES[2])
        other = "32100219650302123" + check_character("32100219650302123")

        assert _name_check(_handwritten(alternatives=alternatives)).outcome is Outcome.UNSURE
        assert _name_check(_handwritten(alternatives=alternatives)).message == (
            "材料上的姓名与申请人不完全一致，请人工核对"
        )
        surname = ((("网", 0.9),), (("海", 0.997),), (("涛", 0.9664),))
        stranger = _handwritten("网海涛", surname, id_number=other)
        assert _name_check(stranger, applicant="周海涛").outcome is Outcome.FAIL

    def test_alternatives_that_do_not_line_up_with_the_name_count_for_nothing(self) -> None:
        check = _name_check(_handwritten(alternatives=ALTERNATIVES[1:]))

        assert check.outcome is Outcome.UNSURE
        assert "逐字比对" not in check.message

    def test_a_name_without_alternatives_is_compared_as_before(self) -> None:
        assert _name_check(_handwritten(alternatives=())).outcome is Outcome.UNSURE


class TestHandwrittenNameOnAFiling:
    """A clean filing whose ID card's name was misread: approved, where it used to be reviewed."""

    def _verdict(self, alternatives: tuple[tuple[tuple[str, float], ...], ...]) -> Verdict:
        fields = {
            "name": Field(value=READ_AS, confidence=0.7, alternatives=alternatives),
            "id_number": Field(value=IDN, confidence=0.95),
            "sex": Field(value="男", confidence=0.95),
            "birth_date": Field(value="1960-05-01", confidence=0.95),
        }
        reading = DocumentReading(
            index=0,
            box=(0, 0, 1, 1),
            kind=DocumentKind.ID_CARD_FRONT,
            kind_confidence=0.97,
            fields=fields,
        )
        card = Evidence(
            document_id="card",
            page=1,
            reading=reading,
            quality=Quality(),
            image_sha256="c" * 64,
            phash="0f" * 8,
        )
        facts = FilingFacts(
            filing_type="other_temporary",
            insured_region="321002",
            treatment_region="310000",
            start_date=FILED,
            filed_on=FILED,
            applicant_name=FILED_AS,
            applicant_id_number=IDN,
        )
        return verify_filing(facts, [card], book_or_pack=BOOK)

    def test_consistent_alternatives_approve_it(self) -> None:
        assert self._verdict(ALTERNATIVES).decision is Decision.APPROVE

    def test_without_them_it_goes_to_a_reviewer(self) -> None:
        assert self._verdict(()).decision is Decision.REVIEW


class TestNameReadAsFiledWithOtherDots:
    def test_a_name_equal_but_for_its_dot_still_passes_without_a_number(self) -> None:
        alternatives = tuple(((c, 0.9), ("·", 0.06)) for c in "买买提•艾力")
        letter = _handwritten(
            "买买提•艾力", alternatives, kind=DocumentKind.COMMITMENT_LETTER, id_number=None
        )

        check = _name_check(letter, applicant="买买提·艾力")

        assert check.outcome is Outcome.PASS
        assert check.message == "材料上的姓名与申请人一致"
