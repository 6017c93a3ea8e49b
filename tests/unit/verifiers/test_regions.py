from __future__ import annotations

import pytest

from verifiers.regions import city_of, is_within, load_region_table

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
            ("北京大学深圳医院", {"110000", "440300"}),
            ("上海市浦东新区世纪大道1号", {"310000"}),
            ("四川大学华西医院", {"510000"}),
            ("某某医院", set()),
        ],
    )
    def test_cities_named(self, text: str, cities: set[str]) -> None:
        assert TABLE.cities_named(text) == cities
