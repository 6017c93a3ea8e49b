"""Policy packs and the pure checks that turn readings into a verdict.

Readings (``ocr.domain``) and filing facts go in, a :class:`Verdict` comes out:
``approve`` only when every blocking check passes, ``needs_materials`` when a
required material group has no document, ``review`` otherwise.
"""

from verifiers.codes import CheckCode
from verifiers.domain import (
    CheckResult,
    Decision,
    DuplicateHit,
    Evidence,
    EvidenceRef,
    FilingFacts,
    MissingGroup,
    Outcome,
    UnreadDocument,
    UnreadReason,
    Verdict,
)
from verifiers.errors import (
    PolicyPackInvalidError,
    UnknownFilingTypeError,
    VerifierConfigError,
    VerifierError,
)
from verifiers.policy import PolicyBook, PolicyPack, load_packs
from verifiers.validity import compute_validity, may_cancel
from verifiers.verify import evidence_from_page, verify_filing
from verifiers.zones import find_filing_free_zone, is_filing_free

__all__ = [
    "CheckCode",
    "CheckResult",
    "Decision",
    "DuplicateHit",
    "Evidence",
    "EvidenceRef",
    "FilingFacts",
    "MissingGroup",
    "Outcome",
    "PolicyBook",
    "PolicyPack",
    "PolicyPackInvalidError",
    "UnknownFilingTypeError",
    "UnreadDocument",
    "UnreadReason",
    "Verdict",
    "VerifierConfigError",
    "VerifierError",
    "compute_validity",
    "evidence_from_page",
    "find_filing_free_zone",
    "is_filing_free",
    "load_packs",
    "may_cancel",
    "verify_filing",
]
