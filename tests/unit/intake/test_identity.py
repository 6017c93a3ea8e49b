from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from intake.errors import InvalidIdNumberError, InvalidPhoneError, InvalidRegionCodeError
from intake.identity import (
    PROVINCE_CODES,
    fake_id_number,
    id_birth_date,
    id_check_character,
    id_sex,
    is_valid_id_number,
    mask_id_number,
    normalise_id_number,
    normalise_phone,
    validate_region_code,
)

TODAY = date(2025, 6, 1)

# Worked example of the check character computed by hand from GB 11643-1999's
# weights (7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2): the weighted sum of
# 11010519491231002 is 167, 167 mod 11 = 2, and position 2 of "10X98765432" is X.
KNOWN_VALID = "11010519491231002X"

regions = st.sampled_from(sorted(PROVINCE_CODES)).flatmap(
    lambda province: st.text(alphabet="0123456789", min_size=4, max_size=4).map(
        lambda rest: province + rest
    )
)
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sexes = st.sampled_from(["男", "女"])


@st.composite
def valid_id_numbers(draw: st.DrawFn) -> str:
    rng = random.Random(draw(st.integers(min_value=0, max_value=2**32)))
    return fake_id_number(rng, region=draw(regions), birth=draw(births), sex=draw(sexes))


class TestIdCheckCharacter:
    def test_matches_hand_computed_example(self) -> None:
        assert id_check_character(KNOWN_VALID[:17]) == "X"

    def test_weighted_sum_definition(self) -> None:
        first17 = "32100219800101123"
        weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        total = sum(int(c) * w for c, w in zip(first17, weights, strict=True))
        assert id_check_character(first17) == "10X98765432"[total % 11]

    @pytest.mark.parametrize(
        "bad", ["", "1234567890123456", "123456789012345678", "1234567890123456A"]
    )
    def test_rejects_wrong_input(self, bad: str) -> None:
        with pytest.raises(ValueError, match="17 ASCII digits"):
            id_check_character(bad)


class TestNormaliseIdNumber:
    def test_accepts_known_valid_number(self) -> None:
        assert normalise_id_number(KNOWN_VALID, today=TODAY) == KNOWN_VALID

    def test_lowercase_x_becomes_uppercase(self) -> None:
        assert normalise_id_number(KNOWN_VALID.lower(), today=TODAY) == KNOWN_VALID

    def test_strips_whitespace_and_folds_full_width_digits(self) -> None:
        full_width = "".join(chr(ord(c) + 0xFEE0) for c in KNOWN_VALID)
        assert normalise_id_number(f" {full_width} ", today=TODAY) == KNOWN_VALID
        assert normalise_id_number("110105 19491231 002x", today=TODAY) == KNOWN_VALID

    @pytest.mark.parametrize(
        ("value", "reason"),
        [
            ("", "length"),
            ("11010519491231002", "length"),
            ("11010519491231002X0", "length"),
            ("11010519491231002Y", "characters"),
            ("1101051949123100X2", "characters"),
            ("A1010519491231002X", "characters"),
            ("16010519491231002X", "region"),
            ("00010519491231002X", "region"),
            ("92010519491231002X", "region"),
        ],
    )
    def test_rejects_with_specific_reason(self, value: str, reason: str) -> None:
        with pytest.raises(InvalidIdNumberError) as info:
            normalise_id_number(value, today=TODAY)
        assert info.value.reason == reason
        assert info.value.field == "id_number"

    @pytest.mark.parametrize(
        "birth_digits",
        ["19490230", "19491301", "19490000", "18991231", "20250602", "20990101"],
    )
    def test_rejects_impossible_birth_dates(self, birth_digits: str) -> None:
        first17 = f"110105{birth_digits}002"
        value = first17 + id_check_character(first17)
        with pytest.raises(InvalidIdNumberError) as info:
            normalise_id_number(value, today=TODAY)
        assert info.value.reason == "birth_date"

    def test_accepts_birth_today_and_on_the_earliest_day(self) -> None:
        for birth in (TODAY, date(1900, 1, 1)):
            value = fake_id_number(random.Random(1), birth=birth)
            assert normalise_id_number(value, today=TODAY) == value

    def test_rejects_wrong_check_character(self) -> None:
        with pytest.raises(InvalidIdNumberError) as info:
            normalise_id_number(KNOWN_VALID[:17] + "3", today=TODAY)
        assert info.value.reason == "checksum"

    def test_birth_check_uses_the_given_day(self) -> None:
        value = fake_id_number(random.Random(2), birth=date(2025, 6, 2))
        assert not is_valid_id_number(value, today=TODAY)
        assert is_valid_id_number(value, today=date(2025, 6, 2))


