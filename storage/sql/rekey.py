"""Key rotation for the sealed columns: which key sealed what, and sealing again.

``intake keys rotate`` makes a new key active (or the operator puts a new key
first in ``INTAKE_DATA_KEYS``), then :func:`reseal_database` opens every value
sealed under another key and seals it under the active one, in batches of one
transaction each, so a rotation can stop and run again. When no value names an
old key any longer (:func:`key_usage`), the old key can be removed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, Row, Table, inspect, select, tuple_
from sqlalchemy.exc import SQLAlchemyError

from storage.crypto import Keyring
from storage.sql.engine import create_database_engine
from storage.sql.sealing import Sealer, reading_key
from storage.sql.tables import (
    correction,
    filing,
    reading,
    verification,
    webhook_delivery,
    webhook_endpoint,
)

_BATCH: Final = 500
_SEALING_REVISION: Final = "0004"


@dataclass(frozen=True)
class _Sealed:
    table: Table
    row_key: Callable[[Row[Any]], object]
    """The row key bound into each cell's associated data."""
    documents: tuple[str, ...]
    texts: tuple[str, ...]


def _by_id(row: Row[Any]) -> object:
    return row.id


def _by_reading(row: Row[Any]) -> object:
    return reading_key(row.image_sha256, row.engine_version)


_TABLES: Final = (
    _Sealed(filing, _by_id, ("contact", "on_behalf_of"), ("applicant_id_sealed",)),
    _Sealed(reading, _by_reading, ("reading",), ()),
    _Sealed(verification, _by_id, ("verdict",), ()),
    _Sealed(correction, _by_id, (), ("machine_value", "reviewer_value")),
    _Sealed(webhook_endpoint, _by_id, (), ("secret_sealed",)),
    _Sealed(webhook_delivery, _by_id, (), ("body_sealed",)),
)


def sealed_columns() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The (table, column) pairs this module reseals: documents, then texts."""
    return (
        {(t.table.name, c) for t in _TABLES for c in t.documents},
        {(t.table.name, c) for t in _TABLES for c in t.texts},
    )


def _cell_kid(value: Any, *, document: bool) -> str | None:
    if document:
        return Keyring.json_kid(value) if value is not None else None
    return Keyring.text_kid(value) if value else None


def _batches(engine: Engine, sealed: _Sealed) -> Iterator[list[Row[Any]]]:
    """The table's rows in primary-key order, a batch at a time (keyset pagination)."""
    key_columns = list(sealed.table.primary_key.columns)
    columns = [
        *key_columns,
        *(sealed.table.c[name] for name in (*sealed.documents, *sealed.texts)),
    ]
    after: tuple[Any, ...] | None = None
    while True:
        query = select(*columns).order_by(*key_columns).limit(_BATCH)
        if after is not None:
            query = query.where(tuple_(*key_columns) > tuple_(*after))
        with engine.connect() as connection:
            rows = list(connection.execute(query))
        if not rows:
            return
        yield rows
        after = tuple(getattr(rows[-1], c.name) for c in key_columns)


def key_usage(engine: Engine) -> dict[str, Counter[str]]:
    """How many cells of each sealed column each key id sealed (``"table.column"``)."""
    usage: dict[str, Counter[str]] = {}
    for sealed in _TABLES:
        for name in (*sealed.documents, *sealed.texts):
            usage[f"{sealed.table.name}.{name}"] = Counter()
        for rows in _batches(engine, sealed):
            for row in rows:
                for name in (*sealed.documents, *sealed.texts):
                    kid = _cell_kid(getattr(row, name), document=name in sealed.documents)
                    if kid is not None:
                        usage[f"{sealed.table.name}.{name}"][kid] += 1
    return usage


def reseal_database(
    engine: Engine, keyring: Keyring, *, progress: Callable[[int], None] | None = None
) -> int:
    """Seal again under the active key every cell sealed under another; return how many.

    Raises:
        SealError: a cell cannot be opened with this keyring (a key is missing).
    """
    sealer = Sealer(keyring)
    changed = 0
    for sealed in _TABLES:
        key_columns = list(sealed.table.primary_key.columns)
        for rows in _batches(engine, sealed):
            with engine.begin() as connection:
                for row in rows:
                    values = _resealed(row, sealed, sealer)
                    if not values:
                        continue
                    where = [c == getattr(row, c.name) for c in key_columns]
                    connection.execute(sealed.table.update().where(*where).values(values))
                    changed += len(values)
            if progress is not None:
                progress(len(rows))
    return changed


def _resealed(row: Row[Any], sealed: _Sealed, sealer: Sealer) -> dict[str, Any]:
    table = sealed.table.name
    key = sealed.row_key(row)
    active = sealer.keyring.active
    values: dict[str, Any] = {}
    for name in sealed.documents:
        stored = getattr(row, name)
        if _cell_kid(stored, document=True) not in (None, active):
            opened = sealer.open_document(table, name, key, stored)
            values[name] = sealer.document(table, name, key, opened)
    for name in sealed.texts:
        stored = getattr(row, name)
        if _cell_kid(stored, document=False) not in (None, active):
            opened = sealer.open_text(table, name, key, stored)
            values[name] = sealer.text(table, name, key, opened)
    return values


def holds_personal_data(engine: Engine) -> bool:
    """Whether any table with sealed columns has a row (a lost key would lose them)."""
    with engine.connect() as connection:
        # A database behind the latest revision lacks the newer tables; it may
        # still hold sealed rows in the older ones.
        present = set(inspect(connection).get_table_names())
        return any(
            connection.execute(select(sealed.table).limit(1)).first() is not None
            for sealed in _TABLES
            if sealed.table.name in present
        )


def holds_sealed_data(url: str) -> bool:
    """Whether the database at ``url`` exists, is past the sealing migration and has rows.

    Such a database is unreadable without the keys that sealed it: a key file
    that has gone missing must be restored, not created anew.
    """
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
        return (
            revision is not None and revision >= _SEALING_REVISION and holds_personal_data(engine)
        )
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()
