from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import sqlite

from storage.errors import StorageConfigError
from storage.sql.columns import UtcDateTime
from storage.sql.engine import SQLITE_BUSY_TIMEOUT_MS, create_database_engine, is_database_ready


class TestCreateDatabaseEngine:
    def test_configures_sqlite_connections(self, tmp_path: Path) -> None:
        engine = create_database_engine(f"sqlite:///{tmp_path}/new/folder/intake.db")
        try:
            with engine.connect() as connection:
                pragma = {
                    name: connection.execute(text(f"PRAGMA {name}")).scalar()
                    for name in ("journal_mode", "foreign_keys", "busy_timeout")
                }
        finally:
            engine.dispose()
        assert pragma == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
        }
        assert (tmp_path / "new" / "folder" / "intake.db").is_file()

    def test_builds_a_postgresql_engine_without_connecting(self) -> None:
        engine = create_database_engine("postgresql+psycopg://intake@db.invalid:5432/intake")
        assert engine.dialect.name == "postgresql"
        assert engine.dialect.driver == "psycopg"

    @pytest.mark.parametrize(
        "url",
        [
            "mysql://intake@127.0.0.1/intake",
            "postgresql+psycopg2://intake:pw@127.0.0.1/intake",
            "not a url",
        ],
    )
    def test_refuses_unsupported_urls(self, url: str) -> None:
        with pytest.raises(StorageConfigError) as raised:
            create_database_engine(url)
        assert "pw" not in raised.value.url

    def test_reports_an_unreachable_database_as_not_ready(self, tmp_path: Path) -> None:
        (tmp_path / "dir.db").mkdir()
        engine = create_database_engine(f"sqlite:///{tmp_path}/dir.db")
        assert not is_database_ready(engine)

    def test_reports_a_working_database_as_ready(self, tmp_path: Path) -> None:
        engine = create_database_engine(f"sqlite:///{tmp_path}/ok.db")
        assert is_database_ready(engine)
        engine.dispose()


class TestUtcDateTime:
    column = UtcDateTime()
    dialect = sqlite.dialect()

    def test_stores_aware_times_as_utc(self) -> None:
        china = datetime(2026, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
        stored = self.column.process_bind_param(china, self.dialect)
        assert stored == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
        assert stored is not None
        assert stored.utcoffset() == timedelta(0)

    def test_refuses_naive_times(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            self.column.process_bind_param(datetime(2026, 3, 1), self.dialect)  # noqa: DTZ001

    def test_labels_naive_results_as_utc(self) -> None:
        read = self.column.process_result_value(datetime(2026, 3, 1, 0, 0), self.dialect)  # noqa: DTZ001
        assert read == datetime(2026, 3, 1, tzinfo=UTC)
        assert read is not None
        assert read.tzinfo is UTC

    def test_passes_none_through(self) -> None:
        assert self.column.process_bind_param(None, self.dialect) is None
        assert self.column.process_result_value(None, self.dialect) is None
