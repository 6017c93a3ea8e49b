from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ocr.domain import DocumentKind
from ocr.floors import FIELD_CONFIDENCE_FLOOR, KIND_CONFIDENCE_FLOOR, SEAL_CONFIDENCE_FLOOR
from verifiers.codes import SAFETY_CHECKS, CheckCode
from verifiers.errors import PolicyPackInvalidError, VerifierConfigError
from verifiers.policy import (
    POLICIES_DIR,
    QUALITY_PROBLEMS,
    SEAL_CHECKED_KINDS,
    PolicyBook,
    load_packs,
)


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return load_packs()


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    for path in POLICIES_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


class TestBundledPacks:
    def test_all_seed_packs_load_with_versions(self, book: PolicyBook) -> None:
        assert set(book.packs) == {
            "national",
            "jiangsu-yangzhou",
            "jiangsu-suzhou-wujiang",
            "fujian-xiamen",
            "hebei-xingtai",
        }
        assert all(pack.version for pack in book.packs.values())

    @pytest.mark.parametrize(
        ("code", "expected"),
        [
            ("321002", "jiangsu-yangzhou"),  # district of Yangzhou -> city pack
            ("321000", "jiangsu-yangzhou"),
            ("320509", "jiangsu-suzhou-wujiang"),  # the district's own pack
            ("320508", "national"),  # another Suzhou district has no pack
            ("350206", "fujian-xiamen"),
            ("130502", "hebei-xingtai"),
            ("310000", "national"),
        ],
    )
    def test_pack_is_chosen_most_specific_first(
        self, book: PolicyBook, code: str, expected: str
    ) -> None:
        assert book.for_region(code).id == expected

    def test_regional_pack_overrides_only_what_differs(self, book: PolicyBook) -> None:
        national, yangzhou = book.packs["national"], book.packs["jiangsu-yangzhou"]
        assert yangzhou.max_long_term_cities == 2
        assert national.max_long_term_cities == 3
        residence = yangzhou.filing_types["long_term_resident"].active_groups["residence_proof"]
        assert (DocumentKind.PROPERTY_CERTIFICATE,) in residence.options
        # Inherited untouched from national:
        assert (
            yangzhou.filing_types["retiree_resettled"] == national.filing_types["retiree_resettled"]
        )
        assert yangzhou.commitment.provisional_days == 15
        assert yangzhou.commitment.allowed_types == ("long_term_resident",)

    def test_wujiang_validity_and_free_zones(self, book: PolicyBook) -> None:
        wujiang = book.packs["jiangsu-suzhou-wujiang"]
        assert wujiang.validity.temporary_months == 12
        assert wujiang.review_sla_working_days == 2
        assert {c for z in wujiang.filing_free_zones for c in z.treatment_regions} == {
            "310000",
            "310118",
            "330421",
        }

    def test_xingtai_single_use_and_optional_referral_form(self, book: PolicyBook) -> None:
        xingtai = book.packs["hebei-xingtai"]
        assert xingtai.validity.temporary_single_use
        assert xingtai.filing_types["emergency"].retroactive_days == 10
        assert not xingtai.filing_types["referral"].active_groups["referral_proof"].required

    def test_show_summary_is_json_ready(self, book: PolicyBook) -> None:
        summary = book.packs["hebei-xingtai"].summary()
        assert summary["id"] == "hebei-xingtai"
        assert summary["filing_types"]["emergency"]["retroactive_days"] == 10


class TestBadPacks:
    def test_unknown_document_kind_is_named(self, pack_dir: Path) -> None:
        path = pack_dir / "jiangsu-yangzhou.yaml"
        path.write_text(
            path.read_text(encoding="utf-8").replace("- property_certificate", "- house_deed"),
            encoding="utf-8",
        )
        with pytest.raises(PolicyPackInvalidError) as caught:
            load_packs(pack_dir)
        assert caught.value.pack == "jiangsu-yangzhou"
        assert "residence_proof" in str(caught.value)

    def test_unknown_check_code_stops_loading(self, pack_dir: Path) -> None:
        _append(pack_dir / "hebei-xingtai.yaml", "checks:\n  disabled: [identity.nmae]\n")
        with pytest.raises(PolicyPackInvalidError, match=r"checks\.disabled"):
            load_packs(pack_dir)

    def test_unknown_quality_problem_stops_loading(self, pack_dir: Path) -> None:
        _append(pack_dir / "hebei-xingtai.yaml", "quality:\n  note_when_read: [glaer]\n")
        with pytest.raises(PolicyPackInvalidError, match=r"glaer"):
            load_packs(pack_dir)

    def test_quality_problem_codes_are_the_readers(self) -> None:
        from ocr.quality import PROBLEM_MESSAGES

        assert set(PROBLEM_MESSAGES) == QUALITY_PROBLEMS

    def test_unknown_filing_type_stops_loading(self, pack_dir: Path) -> None:
        _append(
            pack_dir / "fujian-xiamen.yaml",
            "  childbirth:\n    name: 异地生育\n    term: temporary\n",
        )
        with pytest.raises(PolicyPackInvalidError, match="unknown filing types"):
            load_packs(pack_dir)

    def test_unknown_key_is_rejected(self, pack_dir: Path) -> None:
        _append(pack_dir / "national.yaml", "max_cities: 2\n")
        with pytest.raises(PolicyPackInvalidError, match="max_cities"):
            load_packs(pack_dir)

    def test_missing_parent_is_reported(self, pack_dir: Path) -> None:
        path = pack_dir / "hebei-xingtai.yaml"
        path.write_text(
            path.read_text(encoding="utf-8").replace("extends: national", "extends: hebei"),
            encoding="utf-8",
        )
        with pytest.raises(VerifierConfigError, match="unknown pack 'hebei'"):
            load_packs(pack_dir)

    def test_region_claimed_twice_is_reported(self, pack_dir: Path) -> None:
        path = pack_dir / "fujian-xiamen.yaml"
        path.write_text(
            path.read_text(encoding="utf-8").replace('["350200"]', '["321000"]'),
            encoding="utf-8",
        )
        with pytest.raises(VerifierConfigError, match="321000"):
            load_packs(pack_dir)

    def test_broken_yaml_names_the_file(self, pack_dir: Path) -> None:
        (pack_dir / "hebei-xingtai.yaml").write_text("id: [unclosed\n", encoding="utf-8")
        with pytest.raises(PolicyPackInvalidError, match="hebei-xingtai"):
            load_packs(pack_dir)

    def test_no_national_pack(self, pack_dir: Path) -> None:
        (pack_dir / "national.yaml").unlink()
        with pytest.raises(VerifierConfigError, match="national"):
            load_packs(pack_dir)


