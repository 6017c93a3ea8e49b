"""Errors raised by intake's use cases.

    IntakeError
    ├── InvalidApplicantError         applicant data fails validation
    │   ├── InvalidIdNumberError      not a valid GB 11643 citizen ID number
    │   ├── InvalidPhoneError
    │   └── InvalidRegionCodeError
    ├── InvalidFilingError            a filing request that breaks a rule
    │   └── FilingNotRequiredError    treatment there needs no filing (filing-free zone)
    ├── FilingNotFoundError           no such filing, or not visible to the caller
    ├── DocumentNotFoundError
    ├── DuplicateDocumentError        the filing already holds these bytes (a concurrent upload)
    ├── InvalidTransitionError        the filing's status does not allow the action
    │   └── EmptyFilingError          submit a filing that holds no document yet
    ├── UploadError                   an upload we refuse; nothing is stored
    │   ├── UploadTooLargeError
    │   ├── EmptyUploadError
    │   └── (ocr.errors.FileError subclasses are raised for type/decoding problems)
    ├── IdempotencyConflictError      same Idempotency-Key, different request
    ├── InvalidJobError               a bulk job that cannot run (its candidate pack does not load)
    ├── JobNotFoundError
    ├── WebhookError                  a webhook registration we refuse
    │   ├── InvalidWebhookUrlError    not https, or an address the service must not call
    │   ├── InvalidWebhookEventsError unknown or no event kinds
    │   └── TooManyWebhooksError      the app key has the most endpoints allowed
    ├── WebhookNotFoundError          no such endpoint, or another app's
    └── ReviewError                   a reviewer's request that the review rules refuse
        ├── ClaimHeldError            another reviewer holds the filing
        ├── ClaimRequiredError        act on a filing only while holding its claim
        ├── InvalidReviewError        unknown reason code, field, document or value
        └── MaterialsMissingError     approve only once every material group is present

Callers catch ``IntakeError``; the API maps each class to a status and code.
"""

from __future__ import annotations


class IntakeError(Exception):
    """Base class of intake's errors."""


class InvalidApplicantError(IntakeError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class InvalidIdNumberError(InvalidApplicantError):
    def __init__(self, reason: str, *, field: str = "id_number") -> None:
        super().__init__(field, reason)


class InvalidPhoneError(InvalidApplicantError):
    def __init__(self, reason: str, *, field: str = "phone") -> None:
        super().__init__(field, reason)


class InvalidRegionCodeError(InvalidApplicantError):
    def __init__(self, reason: str, *, field: str = "region") -> None:
        super().__init__(field, reason)


class InvalidFilingError(IntakeError):
    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


class FilingNotRequiredError(InvalidFilingError):
    """The treatment region lies in the insured person's pooling area or a filing-free zone."""

    def __init__(self, *, zone: str) -> None:
        super().__init__(f"no filing is needed for treatment in {zone}", field="treatment_region")
        self.zone = zone
        self.message = f"属于{zone}，无需办理异地就医备案"  # the reason an app shows


class FilingNotFoundError(IntakeError):
    def __init__(self, filing_id: object) -> None:
        super().__init__(f"filing {filing_id} not found")
        self.filing_id = filing_id


class DocumentNotFoundError(IntakeError):
    def __init__(self, document_id: object) -> None:
        super().__init__(f"document {document_id} not found")
        self.document_id = document_id


class DuplicateDocumentError(IntakeError):
    """``DocumentRepository.add`` found the filing already holding these bytes."""

    def __init__(self, *, filing_id: object, sha256: str) -> None:
        super().__init__(f"filing {filing_id} already holds a document with SHA-256 {sha256}")
        self.filing_id = filing_id
        self.sha256 = sha256


class InvalidTransitionError(IntakeError):
    def __init__(self, *, current: str, action: str, reason: str = "") -> None:
        super().__init__(
            f"cannot {action} a filing in status {current}" + (f": {reason}" if reason else "")
        )
        self.current = current
        self.action = action
        self.reason = reason


class EmptyFilingError(InvalidTransitionError):
    """Submit refused: the filing holds no document yet (materials are missing, not the status)."""

    def __init__(self, *, current: str) -> None:
        super().__init__(current=current, action="submit", reason="the filing has no document")


class UploadError(IntakeError):
    """An upload we refuse; nothing is stored."""


class UploadTooLargeError(UploadError):
    def __init__(self, *, limit: int) -> None:
        super().__init__(f"upload exceeds {limit} bytes")
        self.limit = limit


class EmptyUploadError(UploadError):
    def __init__(self) -> None:
        super().__init__("upload is empty")


class IdempotencyConflictError(IntakeError):
    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency-Key {key!r} was used with a different request")
        self.key = key


class ReviewError(IntakeError):
    """A reviewer's request that the review rules refuse."""


class ClaimHeldError(ReviewError):
    def __init__(self, *, filing_id: object, holder: str, expires_at: object) -> None:
        super().__init__(f"filing {filing_id} is claimed by another reviewer until {expires_at}")
        self.filing_id = filing_id
        self.holder = holder
        self.expires_at = expires_at


class ClaimRequiredError(ReviewError):
    def __init__(self, *, filing_id: object) -> None:
        super().__init__(f"claim filing {filing_id} before correcting or deciding it")
        self.filing_id = filing_id


class InvalidReviewError(ReviewError):
    def __init__(self, reason: str, *, field: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.reason = reason
        self.field = field


class MaterialsMissingError(ReviewError):
    def __init__(self, *, groups: list[str]) -> None:
        super().__init__(
            f"material groups still missing: {groups}; correct a document's kind, "
            "or request the materials"
        )
        self.groups = groups


class InvalidJobError(IntakeError):
    """A job request that cannot run: a candidate pack that does not load."""

    def __init__(self, reason: str, *, field: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.reason = reason
        self.field = field


class JobNotFoundError(IntakeError):
    def __init__(self, job_id: object) -> None:
        super().__init__(f"job {job_id} not found")
        self.job_id = job_id


class WebhookError(IntakeError):
    """A webhook registration we refuse; nothing is stored."""

    def __init__(self, reason: str, *, field: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.reason = reason
        self.field = field


class InvalidWebhookUrlError(WebhookError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason, field="url")


class InvalidWebhookEventsError(WebhookError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason, field="events")


class TooManyWebhooksError(WebhookError):
    def __init__(self, *, limit: int) -> None:
        super().__init__(f"an app key may register at most {limit} endpoints", field="url")
        self.limit = limit


class WebhookNotFoundError(IntakeError):
    def __init__(self, webhook_id: object) -> None:
        super().__init__(f"webhook {webhook_id} not found")
        self.webhook_id = webhook_id
