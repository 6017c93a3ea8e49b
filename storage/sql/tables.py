"""The database tables (SQLAlchemy Core).

Rows are converted to and from the domain types explicitly in
:mod:`storage.sql.repositories`; the domain classes stay free of SQLAlchemy.
Nested value objects (contact, proxy, page quality, readings, verdicts) are
JSON; everything the service filters or joins on is a plain column. Personal
data is sealed (``storage.sql.sealing`` lists the columns).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from storage.sql.columns import JsonDocument, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

_SHA256 = String(64)
_SEALED = String(255)
"""A sealed short value (``v1:<kid>:<base64url>``, see ``storage.crypto``)."""
_LOOKUP = String(64)
_REGION = String(6)
_ENUM = String(32)

filing = Table(
    "filing",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner", String(128), nullable=False, index=True),
    Column("applicant_name", String(100), nullable=False),
    Column("applicant_id_sealed", _SEALED, nullable=False),
    Column("applicant_id_hash", _LOOKUP, nullable=False, index=True),
    Column("applicant_phone", String(20), nullable=False),
    Column("filing_type", _ENUM, nullable=False),
    Column("insured_region", _REGION, nullable=False, index=True),
    Column("treatment_region", _REGION, nullable=False),
    Column("scheme", _ENUM, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("filed_on", Date, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("contact", JsonDocument, nullable=True),
    Column("on_behalf_of", JsonDocument, nullable=True),
    Column("commitment", Boolean, nullable=False, default=False),
    Column("evoucher_verified", Boolean, nullable=False, default=False),
    Column("status", _ENUM, nullable=False, index=True),
    Column("valid_from", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
    Column("submitted_at", UtcDateTime, nullable=True),
    # The latest verdict's open blocking checks, as ",code,code," (the queue filters on them).
    Column("open_checks", String(2000), nullable=False, default=""),
    Column("review_requested_at", UtcDateTime, nullable=True),
    Column("review_request_note", String(1000), nullable=True),
    Index(None, "status", "submitted_at"),
)

document = Table(
    "document",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "filing_id",
        Uuid,
        ForeignKey("filing.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("sha256", _SHA256, nullable=False, index=True),
    Column("size", BigInteger, nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("page_count", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("declared_kind", _ENUM, nullable=True),
    Column("status", _ENUM, nullable=False),
    Column("failure_reason", String(500), nullable=True),
    Column("kind", _ENUM, nullable=True),
    Column("kind_confidence", Float, nullable=True),
    # One upload of the same bytes per filing; also serves filing_id lookups.
    UniqueConstraint("filing_id", "sha256"),
)

page = Table(
    "page",
    metadata,
    Column(
        "document_id",
        Uuid,
        ForeignKey("document.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("number", Integer, primary_key=True),
    Column("image_sha256", _SHA256, nullable=False, index=True),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("quality", JsonDocument, nullable=False),
    Column("phash", String(64), nullable=False, default=""),
)

reading = Table(
    "reading",
    metadata,
    Column("image_sha256", _SHA256, primary_key=True),
    Column("engine_version", String(100), primary_key=True),
    Column("reading", JsonDocument, nullable=False),
)

verification = Table(
    "verification",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "filing_id",
        Uuid,
        ForeignKey("filing.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("created_at", UtcDateTime, nullable=False),
    Column("decision", _ENUM, nullable=False),
    Column("policy", String(100), nullable=False),
    Column("policy_version", String(100), nullable=False),
    Column("engine_version", String(100), nullable=False),
    Column("verdict", JsonDocument, nullable=False),
    Index(None, "filing_id", "created_at"),
)

idempotency_key = Table(
    "idempotency_key",
    metadata,
    Column("owner", String(128), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(128), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", JsonDocument, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),
)

review_claim = Table(
    "review_claim",
    metadata,
    Column("filing_id", Uuid, ForeignKey("filing.id", ondelete="CASCADE"), primary_key=True),
    Column("reviewer", String(128), nullable=False),
    Column("claimed_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

correction = Table(
    "correction",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("filing_id", Uuid, ForeignKey("filing.id", ondelete="CASCADE"), nullable=False),
    Column("document_id", Uuid, ForeignKey("document.id", ondelete="CASCADE"), nullable=False),
    Column("page", Integer, nullable=False),
    Column("doc_index", Integer, nullable=False),
    Column("field", String(64), nullable=False),
    Column("machine_value", Text, nullable=True),
    Column("reviewer_value", Text, nullable=False),
    Column("reviewer", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "filing_id", "created_at"),
)

review_decision = Table(
    "review_decision",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("filing_id", Uuid, ForeignKey("filing.id", ondelete="CASCADE"), nullable=False),
    Column("action", _ENUM, nullable=False),
    Column("reasons", JsonDocument, nullable=False),
    Column("note", String(2000), nullable=False),
    Column("message", String(2000), nullable=False),
    Column("reviewer", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("from_status", _ENUM, nullable=False),
    Column("to_status", _ENUM, nullable=False),
    Column("machine_checks", JsonDocument, nullable=False),
    Index(None, "filing_id", "created_at"),
)

audit_record = Table(
    "audit_record",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("actor", String(128), nullable=False, index=True),
    Column("role", _ENUM, nullable=False),
    Column("action", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("filing_id", Uuid, nullable=True, index=True),
    Column("target", String(255), nullable=False),
    Column("detail", JsonDocument, nullable=False),
)

job = Table(
    "job",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Column("created_by", String(128), nullable=False),
    Column("filter", JsonDocument, nullable=False),
    Column("policy_dir", String(1000), nullable=True),
    Column("reread", Boolean, nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("status", _ENUM, nullable=False, index=True),
    Column("total", Integer, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
)

job_item = Table(
    "job_item",
    metadata,
    Column("job_id", Uuid, ForeignKey("job.id", ondelete="CASCADE"), primary_key=True),
    Column("filing_id", Uuid, ForeignKey("filing.id", ondelete="CASCADE"), primary_key=True),
    Column("status", _ENUM, nullable=False),
    Column("insured_region", _REGION, nullable=False),
    Column("filing_type", _ENUM, nullable=False),
    Column("old_decision", _ENUM, nullable=True),
    Column("new_decision", _ENUM, nullable=True),
    Column("old_status", _ENUM, nullable=True),
    Column("new_status", _ENUM, nullable=True),
    Column("changed", Boolean, nullable=False),
    Column("changes", JsonDocument, nullable=False),
    Column("note", String(1000), nullable=False),
    Column("verification_id", Uuid, nullable=True),
    Column("finished_at", UtcDateTime, nullable=True),
    Index(None, "job_id", "status"),
)

webhook_endpoint = Table(
    "webhook_endpoint",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner", String(128), nullable=False, index=True),
    Column("url", String(2000), nullable=False),
    # The event kinds wanted, as ",kind,kind," (the outbox filters on them).
    Column("events", String(500), nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("secret_sealed", _SEALED, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

webhook_delivery = Table(
    "webhook_delivery",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "endpoint_id",
        Uuid,
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("owner", String(128), nullable=False),
    Column("event", _ENUM, nullable=False),
    Column("event_id", Uuid, nullable=False),
    # No foreign key (deliveries go with their filing's personal data, by retention);
    # null for a test ping.
    Column("filing_id", Uuid, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("body_sealed", Text, nullable=False),
    Column("status", _ENUM, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("lease_until", UtcDateTime, nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
    Index(None, "endpoint_id", "created_at"),
    Index(None, "status", "next_attempt_at"),
)

webhook_attempt = Table(
    "webhook_attempt",
    metadata,
    Column(
        "delivery_id",
        Uuid,
        ForeignKey("webhook_delivery.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("number", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", String(500), nullable=True),
    Column("duration_ms", Integer, nullable=False),
)
