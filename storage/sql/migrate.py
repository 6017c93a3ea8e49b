"""Schema migrations (Alembic) configured in code: no ``alembic.ini`` is needed.

One migration history serves SQLite and PostgreSQL; on SQLite, Alembic's
batch mode rebuilds tables for the ALTERs SQLite lacks.
"""

from __future__ import annotations

import functools
from pathlib import Path

import structlog
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from storage.crypto import Keyring
from storage.errors import SchemaNotCurrentError, StorageUnavailableError
from storage.sql.engine import create_database_engine

log = structlog.get_logger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(
    connection: Connection | None = None, *, keyring: Keyring | None = None
) -> Config:
    """An Alembic configuration pointing at our migrations.

    Args:
        connection: run the migrations on this connection (see ``env.py``).
        keyring: seals the personal data of rows that a migration protects.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    config.attributes["keyring"] = keyring
    return config


def upgrade_database(url: str, revision: str = "head", *, keyring: Keyring | None = None) -> None:
    """Bring the database schema up to ``revision``.

    Args:
        url: the database URL (SQLite parent folders are created).
        revision: an Alembic revision; the newest by default.
        keyring: the data keys, needed when a migration seals rows that exist.

    Raises:
        StorageConfigError: the URL is malformed or unsupported, or rows need
            sealing and no keyring was given.
        StorageUnavailableError: the database does not answer.
    """
    engine = create_database_engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection, keyring=keyring), revision)
    except OperationalError as error:
        raise StorageUnavailableError(backend="sql", reason=str(error).splitlines()[0]) from error
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


@functools.cache
def head_revision() -> str | None:
    """The newest revision shipped with the code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_embedded(url: str) -> bool:
    """Whether the URL names the embedded database (SQLite), which migrates itself."""
    return url.startswith("sqlite")


def prepare_schema(url: str, *, migrate_embedded: bool, keyring: Keyring | None = None) -> None:
    """Make sure the database's schema is the code's before anything uses it.

    The embedded SQLite database is migrated here when ``migrate_embedded``
    (``intake serve``, ``intake worker``); a server database is migrated only
    by an operator (``intake db upgrade``), so one that is behind stops
    start-up. A command that only reads or tidies (``gc``, ``expire``...)
    never creates a database: a missing one is an error too.

    Raises:
        SchemaNotCurrentError: the schema is missing or behind (one line, naming
            ``intake db upgrade``).
        StorageConfigError: the URL cannot be used.
        StorageUnavailableError: the database does not answer.
    """
    head = head_revision()
    where = _describe(url)
    if is_embedded(url):
        path = _sqlite_path(url)
        if migrate_embedded:
            upgrade_database(url, keyring=keyring)
            return
        if path is not None and not path.exists():
            raise SchemaNotCurrentError(current=None, head=head, where=where)
    current = _revision_or_unavailable(url)
    if current != head:
        raise SchemaNotCurrentError(current=current, head=head, where=where)


def _revision_or_unavailable(url: str) -> str | None:
    try:
        return current_revision(url)
    except SQLAlchemyError as error:
        raise StorageUnavailableError(backend="sql", reason=str(error).splitlines()[0]) from error


def _sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def _describe(url: str) -> str:
    parsed = make_url(url)
    if is_embedded(url):
        return f"at {parsed.database}"
    return f"{parsed.host or ''}/{parsed.database or ''}"


def schema_is_current(engine: Engine) -> bool:
    """Whether the database behind ``engine`` is at the code's schema (readiness)."""
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError:
        return False
    return current == head_revision()
