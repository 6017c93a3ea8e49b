from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocr.domain import DocumentKind, DocumentReading, Field, Line, PageReading, Quality, Seal
from ocr.evaluation import (
    Tally,
    character_errors,
    corpus_pages,
    expected_calibration_error,
    score_page,
)


def _reading(*documents: DocumentReading) -> PageReading:
    return PageReading(
        page=1, documents=documents, quality=Quality(), engine="fake", engine_version="1"
    )


def _document(kind: DocumentKind, *, text: str = "", **fields: str) -> DocumentReading:
    return DocumentReading(
        index=0,
        box=(0, 0, 1, 1),
        kind=kind,
        kind_confidence=0.9,
        fields={k: Field(value=v, confidence=0.9) for k, v in fields.items()},
        seals=(Seal(box=(0.1, 0.1, 0.2, 0.2), colour="red", confidence=0.9),),
        lines=(Line(text=text, box=(0, 0, 1, 0.1), confidence=0.9),) if text else (),
    )


TRUTH = {
    "image": "0001.jpg",
    "documents": [
        {
            "kind": "id_card_front",
            "fields": {"name": "王建国", "birth_date": "1965-03-12"},
            "seals": [],
            "text": ["姓名 王建国"],
        },
        {"kind": "unknown", "fields": {}, "seals": [], "text": []},
    ],
}


class TestScorePage:
    def test_counts_kinds_fields_seals_and_text(self) -> None:
        tally = Tally()
        reading = _reading(
            _document(
                DocumentKind.ID_CARD_FRONT,
                text="姓名 王建国",
                name="王建国",
                birth_date="1965-03-13",
            ),
            _document(DocumentKind.ID_CARD_BACK),
        )

        score_page(tally, TRUTH, reading, file="0001.jpg")
        tally.seconds.append(1.0)
        report = tally.report()

        assert report["kind_accuracy"] == 0.5
        assert report["unknown_recall"] == 0.0
        assert report["confusion"]["unknown"] == {"id_card_back": 1}
        assert report["fields"]["name"]["rate"] == 1.0
        assert report["fields"]["birth_date"]["rate"] == 0.0
        assert report["seals"] == {
            "truth": 0,
            "found": 2,
            "matched": 0,
            "recall": None,
            "precision": 0.0,
        }
        assert report["cer"] == 0.0

    def test_missing_documents_are_counted_as_missing(self) -> None:
        tally = Tally()

        score_page(tally, TRUTH, _reading())

        assert tally.confusion["id_card_front"]["(missing)"] == 1


class TestHelpers:
    def test_character_errors_is_the_edit_distance(self) -> None:
        assert character_errors("王建国", "王律国") == 1
        assert character_errors("", "abc") == 3
        assert character_errors("abc", "abc") == 0

    def test_corpus_pages_pairs_images_with_truth(self, tmp_path: Path) -> None:
        (tmp_path / "0001.json").write_text(json.dumps(TRUTH), encoding="utf-8")
        (tmp_path / "notes.json").write_text("{}", encoding="utf-8")

        pages = corpus_pages(tmp_path)

        assert [(p.name, t["image"]) for p, t in pages] == [("0001.jpg", "0001.jpg")]


class TestCalibration:
    def test_confidences_that_match_their_accuracy_have_no_error(self) -> None:
        outcomes = [(0.75, True)] * 3 + [(0.75, False)] + [(0.95, True)] * 20
        assert expected_calibration_error(outcomes) == pytest.approx(0.05 * 20 / 24, abs=1e-4)

    def test_overconfidence_is_the_gap_weighted_by_share(self) -> None:
        outcomes = [(0.99, False)] * 2 + [(0.99, True)] * 2
        assert expected_calibration_error(outcomes) == 0.49

    def test_no_predictions_give_none(self) -> None:
        assert expected_calibration_error([]) is None
