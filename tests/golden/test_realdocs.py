"""The real engine on real public specimens nobody on the project drew.

The specimens live in ``shared/realdocs`` beside the project root (never in
the repository); each ``NAME.json`` lists the page's documents in reading
order with the fields that must be read exactly. Without the folder the
tests skip, except under ``CI=true``, where a missing folder fails.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from ocr.domain import PageReading
from ocr.engines.rapid import RapidOcrEngine
from ocr.images import decode_image
from ocr.quality import assess_quality
from ocr.reader import Reader

pytestmark = pytest.mark.slow

REALDOCS = Path(__file__).resolve().parents[2].parent / "shared" / "realdocs"
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def _specimens() -> list[Path]:
    if not REALDOCS.is_dir():
        return []
    return sorted(p for p in REALDOCS.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)


def _require_folder() -> None:
    if REALDOCS.is_dir():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"real specimens missing: {REALDOCS}")
    pytest.skip(f"real specimens not present: {REALDOCS}")


SPECIMENS = _specimens()


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(RapidOcrEngine(threads=2))


def _truth(image: Path) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = json.loads(image.with_suffix(".json").read_text())[
        "documents"
    ]
    return documents


def _read(reader: Reader, image: Path) -> PageReading:
    return reader.read_page(decode_image(image.read_bytes()))


def test_the_folder_is_there_or_the_run_may_skip() -> None:
    _require_folder()
    assert len(SPECIMENS) >= 8


@pytest.mark.parametrize("image", SPECIMENS, ids=[p.stem for p in SPECIMENS])
class TestRealSpecimens:
    def test_every_document_kind_and_exact_fields(self, reader: Reader, image: Path) -> None:
        truth = _truth(image)

        page = _read(reader, image)

        # Documents are matched by kind: a page turned 180° lists them in upright order.
        got = sorted(document.kind.value for document in page.documents)
        assert got == sorted(document["kind"] for document in truth), image.name
        for expected in truth:
            document = next(d for d in page.documents if d.kind.value == expected["kind"])
            for name, value in expected["fields"].items():
                field = document.fields.get(name)
                assert field is not None, (image.name, name)
                assert field.value == value, (image.name, name)

    def test_no_retake_is_asked(self, image: Path) -> None:
        quality = assess_quality(decode_image(image.read_bytes()))

        assert quality.ok, (image.name, [p.code for p in quality.problems])
