"""Conversion between table rows and domain objects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from intake.domain import (
    Applicant,
    Contact,
    Document,
    DocumentId,
    DocumentStatus,
    Filing,
    FilingId,
    FilingStatus,
    FilingType,
    Page,
    Proxy,
    Scheme,
    VerificationId,
    VerificationRecord,
)
from ocr.domain import DocumentKind, Quality
from storage.sql.columns import json_object
from storage.sql.sealing import Sealer

Row = RowMapping


def filing_values(filing: Filing, sealer: Sealer) -> dict[str, Any]:
    """Column values of a filing, its personal ones sealed."""
    return {
        "id": filing.id,
        "owner": filing.owner,
        "applicant_name": filing.applicant.name,
        "applicant_id_sealed": sealer.text(
            "filing", "applicant_id_sealed", filing.id, filing.applicant.id_number
        ),
        "applicant_id_hash": sealer.lookup(filing.applicant.id_number),
        "applicant_phone": filing.applicant.phone,
        "filing_type": filing.filing_type.value,
        "insured_region": filing.insured_region,
        "treatment_region": filing.treatment_region,
        "scheme": filing.scheme.value,
        "start_date": filing.start_date,
        "filed_on": filing.filed_on,
        "created_at": filing.created_at,
        "updated_at": filing.updated_at,
        "contact": sealer.document("filing", "contact", filing.id, _contact_json(filing.contact)),
        "on_behalf_of": sealer.document(
            "filing", "on_behalf_of", filing.id, _proxy_json(filing.on_behalf_of)
        ),
        "commitment": filing.commitment,
        "evoucher_verified": filing.evoucher_verified,
        "status": filing.status.value,
        "valid_from": filing.valid_from,
        "valid_until": filing.valid_until,
        "submitted_at": filing.submitted_at,
        "open_checks": "".join(f",{code}" for code in filing.open_checks) + ","
        if filing.open_checks
        else "",
        "review_requested_at": filing.review_requested_at,
        "review_request_note": filing.review_request_note,
    }


def filing_from_row(row: Row, sealer: Sealer) -> Filing:
    """A filing from its row, its personal columns opened."""
    contact = sealer.open_document("filing", "contact", row["id"], row["contact"])
    proxy = sealer.open_document("filing", "on_behalf_of", row["id"], row["on_behalf_of"])
    return Filing(
        id=FilingId(row["id"]),
        owner=row["owner"],
        applicant=Applicant(
            name=row["applicant_name"],
            id_number=sealer.open_text(
                "filing", "applicant_id_sealed", row["id"], row["applicant_id_sealed"]
            )
            or "",
            phone=row["applicant_phone"],
        ),
        filing_type=FilingType(row["filing_type"]),
        insured_region=row["insured_region"],
        treatment_region=row["treatment_region"],
        scheme=Scheme(row["scheme"]),
        start_date=row["start_date"],
        filed_on=row["filed_on"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        contact=Contact(**json_object(contact)) if contact is not None else None,
        on_behalf_of=Proxy(**json_object(proxy)) if proxy is not None else None,
        commitment=bool(row["commitment"]),
        evoucher_verified=bool(row["evoucher_verified"]),
        status=FilingStatus(row["status"]),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        submitted_at=row["submitted_at"],
        open_checks=tuple(code for code in (row["open_checks"] or "").split(",") if code),
        review_requested_at=row["review_requested_at"],
        review_request_note=row["review_request_note"],
    )


def _contact_json(contact: Contact | None) -> dict[str, Any] | None:
    if contact is None:
        return None
    return {"name": contact.name, "phone": contact.phone, "address": contact.address}


def _proxy_json(proxy: Proxy | None) -> dict[str, Any] | None:
    if proxy is None:
        return None
    return {
        "name": proxy.name,
        "id_number": proxy.id_number,
        "phone": proxy.phone,
        "relation": proxy.relation,
    }


def document_values(document: Document) -> dict[str, Any]:
    """Column values of a document (its pages are rows of their own)."""
    return {
        "id": document.id,
        "filing_id": document.filing_id,
        "sha256": document.sha256,
        "size": document.size,
        "content_type": document.content_type,
        "page_count": document.page_count,
        "created_at": document.created_at,
        "declared_kind": _kind_value(document.declared_kind),
        "status": document.status.value,
        "failure_reason": document.failure_reason,
        "kind": _kind_value(document.kind),
        "kind_confidence": document.kind_confidence,
    }


def document_from_row(row: Row, *, pages: list[Page]) -> Document:
    """A document from its row and its pages."""
    return Document(
        id=DocumentId(row["id"]),
        filing_id=FilingId(row["filing_id"]),
        sha256=row["sha256"],
        size=row["size"],
        content_type=row["content_type"],
        page_count=row["page_count"],
        created_at=row["created_at"],
        declared_kind=_kind(row["declared_kind"]),
        status=DocumentStatus(row["status"]),
        failure_reason=row["failure_reason"],
        pages=pages,
        kind=_kind(row["kind"]),
        kind_confidence=row["kind_confidence"],
    )


def _kind_value(kind: DocumentKind | None) -> str | None:
    return kind.value if kind is not None else None


def _kind(value: str | None) -> DocumentKind | None:
    return DocumentKind(value) if value is not None else None


def page_values(document_id: DocumentId, page: Page) -> dict[str, Any]:
    """Column values of one page of a document."""
    return {
        "document_id": document_id,
        "number": page.number,
        "image_sha256": page.image_sha256,
        "width": page.width,
        "height": page.height,
        "quality": page.quality.export(),
        "phash": page.phash,
    }


def page_from_row(row: Row) -> Page:
    """A page from its row."""
    return Page(
        number=row["number"],
        image_sha256=row["image_sha256"],
        width=row["width"],
        height=row["height"],
        quality=Quality.from_dict(json_object(row["quality"])),
        phash=row["phash"],
    )


def verification_values(record: VerificationRecord, sealer: Sealer) -> dict[str, Any]:
    """Column values of a verification run (its verdict sealed)."""
    return {
        "id": record.id,
        "filing_id": record.filing_id,
        "created_at": record.created_at,
        "decision": record.decision,
        "policy": record.policy,
        "policy_version": record.policy_version,
        "engine_version": record.engine_version,
        "verdict": sealer.document("verification", "verdict", record.id, record.verdict),
    }


def verification_from_row(row: Row, sealer: Sealer) -> VerificationRecord:
    """A verification run from its row (its verdict opened)."""
    return VerificationRecord(
        id=VerificationId(row["id"]),
        filing_id=FilingId(row["filing_id"]),
        created_at=row["created_at"],
        decision=row["decision"],
        policy=row["policy"],
        policy_version=row["policy_version"],
        engine_version=row["engine_version"],
        verdict=json_object(
            sealer.open_document("verification", "verdict", row["id"], row["verdict"])
        ),
    )
