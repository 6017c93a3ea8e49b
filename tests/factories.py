"""Builders of domain objects, requests and upload files with sane defaults."""

from __future__ import annotations

import io
import json
import random
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image
from pydantic import SecretStr
from pypdf import PdfReader, PdfWriter

from intake.domain import (
    Applicant,
    Document,
    DocumentId,
    Filing,
    FilingId,
    FilingType,
    Page,
    Scheme,
)
from intake.filings import ContactInput, NewFiling, PersonInput
from intake.identity import fake_id_number
from ocr.domain import Quality, QualityProblem
from verifiers.domain import FilingFacts

_NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)

READ_RECORD_KEYS = frozenset(
    {"file", "page", "index", "box", "kind", "kind_confidence", "fields", "seals", "quality"}
)
"""The keys of one ``intake read --json`` record (CONTRACT.md)."""


def json_lines(text: str) -> list[dict[str, Any]]:
    """The JSON records of a command's line-per-record output, blank lines skipped."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def fake_id(seed: int = 1, *, region: str = "321002") -> str:
    return fake_id_number(random.Random(seed), region=region)


def make_person(**overrides: Any) -> PersonInput:
    values: dict[str, Any] = {"name": "张三", "id_number": fake_id(1), "phone": "13812345678"}
    values.update(overrides)
    return PersonInput(**values)


def make_new_filing(**overrides: Any) -> NewFiling:
    values: dict[str, Any] = {
        "applicant": make_person(),
        "filing_type": "long_term_resident",
        "insured_region": "321000",
        "treatment_region": "310000",
        "scheme": "employee",
        "contact": ContactInput(name="李四", phone="13912345678", address="上海市浦东新区"),
    }
    values.update(overrides)
    return NewFiling(**values)


def filing_payload(**overrides: Any) -> dict[str, Any]:
    """The JSON body of ``POST /v1/filings``."""
    body: dict[str, Any] = {
        "applicant": {"name": "张三", "id_number": fake_id(1), "phone": "13812345678"},
        "filing_type": "long_term_resident",
        "insured_region": "321000",
        "treatment_region": "310000",
        "scheme": "employee",
        "contact": {"name": "李四", "phone": "13912345678", "address": "上海市浦东新区"},
    }
    body.update(overrides)
    return body


def make_filing(**overrides: Any) -> Filing:
    values: dict[str, Any] = {
        "id": FilingId(uuid.uuid4()),
        "owner": "owner-a",
        "applicant": Applicant(name="张三", id_number=fake_id(1), phone="13812345678"),
        "filing_type": FilingType.LONG_TERM_RESIDENT,
        "insured_region": "321000",
        "treatment_region": "310000",
        "scheme": Scheme.EMPLOYEE,
        "start_date": date(2025, 3, 10),
        "filed_on": date(2025, 3, 10),
        "created_at": _NOW,
        "updated_at": _NOW,
    }
    values.update(overrides)
    return Filing(**values)


def make_page(**overrides: Any) -> Page:
    values: dict[str, Any] = {
        "number": 1,
        "image_sha256": "a" * 64,
        "width": 1600,
        "height": 1000,
        "quality": Quality(width=1600, height=1000, sharpness=300.0),
    }
    values.update(overrides)
    return Page(**values)


def make_document(filing: Filing, **overrides: Any) -> Document:
    values: dict[str, Any] = {
        "id": DocumentId(uuid.uuid4()),
        "filing_id": filing.id,
        "sha256": "b" * 64,
        "size": 1000,
        "content_type": "image/jpeg",
        "page_count": 1,
        "created_at": _NOW,
        "pages": [make_page()],
    }
    values.update(overrides)
    return Document(**values)


def ok_quality(image: npt.NDArray[np.uint8]) -> Quality:
    """A quality check that finds nothing wrong."""
    height, width = image.shape[:2]
    return Quality(width=int(width), height=int(height), sharpness=500.0)


def blurry_quality(image: npt.NDArray[np.uint8]) -> Quality:
    """A quality check that always reports a blurry page."""
    return replace(ok_quality(image), problems=(QualityProblem(code="blurry", message="模糊"),))


def document_image(
    *, width: int = 1600, height: int = 1100, seed: int = 0
) -> npt.NDArray[np.uint8]:
    """A photo-like page: white paper with lines of dark text on a grey desk."""
    rng = random.Random(seed)
    image = np.full((height, width, 3), 90, dtype=np.uint8)
    top, left = height // 10, width // 10
    cv2.rectangle(image, (left, top), (width - left, height - top), (245, 245, 245), -1)
    y = top + 60
    while y < height - top - 30:
        words = " ".join(
            "".join(
                rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(rng.randint(3, 9))
            )
            for _ in range(4)
        )
        cv2.putText(image, words, (left + 40, y), cv2.FONT_HERSHEY_SIMPLEX, 1.3, (20, 20, 20), 3)
        y += 70
    return image


def jpeg_bytes(image: npt.NDArray[np.uint8] | None = None, *, quality: int = 90) -> bytes:
    ok, encoded = cv2.imencode(
        ".jpg", document_image() if image is None else image, [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    assert ok
    return bytes(encoded.tobytes())


def png_bytes(image: npt.NDArray[np.uint8] | None = None) -> bytes:
    ok, encoded = cv2.imencode(".png", document_image() if image is None else image)
    assert ok
    return bytes(encoded.tobytes())


def blurred(image: npt.NDArray[np.uint8], *, sigma: float = 8.0) -> npt.NDArray[np.uint8]:
    return np.asarray(cv2.GaussianBlur(image, (0, 0), sigma), dtype=np.uint8)


def pdf_bytes(*, pages: int = 1, width: int = 800, height: int = 1100) -> bytes:
    images = [
        Image.fromarray(
            cv2.cvtColor(document_image(width=width, height=height, seed=i), cv2.COLOR_BGR2RGB)
        )
        for i in range(pages)
    ]
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=100.0)
    return buffer.getvalue()


def encrypted_pdf_bytes() -> bytes:
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_bytes())).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")  # noqa: S106
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_facts(*, name: str, id_number: str, **overrides: Any) -> FilingFacts:
    """Filing facts for the verifier: a Yangzhou applicant treated in Shanghai, filed 2025-06-01."""
    values: dict[str, Any] = {
        "filing_type": "other_temporary",
        "insured_region": "321002",
        "treatment_region": "310000",
        "start_date": date(2025, 6, 1),
        "filed_on": date(2025, 6, 1),
        "applicant_name": name,
        "applicant_id_number": id_number,
    }
    return FilingFacts(**(values | overrides))


TEST_DATA_KEYS = "k1:q69HXXhZzHRr67ceislRBZiQUfvWPJ86HgCA_AW_jCA"
TEST_LOOKUP_KEY = "JTe069L0JenlzTgyjno4OT8ZSp-I-hzcVuVvzB4meD8"


def key_settings() -> dict[str, Any]:
    """Settings keywords holding the test keys (a server database needs them)."""
    return {"data_keys": SecretStr(TEST_DATA_KEYS), "lookup_key": SecretStr(TEST_LOOKUP_KEY)}
