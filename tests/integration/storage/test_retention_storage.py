"""The deletes and scrubs behind retention, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from intake.domain import (
    FilingStatus,
    StoredReading,
)
from storage.sql import SqlUnitOfWork
from tests.integration.storage.factories import (
    make_correction,
    make_decision,
    make_document,
    make_filing,
    make_page,
    make_reading,
    make_verification,
    sha256_of,
)

pytestmark = pytest.mark.integration

UowFactory = Callable[[], SqlUnitOfWork]


def test_documents_readings_runs_and_reviews_of_a_filing(uow_factory: UowFactory) -> None:
    filing = make_filing(status=FilingStatus.EXPIRED)
    page_key = sha256_of("page")
    document = make_document(filing.id, pages=[make_page(1, image_sha256=page_key)])
    run = make_verification(filing.id)
    run.verdict["checks"] = [
        {
            "code": "identity.name",
            "outcome": "pass",
            "message": "一致",
            "evidence": [{"document_id": "d", "page": 1, "value": "王小明", "box": [0, 0, 1, 1]}],
        }
    ]
    correction = make_correction(filing.id, document.id, machine_value="王小朋")
    decision = make_decision(filing.id, note="王小明的证件", machine_checks=())
    with uow_factory() as uow:
        uow.filings.add(filing)
        uow.documents.add(document)
        uow.readings.put(
            StoredReading(image_sha256=page_key, engine_version="v", reading=make_reading())
        )
        uow.verifications.add(run)
        uow.reviews.add_correction(correction)
        uow.reviews.add_decision(decision)
        uow.commit()
    with uow_factory() as uow:
        keys = uow.documents.delete_for_filing(filing.id)
        uow.readings.delete(keys)
        uow.verifications.scrub(filing.id)
        uow.reviews.scrub(filing.id)
        uow.commit()
    with uow_factory() as uow:
        assert set(keys) == {document.sha256, page_key}
        assert uow.documents.list_for_filing(filing.id) == []
        assert uow.readings.get(page_key, "v") is None
        (scrubbed,) = uow.verifications.list_for_filing(filing.id)
        (evidence,) = scrubbed.verdict["checks"][0]["evidence"]
        assert (evidence["value"], evidence["box"]) == (None, None)
        assert scrubbed.verdict["checks"][0]["outcome"] == "pass"
        assert uow.reviews.corrections(filing.id) == []  # deleted with the document
        (kept,) = uow.reviews.decisions(filing.id)
        assert (kept.note, kept.message, kept.reasons) == ("", "", ("identity_mismatch",))
