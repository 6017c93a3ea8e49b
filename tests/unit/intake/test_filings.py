from __future__ import annotations

import uuid
from datetime import date

import pytest

from intake.domain import FilingId, FilingStatus, FilingType, Principal, Scheme
from intake.errors import (
    FilingNotFoundError,
    InvalidApplicantError,
    InvalidFilingError,
    InvalidIdNumberError,
    InvalidPhoneError,
    InvalidRegionCodeError,
)
from intake.filings import FilingService
from tests.factories import fake_id, make_new_filing, make_person
from tests.fakes import FakeClock, FakeDatabase


class TestCreateFiling:
    def test_stores_a_draft_owned_by_the_caller(
        self, filings: FilingService, app_a: Principal, database: FakeDatabase
    ) -> None:
        filing = filings.create(app_a, make_new_filing())

        assert filing.status is FilingStatus.DRAFT
        assert filing.owner == "app-a"
        assert filing.filing_type is FilingType.LONG_TERM_RESIDENT
        assert filing.scheme is Scheme.EMPLOYEE
        assert database.store.filings[filing.id] == filing

    def test_start_date_defaults_to_today_in_china(
        self, filings: FilingService, app_a: Principal, clock: FakeClock
    ) -> None:
        clock.current = clock.current.replace(hour=20)  # 04:00 the next day in Beijing

        filing = filings.create(app_a, make_new_filing())

        assert filing.start_date == date(2025, 3, 11)
        assert filing.filed_on == date(2025, 3, 11)

    def test_keeps_an_explicit_start_date(self, filings: FilingService, app_a: Principal) -> None:
        filing = filings.create(app_a, make_new_filing(start_date=date(2025, 4, 1)))
        assert filing.start_date == date(2025, 4, 1)

    def test_normalises_id_number_and_phone(self, filings: FilingService, app_a: Principal) -> None:
        id_number = fake_id(7)
        person = make_person(id_number=" " + id_number.lower() + " ", phone="+86 138-1234-5678")

        filing = filings.create(app_a, make_new_filing(applicant=person))

        assert filing.applicant.id_number == id_number.upper()
        assert filing.applicant.phone == "13812345678"

    def test_records_the_flags(self, filings: FilingService, app_a: Principal) -> None:
        filing = filings.create(app_a, make_new_filing(commitment=True, evoucher_verified=True))
        assert filing.commitment
        assert filing.evoucher_verified

    def test_rejects_bad_id_number_with_its_field(
        self, filings: FilingService, app_a: Principal, database: FakeDatabase
    ) -> None:
        bad = fake_id(1)[:-1] + ("0" if fake_id(1)[-1] != "0" else "1")
        with pytest.raises(InvalidIdNumberError) as raised:
            filings.create(app_a, make_new_filing(applicant=make_person(id_number=bad)))
        assert raised.value.field == "applicant.id_number"
        assert raised.value.reason == "checksum"
        assert not database.store.filings

    def test_rejects_bad_phone(self, filings: FilingService, app_a: Principal) -> None:
        with pytest.raises(InvalidPhoneError) as raised:
            filings.create(app_a, make_new_filing(applicant=make_person(phone="12345")))
        assert raised.value.field == "applicant.phone"

    def test_rejects_empty_name(self, filings: FilingService, app_a: Principal) -> None:
        with pytest.raises(InvalidApplicantError) as raised:
            filings.create(app_a, make_new_filing(applicant=make_person(name="  ")))
        assert raised.value.field == "applicant.name"

    @pytest.mark.parametrize("field", ["insured_region", "treatment_region"])
    def test_rejects_bad_region(self, filings: FilingService, app_a: Principal, field: str) -> None:
        with pytest.raises(InvalidRegionCodeError) as raised:
            filings.create(app_a, make_new_filing(**{field: "990000"}))
        assert raised.value.field == field

    def test_rejects_same_insured_and_treatment_region(
        self, filings: FilingService, app_a: Principal
    ) -> None:
        with pytest.raises(InvalidFilingError) as raised:
            filings.create(app_a, make_new_filing(treatment_region="321000"))
        assert raised.value.field == "treatment_region"

    @pytest.mark.parametrize(("field", "value"), [("filing_type", "holiday"), ("scheme", "gold")])
    def test_rejects_unknown_enum_values(
        self, filings: FilingService, app_a: Principal, field: str, value: str
    ) -> None:
        with pytest.raises(InvalidFilingError) as raised:
            filings.create(app_a, make_new_filing(**{field: value}))
        assert raised.value.field == field

    def test_refuses_commitment_for_temporary_types(
        self, filings: FilingService, app_a: Principal
    ) -> None:
        request = make_new_filing(filing_type="referral", commitment=True)
        with pytest.raises(InvalidFilingError) as raised:
            filings.create(app_a, request)
        assert raised.value.field == "commitment"

    def test_validates_the_proxy_own_id(self, filings: FilingService, app_a: Principal) -> None:
        proxy = make_person(name="王五", id_number="123", relation="子女")
        with pytest.raises(InvalidIdNumberError) as raised:
            filings.create(app_a, make_new_filing(on_behalf_of=proxy))
        assert raised.value.field == "on_behalf_of.id_number"

    def test_stores_a_valid_proxy(self, filings: FilingService, app_a: Principal) -> None:
        proxy = make_person(name="王五", id_number=fake_id(2), relation="子女")
        filing = filings.create(app_a, make_new_filing(on_behalf_of=proxy))
        assert filing.on_behalf_of is not None
        assert filing.on_behalf_of.id_number == fake_id(2)
        assert filing.on_behalf_of.relation == "子女"

    def test_refuses_a_proxy_who_is_the_applicant(
        self, filings: FilingService, app_a: Principal
    ) -> None:
        proxy = make_person(name="张三", id_number=fake_id(1))
        with pytest.raises(InvalidFilingError):
            filings.create(app_a, make_new_filing(on_behalf_of=proxy))


