"""Schema migrations (Alembic) configured in code: no ``alembic.ini`` is needed.

One migration history serves SQLite and PostgreSQL; on SQLite, Alembic's
batch mode rebuilds tables for the ALTERs SQLite lacks.
"""

from __future__ import annotations

from pathlib import Path

import structlog
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from storage.sql.engine import create_database_engine

log = structlog.get_logger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at our migrations.

    Args:
        connection: run the migrations on this connection (see ``env.py``).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``.

    Args:
        url: the database URL (SQLite parent folders are created).
        revision: an Alembic revision; the newest by default.

    Raises:
        StorageConfigError: the URL is malformed or unsupported.
    """
    engine = create_database_engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)
    finally:
        engine.dispose()
    log.info("storage.database.upgraded", revision=revision)


def current_revision(url: str) -> str | None:
    """The revision the database is at, or ``None`` before the first migration."""
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest revision shipped with the code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
