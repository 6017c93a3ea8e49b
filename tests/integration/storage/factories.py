"""Builders of domain objects for the storage contract tests (fake people only)."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

from intake.domain import (
    Applicant,
    Contact,
    Correction,
    Document,
    DocumentId,
    DocumentStatus,
    Filing,
    FilingId,
    FilingStatus,
    FilingType,
    Page,
    Proxy,
    RecordId,
    ReviewAction,
    ReviewDecision,
    Scheme,
    VerificationId,
    VerificationRecord,
)
from intake.identity import fake_id_number
from ocr.domain import (
    DocumentKind,
    DocumentReading,
    Field,
    FieldName,
    KindScore,
    Line,
    PageReading,
    Quality,
    QualityProblem,
    Seal,
)

T0 = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
CHINA = timezone(timedelta(hours=8))


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_filing(**overrides: Any) -> Filing:
    rng = random.Random(overrides.pop("seed", 7))
    values: dict[str, Any] = {
        "id": FilingId(uuid4()),
        "owner": "app-key-1",
        "applicant": Applicant(
            name="王小明", id_number=fake_id_number(rng, region="321002"), phone="13800138000"
        ),
        "filing_type": FilingType.LONG_TERM_RESIDENT,
        "insured_region": "321000",
        "treatment_region": "310000",
        "scheme": Scheme.EMPLOYEE,
        "start_date": date(2026, 3, 2),
        "filed_on": date(2026, 3, 1),
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(overrides)
    return Filing(**values)


def make_quality(*, problems: int = 0) -> Quality:
    return Quality(
        problems=tuple(
            QualityProblem(code=f"quality.blur_{i}", message="照片模糊，请重新拍摄")
            for i in range(problems)
        ),
        sharpness=123.5,
        exposure=0.52,
        glare=0.013,
        width=1600,
        height=1000,
        document_area=0.81,
        skew=-1.25,
        rotation=90,
    )


def make_page(number: int = 1, **overrides: Any) -> Page:
    values: dict[str, Any] = {
        "number": number,
        "image_sha256": sha256_of(f"page-{uuid4()}"),
        "width": 1600,
        "height": 1000,
        "quality": make_quality(),
        "phash": "c3a5e1f00f1e5a3c",
    }
    values.update(overrides)
    return Page(**values)


def make_document(filing_id: FilingId, **overrides: Any) -> Document:
    values: dict[str, Any] = {
        "id": DocumentId(uuid4()),
        "filing_id": filing_id,
        "sha256": sha256_of(f"upload-{uuid4()}"),
        "size": 245_760,
        "content_type": "image/jpeg",
        "page_count": 1,
        "created_at": T0,
        "pages": [make_page(1)],
    }
    values.update(overrides)
    return Document(**values)


def make_reading(*, engine_version: str = "rapidocr-3.4/ppocrv5") -> PageReading:
    box = (0.1, 0.2, 0.9, 0.8)
    return PageReading(
        page=1,
        documents=(
            DocumentReading(
                index=0,
                box=box,
                kind=DocumentKind.ID_CARD_FRONT,
                kind_confidence=0.97,
                runners_up=(KindScore(kind=DocumentKind.HUKOU_PERSON, confidence=0.02),),
                cues=("公民身份号码",),
                fields={
                    FieldName.NAME.value: Field(value="王小明", confidence=0.99, box=box),
                    FieldName.ADDRESS.value: Field(value="江苏省扬州市", confidence=0.8),
                },
                seals=(Seal(box=box, colour="red", confidence=0.7, text="公安局"),),
                lines=(Line(text="姓名 王小明", box=box, confidence=0.95),),
            ),
        ),
        quality=make_quality(problems=1),
        engine="rapidocr",
        engine_version=engine_version,
        models=("ppocrv5_det", "ppocrv5_rec"),
        timings={"detect": 0.12, "recognise": 0.34},
    )


def make_verification(
    filing_id: FilingId, *, created_at: datetime = T0, decision: str = "review"
) -> VerificationRecord:
    return VerificationRecord(
        id=VerificationId(uuid4()),
        filing_id=filing_id,
        created_at=created_at,
        decision=decision,
        policy="yangzhou",
        policy_version="2026.1",
        engine_version="rapidocr-3.4",
        verdict={
            "decision": decision,
            "checks": [{"code": "identity.present", "outcome": "pass", "message": "身份证已提供"}],
            "missing": [],
        },
    )


def full_filing(**overrides: Any) -> Filing:
    """A filing with every optional part filled in."""
    rng = random.Random(11)
    values: dict[str, Any] = {
        "contact": Contact(name="李华", phone="13900139000", address="上海市浦东新区世纪大道1号"),
        "on_behalf_of": Proxy(
            name="王大明", id_number=fake_id_number(rng), phone="13700137000", relation="子女"
        ),
        "commitment": True,
        "evoucher_verified": True,
        "status": FilingStatus.PROVISIONAL,
        "valid_from": date(2026, 3, 2),
        "valid_until": date(2026, 3, 16),
        "submitted_at": datetime(2026, 3, 1, 18, 5, 0, tzinfo=CHINA),
    }
    values.update(overrides)
    return make_filing(**values)


def analysed(document: Document) -> Document:
    """The document as the pipeline leaves it after reading."""
    document.status = DocumentStatus.ANALYSED
    document.kind = DocumentKind.RESIDENCE_PERMIT
    document.kind_confidence = 0.91
    return document


def make_correction(filing_id: FilingId, document_id: DocumentId, **overrides: Any) -> Correction:
    values: dict[str, Any] = {
        "id": RecordId(uuid4()),
        "filing_id": filing_id,
        "document_id": document_id,
        "page": 1,
        "index": 0,
        "field": "name",
        "machine_value": "王建困",
        "reviewer_value": "王建国",
        "reviewer": "alice",
        "created_at": T0,
    }
    values.update(overrides)
    return Correction(**values)


def make_decision(filing_id: FilingId, **overrides: Any) -> ReviewDecision:
    values: dict[str, Any] = {
        "id": RecordId(uuid4()),
        "filing_id": filing_id,
        "action": ReviewAction.REJECT,
        "reasons": ("identity_mismatch",),
        "note": "n",
        "message": "材料所示身份与申请人不符",
        "reviewer": "alice",
        "created_at": T0,
        "from_status": FilingStatus.NEEDS_REVIEW,
        "to_status": FilingStatus.REJECTED,
        "machine_checks": ("identity.name",),
    }
    values.update(overrides)
    return ReviewDecision(**values)
