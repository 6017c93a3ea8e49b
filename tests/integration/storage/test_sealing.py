"""Personal data is sealed at rest, found by its lookup hash, rotated, and migrated."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import Engine, select, text, update

from intake.domain import StoredReading
from storage.crypto import Keyring, SealError
from storage.errors import StorageConfigError
from storage.sql import SqlUnitOfWork, sql_unit_of_work_factory
from storage.sql.engine import create_database_engine
from storage.sql.migrate import upgrade_database
from storage.sql.rekey import holds_sealed_data, key_usage, reseal_database, sealed_columns
from storage.sql.sealing import SEALED_DOCUMENTS, SEALED_TEXTS
from storage.sql.tables import correction, filing, reading, verification
from tests.integration.storage.conftest import _postgres_schema_url
from tests.integration.storage.factories import (
    full_filing,
    make_correction,
    make_document,
    make_reading,
    make_verification,
    sha256_of,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.generated()


@pytest.fixture
def sealed_factory(
    database_engine: Engine,
    keyring: Keyring,
    uow_factory: Callable[[], SqlUnitOfWork],  # empties the tables afterwards
) -> Callable[[], SqlUnitOfWork]:
    return sql_unit_of_work_factory(database_engine, keyring)


def _store_everything(factory: Callable[[], SqlUnitOfWork]) -> tuple[str, str]:
    """One filing with every personal column filled; its ID number and proxy's."""
    filing_row = full_filing()
    document = make_document(filing_row.id)
    with factory() as uow:
        uow.filings.add(filing_row)
        uow.documents.add(document)
        uow.readings.put(
            StoredReading(image_sha256=sha256_of("p"), engine_version="v1", reading=make_reading())
        )
        uow.verifications.add(make_verification(filing_row.id))
        uow.reviews.add_correction(
            make_correction(
                filing_row.id,
                document.id,
                field="id_number",
                machine_value=filing_row.applicant.id_number[:-1] + "0",
                reviewer_value=filing_row.applicant.id_number,
            )
        )
        uow.commit()
    assert filing_row.on_behalf_of is not None
    return filing_row.applicant.id_number, filing_row.on_behalf_of.id_number


def _raw_dump(engine: Engine) -> str:
    with engine.connect() as connection:
        parts = [
            json.dumps([list(map(str, row)) for row in connection.execute(select(table))])
            for table in (filing, reading, verification, correction)
        ]
    return "\n".join(parts)


def test_no_personal_value_is_stored_in_the_clear(
    sealed_factory: Callable[[], SqlUnitOfWork], database_engine: Engine
) -> None:
    applicant, proxy = _store_everything(sealed_factory)
    raw = _raw_dump(database_engine)
    for secret in (applicant, proxy, "王大明", "世纪大道", "王建国", "身份证已提供"):
        assert secret not in raw
    with sealed_factory() as uow:
        (found,) = uow.filings.list(applicant_id_number=applicant)
        assert found.applicant.id_number == applicant
        assert found.on_behalf_of is not None
        assert found.on_behalf_of.id_number == proxy
        assert found.contact is not None
        assert "世纪大道" in (found.contact.address or "")
        assert uow.filings.list_by_applicants([applicant.lower()]) == [found]
        (fixed,) = uow.reviews.corrections(found.id)
        assert fixed.reviewer_value == applicant
        record = uow.verifications.latest(found.id)
        assert record is not None
        assert record.verdict["checks"][0]["message"] == "身份证已提供"
        assert uow.readings.get(sha256_of("p"), "v1") is not None


def test_a_value_copied_into_another_row_does_not_open(
    sealed_factory: Callable[[], SqlUnitOfWork], database_engine: Engine
) -> None:
    _store_everything(sealed_factory)
    _store_everything(sealed_factory)
    with database_engine.begin() as connection:
        first, second = connection.execute(
            select(filing.c.id, filing.c.applicant_id_sealed).order_by(filing.c.id)
        ).all()
        connection.execute(
            update(filing)
            .where(filing.c.id == second.id)
            .values(applicant_id_sealed=first.applicant_id_sealed)
        )
    with sealed_factory() as uow, pytest.raises(SealError):
        uow.filings.get(second.id)


