"""Place checks through verify_filing: a document must point at the treatment city."""

from __future__ import annotations

from datetime import date

import pytest

from ocr.idnumber import check_character
from tests.factories import make_facts
from tests.unit.verifiers.test_verify import _doc
from verifiers import Decision, Verdict, load_packs, verify_filing
from verifiers.policy import PolicyBook

BOOK: PolicyBook = load_packs()
FILED = date(2025, 6, 1)
NAME = "李秀英"
IDN = "32100219700302142" + check_character("32100219700302142")  # made up, female, 1970


def _verify(**permit_fields: str) -> Verdict:
    """A Yangzhou-insured long-term filing for Shanghai with an ID card and a residence permit."""
    id_card = _doc(
        "id_card_front", "id", name=NAME, id_number=IDN, sex="女", birth_date="1970-03-02"
    )
    fields = {
        "name": NAME,
        "id_number": IDN,
        "valid_from": "2025-01-01",
        "valid_until": "2026-01-01",
        **permit_fields,
    }
    facts = make_facts(
        name=NAME,
        id_number=IDN,
        filing_type="long_term_resident",
        start_date=FILED,
        filed_on=FILED,
        contact_address="上海市浦东新区世纪大道1号",
    )
    return verify_filing(
        facts, [id_card, _doc("residence_permit", "permit", **fields)], book_or_pack=BOOK
    )


def _permit_city(verdict: Verdict) -> str:
    return next(c.outcome.value for c in verdict.checks if c.code == "residence.permit_city")


class TestResidencePermitPlace:
    def test_a_shanghai_permit_is_approved(self) -> None:
        verdict = _verify(address="上海市浦东新区世纪大道1号", issuer="上海市公安局浦东分局")
        assert _permit_city(verdict) == "pass"
        assert verdict.decision is Decision.APPROVE

    def test_a_nantong_permit_on_a_shanghai_named_estate_is_not_approved(self) -> None:
        verdict = _verify(address="江苏省南通市崇川区上海花园3幢201室")
        assert _permit_city(verdict) == "fail"
        assert verdict.decision is not Decision.APPROVE

    def test_a_nantong_permit_with_its_issuer_is_not_approved(self) -> None:
        verdict = _verify(address="南通市崇川区上海路8号", issuer="南通市公安局崇川分局")
        assert _permit_city(verdict) == "fail"
        assert verdict.decision is not Decision.APPROVE

    @pytest.mark.parametrize(
        "address",
        [
            "上海花园3幢201室",  # no chain: an estate's name only
            "江苏省上海市浦东新区1号",  # a province that does not hold the city
            "鼓楼区上海路1号",  # a district several cities share
        ],
    )
    def test_no_single_chain_goes_to_a_person(self, address: str) -> None:
        verdict = _verify(address=address)
        assert _permit_city(verdict) == "unsure"
        assert verdict.decision is Decision.REVIEW

    def test_fields_that_disagree_go_to_a_person(self) -> None:
        verdict = _verify(address="上海市浦东新区世纪大道1号", issuer="南通市公安局崇川分局")
        assert _permit_city(verdict) == "unsure"
        assert verdict.decision is not Decision.APPROVE

    def test_a_former_district_name_still_places_the_permit(self) -> None:
        verdict = _verify(address="上海市南汇县惠南镇1号")
        assert _permit_city(verdict) == "pass"
