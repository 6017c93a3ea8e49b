"""SQL storage: engine, tables, repositories, unit of work and migrations."""

from __future__ import annotations

from storage.sql.engine import create_database_engine, is_database_ready
from storage.sql.migrate import current_revision, head_revision, upgrade_database
from storage.sql.repositories import (
    SqlDocumentRepository,
    SqlFilingRepository,
    SqlIdempotencyRecord,
    SqlIdempotencyRepository,
    SqlReadingRepository,
    SqlUnitOfWork,
    SqlVerificationRepository,
    sql_unit_of_work_factory,
)

__all__ = [
    "SqlDocumentRepository",
    "SqlFilingRepository",
    "SqlIdempotencyRecord",
    "SqlIdempotencyRepository",
    "SqlReadingRepository",
    "SqlUnitOfWork",
    "SqlVerificationRepository",
    "create_database_engine",
    "current_revision",
    "head_revision",
    "is_database_ready",
    "sql_unit_of_work_factory",
    "upgrade_database",
]
