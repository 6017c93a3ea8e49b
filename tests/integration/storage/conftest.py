"""Databases for the repository contract suite: SQLite and PostgreSQL, both migrated.

Each pytest process (each xdist worker) migrates its own SQLite file and its
own PostgreSQL schema, dropped at the end; rows are deleted after every test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import Engine, delete, text
from sqlalchemy.engine import make_url

from storage.crypto import Keyring
from storage.sql import SqlUnitOfWork, sql_unit_of_work_factory
from storage.sql.engine import create_database_engine
from storage.sql.migrate import upgrade_database
from storage.sql.tables import metadata


def _postgres_schema_url(base_url: str, schema: str) -> str:
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A freshly migrated database URL, one per backend."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "intake.db"
        url = f"sqlite:///{path}"
        upgrade_database(url)
        yield url
        return
    base_url: str = request.getfixturevalue("postgres_url")
    schema = f"testing_{uuid4().hex[:12]}"
    admin = create_database_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = _postgres_schema_url(base_url, schema)
        upgrade_database(url)
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow_factory(database_engine: Engine) -> Iterator[Callable[[], SqlUnitOfWork]]:
    """Units of work on an empty, migrated database; emptied again afterwards."""
    yield sql_unit_of_work_factory(database_engine, Keyring.generated())
    with database_engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(delete(table))
