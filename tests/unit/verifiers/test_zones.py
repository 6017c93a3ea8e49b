"""Pooling areas (统筹区): treatment inside one's own needs no filing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from tests.factories import fake_id
from verifiers import FilingFacts, load_packs, verify_filing
from verifiers.policy import POLICIES_DIR, PolicyBook
from verifiers.regions import load_region_table
from verifiers.zones import find_filing_free_zone, is_filing_free, pooling_area_of

BOOK: PolicyBook = load_packs()
REGIONS = load_region_table()


class TestPoolingArea:
    @pytest.mark.parametrize(
        ("code", "area"),
        [
            ("320508", "320500"),  # Gusu lies in Suzhou's pool
            ("320509", "320500"),  # so does Wujiang (its pack says so)
            ("320583", "320500"),  # a county-level city of Suzhou
            ("310115", "310000"),  # a municipality pools as a whole
            ("429004", "429004"),  # 仙桃市, directly under Hubei: its own
        ],
    )
    def test_national_default_is_the_city(self, code: str, area: str) -> None:
        assert pooling_area_of(code, BOOK.packs["national"]) == area

    @pytest.mark.parametrize(
        ("insured", "treatment", "free"),
        [
            ("320509", "320508", True),  # Wujiang insured treated in Gusu
            ("320508", "320509", True),
            ("320506", "320583", True),  # Wuzhong insured treated in Kunshan
            ("320508", "320500", True),
            ("321002", "321012", True),  # Yangzhou districts
            ("310115", "310104", True),  # Shanghai districts
            ("320509", "320612", False),  # Nantong is another pool
            ("321002", "320100", False),
            ("429004", "429005", False),  # 仙桃 and 潜江 pool on their own
        ],
    )
    def test_same_pool_needs_no_filing(self, insured: str, treatment: str, free: bool) -> None:
        pack = BOOK.for_region(insured)
        assert is_filing_free(insured, treatment, pack) is free

    def test_the_zone_names_the_pooling_area(self) -> None:
        pack = BOOK.for_region("320509")
        zone = find_filing_free_zone("320509", "320508", pack, regions=REGIONS)
        assert zone is not None
        assert zone.name == "参保地统筹区（苏州市）"

    def test_verdict_says_no_filing_is_needed(self) -> None:
        facts = FilingFacts(
            filing_type="other_temporary",
            insured_region="320509",
            treatment_region="320508",
            start_date=date(2025, 6, 1),
            filed_on=date(2025, 6, 1),
            applicant_name="王芳",
            applicant_id_number=fake_id(3, region="320509"),
        )
        verdict = verify_filing(facts, [], book_or_pack=BOOK)
        free = [c for c in verdict.checks if c.code == "filing.filing_free"]
        assert [c.message for c in free] == ["参保地统筹区（苏州市）：可免备案直接结算"]


class TestPackOverride:
    def _book(self, tmp_path: Path, pooling: dict[str, object]) -> PolicyBook:
        for source in POLICIES_DIR.glob("*.yaml"):
            (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), "utf-8")
        wujiang = tmp_path / "jiangsu-suzhou-wujiang.yaml"
        raw = yaml.safe_load(wujiang.read_text(encoding="utf-8"))
        raw["pooling"] = pooling
        wujiang.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        return load_packs(tmp_path)

    def test_a_district_of_its_own_needs_a_filing_elsewhere_in_its_city(
        self, tmp_path: Path
    ) -> None:
        book = self._book(tmp_path, {"level": "city", "areas": ["320509"]})
        pack = book.for_region("320509")
        assert not is_filing_free("320509", "320508", pack)
        assert is_filing_free("320509", "320509", pack)

    def test_county_level_pools_every_district_apart(self, tmp_path: Path) -> None:
        book = self._book(tmp_path, {"level": "county"})
        assert not is_filing_free("320509", "320508", book.for_region("320509"))

    def test_a_bad_area_code_stops_loading(self, tmp_path: Path) -> None:
        from verifiers.errors import PolicyPackInvalidError

        with pytest.raises(PolicyPackInvalidError, match="pooling"):
            self._book(tmp_path, {"areas": ["3205"]})