class TestSafetyChecks:
    @pytest.mark.parametrize(
        "code",
        [
            "identity.name",
            "identity.id_number",
            "identity.applicant_id_number",
            "identity.birth_sex",
            "identity.card_valid",
            "duplicates.same_image",
            "duplicates.near_copy",
            "residence.permit_city",
            "residence.hukou_city",
            "residence.property_city",
            "work.dispatch_city",
            "work.contract_place",
            "referral.destination",
        ],
    )
    @pytest.mark.parametrize("setting", ["disabled", "advisory"])
    def test_a_pack_cannot_switch_a_safety_check_off(
        self, pack_dir: Path, code: str, setting: str
    ) -> None:
        _append(pack_dir / "hebei-xingtai.yaml", f"checks:\n  {setting}: [{code}]\n")
        with pytest.raises(VerifierConfigError) as caught:
            load_packs(pack_dir)
        message = str(caught.value)
        assert "hebei-xingtai" in message
        assert code in message
        assert f"cannot be {setting}" in message

    def test_the_national_pack_is_held_to_it_too(self, pack_dir: Path) -> None:
        path = pack_dir / "national.yaml"
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                "advisory: [filing.filing_free]", "advisory: [filing.filing_free, identity.name]"
            ),
            encoding="utf-8",
        )
        with pytest.raises(PolicyPackInvalidError, match=r"national.*identity\.name"):
            load_packs(pack_dir)

    def test_other_checks_may_still_be_switched_off(self, pack_dir: Path) -> None:
        _append(
            pack_dir / "hebei-xingtai.yaml",
            "checks:\n  disabled: [work.dispatch_recent]\n  advisory: [referral.recent]\n",
        )
        xingtai = load_packs(pack_dir).packs["hebei-xingtai"]
        assert not xingtai.is_enabled(CheckCode.DISPATCH_RECENT)
        assert not xingtai.is_blocking(CheckCode.REFERRAL_RECENT)

    def test_every_identity_and_duplicate_code_is_protected(self) -> None:
        families = {c for c in CheckCode if c.value.split(".")[0] in {"identity", "duplicates"}}
        assert families <= SAFETY_CHECKS
        assert CheckCode.REFERRAL_DESTINATION in SAFETY_CHECKS
        assert CheckCode.REFERRAL_SEAL not in SAFETY_CHECKS


class TestConfidenceMinimums:
    @pytest.mark.parametrize(
        ("name", "floor"),
        [
            ("seal_confidence_min", SEAL_CONFIDENCE_FLOOR),
            ("kind_confidence_min", KIND_CONFIDENCE_FLOOR),
            ("field_confidence_min", FIELD_CONFIDENCE_FLOOR),
        ],
    )
    def test_a_minimum_at_its_producers_floor_is_refused(
        self, pack_dir: Path, name: str, floor: float
    ) -> None:
        _append(pack_dir / "hebei-xingtai.yaml", f"thresholds:\n  {name}: {floor}\n")
        with pytest.raises(PolicyPackInvalidError, match=rf"hebei-xingtai.*{name}"):
            load_packs(pack_dir)

    def test_the_bundled_minimums_sit_above_the_floors(self, book: PolicyBook) -> None:
        for pack in book.packs.values():
            assert pack.thresholds.seal_confidence_min > SEAL_CONFIDENCE_FLOOR
            assert pack.thresholds.kind_confidence_min > KIND_CONFIDENCE_FLOOR
            assert pack.thresholds.field_confidence_min > FIELD_CONFIDENCE_FLOOR


class TestSealIssuers:
    def test_every_pack_says_who_stamps_each_sealed_kind(self, book: PolicyBook) -> None:
        for pack in book.packs.values():
            assert set(pack.seals) >= SEAL_CHECKED_KINDS
        referral = book.packs["hebei-xingtai"].seals[DocumentKind.REFERRAL_FORM]
        assert referral.issuer_field == "hospital"
        assert "公司" in referral.other_words

    def test_a_pack_without_a_kinds_issuer_words_is_refused(self, pack_dir: Path) -> None:
        path = pack_dir / "national.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("  hukou_person: *hukou_seal\n", ""), encoding="utf-8")
        with pytest.raises(PolicyPackInvalidError, match=r"national.*hukou_person"):
            load_packs(pack_dir)

    def test_a_word_both_the_issuers_and_anothers_is_refused(self, pack_dir: Path) -> None:
        _append(
            pack_dir / "hebei-xingtai.yaml",
            "seals:\n  dispatch_letter:\n    words: [公司]\n    other_words: [公司]\n",
        )
        with pytest.raises(PolicyPackInvalidError, match=r"hebei-xingtai.*公司"):
            load_packs(pack_dir)
