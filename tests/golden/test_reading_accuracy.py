"""The real engine on a small generated corpus: accuracy thresholds via the eval function."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ocr.cli import document_records
from ocr.engines.rapid import RapidOcrEngine
from ocr.evaluation import evaluate_corpus
from ocr.images import decode_image
from ocr.reader import Reader
from tests.factories import READ_RECORD_KEYS

pytestmark = pytest.mark.slow

_SEED = 7
_PAGES = 12


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(RapidOcrEngine(threads=2))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    generate = pytest.importorskip("samples.generate")
    folder = tmp_path_factory.mktemp("corpus")
    generate.generate_corpus(folder, count=_PAGES, seed=_SEED)
    return folder


@pytest.fixture(scope="module")
def report(corpus: Path, reader: Reader) -> dict[str, Any]:
    return evaluate_corpus(
        corpus, read_page=reader.read_page, load=lambda p: decode_image(p.read_bytes())
    )


class TestReadingAccuracy:
    def test_kinds(self, report: dict[str, Any]) -> None:
        assert report["pages"] == _PAGES
        assert report["kind_accuracy"] >= 0.9

    def test_unknown_documents_stay_unknown(self, report: dict[str, Any]) -> None:
        assert report["unknown_recall"] in (None, 1.0)

    def test_key_fields(self, report: dict[str, Any]) -> None:
        fields = report["fields"]
        assert fields["id_number"]["rate"] >= 0.85
        assert fields["name"]["rate"] >= 0.8
        assert report["dates_exact"] >= 0.8

    def test_seals_and_text(self, report: dict[str, Any]) -> None:
        if report["seals"]["truth"]:
            assert report["seals"]["recall"] >= 0.75
        assert report["cer"] <= 0.15

    def test_read_records_have_the_contract_shape(self, corpus: Path, reader: Reader) -> None:
        image = sorted(corpus.glob("*.jpg"))[0]

        records = document_records(image.name, reader.read_file(image.read_bytes()))

        assert records
        for record in records:
            assert set(record) == READ_RECORD_KEYS
            assert all(set(f) == {"value", "confidence"} for f in record["fields"].values())
