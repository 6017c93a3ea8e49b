from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from verifiers.regions import (
    HOSPITALS_FILE,
    REGIONS_FILE,
    Place,
    PlaceProblem,
    city_of,
    holds,
    is_within,
    load_region_table,
)

TABLE = load_region_table()
AMBIGUOUS = Place(problem=PlaceProblem.AMBIGUOUS)
CONFLICT = Place(problem=PlaceProblem.CONFLICT)
UNNAMED = Place(problem=PlaceProblem.UNNAMED)


def at(code: str) -> Place:
    return Place(code=code)


class TestCodes:
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
        ("outer", "inner", "inside"),
        [
            ("320000", "320509", True),
            ("320500", "320509", True),
            ("310000", "310115", True),
            ("320509", "320500", False),
            ("320500", "320600", False),
        ],
    )
    def test_holds(self, outer: str, inner: str, inside: bool) -> None:
        assert holds(outer, inner) is inside


class TestTable:
    def test_holds_every_province_city_and_county(self) -> None:
        provinces = [c for c in TABLE.names if c.endswith("0000")]
        counties = [c for c in TABLE.names if not c.endswith("00")]
        assert len(provinces) >= 31
        assert len(counties) > 2800
        assert TABLE.name_of("320613") == "崇川区"
        assert TABLE.name_of("652300") == "昌吉回族自治州"

    def test_data_file_names_its_source_date(self) -> None:
        header = REGIONS_FILE.read_text(encoding="utf-8").splitlines()[:3]
        assert any("2024" in line for line in header)

    def test_names_both_ways(self) -> None:
        assert TABLE.name_of("321000") == "扬州市"
        assert TABLE.name_of("999999") == "999999"


class TestChain:
    @pytest.mark.parametrize(
        ("text", "place"),
        [
            ("江苏省扬州市广陵区文昌中路1号", at("321002")),
            ("南通市崇川区工农路1号", at("320613")),
            ("崇川区工农路1号", at("320613")),
            ("江苏南通", at("320600")),
            ("江苏 南通 崇川区", at("320613")),
            ("上海市浦东新区世纪大道1号", at("310115")),
            ("中国江苏省苏州市", at("320500")),
            ("扬州", at("321000")),
            ("上海", at("310000")),
            ("上海市", at("310000")),
            ("江苏省", at("320000")),
            ("321000", at("321000")),
            ("湖北省仙桃市", at("429004")),
            # A county name beginning like a street word after its city.
            ("河北省唐山市路北区", at("130203")),
            ("山西省晋城市城区", at("140502")),
            # An issuer: the district is named after the bureau.
            ("苏州市公安局吴江分局", at("320509")),
            ("上海市公安局浦东分局", at("310115")),
            ("上海市第六人民医院", at("310000")),
        ],
    )
    def test_reads_the_leading_chain(self, text: str, place: Place) -> None:
        assert TABLE.resolve(text) == place

    @pytest.mark.parametrize(
        ("text", "place"),
        [
            # The chain is Nantong; the estate is named after Shanghai.
            ("江苏省南通市崇川区上海花园3幢", at("320613")),
            ("江苏省南京市玄武区北京东路7号", at("320102")),
            ("扬州市苏州路8号", at("321000")),
            ("扬州市广州大街1号", at("321000")),
            ("上海市静安区南京西路1号", at("310106")),
            ("北京市上海大道1号北京", at("110000")),
            # No chain at all: the place names belong to streets and estates.
            ("上海花园3幢", UNNAMED),
            ("北京花园", UNNAMED),
            ("苏州街1号", UNNAMED),
            ("南京东路100号", UNNAMED),
            ("上海路8号", UNNAMED),
            ("某某大街1号", UNNAMED),
            ("四川某某医院", UNNAMED),
        ],
    )
    def test_streets_and_estates_never_name_a_place(self, text: str, place: Place) -> None:
        assert TABLE.resolve(text) == place

    @pytest.mark.parametrize(
        ("text", "place"),
        [
            ("鼓楼区中山路1号", AMBIGUOUS),
            ("朝阳区", AMBIGUOUS),
            ("通州区新华路1号", AMBIGUOUS),
            ("江苏省鼓楼区", AMBIGUOUS),  # Nanjing and Xuzhou both have one
            ("南京市鼓楼区中山路1号", at("320106")),
            ("江苏省徐州市鼓楼区", at("320302")),
            ("福建省福州市鼓楼区", at("350102")),
            ("北京市朝阳区", at("110105")),
            ("吉林省长春市朝阳区", at("220104")),
            ("北京市通州区", at("110112")),
            ("南通市通州区", at("320612")),
        ],
    )
    def test_a_shared_county_name_needs_its_parent(self, text: str, place: Place) -> None:
        assert TABLE.resolve(text) == place

    @pytest.mark.parametrize(
        "text",
        [
            "江苏省上海市",
            "浙江省南通市崇川区",
            "江苏省南通市浦东新区",
            "苏州市港闸区",  # 港闸区 was in Nantong
            "上海北京",
        ],
    )
    def test_disagreeing_chains_give_no_place(self, text: str) -> None:
        assert TABLE.resolve(text) == CONFLICT
        assert TABLE.find(text) is None

    @pytest.mark.parametrize(
        ("text", "code"),
        [
            ("江苏省吴江市松陵镇", "320509"),
            ("江苏省苏州市吴江市", "320509"),
            ("苏州市金阊区", "320508"),
            ("苏州市沧浪区", "320508"),
            ("苏州市平江区", "320508"),
            ("江苏省通州市", "320612"),
            ("南通市港闸区", "320600"),
            ("湖北省襄樊市", "420600"),
            # A former name another city's district still bears: its city tells them apart.
            ("河北省邢台市桥东区", "130502"),
            ("张家口市桥东区", "130702"),
        ],
    )
    def test_former_names_of_merged_or_renamed_divisions(self, text: str, code: str) -> None:
        assert TABLE.find(text) == code


