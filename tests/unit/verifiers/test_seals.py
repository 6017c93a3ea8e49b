"""The seal check: stamped, and stamped by the issuer the document needs."""

from __future__ import annotations

import dataclasses

import pytest

from ocr.domain import DocumentKind, Field, Seal
from ocr.floors import FIELD_CONFIDENCE_FLOOR, KIND_CONFIDENCE_FLOOR, SEAL_CONFIDENCE_FLOOR
from tests.unit.verifiers.test_verify import BOOK, IDN, NAME, _doc, _facts, _id_card
from verifiers import Decision, Evidence, verify_filing
from verifiers.codes import CheckCode
from verifiers.commitment import check_commitment_letter
from verifiers.evidence import CheckContext
from verifiers.policy import PolicyPack
from verifiers.seals import check_seal

NATIONAL = BOOK.packs["national"]
HOSPITAL = "邢台市第三医院"
EMPLOYER = "扬州华安科技有限公司"


def _ctx(pack: PolicyPack = NATIONAL) -> CheckContext:
    return CheckContext(facts=_facts("referral"), pack=pack, regions=BOOK.regions)


def _stamped(kind: str, seal: str, *, confidence: float = 0.9, **fields: str) -> Evidence:
    document = _doc(kind, "doc", **fields)
    stamp = Seal(box=(0.5, 0.5, 0.7, 0.7), colour="red", confidence=confidence, text=seal)
    reading = dataclasses.replace(document.reading, seals=(stamp,))
    return dataclasses.replace(document, reading=reading)


def _referral(seal: str, *, confidence: float = 0.9) -> str:
    form = _stamped("referral_form", seal, confidence=confidence, hospital=HOSPITAL)
    return check_seal(_ctx(), form, CheckCode.REFERRAL_SEAL, what="医院印章").outcome.value


def _dispatch(seal: str) -> str:
    letter = _stamped("dispatch_letter", seal, employer=EMPLOYER)
    return check_seal(_ctx(), letter, CheckCode.DISPATCH_SEAL, what="单位公章").outcome.value


def _hukou(kind: str, seal: str) -> str:
    page = _stamped(kind, seal)
    return check_seal(_ctx(), page, CheckCode.HUKOU_SEAL, what="户口专用章").outcome.value


class TestReferralSeal:
    def test_the_hospitals_own_seal_passes(self) -> None:
        assert _referral("邢台市第三医院医疗保险办公室") == "pass"
        assert _referral("邢台市第三医院") == "pass"

    def test_another_hospitals_seal_in_the_same_city_is_unsure(self) -> None:
        assert _referral("邢台市人民医院") == "unsure"
        assert _referral("邢台市中医院医保办") == "unsure"

    def test_a_trading_companys_seal_is_unsure(self) -> None:
        assert _referral("上海某某贸易有限公司") == "unsure"

    def test_a_company_seal_naming_medical_goods_is_unsure(self) -> None:
        assert _referral("邢台市康宁医疗器械有限公司") == "unsure"

    @pytest.mark.parametrize("text", ["", "院", "医 三"])
    def test_a_seal_whose_text_cannot_be_read_is_unsure(self, text: str) -> None:
        assert _referral(text) == "unsure"

    def test_a_partial_curved_reading_of_the_hospitals_name_passes(self) -> None:
        assert _referral("院邢台市第三医") == "pass"

    def test_a_trading_company_seal_on_a_referral_form_is_not_approved(self) -> None:
        form = _stamped(
            "referral_form",
            "上海某某贸易有限公司",
            hospital=HOSPITAL,
            name=NAME,
            id_number=IDN,
            destination="上海市",
            date="2025-05-20",
        )
        facts = _facts("referral", insured_region="130502")

        verdict = verify_filing(facts, [_id_card(), form], book_or_pack=BOOK)

        assert verdict.decision is Decision.REVIEW
        check = next(c for c in verdict.checks if c.code == "referral.seal")
        assert check.outcome.value == "unsure"
        assert "上海某某贸易有限公司" in check.message