def test_rotation_seals_everything_again_under_the_new_key(
    sealed_factory: Callable[[], SqlUnitOfWork], database_engine: Engine, keyring: Keyring
) -> None:
    applicant, _ = _store_everything(sealed_factory)
    before = key_usage(database_engine)
    assert set().union(*before.values()) == {"k1"}
    rotated = keyring.with_new_key()
    resealed = reseal_database(database_engine, rotated)
    assert resealed == sum(sum(c.values()) for c in before.values())
    after = key_usage(database_engine)
    assert set().union(*after.values()) == {"k2"}
    assert reseal_database(database_engine, rotated) == 0  # nothing left to do
    only_new = sql_unit_of_work_factory(
        database_engine, rotated.without_keys_except_active(in_use=())
    )
    with only_new() as uow:
        (found,) = uow.filings.list(applicant_id_number=applicant)
        assert found.applicant.id_number == applicant
        assert uow.reviews.corrections(found.id)[0].reviewer_value == applicant
    with sealed_factory() as uow, pytest.raises(SealError, match="not configured"):
        uow.filings.get(found.id)


def test_rotation_covers_every_sealed_column() -> None:
    documents, texts = sealed_columns()
    assert documents == set(SEALED_DOCUMENTS)
    assert texts == set(SEALED_TEXTS)


# -- the migration that seals rows written before it -----------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def legacy_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at revision 0003, before personal data was sealed."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'legacy.db'}"
        upgrade_database(url, "0003")
        yield url
        return
    base_url: str = request.getfixturevalue("postgres_url")
    schema = f"legacy_{uuid4().hex[:12]}"
    admin = create_database_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = _postgres_schema_url(base_url, schema)
        upgrade_database(url, "0003")
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


_LEGACY_ID = "32100219900307001X"


def _write_legacy_rows(url: str) -> str:
    engine = create_database_engine(url)
    filing_id = str(uuid4())
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO filing (id, owner, applicant_name, applicant_id_number, "
                    "applicant_phone, filing_type, insured_region, treatment_region, scheme, "
                    "start_date, filed_on, created_at, updated_at, on_behalf_of, commitment, "
                    "evoucher_verified, status, open_checks) VALUES (:id, 'app', '王小明', "
                    ":idn, '13800138000', 'long_term_resident', '321000', '310000', 'employee', "
                    "'2026-03-02', '2026-03-01', '2026-03-01 08:00:00+00', "
                    "'2026-03-01 08:00:00+00', :proxy, false, false, 'draft', '')"
                ),
                {
                    "id": filing_id if url.startswith("postgresql") else filing_id.replace("-", ""),
                    "idn": _LEGACY_ID,
                    "proxy": json.dumps(
                        {
                            "name": "王大明",
                            "id_number": _LEGACY_ID,
                            "phone": "1",
                            "relation": "子女",
                        }
                    ),
                },
            )
    finally:
        engine.dispose()
    return filing_id


def test_the_migration_refuses_to_leave_rows_unsealed_without_keys(legacy_url: str) -> None:
    _write_legacy_rows(legacy_url)
    with pytest.raises(StorageConfigError, match="intake db upgrade"):
        upgrade_database(legacy_url)


def test_the_migration_seals_rows_written_before_it(legacy_url: str) -> None:
    _write_legacy_rows(legacy_url)
    keyring = Keyring.generated()
    assert not holds_sealed_data(legacy_url)
    upgrade_database(legacy_url, keyring=keyring)
    assert holds_sealed_data(legacy_url)
    engine = create_database_engine(legacy_url)
    try:
        assert _LEGACY_ID not in _raw_dump(engine)
        with sql_unit_of_work_factory(engine, keyring)() as uow:
            (found,) = uow.filings.list(applicant_id_number=_LEGACY_ID)
            assert found.applicant.id_number == _LEGACY_ID
            assert found.on_behalf_of is not None
            assert found.on_behalf_of.id_number == _LEGACY_ID
    finally:
        engine.dispose()