class TestHospitals:
    @pytest.mark.parametrize(
        ("text", "place"),
        [
            ("北京大学深圳医院", at("440300")),
            ("中山大学附属第一医院", at("440100")),
            ("复旦大学附属肿瘤医院", at("310000")),
            ("上海市复旦大学附属肿瘤医院", at("310000")),
            ("上海复旦大学附属肿瘤医院", at("310000")),
            ("江苏省人民医院", at("320100")),
            ("苏州市吴江区第一人民医院", at("320509")),
            # A chain or a branch elsewhere contradicts the hospital's place.
            ("扬州市复旦大学附属肿瘤医院", CONFLICT),
            ("复旦大学附属肿瘤医院扬州分院", CONFLICT),
            # An unlisted hospital named after a place names no place.
            ("北京大学某某医院深圳分院", UNNAMED),
            ("某某医院", UNNAMED),
        ],
    )
    def test_a_listed_hospital_places_the_text(self, text: str, place: Place) -> None:
        assert TABLE.resolve(text) == place

    def test_every_listed_hospital_is_placed_in_a_known_region(self) -> None:
        hospitals = yaml.safe_load(HOSPITALS_FILE.read_text(encoding="utf-8"))
        for code, names in hospitals.items():
            assert str(code) in TABLE.names, code
            for name in names:
                assert TABLE.resolve(name) == at(str(code)), name

    def test_a_hospital_table_of_its_own(self, tmp_path: Path) -> None:
        own = tmp_path / "hospitals.yaml"
        own.write_text('"321000": [某某专科医院]\n', encoding="utf-8")
        table = load_region_table(hospitals=own)
        assert table.find("某某专科医院") == "321000"
        assert table.find("复旦大学附属肿瘤医院") is None


class TestNames:
    @pytest.mark.parametrize(
        ("code", "name"),
        [
            ("130502", "邢台市襄都区"),
            ("310115", "上海市浦东新区"),
            ("321000", "扬州市"),
            ("320000", "江苏省"),
        ],
    )
    def test_city_and_name_of(self, code: str, name: str) -> None:
        assert TABLE.city_and_name_of(code) == name
