"""Review: the filing's open checks and review request; claims, corrections, decisions, audit.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain types, frozen here: a migration must not change when the models do.
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("filing") as batch:
        batch.add_column(
            sa.Column("open_checks", sa.String(length=2000), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("review_requested_at", _TIMESTAMP, nullable=True))
        batch.add_column(sa.Column("review_request_note", sa.String(length=1000), nullable=True))
        batch.create_index(op.f("ix_filing_status_submitted_at"), ["status", "submitted_at"])
    op.create_table(
        "review_claim",
        sa.Column("filing_id", sa.Uuid(), nullable=False),
        sa.Column("reviewer", sa.String(length=128), nullable=False),
        sa.Column("claimed_at", _TIMESTAMP, nullable=False),
        sa.Column("expires_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["filing_id"],
            ["filing.id"],
            name=op.f("fk_review_claim_filing_id_filing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("filing_id", name=op.f("pk_review_claim")),
    )
    op.create_table(
        "correction",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("filing_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("doc_index", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("machine_value", sa.String(length=1000), nullable=True),
        sa.Column("reviewer_value", sa.String(length=1000), nullable=False),
        sa.Column("reviewer", sa.String(length=128), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["filing_id"],
            ["filing.id"],
            name=op.f("fk_correction_filing_id_filing"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_correction_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction")),
    )
    op.create_index(
        op.f("ix_correction_filing_id_created_at"), "correction", ["filing_id", "created_at"]
    )
    op.create_table(
        "review_decision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("filing_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("reasons", _JSON, nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("message", sa.String(length=2000), nullable=False),
        sa.Column("reviewer", sa.String(length=128), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=False),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("machine_checks", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["filing_id"],
            ["filing.id"],
            name=op.f("fk_review_decision_filing_id_filing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decision")),
    )
    op.create_index(
        op.f("ix_review_decision_filing_id_created_at"),
        "review_decision",
        ["filing_id", "created_at"],
    )
    op.create_table(
        "audit_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", _TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("filing_id", sa.Uuid(), nullable=True),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("detail", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_record")),
    )
    op.create_index(op.f("ix_audit_record_at"), "audit_record", ["at"])
    op.create_index(op.f("ix_audit_record_actor"), "audit_record", ["actor"])
    op.create_index(op.f("ix_audit_record_filing_id"), "audit_record", ["filing_id"])


def downgrade() -> None:
    op.drop_table("audit_record")
    op.drop_table("review_decision")
    op.drop_table("correction")
    op.drop_table("review_claim")
    with op.batch_alter_table("filing") as batch:
        batch.drop_index(op.f("ix_filing_status_submitted_at"))
        batch.drop_column("review_request_note")
        batch.drop_column("review_requested_at")
        batch.drop_column("open_checks")
