"""A migrated SQLite database in memory, for one offline run (``intake verify``).

The real SQL repositories run on it, so an offline verdict goes through the
same adapters, constraints and queries as the service's. One connection is
shared (``StaticPool``): every unit of work sees the same database, which
lives as long as the engine.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from alembic import command
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from storage.sql.migrate import alembic_config

__all__ = ["open_memory_database"]


def open_memory_database() -> Engine:
    """Create an empty in-memory SQLite database with the current schema.

    Returns:
        The engine; dispose of it to drop the database.
    """
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    event.listen(engine, "connect", _enforce_foreign_keys)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    return engine


def _enforce_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")
