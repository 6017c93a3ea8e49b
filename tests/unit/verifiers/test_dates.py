"""Date rules: month arithmetic, the retroactive window, validity and cancellation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocr.domain import DocumentKind, DocumentReading, Field, Quality
from verifiers import Evidence, FilingFacts, Outcome, load_packs, may_cancel
from verifiers.dates import check_start_date
from verifiers.evidence import CheckContext, add_months
from verifiers.policy import PolicyBook
from verifiers.validity import compute_validity
from verifiers.zones import find_filing_free_zone, is_filing_free

BOOK: PolicyBook = load_packs()
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


def _facts(
    filing_type: str, *, start: date, filed_on: date, insured: str = "130502"
) -> FilingFacts:
    return FilingFacts(
        filing_type=filing_type,
        insured_region=insured,
        treatment_region="310000",
        start_date=start,
        filed_on=filed_on,
        applicant_name="王建国",
        applicant_id_number="11010519491231002X",
    )


def _ctx(facts: FilingFacts) -> CheckContext:
    return CheckContext(
        facts=facts, pack=BOOK.for_region(facts.insured_region), regions=BOOK.regions
    )


class TestAddMonths:
    @given(days, st.integers(0, 120))
    def test_lands_in_the_right_month_never_past_the_day(self, day: date, months: int) -> None:
        later = add_months(day, months)
        assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
        assert later.day <= day.day

    def test_clamps_to_month_end(self) -> None:
        assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
        assert add_months(date(2025, 8, 31), -2) == date(2025, 6, 30)


class TestStartDate:
    @given(days, st.integers(-30, 30))
    def test_emergency_may_start_up_to_ten_days_back(self, filed_on: date, offset: int) -> None:
        facts = _facts("emergency", start=filed_on + timedelta(days=offset), filed_on=filed_on)
        outcome = check_start_date(_ctx(facts)).outcome
        assert (outcome is Outcome.PASS) == (offset >= -10)

    @given(days, st.integers(-30, 30))
    @pytest.mark.parametrize("filing_type", ["referral", "long_term_resident"])
    def test_other_types_may_not_start_before_filing(
        self, filing_type: str, filed_on: date, offset: int
    ) -> None:
        facts = _facts(filing_type, start=filed_on + timedelta(days=offset), filed_on=filed_on)
        outcome = check_start_date(_ctx(facts)).outcome
        assert (outcome is Outcome.PASS) == (offset >= 0)


def _proof(valid_until: str) -> Evidence:
    reading = DocumentReading(
        index=0,
        box=(0, 0, 1, 1),
        kind=DocumentKind.RESIDENCE_PERMIT,
        kind_confidence=0.95,
        fields={"valid_until": Field(value=valid_until, confidence=0.9)},
    )
    return Evidence(document_id="d", page=1, reading=reading, quality=Quality())


class TestValidity:
    @pytest.mark.parametrize(
        ("insured", "months"), [("130502", 6), ("320509", 12), ("321002", 6), ("350203", 6)]
    )
    def test_temporary_runs_the_packs_months(self, insured: str, months: int) -> None:
        start = date(2025, 3, 10)
        facts = _facts("referral", start=start, filed_on=start, insured=insured)
        pack = BOOK.for_region(insured)
        validity = compute_validity(facts, pack=pack, proofs=(), provisional=False)
        assert validity.valid_until == add_months(start, months) - timedelta(days=1)
        assert validity.single_use is (insured == "130502")

    def test_long_term_follows_the_proof(self) -> None:
        start = date(2025, 3, 10)
        facts = _facts("long_term_resident", start=start, filed_on=start)
        validity = compute_validity(
            facts, pack=BOOK.packs["national"], proofs=[_proof("2026-01-31")], provisional=False
        )
        assert validity.valid_until == date(2026, 1, 31)

    def test_long_term_without_end_date_is_open(self) -> None:
        start = date(2025, 3, 10)
        facts = _facts("retiree_resettled", start=start, filed_on=start)
        validity = compute_validity(
            facts, pack=BOOK.packs["national"], proofs=[_proof("长期")], provisional=False
        )
        assert validity.valid_until is None

    @given(days)
    def test_commitment_is_provisional_for_fifteen_days(self, start: date) -> None:
        facts = _facts("long_term_resident", start=start, filed_on=start)
        validity = compute_validity(
            facts, pack=BOOK.packs["jiangsu-suzhou-wujiang"], proofs=(), provisional=True
        )
        assert validity.provisional
        assert validity.valid_until == start + timedelta(days=15)


class TestMayCancel:
    @given(days, st.integers(0, 400))
    def test_long_term_locked_for_six_months(self, start: date, elapsed: int) -> None:
        facts = _facts("stationed_worker", start=start, filed_on=start)
        today = start + timedelta(days=elapsed)
        allowed, reason = may_cancel(facts, today=today, pack=BOOK.packs["national"])
        assert allowed == (today >= add_months(start, 6))
        assert reason

    def test_temporary_any_time(self) -> None:
        facts = _facts("other_temporary", start=date(2025, 1, 1), filed_on=date(2025, 1, 1))
        allowed, _ = may_cancel(facts, today=date(2025, 1, 2), pack=BOOK.packs["national"])
        assert allowed


class TestFilingFree:
    @pytest.mark.parametrize(
        ("insured", "treatment", "free"),
        [
            ("320509", "310000", True),  # Wujiang insured, Shanghai
            ("320509", "310115", True),  # a Shanghai district
            ("320509", "310118", True),  # Qingpu
            ("320509", "330421", True),  # Jiashan
            ("320509", "330400", False),  # the rest of Jiaxing
            ("320509", "321000", False),
            ("320508", "310000", False),  # another Suzhou district, national pack
            ("321002", "310000", False),  # Yangzhou insured
        ],
    )
    def test_zones(self, insured: str, treatment: str, free: bool) -> None:
        pack = BOOK.for_region(insured)
        assert is_filing_free(insured, treatment, pack) is free
        assert (find_filing_free_zone(insured, treatment, pack) is not None) is free
