"""Wire schemas: what clients send and receive (CONTRACT.md), with examples."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from intake.domain import (
    Document,
    DocumentId,
    DocumentStatus,
    Filing,
    FilingStatus,
    FilingType,
    Page,
    ReviewAction,
    ReviewDecision,
    Scheme,
    VerificationRecord,
)
from intake.filings import ContactInput, NewFiling, PersonInput
from intake.identity import mask_id_number
from ocr.domain import DocumentKind, DocumentReading, PageReading, Quality

_EXAMPLE_ID = "321002198001010011"


_REGION_PATTERN = r"^\d{6}$"
"""Documented, not enforced by the schema: a region code of any other shape gets the
domain code ``applicant.invalid_region_code``, as a 6-digit code of no real place does.
The rule: ``request.invalid`` is for the body's shape (JSON types, required and
unknown fields, size caps); a value of the right type and size that breaks a rule
gets the domain code of that rule."""


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=64, examples=["张三"])
    id_number: str = Field(max_length=32, examples=[_EXAMPLE_ID])
    phone: str = Field(max_length=32, examples=["13812345678"])

    def to_input(self) -> PersonInput:
        return PersonInput(name=self.name, id_number=self.id_number, phone=self.phone)


class ProxyIn(PersonIn):
    relation: str | None = Field(default=None, max_length=32, examples=["子女"])

    def to_input(self) -> PersonInput:
        return PersonInput(
            name=self.name, id_number=self.id_number, phone=self.phone, relation=self.relation
        )


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=64, examples=["李四"])
    phone: str = Field(max_length=32, examples=["13912345678"])
    address: str | None = Field(
        default=None, max_length=200, examples=["上海市浦东新区世纪大道1号"]
    )


class FilingCreate(BaseModel):
    """``POST /v1/filings``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "applicant": {"name": "张三", "id_number": _EXAMPLE_ID, "phone": "13812345678"},
                    "filing_type": "long_term_resident",
                    "insured_region": "321000",
                    "treatment_region": "310000",
                    "scheme": "employee",
                    "contact": {
                        "name": "李四",
                        "phone": "13912345678",
                        "address": "上海市浦东新区",
                    },
                }
            ]
        },
    )

    applicant: PersonIn
    filing_type: FilingType
    insured_region: str = Field(
        max_length=32, examples=["321000"], json_schema_extra={"pattern": _REGION_PATTERN}
    )
    treatment_region: str = Field(
        max_length=32, examples=["310000"], json_schema_extra={"pattern": _REGION_PATTERN}
    )
    scheme: Scheme
    start_date: date | None = Field(default=None, description="Defaults to today (China time).")
    contact: ContactIn | None = None
    on_behalf_of: ProxyIn | None = Field(
        default=None, description="The person filing for the applicant; their own ID is checked."
    )
    commitment: bool = Field(default=False, description="A commitment letter stands in for proof.")
    evoucher_verified: bool = Field(
        default=False, description="The app authenticated the applicant with the e-voucher."
    )

    def to_request(self) -> NewFiling:
        contact = self.contact
        return NewFiling(
            applicant=self.applicant.to_input(),
            filing_type=self.filing_type.value,
            insured_region=self.insured_region,
            treatment_region=self.treatment_region,
            scheme=self.scheme.value,
            start_date=self.start_date,
            contact=ContactInput(name=contact.name, phone=contact.phone, address=contact.address)
            if contact
            else None,
            on_behalf_of=self.on_behalf_of.to_input() if self.on_behalf_of else None,
            commitment=self.commitment,
            evoucher_verified=self.evoucher_verified,
        )


class ProblemOut(BaseModel):
    code: str = Field(examples=["blurry"])
    message: str = Field(examples=["照片模糊，请对焦后重新拍摄"])
    page: int | None = Field(default=None, description="The page it was found on.")


class QualityOut(BaseModel):
    ok: bool
    problems: list[ProblemOut]

    @classmethod
    def of_pages(cls, pages: list[Page]) -> QualityOut:
        problems = [
            ProblemOut(code=p.code, message=p.message, page=page.number)
            for page in pages
            for p in page.quality.problems
        ]
        return cls(ok=not problems, problems=problems)


class PageQualityOut(QualityOut):
    sharpness: float
    exposure: float
    glare: float
    document_area: float
    skew: float

    @classmethod
    def of(cls, quality: Quality) -> PageQualityOut:
        return cls(
            ok=quality.ok,
            problems=[ProblemOut(code=p.code, message=p.message) for p in quality.problems],
            sharpness=quality.sharpness,
            exposure=quality.exposure,
            glare=quality.glare,
            document_area=quality.document_area,
            skew=quality.skew,
        )


