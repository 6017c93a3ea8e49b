"""Properties that hold for any input: sniffing, page loading, the text parsers, pack loading.

Hypothesis generates the inputs. Each property says what may come out: a
value of the right form, or one of the errors the caller handles. Nothing
else, no crash.
"""

from __future__ import annotations

import shutil
from datetime import date

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocr.errors import FileError, UnsupportedFileTypeError
from ocr.fields.values import find_dates, find_id_numbers, normalise_date, repair_id_number
from ocr.idnumber import check_character, normalise_id_text, parse_id_number
from ocr.images import SNIFF_BYTES, FileType, load_pages, sniff_file_type
from verifiers import VerifierConfigError, load_packs
from verifiers.policy import POLICIES_DIR

MAGIC = [
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"RIFF\x00\x00\x00\x00WEBP",
    b"%PDF-1.7\n",
    b"\x00\x00\x00\x18ftypheic",
    b"GIF89a",
    b"II*\x00",
    b"<svg",
    b"PK\x03\x04",
]


@given(st.binary(max_size=SNIFF_BYTES))
def test_sniffing_names_a_type_or_refuses(head: bytes) -> None:
    try:
        found = sniff_file_type(head)
    except UnsupportedFileTypeError:
        return
    assert isinstance(found, FileType)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(MAGIC), st.binary(max_size=4096))
def test_any_bytes_behind_a_known_signature_load_or_refuse(magic: bytes, rest: bytes) -> None:
    data = magic + rest
    try:
        file_type = sniff_file_type(data[:SNIFF_BYTES])
        pages = load_pages(data, file_type=file_type, max_pixels=4_000_000, max_pages=3)
    except FileError:
        return  # every refusal the upload path maps to a 4xx problem
    assert 1 <= len(pages) <= 3
    for page in pages:
        height, width = page.image.shape[:2]
        assert width * height <= 4_000_000


@given(st.text(max_size=40))
def test_dates_normalise_to_iso_or_nothing(text: str) -> None:
    found = normalise_date(text)
    if found is not None:
        date.fromisoformat(found)
    for value in find_dates(text):
        date.fromisoformat(value)


@given(st.text(alphabet="0123456789Xx -·*O", max_size=30))
def test_id_numbers_found_in_text_are_18_characters(text: str) -> None:
    for number, _checked in find_id_numbers(text):
        assert len(number) == 18
    repaired, _ = repair_id_number(text)
    assert isinstance(repaired, str)


@given(st.from_regex(r"[0-9]{17}", fullmatch=True))
def test_a_number_with_its_check_character_parses_or_is_not_a_date(first17: str) -> None:
    number = first17 + check_character(first17)
    parsed = parse_id_number(number, today=date(2026, 11, 29))
    assert normalise_id_text(number) == number
    if parsed is not None:
        assert parsed.sex in {"男", "女"}
        assert parsed.birth_date <= date(2026, 11, 29)


_TOP_KEYS = ["version", "name", "regions", "filing_types", "commitment", "validity", "thresholds"]
_VALUES = st.one_of(
    st.none(),
    st.integers(-5, 10**6),
    st.text(max_size=8),
    st.lists(st.text(max_size=6), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(_TOP_KEYS), _VALUES)
def test_a_damaged_pack_is_refused_by_name_never_crashes(
    tmp_path_factory: pytest.TempPathFactory, key: str, value: object
) -> None:
    packs = tmp_path_factory.mktemp("packs") / "p"
    shutil.copytree(POLICIES_DIR, packs)
    national = packs / "national.yaml"
    data = yaml.safe_load(national.read_text(encoding="utf-8"))
    data[key] = value
    national.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        book = load_packs(packs)
    except VerifierConfigError:
        return
    assert "national" in book.packs
