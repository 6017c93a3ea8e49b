"""Building the SQLAlchemy engine for SQLite (embedded) or PostgreSQL (production)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import structlog
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from storage.errors import StorageConfigError, StorageUnavailableError

log = structlog.get_logger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 15_000
"""How long a SQLite writer waits for another writer's lock before failing."""


def create_database_engine(url: str) -> Engine:
    """Create the engine for a database URL.

    SQLite files get their parent directory created, write-ahead logging,
    foreign keys enforced and a busy timeout, and may be used from the worker
    threads of the API. PostgreSQL is reached with ``postgresql+psycopg://``.

    Args:
        url: a SQLAlchemy URL, e.g. ``sqlite:///var/intake.db`` or
            ``postgresql+psycopg://user@host:5432/intake``.

    Returns:
        The engine; no connection is made yet.

    Raises:
        StorageConfigError: the URL is malformed or names an unsupported database.
    """
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            raise StorageConfigError(
                "use the psycopg 3 driver: postgresql+psycopg://",
                url=parsed.render_as_string(hide_password=True),
            )
        engine = create_engine(
            parsed, pool_pre_ping=True, connect_args={"connect_timeout": _CONNECT_TIMEOUT_S}
        )
        event.listen(engine, "handle_error", _unavailable)
        return engine
    raise StorageConfigError(
        "database URL must be sqlite:/// or postgresql+psycopg://",
        url=parsed.render_as_string(hide_password=True),
    )


_CONNECT_TIMEOUT_S = 5


def _unavailable(context: ExceptionContext) -> None:
    """A database that cannot be reached is ``StorageUnavailableError`` (a 503), not a bug.

    Connection failures and dropped connections are turned into it wherever
    they surface; the pool (``pool_pre_ping``) reconnects by itself once the
    server is back.
    """
    error = context.original_exception
    if context.is_disconnect or isinstance(
        error, psycopg.OperationalError | psycopg.InterfaceError
    ):
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise StorageUnavailableError(backend="sql", reason=reason) from error


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as e:
        raise StorageConfigError("malformed database URL") from e


def _sqlite_engine(url: URL) -> Engine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets readers work while one writer commits; it is a property of
        # the file, so setting it on every connection is cheap and harmless.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def is_database_ready(engine: Engine) -> bool:
    """Whether the database answers a trivial query (for readiness probes)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, StorageUnavailableError) as e:
        log.warning("storage.database.unready", error=type(e).__name__)
        return False
    return True