class TestGetFiling:
    def test_owner_sees_its_filing_with_documents(
        self, filings: FilingService, app_a: Principal
    ) -> None:
        filing = filings.create(app_a, make_new_filing())
        details = filings.get_or_raise(app_a, filing.id)
        assert details.filing == filing
        assert details.documents == []
        assert details.verification is None

    def test_other_app_key_gets_not_found(
        self, filings: FilingService, app_a: Principal, app_b: Principal
    ) -> None:
        filing = filings.create(app_a, make_new_filing())
        with pytest.raises(FilingNotFoundError):
            filings.get_or_raise(app_b, filing.id)

    def test_reviewer_sees_every_filing(
        self, filings: FilingService, app_a: Principal, reviewer: Principal
    ) -> None:
        filing = filings.create(app_a, make_new_filing())
        assert filings.get_or_raise(reviewer, filing.id).filing.id == filing.id

    def test_unknown_id_is_not_found(self, filings: FilingService, app_a: Principal) -> None:
        with pytest.raises(FilingNotFoundError):
            filings.get_or_raise(app_a, FilingId(uuid.uuid4()))


class TestListFilings:
    def test_app_key_lists_only_its_own(
        self, filings: FilingService, app_a: Principal, app_b: Principal, reviewer: Principal
    ) -> None:
        mine = {filings.create(app_a, make_new_filing()).id for _ in range(2)}
        filings.create(app_b, make_new_filing())

        assert {f.id for f in filings.list(app_a)} == mine
        assert len(filings.list(reviewer)) == 3

    def test_pages_with_after(self, filings: FilingService, app_a: Principal) -> None:
        for _ in range(3):
            filings.create(app_a, make_new_filing())
        first = filings.list(app_a, limit=2)
        rest = filings.list(app_a, limit=2, after=first[-1].id)
        assert len(first) == 2
        assert len(rest) == 1
        assert rest[0].id not in {f.id for f in first}
