"""Personal data sealed at rest: the applicant's ID number, contact, proxy,
readings, verdicts and corrections (AES-GCM, see ``storage.crypto``), with an
HMAC lookup hash beside the ID number.

Rows written before this revision are sealed here (and opened again by the
downgrade) with the keyring that ``upgrade_database`` passes in; a database
holding rows and no keyring stops with one line.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

from storage.crypto import Keyring
from storage.errors import StorageConfigError
from storage.sql.sealing import Sealer, reading_key

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain tables, frozen here: a migration must not change when the models do.
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_meta = sa.MetaData()
_filing = sa.Table(
    "filing",
    _meta,
    sa.Column("id", sa.Uuid()),
    sa.Column("applicant_id_number", sa.String(18)),
    sa.Column("applicant_id_sealed", sa.String(255)),
    sa.Column("applicant_id_hash", sa.String(64)),
    sa.Column("contact", _JSON),
    sa.Column("on_behalf_of", _JSON),
)
_reading = sa.Table(
    "reading",
    _meta,
    sa.Column("image_sha256", sa.String(64)),
    sa.Column("engine_version", sa.String(100)),
    sa.Column("reading", _JSON),
)
_verification = sa.Table(
    "verification", _meta, sa.Column("id", sa.Uuid()), sa.Column("verdict", _JSON)
)
_correction = sa.Table(
    "correction",
    _meta,
    sa.Column("id", sa.Uuid()),
    sa.Column("machine_value", sa.Text()),
    sa.Column("reviewer_value", sa.Text()),
)


def _sealer() -> Sealer:
    keyring = context.config.attributes.get("keyring")
    if not isinstance(keyring, Keyring):
        raise StorageConfigError(
            "the database holds personal data to seal: run `intake db upgrade` "
            "with the keys configured (INTAKE_DATA_KEYS or the data directory's key file)"
        )
    return Sealer(keyring)


def _has_rows(connection: sa.Connection, table: sa.Table) -> bool:
    return (
        connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None
    )


def upgrade() -> None:
    connection = op.get_bind()
    with op.batch_alter_table("filing") as batch:
        batch.add_column(sa.Column("applicant_id_sealed", sa.String(255), nullable=True))
        batch.add_column(sa.Column("applicant_id_hash", sa.String(64), nullable=True))
    with op.batch_alter_table("correction") as batch:
        batch.alter_column("machine_value", type_=sa.Text(), existing_nullable=True)
        batch.alter_column("reviewer_value", type_=sa.Text(), existing_nullable=False)

    if any(_has_rows(connection, t) for t in (_filing, _reading, _verification, _correction)):
        _seal_rows(connection, _sealer())

    with op.batch_alter_table("filing") as batch:
        batch.drop_index("ix_filing_applicant_id_number")
        batch.drop_column("applicant_id_number")
        batch.alter_column("applicant_id_sealed", existing_type=sa.String(255), nullable=False)
        batch.alter_column("applicant_id_hash", existing_type=sa.String(64), nullable=False)
        batch.create_index("ix_filing_applicant_id_hash", ["applicant_id_hash"])


def _seal_rows(connection: sa.Connection, sealer: Sealer) -> None:
    for row in connection.execute(sa.select(_filing)).all():
        connection.execute(
            _filing.update()
            .where(_filing.c.id == row.id)
            .values(
                applicant_id_sealed=sealer.text(
                    "filing", "applicant_id_sealed", row.id, row.applicant_id_number
                ),
                applicant_id_hash=sealer.lookup(row.applicant_id_number),
                contact=sealer.document("filing", "contact", row.id, row.contact),
                on_behalf_of=sealer.document("filing", "on_behalf_of", row.id, row.on_behalf_of),
            )
        )
    for row in connection.execute(sa.select(_reading)).all():
        key = reading_key(row.image_sha256, row.engine_version)
        connection.execute(
            _reading.update()
            .where(
                _reading.c.image_sha256 == row.image_sha256,
                _reading.c.engine_version == row.engine_version,
            )
            .values(reading=sealer.document("reading", "reading", key, row.reading))
        )
    for row in connection.execute(sa.select(_verification)).all():
        connection.execute(
            _verification.update()
            .where(_verification.c.id == row.id)
            .values(verdict=sealer.document("verification", "verdict", row.id, row.verdict))
        )
    for row in connection.execute(sa.select(_correction)).all():
        connection.execute(
            _correction.update()
            .where(_correction.c.id == row.id)
            .values(
                machine_value=sealer.text("correction", "machine_value", row.id, row.machine_value),
                reviewer_value=sealer.text(
                    "correction", "reviewer_value", row.id, row.reviewer_value
                ),
            )
        )


def downgrade() -> None:
    connection = op.get_bind()
    with op.batch_alter_table("filing") as batch:
        batch.add_column(sa.Column("applicant_id_number", sa.String(18), nullable=True))
    if any(_has_rows(connection, t) for t in (_filing, _reading, _verification, _correction)):
        _open_rows(connection, _sealer())
    with op.batch_alter_table("filing") as batch:
        batch.drop_index("ix_filing_applicant_id_hash")
        batch.drop_column("applicant_id_hash")
        batch.drop_column("applicant_id_sealed")
        batch.alter_column("applicant_id_number", existing_type=sa.String(18), nullable=False)
        batch.create_index("ix_filing_applicant_id_number", ["applicant_id_number"])
    with op.batch_alter_table("correction") as batch:
        batch.alter_column("machine_value", type_=sa.String(1000), existing_nullable=True)
        batch.alter_column("reviewer_value", type_=sa.String(1000), existing_nullable=False)


def _open_rows(connection: sa.Connection, sealer: Sealer) -> None:
    for row in connection.execute(sa.select(_filing)).all():
        connection.execute(
            _filing.update()
            .where(_filing.c.id == row.id)
            .values(
                applicant_id_number=sealer.open_text(
                    "filing", "applicant_id_sealed", row.id, row.applicant_id_sealed
                ),
                contact=sealer.open_document("filing", "contact", row.id, row.contact),
                on_behalf_of=sealer.open_document(
                    "filing", "on_behalf_of", row.id, row.on_behalf_of
                ),
            )
        )
    for row in connection.execute(sa.select(_reading)).all():
        key = reading_key(row.image_sha256, row.engine_version)
        connection.execute(
            _reading.update()
            .where(
                _reading.c.image_sha256 == row.image_sha256,
                _reading.c.engine_version == row.engine_version,
            )
            .values(reading=sealer.open_document("reading", "reading", key, row.reading))
        )
    for row in connection.execute(sa.select(_verification)).all():
        connection.execute(
            _verification.update()
            .where(_verification.c.id == row.id)
            .values(verdict=sealer.open_document("verification", "verdict", row.id, row.verdict))
        )
    for row in connection.execute(sa.select(_correction)).all():
        connection.execute(
            _correction.update()
            .where(_correction.c.id == row.id)
            .values(
                machine_value=sealer.open_text(
                    "correction", "machine_value", row.id, row.machine_value
                ),
                reviewer_value=sealer.open_text(
                    "correction", "reviewer_value", row.id, row.reviewer_value
                ),
            )
        )