class PageOut(BaseModel):
    number: int
    width: int
    height: int
    image_sha256: str | None = Field(
        description="SHA-256 of the normalised page image; null until the background "
        "analysis has made it (the upload answers with the quality alone)."
    )
    quality: PageQualityOut

    @classmethod
    def of(cls, page: Page) -> PageOut:
        return cls(
            number=page.number,
            width=page.width,
            height=page.height,
            image_sha256=page.image_sha256 if page.has_image else None,
            quality=PageQualityOut.of(page.quality),
        )


class FieldOut(BaseModel):
    value: str = Field(examples=["王建国"])
    confidence: float
    box: list[float] | None = Field(
        default=None, description="x0, y0, x1, y1 relative to the page image"
    )


class FoundDocumentOut(BaseModel):
    """One document found on a page (a photocopy of an ID card's two sides gives two)."""

    page: int
    index: int
    box: list[float]
    kind: DocumentKind
    kind_confidence: float
    runners_up: list[dict[str, Any]]
    cues: list[str]
    fields: dict[str, FieldOut]
    seals: list[dict[str, Any]]

    @classmethod
    def of(cls, page: int, found: DocumentReading) -> FoundDocumentOut:
        exported = found.export()
        exported.pop("lines")
        return cls(page=page, **exported)

    @classmethod
    def all_of(cls, readings: list[PageReading]) -> list[FoundDocumentOut]:
        return [cls.of(r.page, d) for r in readings for d in r.documents]


def _primary_fields(document: Document, readings: list[PageReading]) -> dict[str, FieldOut]:
    """The fields of the found document whose kind names the whole document."""
    for reading in readings:
        for found in reading.documents:
            if found.kind is document.kind:
                return {k: FieldOut(**f.export()) for k, f in found.fields.items()}
    return {}


class DocumentOut(BaseModel):
    """A document with its pages: the upload response and ``GET .../documents/{id}``."""

    id: UUID
    filing_id: UUID
    sha256: str
    content_type: str = Field(examples=["image/jpeg"])
    size: int
    page_count: int
    pages: list[PageOut]
    quality: QualityOut = Field(description="Every page's problems together; ok when none.")
    status: DocumentStatus
    failure_reason: str | None = None
    declared_kind: DocumentKind | None = None
    kind: DocumentKind | None = Field(default=None, description="null until the page is read.")
    kind_confidence: float | None = None
    found: list[FoundDocumentOut] = Field(
        default_factory=list, description="Every document read on the pages; empty until read."
    )
    created_at: datetime

    @classmethod
    def of(cls, document: Document, readings: list[PageReading] | None = None) -> DocumentOut:
        return cls(
            found=FoundDocumentOut.all_of(readings or []),
            id=document.id,
            filing_id=document.filing_id,
            sha256=document.sha256,
            content_type=document.content_type,
            size=document.size,
            page_count=document.page_count,
            pages=[PageOut.of(p) for p in document.pages],
            quality=QualityOut.of_pages(document.pages),
            status=document.status,
            failure_reason=document.failure_reason,
            declared_kind=document.declared_kind,
            kind=document.kind,
            kind_confidence=document.kind_confidence,
            created_at=document.created_at,
        )


class DocumentSummaryOut(BaseModel):
    id: UUID
    kind: DocumentKind | None
    kind_confidence: float | None
    declared_kind: DocumentKind | None
    status: DocumentStatus
    quality: QualityOut
    fields: dict[str, FieldOut] = Field(
        default_factory=dict, description="Fields read from the document (empty until read)."
    )

    @classmethod
    def of(
        cls, document: Document, readings: list[PageReading] | None = None
    ) -> DocumentSummaryOut:
        return cls(
            fields=_primary_fields(document, readings or []),
            id=document.id,
            kind=document.kind,
            kind_confidence=document.kind_confidence,
            declared_kind=document.declared_kind,
            status=document.status,
            quality=QualityOut.of_pages(document.pages),
        )


class EvidenceOut(BaseModel):
    """Where a check looked: a document's page, the field and the value read, and its box."""

    document_id: str
    page: int
    kind: str = ""
    field: str | None = None
    value: str | None = None
    box: list[float] | None = Field(
        default=None, description="x0, y0, x1, y1 relative to the page image"
    )


class CheckOut(BaseModel):
    code: str = Field(examples=["identity.name"])
    outcome: Literal["pass", "fail", "unsure"]
    message: str = Field(description="In Chinese, for the applicant or reviewer.")
    evidence: list[EvidenceOut] = Field(default_factory=list)
    blocking: bool = Field(default=True, description="Whether anything but pass stops approval.")


class MissingGroupOut(BaseModel):
    """A required material group with no document for it."""

    group: str = Field(examples=["residence_proof"])
    name: str = Field(examples=["长期居住认定材料（居住证或户口簿首页和本人常住人口登记卡）"])


