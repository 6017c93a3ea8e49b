from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageOps

from intake.identity import id_birth_date, id_sex, is_valid_id_number
from ocr.domain import DocumentKind, FieldName
from samples.generate import DOCUMENT_KINDS, _plan, generate_corpus, render_document
from samples.people import make_person

SMALL = (320, 420)
TODAY = date(2025, 6, 1)
TOP_KEYS = {"image", "seed", "width", "height", "rotation", "documents"}
DOC_KEYS = {"kind", "box", "template", "fields", "seals", "text"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("corpus")
    return generate_corpus(out, count=13, seed=5, long_side=SMALL)


def load_truth(image: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(image.with_suffix(".json").read_text(encoding="utf-8"))
    return data


def valid_box(box: list[float]) -> bool:
    x0, y0, x1, y1 = box
    return 0.0 <= x0 < x1 <= 1.0 and 0.0 <= y0 < y1 <= 1.0


class TestGenerateCorpus:
    def test_writes_an_image_and_truth_per_sample(self, corpus: list[Path]) -> None:
        assert [p.name for p in corpus] == [f"{i:04d}.jpg" for i in range(1, 14)]
        for image in corpus:
            truth = load_truth(image)
            assert set(truth) == TOP_KEYS
            assert truth["image"] == image.name
            assert truth["seed"] == 5
            assert all(set(doc) == DOC_KEYS for doc in truth["documents"])

    def test_size_and_rotation_describe_the_shown_image(self, corpus: list[Path]) -> None:
        for image in corpus:
            truth = load_truth(image)
            with Image.open(image) as raw:
                shown = ImageOps.exif_transpose(raw)
            assert (shown.width, shown.height) == (truth["width"], truth["height"])
            assert max(shown.size) in range(SMALL[0], SMALL[1] + 1)
            assert truth["rotation"] in {0, 90, 180, 270}

    def test_boxes_lie_inside_the_photo(self, corpus: list[Path]) -> None:
        for image in corpus:
            for doc in load_truth(image)["documents"]:
                assert valid_box(doc["box"]), (image.name, doc["box"])
                for seal in doc["seals"]:
                    assert valid_box(seal["box"])
                    sx0, sy0, sx1, sy1 = seal["box"]
                    x0, y0, x1, y1 = doc["box"]
                    assert x0 <= sx0
                    assert y0 <= sy0
                    assert sx1 <= x1
                    assert sy1 <= y1

    def test_every_kind_appears(self, corpus: list[Path]) -> None:
        kinds = {doc["kind"] for image in corpus for doc in load_truth(image)["documents"]}

        assert kinds == {k.value for k in DocumentKind}

    def test_fields_use_known_names_and_valid_id_numbers(self, corpus: list[Path]) -> None:
        names = {f.value for f in FieldName}
        for image in corpus:
            for doc in load_truth(image)["documents"]:
                fields = doc["fields"]
                assert set(fields) <= names
                if "id_number" in fields:
                    assert is_valid_id_number(fields["id_number"], today=TODAY)
                if "id_number" in fields and "birth_date" in fields:
                    assert id_birth_date(fields["id_number"]).isoformat() == fields["birth_date"]
                if "id_number" in fields and "sex" in fields:
                    assert id_sex(fields["id_number"]) == fields["sex"]

    def test_printed_values_appear_in_the_text(self, corpus: list[Path]) -> None:
        for image in corpus:
            for doc in load_truth(image)["documents"]:
                text = "".join("".join(doc["text"]).split())
                for name in ("name", "id_number", "employer", "hospital"):
                    if name in doc["fields"] and doc["kind"] != "unknown":
                        assert doc["fields"][name] in text, (doc["template"], name)

    def test_same_seed_gives_the_same_bytes(self, tmp_path: Path) -> None:
        first = generate_corpus(tmp_path / "a", count=3, seed=9, long_side=SMALL)
        second = generate_corpus(tmp_path / "b", count=3, seed=9, long_side=SMALL)

        for a, b in zip(first, second, strict=True):
            assert a.read_bytes() == b.read_bytes()
            assert a.with_suffix(".json").read_bytes() == b.with_suffix(".json").read_bytes()

    def test_other_seed_gives_other_photos(self, tmp_path: Path) -> None:
        first = generate_corpus(tmp_path / "a", count=1, seed=1, long_side=SMALL)
        second = generate_corpus(tmp_path / "b", count=1, seed=2, long_side=SMALL)

        assert first[0].read_bytes() != second[0].read_bytes()

    def test_kinds_restricts_the_output(self, tmp_path: Path) -> None:
        paths = generate_corpus(
            tmp_path, count=3, seed=4, kinds=[DocumentKind.ID_CARD_BACK], long_side=SMALL
        )

        kinds = {doc["kind"] for p in paths for doc in load_truth(p)["documents"]}
        assert kinds == {"id_card_back"}


class TestPlan:
    def test_shares_of_unknowns_and_pairs(self) -> None:
        plan = _plan(200, [*DOCUMENT_KINDS, DocumentKind.UNKNOWN], random.Random(0))

        unknown = sum(1 for page in plan if page == (DocumentKind.UNKNOWN,))
        pairs = sum(1 for page in plan if len(page) > 1)
        assert unknown == 20
        assert pairs == 16

    def test_single_kinds_are_balanced(self) -> None:
        plan = _plan(110, list(DOCUMENT_KINDS), random.Random(0))

        counts = {k: sum(1 for page in plan if page == (k,)) for k in DOCUMENT_KINDS}
        assert max(counts.values()) - min(counts.values()) <= 2


class TestRenderDocument:
    def test_chosen_facts_are_printed(self) -> None:
        rng = random.Random(1)
        person = make_person(rng)
        doc = render_document(
            "dispatch_letter", person, rng, name="张冒名", city="厦门市", date=date(2023, 1, 5)
        )

        assert doc.fields["name"] == "张冒名"
        assert doc.fields["destination"] == "厦门市"
        assert doc.fields["date"] == "2023-01-05"
        assert any("张冒名" in line for line in doc.text)

    def test_expired_permit_prints_its_end_date(self) -> None:
        rng = random.Random(2)
        doc = render_document(
            DocumentKind.RESIDENCE_PERMIT, make_person(rng), rng, valid_until=date(2024, 1, 31)
        )

        assert doc.fields["valid_until"] == "2024-01-31"
        assert any("2024.01.31" in line for line in doc.text)

    @pytest.mark.parametrize(
        "kind",
        [DocumentKind.HUKOU_FRONT, DocumentKind.REFERRAL_FORM, DocumentKind.DISPATCH_LETTER],
    )
    def test_seal_can_be_left_out(self, kind: DocumentKind) -> None:
        rng = random.Random(3)
        person = make_person(rng)

        sealed = render_document(kind, person, random.Random(4))
        bare = render_document(kind, person, random.Random(4), seal=False)

        assert len(sealed.seals) == 1
        assert bare.seals == ()

    def test_unsigned_commitment_has_no_signature(self) -> None:
        rng = random.Random(5)
        doc = render_document("commitment_letter", make_person(rng), rng, signed=False)

        assert "signature" not in doc.fields

    def test_id_card_defaults_are_valid_on_the_reference_day(self) -> None:
        for seed in range(10):
            rng = random.Random(seed)
            doc = render_document("id_card_back", make_person(rng), rng)
            until = doc.fields["valid_until"]
            assert until == "长期" or date.fromisoformat(until) > TODAY
            assert date.fromisoformat(doc.fields["valid_from"]) <= TODAY


EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "samples" / "examples"


class TestCommittedExamples:
    def test_every_kind_has_an_example(self) -> None:
        kinds = {
            doc["kind"]
            for image in EXAMPLES_DIR.glob("*.jpg")
            for doc in load_truth(image)["documents"]
        }

        assert kinds == {k.value for k in DocumentKind}

    def test_examples_are_small_and_match_their_truth(self) -> None:
        images = sorted(EXAMPLES_DIR.glob("*.jpg"))

        assert sum(p.stat().st_size for p in images) < 8_000_000
        for image in images:
            assert image.stat().st_size < 400_000
            truth = load_truth(image)
            assert truth["image"] == image.name
            with Image.open(image) as raw:
                assert raw.size == (truth["width"], truth["height"])


class TestForeignSeal:
    def test_a_referral_form_can_carry_another_units_seal(self) -> None:
        person = make_person(random.Random(1), city="321000")
        own = render_document(DocumentKind.REFERRAL_FORM, person, random.Random(2))
        foreign = render_document(
            DocumentKind.REFERRAL_FORM, person, random.Random(2), seal_text="扬州市恒达贸易有限公司"
        )

        assert [s.text for s in foreign.seals] == ["扬州市恒达贸易有限公司"]
        assert own.seals
        assert all("贸易" not in s.text for s in own.seals)
