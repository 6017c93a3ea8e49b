from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from intake.identity import fake_id_number
from ocr.idnumber import check_character, parse_id_number

TODAY = date(2025, 6, 1)
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
regions = st.sampled_from(["321002", "320509", "350203", "130502", "310104"])


class TestCheckCharacter:
    def test_known_example(self) -> None:
        # GB 11643-1999 appendix example.
        assert check_character("11010519491231002") == "X"

    @given(st.text(alphabet="0123456789", min_size=17, max_size=17))
    def test_is_a_digit_or_x(self, first17: str) -> None:
        assert check_character(first17) in "0123456789X"


class TestParseIdNumber:
    @given(regions, births, st.sampled_from(["男", "女"]), st.integers(0, 2**32))
    def test_generated_numbers_parse_back(
        self, region: str, birth: date, sex: str, seed: int
    ) -> None:
        number = fake_id_number(random.Random(seed), region=region, birth=birth, sex=sex)
        parsed = parse_id_number(number, today=TODAY)
        assert parsed is not None
        assert (parsed.region, parsed.birth_date, parsed.sex) == (region, birth, sex)

    @given(regions, births, st.integers(0, 16), st.integers(1, 9), st.integers(0, 2**32))
    def test_any_single_digit_change_is_caught(
        self, region: str, birth: date, position: int, shift: int, seed: int
    ) -> None:
        number = fake_id_number(random.Random(seed), region=region, birth=birth)
        changed = str((int(number[position]) + shift) % 10)
        altered = number[:position] + changed + number[position + 1 :]
        assert parse_id_number(altered, today=TODAY) is None

    @given(regions, st.integers(0, 2**32))
    def test_swapped_neighbours_are_caught_unless_equal(self, region: str, seed: int) -> None:
        number = fake_id_number(random.Random(seed), region=region, birth=date(1971, 3, 15))
        for i in range(16):
            if number[i] != number[i + 1]:
                swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
                assert parse_id_number(swapped, today=TODAY) is None

    def test_full_width_and_lowercase_x_are_folded(self) -> None:
        number = "11010519491231002X"
        typed = "".join(chr(ord(c) + 0xFEE0) for c in number[:17]) + "x"
        parsed = parse_id_number(typed, today=TODAY)
        assert parsed is not None
        assert parsed.value == number

    def test_future_birth_date_is_invalid(self) -> None:
        future = fake_id_number(random.Random(1), region="321002", birth=TODAY + timedelta(days=1))
        assert parse_id_number(future, today=TODAY) is None

    def test_impossible_date_is_invalid(self) -> None:
        first17 = "32100219990230001"
        assert parse_id_number(first17 + check_character(first17), today=TODAY) is None
