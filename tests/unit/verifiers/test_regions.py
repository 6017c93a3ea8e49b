from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from verifiers.regions import HOSPITALS_FILE, city_of, is_within, load_region_table

TABLE = load_region_table()


class TestRegions:
    @pytest.mark.parametrize(
        ("code", "city"),
        [("321002", "321000"), ("310118", "310000"), ("320509", "320500"), ("110108", "110000")],
    )
    def test_city_of(self, code: str, city: str) -> None:
        assert city_of(code) == city

    @pytest.mark.parametrize(
        ("place", "region", "inside"),
        [
            ("321002", "321000", True),
            ("310115", "310000", True),
            ("310118", "310115", True),  # compared at city level
            ("320509", "320500", True),
            ("320509", "321000", False),
            ("460200", "460000", True),  # province-level filing (Hainan)
            ("440300", "460000", False),
        ],
    )
    def test_is_within(self, place: str, region: str, inside: bool) -> None:
        assert is_within(place, region) is inside

    @pytest.mark.parametrize(
        ("text", "code"),
        [
            ("江苏省扬州市广陵区文昌中路1号", "321002"),
            ("扬州", "321000"),
            ("苏州市公安局吴江分局", "320509"),
            ("上海市第六人民医院", "310000"),
            ("扬州市苏州路8号", "321000"),  # a street named after another city
            ("江苏省", "320000"),
            ("321000", "321000"),
            ("某某大街1号", None),
            ("复旦大学附属肿瘤医院", "310000"),
            ("苏州市吴江区第一人民医院", "320509"),
        ],
    )
    def test_find(self, text: str, code: str | None) -> None:
        assert TABLE.find(text) == code

    def test_names_both_ways(self) -> None:
        assert TABLE.name_of("321000") == "扬州市"
        assert TABLE.name_of("999999") == "999999"


class TestCitiesNamed:
    @pytest.mark.parametrize(
        ("text", "cities"),
        [
            # A listed hospital is placed by the table, not by the names inside it.
            ("北京大学深圳医院", {"440300"}),
            ("中山大学附属第一医院", {"440100"}),
            ("复旦大学附属肿瘤医院", {"310000"}),
            ("上海市复旦大学附属肿瘤医院", {"310000"}),
            ("江苏省人民医院", {"320100"}),
            # A hospital and another city named beside it: both count.
            ("复旦大学附属肿瘤医院扬州分院", {"310000", "321000"}),
            # An unlisted hospital still counts its place names.
            ("北京大学某某医院深圳分院", {"110000", "440300"}),
            ("上海市浦东新区世纪大道1号", {"310000"}),
            # Streets named after other cities are streets.
            ("江苏省南京市玄武区北京东路7号", {"320100"}),
            ("扬州市苏州路8号", {"321000"}),
            ("扬州市广州大街1号", {"321000"}),
            ("北京市上海大道1号北京", {"110000"}),
            ("上海北京", {"310000", "110000"}),
            ("四川某某医院", {"510000"}),
            ("某某医院", set()),
        ],
    )
    def test_cities_named(self, text: str, cities: set[str]) -> None:
        assert TABLE.cities_named(text) == cities


class TestHospitals:
    def test_every_listed_hospital_is_placed_in_a_known_region(self, tmp_path: Path) -> None:
        hospitals = yaml.safe_load(HOSPITALS_FILE.read_text(encoding="utf-8"))
        for code, names in hospitals.items():
            assert str(code) in TABLE.names, code
            for name in names:
                assert TABLE.cities_named(name) == {city_of(str(code))}, name

    def test_a_hospital_table_of_its_own(self, tmp_path: Path) -> None:
        own = tmp_path / "hospitals.yaml"
        own.write_text('"321000": [某某专科医院]\n', encoding="utf-8")
        table = load_region_table(hospitals=own)
        assert table.find("某某专科医院") == "321000"
        assert table.find("复旦大学附属肿瘤医院") is None