class TestIdNumberProperties:
    @given(valid_id_numbers())
    def test_every_fake_validates(self, value: str) -> None:
        assert normalise_id_number(value, today=TODAY) == value

    @given(
        valid_id_numbers(),
        st.integers(min_value=0, max_value=17),
        st.sampled_from("0123456789Xx"),
    )
    def test_any_single_substitution_invalidates(
        self, value: str, position: int, replacement: str
    ) -> None:
        # Only a case change of the check character keeps a number valid: MOD 11-2
        # detects every single-character substitution.
        assume(replacement.upper() != value[position])
        mutated = value[:position] + replacement + value[position + 1 :]
        assert not is_valid_id_number(mutated, today=TODAY)

    @given(valid_id_numbers())
    def test_lowercase_x_normalises(self, value: str) -> None:
        assert normalise_id_number(value.lower(), today=TODAY) == value

    @given(st.randoms(use_true_random=False), births, sexes)
    def test_birth_date_and_sex_round_trip(self, rng: random.Random, birth: date, sex: str) -> None:
        value = fake_id_number(rng, birth=birth, sex=sex)
        assert id_birth_date(value) == birth
        assert id_sex(value) == sex


class TestIdFields:
    def test_birth_date(self) -> None:
        assert id_birth_date(KNOWN_VALID) == date(1949, 12, 31)

    def test_sex_from_sequence_parity(self) -> None:
        assert id_sex("11010519491231002X") == "女"
        first17 = "11010519491231001"
        assert id_sex(first17 + id_check_character(first17)) == "男"

    def test_birth_date_rejects_garbage(self) -> None:
        with pytest.raises(InvalidIdNumberError) as info:
            id_birth_date("11010519491331002X")
        assert info.value.reason == "birth_date"

    def test_fields_reject_wrong_length(self) -> None:
        with pytest.raises(InvalidIdNumberError):
            id_sex("123")
        with pytest.raises(InvalidIdNumberError):
            id_birth_date("123")


class TestMaskIdNumber:
    def test_keeps_first_and_last_four(self) -> None:
        assert mask_id_number("32100219800101123X") == "3210**********123X"

    def test_masks_short_input_entirely(self) -> None:
        assert mask_id_number("12345678") == "********"
        assert mask_id_number("") == ""

    @given(st.text(min_size=9, max_size=40))
    def test_never_reveals_the_middle(self, value: str) -> None:
        masked = mask_id_number(value)
        assert len(masked) == len(value)
        assert set(masked[4:-4]) == {"*"}


class TestNormalisePhone:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("13812345678", "13812345678"),
            ("138 1234 5678", "13812345678"),
            ("138-1234-5678", "13812345678"),
            ("+86 138 1234 5678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("+86-199-0000-1111", "19900001111"),
            ("0514-87654321", "0514-87654321"),
            ("010-12345678", "010-12345678"),
            ("051287654321", "051287654321"),
            ("0512 8765432", "05128765432"),
        ],
    )
    def test_accepts(self, value: str, expected: str) -> None:
        assert normalise_phone(value) == expected

    @pytest.mark.parametrize(
        "value",
        ["", "12812345678", "1381234567", "138123456789", "87654321", "0514-876543", "phone"],
    )
    def test_rejects(self, value: str) -> None:
        with pytest.raises(InvalidPhoneError) as info:
            normalise_phone(value)
        assert info.value.field == "phone"
        assert info.value.reason == "format"


class TestValidateRegionCode:
    @pytest.mark.parametrize("code", ["321000", "320500", "320509", "350200", "130500", "310000"])
    def test_accepts_contract_regions(self, code: str) -> None:
        assert validate_region_code(code) == code

    @pytest.mark.parametrize(
        ("code", "reason"),
        [("32100", "format"), ("3210000", "format"), ("32100a", "format"), ("991000", "province")],
    )
    def test_rejects(self, code: str, reason: str) -> None:
        with pytest.raises(InvalidRegionCodeError) as info:
            validate_region_code(code, field="insured_region")
        assert info.value.reason == reason
        assert info.value.field == "insured_region"


class TestFakeIdNumber:
    def test_is_reproducible_for_a_seed(self) -> None:
        assert fake_id_number(random.Random(7)) == fake_id_number(random.Random(7))

    def test_uses_the_region(self) -> None:
        assert fake_id_number(random.Random(3), region="350203").startswith("350203")

    def test_rejects_bad_region_and_sex(self) -> None:
        with pytest.raises(InvalidRegionCodeError):
            fake_id_number(random.Random(3), region="999999")
        with pytest.raises(ValueError, match="unknown sex"):
            fake_id_number(random.Random(3), sex="x")
