"""The migration history builds exactly the tables the code declares, on both backends."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from storage.sql.migrate import current_revision, head_revision
from storage.sql.tables import metadata

pytestmark = pytest.mark.integration


class TestMigrations:
    def test_database_is_at_the_head_revision(self, database_url: str) -> None:
        assert head_revision() is not None
        assert current_revision(database_url) == head_revision()

    def test_schema_matches_the_declared_tables(self, database_engine: Engine) -> None:
        with database_engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []

    def test_indexes_the_queried_columns(self, database_engine: Engine) -> None:
        inspector = inspect(database_engine)
        indexed = {
            (table, tuple(index["column_names"]))
            for table in ("filing", "page")
            for index in inspector.get_indexes(table)
        }
        assert {
            ("filing", ("owner",)),
            ("filing", ("status",)),
            ("filing", ("insured_region",)),
            ("filing", ("created_at",)),
            ("page", ("image_sha256",)),
        } <= indexed
        uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("document")}
        assert ("filing_id", "sha256") in uniques

    def test_fresh_database_has_no_revision(self, tmp_path: object) -> None:
        assert current_revision(f"sqlite:///{tmp_path}/empty.db") is None