class TestDispatchSeal:
    def test_the_employers_seal_passes(self) -> None:
        assert _dispatch(EMPLOYER) == "pass"

    def test_another_units_official_seal_is_unsure(self) -> None:
        assert _dispatch("扬州市广陵区人力资源服务中心") == "unsure"
        assert _dispatch("扬州明达贸易有限公司") == "unsure"

    def test_a_partial_reading_of_the_employers_name_passes(self) -> None:
        assert _dispatch("华安科技有限") == "pass"

    def test_a_unit_seal_is_unsure_when_the_employer_was_not_read(self) -> None:
        # Its words say only that some unit stamped it; whose, nobody can tell.
        letter = _stamped("dispatch_letter", "扬州市广陵区人力资源服务中心")
        outcome = check_seal(_ctx(), letter, CheckCode.DISPATCH_SEAL, what="单位公章").outcome
        assert outcome.value == "unsure"

    def test_a_finance_seal_is_not_the_employers_seal(self) -> None:
        assert _dispatch("扬州华安科技有限公司财务专用章") == "unsure"

    def test_an_unread_seal_is_unsure(self) -> None:
        assert _dispatch("") == "unsure"

    @pytest.mark.parametrize(
        "seal",
        [
            "南京市公安局鼓楼分局宁海路派出所",
            "市公发局长发分局建业展维所",  # the same kind of seal, misread
            "扬州市第一人民医院医保办",
            "上海交通大学医学院附属瑞金医院",
        ],
    )
    def test_a_police_station_or_hospital_seal_is_not_the_employers(self, seal: str) -> None:
        assert _dispatch(seal) == "unsure"


class TestHouseholdSeal:
    @pytest.mark.parametrize("kind", ["hukou_front", "hukou_person"])
    def test_a_police_stations_seal_passes(self, kind: str) -> None:
        assert _hukou(kind, "南京市公安局鼓楼分局宁海路派出所") == "pass"

    def test_a_companys_seal_is_unsure(self) -> None:
        assert _hukou("hukou_front", "南京华安贸易有限公司") == "unsure"

    def test_a_page_without_a_seal_fails(self) -> None:
        page = _doc("hukou_front", "hf", address="南京市鼓楼区宁海路1号")
        result = check_seal(_ctx(), page, CheckCode.HUKOU_SEAL, what="户口专用章")
        assert result.outcome.value == "fail"


class TestIssuerWordsAreData:
    def test_a_pack_naming_another_word_changes_the_outcome(self) -> None:
        # Household pages name no issuer of their own: the pack's words decide.
        kind = DocumentKind.HUKOU_FRONT
        rule = NATIONAL.seals[kind]
        wider = rule.model_copy(update={"words": (*rule.words, "社区")})
        pack = NATIONAL.model_copy(update={"seals": {**NATIONAL.seals, kind: wider}})
        page = _stamped("hukou_front", "扬州市广陵区东关街道社区服务站")

        national = check_seal(_ctx(), page, CheckCode.HUKOU_SEAL, what="户口专用章")
        widened = check_seal(_ctx(pack), page, CheckCode.HUKOU_SEAL, what="户口专用章")

        assert (national.outcome.value, widened.outcome.value) == ("unsure", "pass")


class TestUnsureIsReachable:
    """Each minimum sits above its producer's floor: a reading between the two is unsure."""

    def test_a_faint_seal_above_the_detectors_floor_is_unsure(self) -> None:
        faint = (SEAL_CONFIDENCE_FLOOR + NATIONAL.thresholds.seal_confidence_min) / 2
        assert SEAL_CONFIDENCE_FLOOR <= faint < NATIONAL.thresholds.seal_confidence_min

        assert _referral("邢台市第三医院医保办", confidence=faint) == "unsure"

    def test_a_kind_just_below_its_minimum_is_unsure(self) -> None:
        doubtful = NATIONAL.thresholds.kind_confidence_min - 0.01
        assert doubtful > KIND_CONFIDENCE_FLOOR
        card = _id_card()
        card = dataclasses.replace(
            card, reading=dataclasses.replace(card.reading, kind_confidence=doubtful)
        )

        verdict = verify_filing(_facts("other_temporary"), [card], book_or_pack=BOOK)

        check = next(c for c in verdict.checks if c.code == "document.kind_confident")
        assert check.outcome.value == "unsure"

    def test_a_field_just_below_its_minimum_is_unsure(self) -> None:
        doubtful = NATIONAL.thresholds.field_confidence_min - 0.01
        assert doubtful > FIELD_CONFIDENCE_FLOOR
        letter = _doc("commitment_letter", "letter", name=NAME, signature=NAME)
        fields = {**letter.reading.fields, "signature": Field(value=NAME, confidence=doubtful)}
        letter = dataclasses.replace(
            letter, reading=dataclasses.replace(letter.reading, fields=fields)
        )

        results = check_commitment_letter(_ctx(), letter)

        assert [r.outcome.value for r in results] == ["unsure"]
