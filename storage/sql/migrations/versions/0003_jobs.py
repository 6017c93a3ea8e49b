"""Bulk jobs: a re-verification job and its filings, each done once.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain types, frozen here: a migration must not change when the models do.
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TIMESTAMP = sa.DateTime(timezone=True)
_ENUM = sa.String(length=32)


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("filter", _JSON, nullable=False),
        sa.Column("policy_dir", sa.String(length=1000), nullable=True),
        sa.Column("reread", sa.Boolean(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("status", _ENUM, nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("finished_at", _TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index(op.f("ix_job_created_at"), "job", ["created_at"])
    op.create_index(op.f("ix_job_status"), "job", ["status"])
    op.create_table(
        "job_item",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("filing_id", sa.Uuid(), nullable=False),
        sa.Column("status", _ENUM, nullable=False),
        sa.Column("insured_region", sa.String(length=6), nullable=False),
        sa.Column("filing_type", _ENUM, nullable=False),
        sa.Column("old_decision", _ENUM, nullable=True),
        sa.Column("new_decision", _ENUM, nullable=True),
        sa.Column("old_status", _ENUM, nullable=True),
        sa.Column("new_status", _ENUM, nullable=True),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.Column("changes", _JSON, nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("verification_id", sa.Uuid(), nullable=True),
        sa.Column("finished_at", _TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_item_job_id_job"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["filing_id"],
            ["filing.id"],
            name=op.f("fk_job_item_filing_id_filing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "filing_id", name=op.f("pk_job_item")),
    )
    op.create_index(op.f("ix_job_item_job_id_status"), "job_item", ["job_id", "status"])


def downgrade() -> None:
    op.drop_table("job_item")
    op.drop_table("job")
