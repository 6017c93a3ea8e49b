"""Retention over the real app's storage: closed filings lose their personal data, stats stay."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from typer.testing import CliRunner

from api.cli import app
from intake.domain import FilingId, FilingStatus
from intake.retention import PURGED_NAME, RetentionService
from tests.factories import jpeg_bytes
from tests.integration.api.conftest import Api, auth
from tests.integration.api.test_lifecycle_api import _file_scenario, _submit_and_wait


def _close(api: Api, filing_id: str, status: FilingStatus, *, days_ago: int) -> None:
    services = api.app.state.services
    with services.uow_factory() as uow:
        filing = uow.filings.get(FilingId(UUID(filing_id)))
        assert filing is not None
        filing.status = status
        filing.updated_at = api.clock.now() - timedelta(days=days_ago)
        uow.filings.update(filing)
        uow.commit()


async def test_purge_removes_documents_blobs_and_personal_fields(api: Api) -> None:
    old = await _file_scenario(api, filing_type="referral")
    await _submit_and_wait(api, old)
    recent = await api.create_filing()
    uploaded = await api.upload(recent, jpeg_bytes())
    assert uploaded.status_code == 201
    # Its page image is made by the analysis task: counted once it is there.
    await api.wait_for_document(recent, uploaded.json()["id"])
    _close(api, old, FilingStatus.EXPIRED, days_ago=400)
    _close(api, recent, FilingStatus.CANCELLED, days_ago=10)
    services = api.app.state.services
    blobs_before = len(api.blob_files())
    retention = RetentionService(services.uow_factory, blobs=services.blobs, clock=services.clock)

    preview = retention.purge(older_than_days=365, dry_run=True)
    assert [str(f) for f in preview.filings] == [old]
    assert len(api.blob_files()) == blobs_before

    report = retention.purge(older_than_days=365)
    assert [str(f) for f in report.filings] == [old]
    assert report.documents >= 2
    assert report.blobs_deleted >= 2 * report.documents  # each original and its page
    assert len(api.blob_files()) == blobs_before - report.blobs_deleted

    body = (await api.client.get(f"/v1/filings/{old}", headers=auth())).json()
    assert body["applicant"]["name"] == PURGED_NAME
    assert body["applicant"]["phone"] == ""
    assert "*" in body["applicant"]["id_number"]
    assert body["documents"] == []
    assert body["status"] == "expired"
    # The anonymous statistics stay: every check's code and outcome, no value read.
    checks = body["verdict"]["checks"]
    assert checks
    assert all(e["value"] is None for c in checks for e in c["evidence"])
    assert {c["outcome"] for c in checks} <= {"pass", "fail", "unsure"}
    # The recent one is untouched, and a second run purges nothing more.
    kept = (await api.client.get(f"/v1/filings/{recent}", headers=auth())).json()
    assert kept["applicant"]["name"] != PURGED_NAME
    assert len(kept["documents"]) == 1
    assert retention.purge(older_than_days=365).filings == []


async def test_purge_from_the_command_line(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    old = await api.create_filing()
    _close(api, old, FilingStatus.REJECTED, days_ago=30)
    monkeypatch.setenv("INTAKE_DATA_DIR", str(api.settings.data_dir))
    monkeypatch.delenv("INTAKE_DATABASE_URL", raising=False)
    runner = CliRunner()
    dry = runner.invoke(app, ["purge", "--older-than", "7", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.strip() == "1 filing(s) would be purged (--dry-run)"
    done = runner.invoke(app, ["purge", "--older-than", "7"])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("1 filing(s) purged")
