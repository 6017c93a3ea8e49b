"""``/v1/review`` over HTTP: roles, claims, corrections, decisions, audit, masking, page images."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from api.cli import app as cli_app
from api.commands import export
from samples.filings import ground_truth_evidence, make_scenario
from tests.factories import document_image, filing_payload, jpeg_bytes
from tests.fakes import FakeReader
from tests.integration.api.conftest import Api, api_settings, running_api
from verifiers import load_packs

KEYS = {
    "app": "key-app-1",
    "other_app": "key-app-2",
    "alice": "key-reviewer-alice",
    "bob": "key-reviewer-bob",
    "admin": "key-admin",
}
ROLES = {"app": "app", "other_app": "app", "alice": "reviewer", "bob": "reviewer", "admin": "admin"}


def auth(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[who]}"}


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    keys = ",".join(f"{ROLES[who]}:{key}" for who, key in KEYS.items())
    async with running_api(api_settings(tmp_path / "data", api_keys=SecretStr(keys))) as running:
        yield running


async def _filing(
    api: Api, *, defect: str | None = "referral_wrong_destination", seed: int = 21
) -> str:
    """A referral filing from a scenario, uploaded by the app and verified."""
    scenario = make_scenario(
        pack="national", seed=seed, filing_type="referral", defect=defect, book=load_packs()
    )
    facts = scenario.facts
    filed = facts.filed_on
    api.clock.current = datetime(filed.year, filed.month, filed.day, 2, 0, tzinfo=UTC)
    created = await api.client.post(
        "/v1/filings",
        json=filing_payload(
            applicant={
                "name": facts.applicant_name,
                "id_number": facts.applicant_id_number,
                "phone": "13812345678",
            },
            filing_type=facts.filing_type,
            insured_region=facts.insured_region,
            treatment_region=facts.treatment_region,
            start_date=facts.start_date.isoformat(),
        ),
        headers=auth("app"),
    )
    assert created.status_code == 201, created.text
    filing_id = str(created.json()["id"])
    reader: FakeReader = api.app.state.services.reader
    for offset, item in enumerate(ground_truth_evidence(scenario)):
        image = document_image(seed=seed * 100 + offset)
        reader.register(image, (item.reading,))
        response = await api.client.post(
            f"/v1/filings/{filing_id}/documents",
            files={"file": ("photo.jpg", jpeg_bytes(image), "image/jpeg")},
            headers=auth("app"),
        )
        assert response.status_code == 201, response.text
    submitted = await api.client.post(f"/v1/filings/{filing_id}/submit", headers=auth("app"))
    assert submitted.status_code == 202, submitted.text
    for _ in range(200):
        body = (await api.client.get(f"/v1/filings/{filing_id}", headers=auth("app"))).json()
        if body["status"] != "submitted":
            return filing_id
        await asyncio.sleep(0.05)
    raise AssertionError("the filing was not verified in time")


async def _get(api: Api, path: str, who: str, **params: Any) -> httpx.Response:
    return await api.client.get(path, headers=auth(who), params=params)


async def _post(api: Api, path: str, who: str, body: Any = None) -> httpx.Response:
    return await api.client.post(path, headers=auth(who), json=body)


class TestRoles:
    async def test_apps_see_no_review_data(self, api: Api) -> None:
        filing_id = await _filing(api)
        base = f"/v1/review/filings/{filing_id}"
        for response in (
            await _get(api, "/v1/review/queue", "app"),
            await _get(api, base, "app"),
            await _get(api, "/v1/review/stats", "app"),
            await _get(api, "/v1/review/audit", "app"),
            await _post(api, f"{base}/claim", "app"),
            await _post(api, f"{base}/release", "app"),
            await _post(api, f"{base}/decision", "app", {"action": "approve"}),
            await _post(api, f"{base}/reveal-id-number", "app", {"reason": "x"}),
        ):
            assert response.status_code == 403, response.text
            problem = response.json()
            assert problem["code"] == "auth.forbidden"
            assert "reviewer" in problem["required_roles"] or problem["required_roles"] == ["admin"]

    async def test_reviewers_do_not_act_as_apps(self, api: Api) -> None:
        filing_id = await _filing(api, defect="missing_material")
        for who in ("alice", "admin"):
            for response in (
                await _post(api, "/v1/filings", who, filing_payload()),
                await _post(api, f"/v1/filings/{filing_id}/submit", who),
                await _post(api, f"/v1/filings/{filing_id}/cancel", who),
                await _post(api, f"/v1/filings/{filing_id}/review-request", who, {"note": ""}),
                await api.client.post(
                    f"/v1/filings/{filing_id}/documents",
                    files={"file": ("a.jpg", jpeg_bytes(document_image(seed=1)), "image/jpeg")},
                    headers=auth(who),
                ),
            ):
                assert response.status_code == 403, response.text
                assert response.json()["required_roles"] == ["app"]
        # Nothing changed: the filing is where the machine left it.
        body = (await _get(api, f"/v1/filings/{filing_id}", "app")).json()
        assert body["status"] == "needs_materials"

    async def test_the_audit_log_is_for_admins(self, api: Api) -> None:
        assert (await _get(api, "/v1/review/audit", "alice")).status_code == 403
        assert (await _get(api, "/v1/review/audit", "admin")).status_code == 200


class TestQueueAndClaims:
    async def test_queue_lists_the_waiting_filing_masked_with_its_clock(self, api: Api) -> None:
        filing_id = await _filing(api)
        await _filing(api, defect="missing_material", seed=22)
        response = await _get(api, "/v1/review/queue", "alice")
        assert response.status_code == 200
        body = response.json()
        assert [item["id"] for item in body["items"]] == [filing_id]
        item = body["items"][0]
        assert "*" in item["applicant"]["id_number"]
        assert "referral.destination" in item["open_checks"]
        assert item["sla"]["working_days"] == 2
        assert item["sla"]["overdue"] is False
        assert body["counts"]["needs_review"] == 1
        assert body["counts"]["needs_materials"] == 1
        only = await _get(api, "/v1/review/queue", "alice", check="identity.name")
        assert only.json()["items"] == []
        bad = await _get(api, "/v1/review/queue", "alice", region="12345")
        assert bad.status_code == 422

    async def test_two_reviewers_racing_for_a_claim(self, api: Api) -> None:
        filing_id = await _filing(api)
        path = f"/v1/review/filings/{filing_id}/claim"
        first, second = await asyncio.gather(_post(api, path, "alice"), _post(api, path, "bob"))
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 409]
        loser = first if first.status_code == 409 else second
        assert loser.json()["code"] == "review.claimed"
        winner = "alice" if first.status_code == 200 else "bob"
        queue = (await _get(api, "/v1/review/queue", "alice")).json()
        assert queue["items"][0]["claim"]["reviewer"] != ""
        release = await _post(api, f"/v1/review/filings/{filing_id}/release", winner)
        assert release.status_code == 204
        other = "bob" if winner == "alice" else "alice"
        assert (await _post(api, path, other)).status_code == 200


class TestCorrectionsAndDecisions:
    async def test_a_correction_re_runs_verification_then_approve(self, api: Api) -> None:
        filing_id = await _filing(api)
        base = f"/v1/review/filings/{filing_id}"
        opened = (await _get(api, base, "alice")).json()
        referral = next(d for d in opened["documents_detail"] if d["kind"] == "referral_form")
        treatment = opened["treatment_region"]
        city = load_packs().regions.city_and_name_of(treatment)
        correction = {"document_id": referral["id"], "field": "destination", "value": city}
        unclaimed = await _post(api, f"{base}/corrections", "alice", correction)
        assert unclaimed.status_code == 409
        assert unclaimed.json()["code"] == "review.not_claimed"
        assert (await _post(api, f"{base}/claim", "alice")).status_code == 200
        corrected = await _post(api, f"{base}/corrections", "alice", correction)
        assert corrected.status_code == 201, corrected.text
        assert corrected.json()["decision"] == "approve"
        opened = (await _get(api, base, "alice")).json()
        assert len(opened["verifications"]) == 2
        (kept,) = opened["corrections"]
        assert kept["reviewer_value"] == city
        assert kept["machine_value"] != city
        decided = await _post(api, f"{base}/decision", "alice", {"action": "approve"})
        assert decided.status_code == 200, decided.text
        assert decided.json()["filing"]["status"] == "approved"
        seen = (await _get(api, f"/v1/filings/{filing_id}", "app")).json()
        assert seen["status"] == "approved"
        assert seen["review"]["action"] == "approve"
        assert seen["valid_until"] is not None

    async def test_reject_with_reasons_the_app_can_show(self, api: Api) -> None:
        filing_id = await _filing(api)
        base = f"/v1/review/filings/{filing_id}"
        await _post(api, f"{base}/claim", "alice")
        unknown = await _post(
            api, f"{base}/decision", "alice", {"action": "reject", "reasons": ["nope"]}
        )
        assert unknown.status_code == 422
        assert unknown.json()["code"] == "review.invalid"
        decided = await _post(
            api,
            f"{base}/decision",
            "alice",
            {"action": "reject", "reasons": ["condition_not_met"], "note": "转诊表就医地不符"},
        )
        assert decided.status_code == 200, decided.text
        seen = (await _get(api, f"/v1/filings/{filing_id}", "app")).json()
        assert seen["status"] == "rejected"
        assert seen["review"]["reasons"] == ["condition_not_met"]
        assert seen["review"]["message"] == "不符合所选备案类型的办理条件"
        again = await _post(api, f"{base}/claim", "alice")
        assert again.status_code == 409

    async def test_request_materials_and_the_applicants_request_for_a_person(
        self, api: Api
    ) -> None:
        filing_id = await _filing(api)
        base = f"/v1/review/filings/{filing_id}"
        await _post(api, f"{base}/claim", "bob")
        decided = await _post(
            api,
            f"{base}/decision",
            "bob",
            {"action": "request_materials", "message": "请补充加盖医院公章的转诊表"},
        )
        assert decided.json()["filing"]["status"] == "needs_materials"
        seen = (await _get(api, f"/v1/filings/{filing_id}", "app")).json()
        assert seen["review"]["message"] == "请补充加盖医院公章的转诊表"
        other = await _post(
            api, f"/v1/filings/{filing_id}/review-request", "other_app", {"note": ""}
        )
        assert other.status_code == 404
        asked = await _post(
            api, f"/v1/filings/{filing_id}/review-request", "app", {"note": "材料已齐"}
        )
        assert asked.status_code == 200, asked.text
        assert asked.json()["status"] == "needs_review"
        (item,) = (await _get(api, "/v1/review/queue", "alice")).json()["items"]
        assert item["requested_by_applicant"] is True
        assert item["review_request_note"] == "材料已齐"


class TestAuditAndImages:
    async def test_views_images_reveals_and_actions_are_audited(self, api: Api) -> None:
        filing_id = await _filing(api)
        base = f"/v1/review/filings/{filing_id}"
        opened = (await _get(api, base, "alice")).json()
        assert "*" in opened["applicant"]["id_number"]
        url = opened["documents_detail"][0]["image_urls"][0]
        image = await _get(api, url, "alice")
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/jpeg"
        etag = image.headers["etag"]
        cached = await api.client.get(url, headers={**auth("alice"), "If-None-Match": etag})
        assert cached.status_code == 304
        assert (await _get(api, url, "app")).status_code == 200
        assert (await _get(api, url, "other_app")).status_code == 404
        no_reason = await _post(api, f"{base}/reveal-id-number", "alice", {"reason": ""})
        assert no_reason.status_code == 422
        revealed = await _post(api, f"{base}/reveal-id-number", "alice", {"reason": "核对"})
        assert revealed.status_code == 200
        assert "*" not in revealed.json()["id_number"]
        await _post(api, f"{base}/claim", "alice")
        records = (await _get(api, "/v1/review/audit", "admin", filing_id=filing_id)).json()
        # The fake clock stands still: the records share one time, so compare them sorted.
        actions = sorted(r["action"] for r in records)
        assert actions == [
            "claim",
            "reveal_id_number",
            "view",
            "view_page_image",
            "view_page_image",
        ]
        assert {r["actor"] for r in records} == {records[0]["actor"]}
        assert all(r["address"] for r in records)
        assert revealed.json()["id_number"] not in str(records)
        await _get(api, f"/v1/filings/{filing_id}", "bob")
        by_bob = (await _get(api, "/v1/review/audit", "admin", actor=records[0]["actor"])).json()
        assert len(by_bob) == len(records)
        views = (await _get(api, "/v1/review/audit", "admin", action="view")).json()
        assert len(views) == 2
        claims = (await _get(api, "/v1/review/audit", "admin", action="claim")).json()
        assert [r["action"] for r in claims] == ["claim"]

    async def test_stats_count_what_reviewers_changed(self, api: Api) -> None:
        filing_id = await _filing(api)
        base = f"/v1/review/filings/{filing_id}"
        opened = (await _get(api, base, "alice")).json()
        referral = next(d for d in opened["documents_detail"] if d["kind"] == "referral_form")
        await _post(api, f"{base}/claim", "alice")
        await _post(
            api,
            f"{base}/corrections",
            "alice",
            {"document_id": referral["id"], "field": "destination", "value": "上海市"},
        )
        await _post(
            api, f"{base}/decision", "alice", {"action": "reject", "reasons": ["condition_not_met"]}
        )
        stats = (await _get(api, "/v1/review/stats", "alice")).json()
        assert stats["decisions"] == {"reject": 1}
        assert stats["fields"]["referral_form"]["destination"]["changed"] == 1
        assert stats["routing"]["referral.destination"] == {"reject": 1}


class TestExport:
    async def test_export_corrections_writes_labelled_data(
        self, api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        filing_id = await _filing(api)
        base = f"/v1/review/filings/{filing_id}"
        opened = (await _get(api, base, "alice")).json()
        referral = next(d for d in opened["documents_detail"] if d["kind"] == "referral_form")
        await _post(api, f"{base}/claim", "alice")
        await _post(
            api,
            f"{base}/corrections",
            "alice",
            {"document_id": referral["id"], "field": "destination", "value": "上海市"},
        )
        services = api.app.state.services

        class Borrowed:
            review = services.review

            def close(self) -> None:
                pass

        monkeypatch.setattr(export, "build_services", lambda settings: Borrowed())
        out = tmp_path / "out" / "corrections.jsonl"
        result = await asyncio.to_thread(
            CliRunner().invoke, cli_app, ["export", "corrections", str(out)]
        )
        assert result.exit_code == 0, result.output
        (line,) = out.read_text(encoding="utf-8").splitlines()
        record = json.loads(line)
        assert record["document_id"] == referral["id"]
        assert record["reviewer"] == {"destination": "上海市"}
        assert record["kind"] == "referral_form"
        assert record["machine"]["fields"]["destination"]["value"] != "上海市"
        assert services.blobs.exists(record["image_sha256"])


class TestIdNumbersShownOnlyToThoseWhoMaySeeThem:
    @staticmethod
    def _numbers(body: Any) -> set[str]:
        text = json.dumps(body, ensure_ascii=False)
        return set(re.findall(r"(?<![0-9])[1-9][0-9]{16}[0-9X](?![0-9])", text))

    async def test_the_owner_and_reviewers_see_numbers_admins_see_them_masked(
        self, api: Api
    ) -> None:
        filing_id = await _filing(api, defect=None)
        view = f"/v1/filings/{filing_id}"
        owner = (await _get(api, view, "app")).json()
        assert self._numbers(owner), "the readings carry the ID number read from the card"
        assert self._numbers((await _get(api, f"/v1/review/filings/{filing_id}", "alice")).json())
        for path in (view, f"{view}/verifications", f"/v1/review/filings/{filing_id}"):
            response = await _get(api, path, "admin")
            assert response.status_code == 200, path
            assert self._numbers(response.json()) == set(), path
            assert "**********" in response.text, path
        document_id = owner["documents"][0]["id"]
        response = await _get(api, f"{view}/documents/{document_id}", "admin")
        assert self._numbers(response.json()) == set()

    async def test_lists_show_masked_numbers_even_to_the_owner(self, api: Api) -> None:
        await _filing(api, defect=None)
        listed = (await _get(api, "/v1/filings", "app")).json()
        assert self._numbers(listed) == set()
        assert self._numbers((await _get(api, "/v1/review/queue", "alice")).json()) == set()
