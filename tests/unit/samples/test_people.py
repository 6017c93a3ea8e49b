from __future__ import annotations

import random
from datetime import date

import pytest

from intake.identity import id_birth_date, id_sex, is_valid_id_number
from samples.people import CITIES, find_city, make_person

TODAY = date(2025, 6, 1)


class TestMakePerson:
    @pytest.mark.parametrize("seed", range(40))
    def test_id_number_agrees_with_district_birth_and_sex(self, seed: int) -> None:
        person = make_person(random.Random(seed), today=TODAY)

        assert is_valid_id_number(person.id_number, today=TODAY)
        assert person.id_number[:6] == person.district.code
        assert id_birth_date(person.id_number) == person.birth_date
        assert id_sex(person.id_number) == person.sex

    def test_address_lies_in_the_registered_district(self) -> None:
        person = make_person(random.Random(3), city="厦门市")

        assert person.city.code == "350200"
        assert person.address.startswith(person.city.full_name(person.district))

    def test_same_seed_same_person(self) -> None:
        assert make_person(random.Random(11)) == make_person(random.Random(11))

    def test_name_is_two_to_four_characters(self) -> None:
        names = [make_person(random.Random(s)).name for s in range(200)]

        assert all(2 <= len(n) <= 4 for n in names)
        assert len(set(names)) > 150


class TestFindCity:
    @pytest.mark.parametrize(
        ("value", "code"),
        [
            ("321000", "321000"),
            ("320509", "320500"),
            ("厦门", "350200"),
            ("邢台市", "130500"),
            ("黄浦区", "310000"),
        ],
    )
    def test_finds_by_code_or_name(self, value: str, code: str) -> None:
        assert find_city(value).code == code

    def test_unknown_city_raises(self) -> None:
        with pytest.raises(KeyError):
            find_city("999999")

    def test_district_codes_belong_to_their_city(self) -> None:
        for city in CITIES:
            for district in city.districts:
                assert district.code[:2] == city.code[:2]
