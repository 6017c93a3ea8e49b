"""Verification types: filing facts and evidence in, check results and a verdict out.

Plain frozen dataclasses, no framework imports. The verdict exports itself to
the CONTRACT JSON shape ``{decision, policy, checks: [{code, outcome, message,
evidence}], missing: [...]}`` plus the validity and policy version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from ocr.domain import Box, DocumentReading, PageSource, Quality, TextLayerFinding

__all__ = [
    "FILING_TYPES",
    "LONG_TERM_TYPES",
    "CheckResult",
    "Decision",
    "DuplicateHit",
    "Evidence",
    "EvidenceRef",
    "FilingFacts",
    "MissingGroup",
    "Outcome",
    "UnreadDocument",
    "UnreadReason",
    "Verdict",
]

LONG_TERM_TYPES: frozenset[str] = frozenset(
    {"retiree_resettled", "long_term_resident", "stationed_worker"}
)
"""Filing types whose validity follows the proof (长期异地居住人员)."""

FILING_TYPES: tuple[str, ...] = (
    "retiree_resettled",
    "long_term_resident",
    "stationed_worker",
    "referral",
    "other_temporary",
    "emergency",
)


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    FAIL = "fail"
    UNSURE = "unsure"


class Decision(StrEnum):
    APPROVE = "approve"
    NEEDS_MATERIALS = "needs_materials"
    REVIEW = "review"


@dataclass(frozen=True, slots=True, kw_only=True)
class FilingFacts:
    """What the filing itself says, as the applicant (or the app) declared it.

    Dates are arguments: ``filed_on`` is the day every date rule is judged on.
    """

    filing_type: str
    insured_region: str
    treatment_region: str
    start_date: date
    filed_on: date
    applicant_name: str
    applicant_id_number: str
    scheme: str = "employee"
    commitment: bool = False
    evoucher_verified: bool = False
    contact_address: str | None = None
    other_long_term_regions: tuple[str, ...] = ()
    """Treatment regions of the applicant's other active long-term filings."""
    used_commitment_before: bool = False
    """A commitment filing of this applicant lapsed before without proof."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """One document found on one page, with the page's quality and hashes."""

    document_id: str
    page: int
    reading: DocumentReading
    quality: Quality
    image_sha256: str = ""
    phash: str = ""
    source: PageSource = PageSource.RASTER
    """Whether the page is a photo or scan, or a born-digital PDF page."""
    text_layer: TextLayerFinding | None = None
    """The page's PDF text layer held against its pixels; ``None`` without one."""

    @property
    def key(self) -> tuple[str, int, int]:
        """Identify this document on its page: ``(document_id, page, index)``."""
        return (self.document_id, self.page, self.reading.index)


class UnreadReason(StrEnum):
    """Why a document, or one of its pages, gave the verifier nothing to judge."""

    FAILED = "failed"
    """The document's analysis failed (a damaged file, a missing blob, an engine error)."""
    NO_READING = "no_reading"
    """The page has no stored reading for the current reader."""
    NO_DOCUMENT = "no_document"
    """The page was read, but no document was found on it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UnreadDocument:
    """A document of the filing, or one page of it, that yielded no evidence.

    The verifier turns each into a blocking ``document.unreadable`` check: a
    document that vanished from the evidence must not let a filing through.
    """

    document_id: str
    reason: UnreadReason
    page: int | None = None
    """The page; ``None`` when the document as a whole could not be read."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DuplicateHit:
    """A page of another applicant's filing the caller found by hash or perceptual hash."""

    other_filing_id: str
    other_document_id: str
    other_page: int
    image_sha256: str
    phash: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceRef:
    """Where a check looked: a document, page, field, the value read and its box."""

    document_id: str
    page: int
    kind: str = ""
    field: str | None = None
    value: str | None = None
    box: Box | None = None

    def export(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "page": self.page,
            "kind": self.kind,
            "field": self.field,
            "value": self.value,
            "box": list(self.box) if self.box is not None else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    """The outcome of one check, with the evidence and a message an app can show."""

    code: str
    outcome: Outcome
    message: str
    evidence: tuple[EvidenceRef, ...] = ()
    blocking: bool = True

    def export(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "outcome": self.outcome.value,
            "message": self.message,
            "evidence": [e.export() for e in self.evidence],
            "blocking": self.blocking,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class MissingGroup:
    """A required material group with no document for it."""

    code: str
    name: str

    def export(self) -> dict[str, Any]:
        return {"group": self.code, "name": self.name}


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """The decision on one filing, every check behind it and the validity it grants."""

    decision: Decision
    policy: str
    policy_version: str
    checks: tuple[CheckResult, ...]
    missing: tuple[MissingGroup, ...] = ()
    valid_from: date | None = None
    valid_until: date | None = None
    provisional: bool = False
    single_use: bool = False

    def export(self) -> dict[str, Any]:
        """Render the CONTRACT verdict JSON (dates as ISO strings)."""
        return {
            "decision": self.decision.value,
            "policy": self.policy,
            "policy_version": self.policy_version,
            "checks": [c.export() for c in self.checks],
            "missing": [m.export() for m in self.missing],
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "provisional": self.provisional,
            "single_use": self.single_use,
        }