class VerdictOut(BaseModel):
    decision: Literal["approve", "needs_materials", "review"]
    policy: str
    policy_version: str
    engine_version: str
    checks: list[CheckOut]
    missing: list[MissingGroupOut]
    valid_from: date | None = None
    valid_until: date | None = None
    provisional: bool = False
    verified_at: datetime

    @classmethod
    def of(cls, record: VerificationRecord) -> VerdictOut:
        verdict = record.verdict
        return cls(
            policy_version=record.policy_version,
            engine_version=record.engine_version,
            valid_from=verdict.get("valid_from"),
            valid_until=verdict.get("valid_until"),
            provisional=bool(verdict.get("provisional", False)),
            verified_at=record.created_at,
            decision=record.decision,
            policy=str(verdict.get("policy", record.policy)),
            checks=[CheckOut.model_validate(c) for c in verdict.get("checks", [])],
            missing=[MissingGroupOut.model_validate(m) for m in verdict.get("missing", [])],
        )


class ApplicantOut(BaseModel):
    name: str
    id_number: str = Field(description="Masked: first and last four characters only.")
    phone: str


class FilingSummaryOut(BaseModel):
    id: UUID
    status: FilingStatus
    filing_type: FilingType
    insured_region: str
    treatment_region: str
    scheme: Scheme
    start_date: date
    valid_from: date | None
    valid_until: date | None
    commitment: bool
    evoucher_verified: bool
    created_at: datetime
    submitted_at: datetime | None
    applicant: ApplicantOut

    @classmethod
    def fields_of(cls, filing: Filing) -> dict[str, Any]:
        return {
            "id": filing.id,
            "status": filing.status,
            "filing_type": filing.filing_type,
            "insured_region": filing.insured_region,
            "treatment_region": filing.treatment_region,
            "scheme": filing.scheme,
            "start_date": filing.start_date,
            "valid_from": filing.valid_from,
            "valid_until": filing.valid_until,
            "commitment": filing.commitment,
            "evoucher_verified": filing.evoucher_verified,
            "created_at": filing.created_at,
            "submitted_at": filing.submitted_at,
            "applicant": ApplicantOut(
                name=filing.applicant.name,
                id_number=mask_id_number(filing.applicant.id_number),
                phone=filing.applicant.phone,
            ),
        }

    @classmethod
    def of(cls, filing: Filing) -> FilingSummaryOut:
        return cls(**cls.fields_of(filing))


class ReviewOutcomeOut(BaseModel):
    """What a reviewer decided, as the applicant may read it."""

    action: ReviewAction = Field(description="approve, reject or request_materials")
    reasons: list[str] = Field(description="The pack's reason codes, for a rejection.")
    message: str = Field(
        description="The reasons, or the materials asked for, in Chinese.",
        examples=["不符合所选备案类型的办理条件"],
    )
    decided_at: datetime

    @classmethod
    def of(cls, decision: ReviewDecision) -> ReviewOutcomeOut:
        return cls(
            action=decision.action,
            reasons=list(decision.reasons),
            message=decision.message,
            decided_at=decision.created_at,
        )


class FilingOut(FilingSummaryOut):
    """A filing with its documents, the latest verdict (null until verified) and the
    latest reviewer's decision (null unless a person decided it)."""

    documents: list[DocumentSummaryOut]
    verdict: VerdictOut | None
    review: ReviewOutcomeOut | None = None

    @classmethod
    def of_details(
        cls,
        filing: Filing,
        documents: list[Document],
        verification: VerificationRecord | None,
        readings: dict[DocumentId, list[PageReading]] | None = None,
        review: ReviewDecision | None = None,
    ) -> FilingOut:
        readings = readings or {}
        return cls(
            **cls.fields_of(filing),
            documents=[DocumentSummaryOut.of(d, readings.get(d.id)) for d in documents],
            verdict=VerdictOut.of(verification) if verification else None,
            review=ReviewOutcomeOut.of(review) if review else None,
        )


class FilingPageOut(BaseModel):
    items: list[FilingSummaryOut]
    next_after: UUID | None = Field(
        description="Pass as `after` for the next page; null at the end."
    )


class SubmittedOut(BaseModel):
    id: UUID
    status: FilingStatus
    submitted_at: datetime | None


class CancelledOut(BaseModel):
    id: UUID
    status: FilingStatus
    reason: str = Field(examples=["临时外出就医备案可随时取消"])


class FilingRequirementOut(BaseModel):
    """Whether treatment in a region needs a filing at all."""

    insured_region: str = Field(examples=["320509"])
    treatment_region: str = Field(examples=["310118"])
    required: bool
    zone: str | None = Field(
        default=None,
        description=(
            "Why no filing is needed: the insured person's own pooling area "
            "(参保地统筹区（苏州市）) or the pack's filing-free zone; null when one is needed."
        ),
        examples=["参保地统筹区（苏州市）"],
    )
    message: str = Field(examples=["吴江参保人员在上海就医无需备案"])
