"""verify_filing end to end on hand-built readings: the decision rules one by one."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from ocr.domain import DocumentKind, DocumentReading, Field, Quality, QualityProblem, Seal
from ocr.idnumber import check_character
from verifiers import (
    Decision,
    DuplicateHit,
    Evidence,
    FilingFacts,
    UnknownFilingTypeError,
    UnreadDocument,
    UnreadReason,
    Verdict,
    load_packs,
    verify_filing,
)
from verifiers.policy import PolicyBook

BOOK: PolicyBook = load_packs()
FILED = date(2025, 6, 1)
NAME = "王建国"
IDN = "32100219600501137" + check_character("32100219600501137")  # male, born 1960-05-01


def _doc(kind: str, doc_id: str, *, seal: str | None = None, **fields: str) -> Evidence:
    reading = DocumentReading(
        index=0,
        box=(0, 0, 1, 1),
        kind=DocumentKind(kind),
        kind_confidence=0.96,
        fields={k: Field(value=v, confidence=0.95) for k, v in fields.items()},
        seals=()
        if seal is None
        else (Seal(box=(0.5, 0.5, 0.7, 0.7), colour="red", confidence=0.9, text=seal),),
    )
    return Evidence(
        document_id=doc_id,
        page=1,
        reading=reading,
        quality=Quality(),
        image_sha256=doc_id * 8,
        phash="0f" * 8,
    )


def _id_card() -> Evidence:
    return _doc("id_card_front", "id", name=NAME, id_number=IDN, sex="男", birth_date="1960-05-01")


def _permit(**override: str) -> Evidence:
    fields = {
        "name": NAME,
        "id_number": IDN,
        "address": "上海市浦东新区世纪大道1号",
        "issuer": "上海市公安局浦东分局",
        "valid_from": "2025-01-01",
        "valid_until": "2026-01-01",
    }
    return _doc("residence_permit", "permit", **{**fields, **override})


def _hukou() -> list[Evidence]:
    return [
        _doc(
            "hukou_front",
            "hf",
            seal="上海市公安局徐汇分局徐家汇派出所",
            household_number="123456789",
            address="上海市徐汇区漕溪北路1号",
        ),
        _doc(
            "hukou_person",
            "hp",
            seal="上海市公安局徐汇分局徐家汇派出所",
            name=NAME,
            id_number=IDN,
            sex="男",
            birth_date="1960-05-01",
            household_number="123456789",
        ),
    ]


def _facts(filing_type: str = "long_term_resident", **override: object) -> FilingFacts:
    values: dict[str, object] = {
        "filing_type": filing_type,
        "insured_region": "321002",
        "treatment_region": "310000",
        "start_date": FILED,
        "filed_on": FILED,
        "applicant_name": NAME,
        "applicant_id_number": IDN,
        "contact_address": "上海市浦东新区世纪大道1号",
    }
    values.update(override)
    return FilingFacts(**values)  # type: ignore[arg-type]  # test builder, keys checked by the class


def _codes(verdict: Verdict, *outcomes: str) -> set[str]:
    return {c.code for c in verdict.checks if c.blocking and c.outcome.value in outcomes}


class TestDecision:
    def test_clean_long_term_filing_is_approved_until_the_permit_ends(self) -> None:
        verdict = verify_filing(_facts(), [_id_card(), _permit()], book_or_pack=BOOK)
        assert verdict.decision is Decision.APPROVE
        assert verdict.valid_until == date(2026, 1, 1)
        assert verdict.policy == "jiangsu-yangzhou"

    def test_missing_proof_names_the_group_in_chinese(self) -> None:
        verdict = verify_filing(_facts(), [_id_card()], book_or_pack=BOOK)
        assert verdict.decision is Decision.NEEDS_MATERIALS
        assert [m.code for m in verdict.missing] == ["residence_proof"]
        assert "居住证" in verdict.missing[0].name
        assert verdict.valid_until is None

    def test_half_of_an_all_of_group_is_still_missing(self) -> None:
        verdict = verify_filing(
            _facts("retiree_resettled"), [_id_card(), _hukou()[0]], book_or_pack=BOOK
        )
        assert [m.code for m in verdict.missing] == ["resettlement_proof"]

    def test_a_better_option_carries_the_group(self) -> None:
        # An expired permit next to a complete household register: the register decides.
        expired = _permit(valid_until="2025-03-01")
        verdict = verify_filing(_facts(), [_id_card(), expired, *_hukou()], book_or_pack=BOOK)
        assert verdict.decision is Decision.APPROVE
        permit_check = next(c for c in verdict.checks if c.code == "residence.permit_valid")
        assert permit_check.outcome.value == "fail"
        assert not permit_check.blocking

    def test_evoucher_waives_the_identity_photo_only_where_allowed(self) -> None:
        national = verify_filing(
            _facts(insured_region="320102", evoucher_verified=True), [_permit()], book_or_pack=BOOK
        )
        assert national.decision is Decision.APPROVE
        yangzhou = verify_filing(
            _facts("other_temporary", evoucher_verified=True), [], book_or_pack=BOOK
        )
        assert [m.code for m in yangzhou.missing] == ["identity"]

    def test_without_evoucher_identity_is_missing(self) -> None:
        verdict = verify_filing(_facts(insured_region="320102"), [_permit()], book_or_pack=BOOK)
        assert [m.code for m in verdict.missing] == ["identity"]

    def test_unknown_extra_page_does_not_block(self) -> None:
        extra = dataclasses.replace(
            _doc("unknown", "x"),
            reading=dataclasses.replace(_doc("unknown", "x").reading, kind_confidence=0.3),
        )
        verdict = verify_filing(_facts(), [_id_card(), _permit(), extra], book_or_pack=BOOK)
        assert verdict.decision is Decision.APPROVE
        assert any(c.code == "document.kind_confident" and not c.blocking for c in verdict.checks)

    def test_unknown_filing_type_raises(self) -> None:
        with pytest.raises(UnknownFilingTypeError):
            verify_filing(_facts("childbirth"), [_id_card()], book_or_pack=BOOK)

    def test_a_pack_can_be_given_directly(self) -> None:
        verdict = verify_filing(
            _facts(), [_id_card(), _permit()], book_or_pack=BOOK.packs["national"]
        )
        assert verdict.policy == "national"
        assert verdict.decision is Decision.APPROVE

    def test_judged_as_of_the_filing_day(self) -> None:
        later = FILED + timedelta(days=400)
        verdict = verify_filing(
            _facts(start_date=later, filed_on=later), [_id_card(), _permit()], book_or_pack=BOOK
        )
        assert "residence.permit_valid" in _codes(verdict, "fail")


SPOUSE = "李秀英"
SPOUSE_IDN = "32100219620803128" + check_character("32100219620803128")  # female, 1962-08-03


def _social_security_card() -> Evidence:
    return _doc("social_security_card", "ssc", name=NAME, id_number=IDN)


def _spouse_id_card(doc_id: str = "spouse") -> Evidence:
    return _doc(
        "id_card_front",
        doc_id,
        name=SPOUSE,
        id_number=SPOUSE_IDN,
        sex="女",
        birth_date="1962-08-03",
    )


class TestAnotherPersonsDocument:
    """A document naming someone else blocks even beside a good option of its group."""

    def test_spouses_id_card_beside_own_social_security_card_is_not_approved(self) -> None:
        docs = [_social_security_card(), _spouse_id_card(), _permit()]
        verdict = verify_filing(_facts(), docs, book_or_pack=BOOK)
        assert verdict.decision is Decision.REVIEW
        assert {"identity.name", "identity.id_number"} <= _codes(verdict, "fail")

    def test_spouses_duplicated_id_card_beside_own_social_security_card_is_not_approved(
        self,
    ) -> None:
        card = _spouse_id_card()
        hit = DuplicateHit(
            other_filing_id="f2",
            other_document_id="d9",
            other_page=1,
            image_sha256=card.image_sha256,
        )
        verdict = verify_filing(
            _facts(),
            [_social_security_card(), card, _permit()],
            book_or_pack=BOOK,
            duplicates=[hit],
        )
        assert verdict.decision is Decision.REVIEW
        assert {"duplicates.same_image", "identity.name"} <= _codes(verdict, "fail")

    def test_own_duplicated_id_card_beside_own_social_security_card_is_not_approved(
        self,
    ) -> None:
        card = _id_card()
        near = DuplicateHit(
            other_filing_id="f2",
            other_document_id="d9",
            other_page=1,
            image_sha256="other",
            phash="0f" * 7 + "0e",
        )
        verdict = verify_filing(
            _facts(),
            [_social_security_card(), card, _permit()],
            book_or_pack=BOOK,
            duplicates=[near],
        )
        assert verdict.decision is Decision.REVIEW
        assert "duplicates.near_copy" in _codes(verdict, "unsure")

    def test_an_unsure_reading_of_the_unchosen_option_still_does_not_block(self) -> None:
        # One character of the name misread on the ID card: a reading error, not another person.
        card = _doc(
            "id_card_front", "id", name="王建图", id_number=IDN, sex="男", birth_date="1960-05-01"
        )
        verdict = verify_filing(
            _facts(), [_social_security_card(), card, _permit()], book_or_pack=BOOK
        )
        assert verdict.decision is Decision.APPROVE
        name = next(
            c
            for c in verdict.checks
            if c.code == "identity.name" and c.evidence[0].document_id == "id"
        )
        assert (name.outcome.value, name.blocking) == ("unsure", False)


class TestUnreadDocuments:
    """A document that gave no evidence sends the filing to a person."""

    def test_a_failed_document_beside_a_passing_option_is_reviewed(self) -> None:
        failed = UnreadDocument(document_id="lost", reason=UnreadReason.FAILED)
        verdict = verify_filing(
            _facts(), [_id_card(), _permit()], book_or_pack=BOOK, unread=[failed]
        )
        assert verdict.decision is Decision.REVIEW
        (check,) = [c for c in verdict.checks if c.code == "document.unreadable"]
        assert (check.outcome.value, check.blocking) == ("unsure", True)
        assert check.evidence[0].document_id == "lost"
        assert "整份材料" in check.message

    def test_names_the_page(self) -> None:
        blank = UnreadDocument(document_id="scan", reason=UnreadReason.NO_DOCUMENT, page=2)
        verdict = verify_filing(
            _facts(), [_id_card(), _permit()], book_or_pack=BOOK, unread=[blank]
        )
        (check,) = [c for c in verdict.checks if c.code == "document.unreadable"]
        assert (check.evidence[0].document_id, check.evidence[0].page) == ("scan", 2)
        assert "第2页" in check.message

    def test_an_unread_document_may_be_the_missing_one(self) -> None:
        unread = UnreadDocument(document_id="p", reason=UnreadReason.NO_READING, page=1)
        verdict = verify_filing(_facts(), [_id_card()], book_or_pack=BOOK, unread=[unread])
        assert verdict.decision is Decision.REVIEW
        assert [m.code for m in verdict.missing] == ["residence_proof"]

    def test_a_pack_cannot_disable_or_soften_it(self) -> None:
        pack = BOOK.for_region("321002")
        lenient = pack.model_copy(
            update={
                "checks": pack.checks.model_copy(
                    update={
                        "disabled": ("document.unreadable",),
                        "advisory": ("document.unreadable",),
                    }
                )
            }
        )
        failed = UnreadDocument(document_id="lost", reason=UnreadReason.FAILED)
        verdict = verify_filing(
            _facts(), [_id_card(), _permit()], book_or_pack=lenient, unread=[failed]
        )
        assert verdict.decision is Decision.REVIEW


class TestCommitment:
    def _letter(self, **override: str) -> Evidence:
        fields = {"name": NAME, "id_number": IDN, "signature": NAME, "date": "2025-06-01"}
        return _doc("commitment_letter", "letter", **{**fields, **override})

    def test_commitment_without_proof_is_provisional_for_fifteen_days(self) -> None:
        verdict = verify_filing(
            _facts(commitment=True), [_id_card(), self._letter()], book_or_pack=BOOK
        )
        assert verdict.decision is Decision.APPROVE
        assert verdict.provisional
        assert verdict.valid_until == FILED + timedelta(days=15)

    def test_yangzhou_wants_the_contact_address_in_the_treatment_city(self) -> None:
        verdict = verify_filing(
            _facts(commitment=True, contact_address="江苏省扬州市广陵区文昌中路1号"),
            [_id_card(), self._letter()],
            book_or_pack=BOOK,
        )
        assert "commitment.contact_address" in _codes(verdict, "fail")
        assert verdict.decision is Decision.REVIEW

    def test_yangzhou_stationed_worker_may_not_use_commitment(self) -> None:
        verdict = verify_filing(
            _facts("stationed_worker", commitment=True),
            [_id_card(), self._letter()],
            book_or_pack=BOOK,
        )
        assert "commitment.allowed" in _codes(verdict, "fail")

    def test_commitment_signed_in_app_needs_no_photo_of_a_paper_letter(self) -> None:
        verdict = verify_filing(_facts(commitment=True), [_id_card()], book_or_pack=BOOK)
        assert verdict.missing == ()
        assert verdict.decision is Decision.APPROVE
        assert verdict.provisional
        assert "已在线签署个人承诺书" in [c.message for c in verdict.checks]

    def test_an_uploaded_paper_letter_is_still_checked(self) -> None:
        unsigned = _doc("commitment_letter", "letter", name=NAME, id_number=IDN, date="2025-06-01")
        verdict = verify_filing(_facts(commitment=True), [_id_card(), unsigned], book_or_pack=BOOK)
        assert verdict.decision is Decision.REVIEW
        assert "commitment.signed" in _codes(verdict, "fail", "unsure")

    def test_commitment_with_proof_is_an_ordinary_filing(self) -> None:
        verdict = verify_filing(_facts(commitment=True), [_id_card(), _permit()], book_or_pack=BOOK)
        assert verdict.decision is Decision.APPROVE
        assert not verdict.provisional


class TestMultiCity:
    def test_yangzhou_allows_two_long_term_cities(self) -> None:
        docs = [_id_card(), _permit()]
        one_other = verify_filing(
            _facts(other_long_term_regions=("330100",)), docs, book_or_pack=BOOK
        )
        assert one_other.decision is Decision.APPROVE
        two_others = verify_filing(
            _facts(other_long_term_regions=("330100", "440300")), docs, book_or_pack=BOOK
        )
        assert "filing.multi_city" in _codes(two_others, "fail")


class TestDuplicates:
    def test_same_image_elsewhere_fails(self) -> None:
        permit = _permit()
        hit = DuplicateHit(
            other_filing_id="f2",
            other_document_id="d9",
            other_page=1,
            image_sha256=permit.image_sha256,
        )
        verdict = verify_filing(_facts(), [_id_card(), permit], book_or_pack=BOOK, duplicates=[hit])
        assert "duplicates.same_image" in _codes(verdict, "fail")
        assert verdict.decision is Decision.REVIEW

    def test_shared_household_front_page_is_only_unsure(self) -> None:
        front, person = _hukou()
        hit = DuplicateHit(
            other_filing_id="f2",
            other_document_id="d9",
            other_page=1,
            image_sha256=front.image_sha256,
        )
        verdict = verify_filing(
            _facts("retiree_resettled"),
            [_id_card(), front, person],
            book_or_pack=BOOK,
            duplicates=[hit],
        )
        assert "duplicates.same_image" in _codes(verdict, "unsure")

    def test_near_copy_by_perceptual_hash_is_unsure(self) -> None:
        permit = _permit()
        near = "0f" * 7 + "0e"  # one bit away
        hit = DuplicateHit(
            other_filing_id="f2",
            other_document_id="d9",
            other_page=1,
            image_sha256="other",
            phash=near,
        )
        verdict = verify_filing(_facts(), [_id_card(), permit], book_or_pack=BOOK, duplicates=[hit])
        assert "duplicates.near_copy" in _codes(verdict, "unsure")


class TestExport:
    def test_contract_shape(self) -> None:
        verdict = verify_filing(_facts(), [_id_card()], book_or_pack=BOOK)
        exported = verdict.export()
        assert {"decision", "policy", "checks", "missing"} <= set(exported)
        assert exported["decision"] == "needs_materials"
        assert exported["missing"][0]["group"] == "residence_proof"
        check = exported["checks"][0]
        assert {"code", "outcome", "message", "evidence"} <= set(check)
        assert all(c["outcome"] in {"pass", "fail", "unsure"} for c in exported["checks"])


class TestHousehold:
    def _pages(self, *, head: str, relation: str) -> list[Evidence]:
        front = _doc("hukou_front", "hf", household_head=head, address="上海市徐汇区漕溪北路1号")
        person = _doc(
            "hukou_person",
            "hp",
            name=NAME,
            id_number=IDN,
            sex="男",
            birth_date="1960-05-01",
            relation=relation,
        )
        return [front, person]

    def _outcome(self, pages: list[Evidence]) -> str:
        verdict = verify_filing(
            _facts("retiree_resettled"), [_id_card(), *pages], book_or_pack=BOOK
        )
        return next(
            c.outcome.value for c in verdict.checks if c.code == "residence.hukou_household"
        )

    def test_applicant_as_head_links_the_pages(self) -> None:
        assert self._outcome(self._pages(head=NAME, relation="户主")) == "pass"

    def test_another_head_is_another_household(self) -> None:
        assert self._outcome(self._pages(head="李志红", relation="户主")) == "fail"

    def test_a_head_whose_characters_allow_the_applicant_is_a_misreading(self) -> None:
        # 汪 read where the pixels also allow 王: a person looks, it is no other household.
        front, person = self._pages(head="汪建国", relation="户主")
        alternatives = ((("汪", 0.51), ("王", 0.47)), (("建", 0.99),), (("国", 0.99),))
        head = Field(value="汪建国", confidence=0.6, alternatives=alternatives)
        front = dataclasses.replace(
            front,
            reading=dataclasses.replace(
                front.reading, fields={**front.reading.fields, "household_head": head}
            ),
        )
        assert self._outcome([front, person]) == "unsure"
        plain = dataclasses.replace(head, alternatives=())
        front = dataclasses.replace(
            front,
            reading=dataclasses.replace(
                front.reading, fields={**front.reading.fields, "household_head": plain}
            ),
        )
        assert self._outcome([front, person]) == "fail"

    def test_without_a_link_a_person_decides(self) -> None:
        assert self._outcome(self._pages(head="王志红", relation="之子")) == "unsure"

    def test_different_household_numbers_fail(self) -> None:
        front, person = _hukou()
        other = dataclasses.replace(
            person,
            reading=dataclasses.replace(
                person.reading,
                fields={
                    **person.reading.fields,
                    "household_number": Field(value="987654321", confidence=0.9),
                },
            ),
        )
        assert self._outcome([front, other]) == "fail"


class TestPlaces:
    def _referral(self, destination: str) -> str:
        form = _doc(
            "referral_form",
            "ref",
            seal="扬州市第一人民医院医保办",
            name=NAME,
            id_number=IDN,
            destination=destination,
            date="2025-05-20",
        )
        facts = _facts("referral", treatment_region="440300")
        verdict = verify_filing(facts, [_id_card(), form], book_or_pack=BOOK)
        return next(c.outcome.value for c in verdict.checks if c.code == "referral.destination")

    def test_destination_in_the_treatment_city_passes(self) -> None:
        assert self._referral("广东省深圳市福田区人民医院") == "pass"

    def test_destination_elsewhere_fails(self) -> None:
        assert self._referral("北京市海淀医院") == "fail"

    def test_several_places_named_is_unsure(self) -> None:
        assert self._referral("北京大学某某医院深圳分院") == "unsure"

    def test_province_only_is_unsure(self) -> None:
        assert self._referral("广东省某某医院") == "unsure"

    def test_a_listed_hospital_is_placed_by_the_table(self) -> None:
        # 北京大学深圳医院 lies in Shenzhen, whatever 北京 in its name says.
        assert self._referral("北京大学深圳医院") == "pass"
        assert self._referral("深圳市人民医院") == "pass"

    def test_a_listed_hospital_in_another_city_fails(self) -> None:
        # No city in the name: the table places it in Shanghai / Guangzhou.
        assert self._referral("复旦大学附属肿瘤医院") == "fail"
        assert self._referral("广东省人民医院") == "fail"

    def test_a_misread_hospital_name_is_unsure(self) -> None:
        assert self._referral("复旦大学附属肿瘤医陇") == "unsure"


def _with_problems(
    item: Evidence, *codes: str, confidence: float | None = None, sharpness: float = 0.7
) -> Evidence:
    reading = item.reading
    if confidence is not None:
        fields = {
            k: dataclasses.replace(f, confidence=confidence) for k, f in reading.fields.items()
        }
        reading = dataclasses.replace(reading, fields=fields)
    problems = tuple(QualityProblem(code=c, message=f"{c} 问题") for c in codes)
    quality = Quality(problems=problems, sharpness=sharpness)
    return dataclasses.replace(item, reading=reading, quality=quality)


class TestPageQuality:
    """A local quality problem is a note only where it demonstrably hid nothing."""

    def _quality(self, verdict: Verdict, doc_id: str) -> tuple[str, bool]:
        check = next(
            c
            for c in verdict.checks
            if c.code == "page.quality" and c.evidence[0].document_id == doc_id
        )
        return check.outcome.value, check.blocking

    def test_glare_on_a_fully_read_and_matched_card_is_a_note(self) -> None:
        card = _with_problems(_id_card(), "glare")
        verdict = verify_filing(_facts(), [card, _permit()], book_or_pack=BOOK)
        assert verdict.decision is Decision.APPROVE
        assert self._quality(verdict, "id") == ("unsure", False)

    def test_glare_blocks_when_a_field_is_missing(self) -> None:
        card = _doc("id_card_front", "id", name=NAME, sex="男", birth_date="1960-05-01")
        verdict = verify_filing(
            _facts(), [_with_problems(card, "glare"), _permit()], book_or_pack=BOOK
        )
        assert verdict.decision is Decision.REVIEW
        assert self._quality(verdict, "id") == ("unsure", True)

    def test_glare_blocks_when_a_field_was_read_without_confidence(self) -> None:
        card = _with_problems(_id_card(), "glare", confidence=0.3)
        verdict = verify_filing(_facts(), [card, _permit()], book_or_pack=BOOK)
        assert verdict.decision is Decision.REVIEW
        assert self._quality(verdict, "id") == ("unsure", True)

    def test_glare_blocks_when_another_check_of_the_page_is_unsure(self) -> None:
        card = _doc(
            "id_card_front", "id", name="王建", id_number=IDN, sex="男", birth_date="1960-05-01"
        )
        verdict = verify_filing(
            _facts(), [_with_problems(card, "glare"), _permit()], book_or_pack=BOOK
        )
        assert verdict.decision is Decision.REVIEW
        assert self._quality(verdict, "id") == ("unsure", True)

    def test_glare_blocks_on_a_page_with_no_check_of_its_own(self) -> None:
        back = _with_problems(_doc("id_card_back", "back"), "glare")
        verdict = verify_filing(_facts(), [_id_card(), back, _permit()], book_or_pack=BOOK)
        assert self._quality(verdict, "back") == ("unsure", True)

    @pytest.mark.parametrize("problem", ["blurry", "too_dark", "overexposed", "low_resolution"])
    def test_whole_page_problems_always_block(self, problem: str) -> None:
        card = _with_problems(_id_card(), problem)
        verdict = verify_filing(_facts(), [card, _permit()], book_or_pack=BOOK)
        assert verdict.decision is Decision.REVIEW
        assert self._quality(verdict, "id") == ("unsure", True)

    @pytest.mark.parametrize("sharpness", [0.0, 0.3, 0.44])
    def test_glare_on_a_page_of_doubtful_sharpness_blocks(self, sharpness: float) -> None:
        # A blur below the reader's own threshold may hide behind the glare.
        card = _with_problems(_id_card(), "glare", sharpness=sharpness)
        verdict = verify_filing(_facts(), [card, _permit()], book_or_pack=BOOK)
        assert verdict.decision is Decision.REVIEW
        assert self._quality(verdict, "id") == ("unsure", True)

    def test_glare_with_blur_blocks(self) -> None:
        card = _with_problems(_id_card(), "glare", "blurry")
        verdict = verify_filing(_facts(), [card, _permit()], book_or_pack=BOOK)
        assert verdict.decision is Decision.REVIEW

    def test_a_pack_without_notes_blocks_on_glare(self) -> None:
        pack = BOOK.for_region("321002")
        strict = pack.model_copy(
            update={"quality": pack.quality.model_copy(update={"note_when_read": ()})}
        )
        card = _with_problems(_id_card(), "glare")
        verdict = verify_filing(_facts(), [card, _permit()], book_or_pack=strict)
        assert verdict.decision is Decision.REVIEW


class TestBirthAndSex:
    def _check(self, card: Evidence) -> tuple[Decision, str, bool]:
        verdict = verify_filing(_facts(), [card, _permit()], book_or_pack=BOOK)
        check = next(c for c in verdict.checks if c.code == "identity.birth_sex")
        return verdict.decision, check.outcome.value, check.blocking

    def test_unread_sex_beside_the_applicants_own_number_is_a_note(self) -> None:
        card = _doc("id_card_front", "id", name=NAME, id_number=IDN, birth_date="1960-05-01")
        assert self._check(card) == (Decision.APPROVE, "unsure", False)

    def test_unread_sex_with_an_unsure_number_blocks(self) -> None:
        card = _doc("id_card_front", "id", name=NAME, birth_date="1960-05-01")
        assert self._check(card)[1:] == ("unsure", True)
        low = _with_problems(
            _doc("id_card_front", "id", name=NAME, id_number=IDN, birth_date="1960-05-01"),
            confidence=0.3,
        )
        assert self._check(low)[1:] == ("unsure", True)

    def test_unread_birth_date_blocks(self) -> None:
        card = _doc("id_card_front", "id", name=NAME, id_number=IDN, sex="男")
        assert self._check(card) == (Decision.REVIEW, "unsure", True)

    def test_wrong_birth_date_fails_even_when_sex_is_unread(self) -> None:
        card = _doc("id_card_front", "id", name=NAME, id_number=IDN, birth_date="1961-05-01")
        assert self._check(card) == (Decision.REVIEW, "fail", True)

    def test_wrong_sex_fails(self) -> None:
        card = _doc(
            "id_card_front", "id", name=NAME, id_number=IDN, sex="女", birth_date="1960-05-01"
        )
        assert self._check(card) == (Decision.REVIEW, "fail", True)


class TestReferralSeal:
    def _seal(self, seal: str, hospital: str | None = "邢台市第三医院") -> tuple[str, Decision]:
        fields = {"name": NAME, "id_number": IDN, "destination": "上海市", "date": "2025-05-20"}
        if hospital is not None:
            fields["hospital"] = hospital
        form = _doc("referral_form", "ref", seal=seal, **fields)
        facts = _facts("referral", insured_region="130502")
        verdict = verify_filing(facts, [_id_card(), form], book_or_pack=BOOK)
        check = next(c for c in verdict.checks if c.code == "referral.seal")
        return check.outcome.value, verdict.decision

    def test_a_hospital_seal_passes(self) -> None:
        assert self._seal("邢台市第三医院医保办") == ("pass", Decision.APPROVE)

    def test_seal_text_read_in_pieces_of_the_hospitals_name_passes(self) -> None:
        assert self._seal("院邢台市第三医") == ("pass", Decision.APPROVE)
        assert self._seal("北人续医", hospital="苏北人民医院") == ("pass", Decision.APPROVE)

    def test_garbled_seal_text_unlike_the_hospital_is_unsure(self) -> None:
        assert self._seal("巍能接送院")[0] == "unsure"

    def test_a_company_seal_is_unsure_even_when_it_shares_characters(self) -> None:
        assert self._seal("邢台市第三有限公司")[0] == "unsure"
        assert self._seal("邢台市公安局第三分局")[0] == "unsure"

    def test_without_the_hospital_field_unexpected_text_is_unsure(self) -> None:
        assert self._seal("院邢台市第三医", hospital=None)[0] == "unsure"
