"""The batch reads behind bulk verification, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import uuid4

import pytest

from intake.domain import Correction, FilingId, RecordId, StoredReading
from storage.sql import SqlUnitOfWork
from tests.factories import fake_id
from tests.integration.storage.factories import (
    T0,
    make_document,
    make_filing,
    make_page,
    make_reading,
    make_verification,
    sha256_of,
)

pytestmark = pytest.mark.integration

UowFactory = Callable[[], SqlUnitOfWork]


def test_batch_reads(uow_factory: UowFactory) -> None:
    first = make_filing()
    second = make_filing(
        applicant=first.applicant.__class__(name="李四", id_number=fake_id(3), phone="13812345678")
    )
    document = make_document(first.id, pages=[make_page(1, image_sha256=sha256_of("p1"))])
    reading = StoredReading(
        image_sha256=sha256_of("p1"), engine_version="v1", reading=make_reading()
    )
    old = make_verification(first.id, created_at=T0)
    new = make_verification(first.id, created_at=T0 + timedelta(minutes=1))
    correction = Correction(
        id=RecordId(uuid4()),
        filing_id=second.id,
        document_id=document.id,
        page=1,
        index=0,
        field="name",
        machine_value=None,
        reviewer_value="李四",
        reviewer="r",
        created_at=T0,
    )
    with uow_factory() as uow:
        uow.filings.add(first)
        uow.filings.add(second)
        uow.documents.add(document)
        uow.readings.put(reading)
        uow.verifications.add(old)
        uow.verifications.add(new)
        uow.reviews.add_correction(correction)
        uow.commit()
    missing = FilingId(uuid4())
    with uow_factory() as uow:
        assert {f.id for f in uow.filings.get_many([first.id, second.id, missing])} == {
            first.id,
            second.id,
        }
        assert uow.filings.get_many([]) == []
        mine = uow.filings.list_by_applicants([first.applicant.id_number])
        assert [f.id for f in mine] == [first.id]
        documents = uow.documents.list_for_filings([first.id, second.id])
        assert [d.id for d in documents[first.id]] == [document.id]
        assert documents[second.id] == []
        found = uow.readings.get_many([sha256_of("p1"), sha256_of("none")], "v1")
        assert list(found) == [sha256_of("p1")]
        assert uow.readings.get_many([sha256_of("p1")], "v2") == {}
        latest = uow.verifications.latest_for([first.id, second.id])
        assert list(latest) == [first.id]
        assert latest[first.id].id == new.id
        assert uow.reviews.corrections_for([second.id]) == [correction]
        assert uow.reviews.corrections_for([first.id]) == []
