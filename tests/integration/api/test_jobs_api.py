"""``/v1/jobs`` over HTTP: a what-if preview of a candidate pack, a real run, roles."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from typing import Any

import httpx
import yaml

from api.app import create_app
from tests.fakes import FakeReader
from tests.integration.api.conftest import Api
from tests.integration.api.test_review_api import _filing, _get, _post
from tests.integration.api.test_review_api import api as api  # the fixture, with an admin key
from verifiers.policy import POLICIES_DIR


async def _until_finished(api: Api, job_id: str) -> dict[str, Any]:
    for _ in range(400):
        body: dict[str, Any] = (await _get(api, f"/v1/jobs/{job_id}", "admin")).json()
        if body["status"] != "running":
            return body
        await asyncio.sleep(0.05)
    raise AssertionError("the job did not finish in time")


def _candidate(api: Api, name: str) -> None:
    """The bundled packs with every referral asking for a dispatch letter too."""
    directory = api.settings.policy_candidates_resolved / name
    shutil.copytree(POLICIES_DIR, directory)
    national = directory / "national.yaml"
    data = yaml.safe_load(national.read_text(encoding="utf-8"))
    data["version"] = "2026.candidate"
    data["filing_types"]["referral"]["groups"]["work_proof"] = {
        "name": "派出证明",
        "any_of": ["dispatch_letter"],
    }
    national.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


class TestJobs:
    async def test_only_admins_run_jobs(self, api: Api) -> None:
        for who in ("app", "alice"):
            response = await _post(api, "/v1/jobs/reverify", who, {"dry_run": True})
            assert response.status_code == 403
            assert response.json()["required_roles"] == ["admin"]
        missing = await _get(api, f"/v1/jobs/{uuid.uuid4()}", "admin")
        assert missing.status_code == 404
        assert missing.json()["code"] == "job.not_found"

    async def test_a_what_if_preview_then_a_real_run(self, api: Api) -> None:
        approved = await _filing(api, defect=None, seed=31)
        waiting = await _filing(api, seed=32)
        _candidate(api, "stricter")
        unknown = await _post(
            api, "/v1/jobs/reverify", "admin", {"policy": "nonexistent", "dry_run": True}
        )
        assert unknown.status_code == 422
        assert unknown.json()["field"] == "policy"
        started = await _post(
            api,
            "/v1/jobs/reverify",
            "admin",
            {"policy": "stricter", "dry_run": True, "filter": {"filing_type": ["referral"]}},
        )
        assert started.status_code == 202, started.text
        job = await _until_finished(api, started.json()["id"])
        assert (job["status"], job["total"], job["done"], job["failed"]) == ("done", 2, 2, 0)
        assert job["transitions"] == {"approve → needs_materials": 1, "review → needs_materials": 1}
        changes = (await _get(api, f"/v1/jobs/{job['id']}/changes", "admin")).json()["items"]
        assert {c["filing_id"] for c in changes} == {approved, waiting}
        assert all(c["new_decision"] == "needs_materials" for c in changes)
        # The preview changed nothing.
        status = (await _get(api, f"/v1/filings/{approved}", "app")).json()["status"]
        assert status == "approved"
        runs = (await _get(api, f"/v1/filings/{approved}/verifications", "app")).json()
        assert len(runs) == 1

        real = await _post(api, "/v1/jobs/reverify", "admin", {"policy": "stricter"})
        job = await _until_finished(api, real.json()["id"])
        assert job["done"] == 2
        changes = (await _get(api, f"/v1/jobs/{job['id']}/changes", "admin")).json()["items"]
        by_id = {c["filing_id"]: c for c in changes}
        assert by_id[approved]["new_status"] == "needs_review"
        assert by_id[waiting]["new_status"] == "needs_review"
        assert "waiting for a reviewer" in by_id[waiting]["note"]
        runs = (await _get(api, f"/v1/filings/{approved}/verifications", "app")).json()
        assert len(runs) == 2

    async def test_cancel(self, api: Api) -> None:
        started = await _post(api, "/v1/jobs/reverify", "admin", {"dry_run": True})
        job_id = started.json()["id"]
        cancelled = await _post(api, f"/v1/jobs/{job_id}/cancel", "admin")
        assert cancelled.status_code == 200
        assert cancelled.json()["status"] in {"cancelled", "done"}


class TestRestart:
    async def test_a_job_resumes_when_the_server_starts_again(self, api: Api) -> None:
        await _filing(api, defect=None, seed=33)
        await _filing(api, seed=34)
        services = api.app.state.services
        dropped: list[object] = []
        services.reverify.set_dispatch(lambda job_id, ids: dropped.append(ids))  # the stop
        started = await _post(api, "/v1/jobs/reverify", "admin", {"dry_run": True})
        job_id = started.json()["id"]
        assert dropped
        assert started.json()["pending"] == 2
        # The server stops with the job running, and starts again on the same database.
        settings = api.settings
        restarted = create_app(settings, reader=FakeReader(), clock=api.clock)
        async with restarted.router.lifespan_context(restarted):
            transport = httpx.ASGITransport(app=restarted)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                again = Api(client=client, app=restarted, settings=settings, clock=api.clock)
                job = await _until_finished(again, job_id)
        assert (job["status"], job["done"], job["pending"]) == ("done", 2, 0)
