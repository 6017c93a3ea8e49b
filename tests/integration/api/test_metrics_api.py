"""``/metrics`` after real flows: reading, verification, decisions, reviewer actions, queue depth.

The filings go the whole way through the HTTP API (upload, analysis on the
in-process pool, verification, a reviewer's claim, correction and decision),
then the scrape is parsed with prometheus_client's own parser.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from tests.integration.api.conftest import Api, api_settings, running_api
from tests.integration.api.test_review_api import KEYS, ROLES, _filing, _get, _post
from verifiers import load_packs

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    keys = ",".join(f"{ROLES[who]}:{key}" for who, key in KEYS.items())
    async with running_api(api_settings(tmp_path / "data", api_keys=SecretStr(keys))) as running:
        yield running


async def scrape(api: Api) -> Samples:
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def _region_and_pages(api: Api, filing_id: str) -> tuple[str, int]:
    body = (await _get(api, f"/v1/filings/{filing_id}", "app")).json()
    return str(body["insured_region"]), len(body["documents"])


class TestWorkMetrics:
    async def test_machine_decisions_and_reading_are_counted(self, api: Api) -> None:
        before = await scrape(api)
        assert value(before, "intake_page_read_duration_seconds_count") == 0
        assert value(before, "intake_verification_duration_seconds_count") == 0

        clean = await _filing(api, defect=None, seed=31)
        flagged = await _filing(api, seed=32)

        samples = await scrape(api)
        region, clean_pages = await _region_and_pages(api, clean)
        flagged_region, flagged_pages = await _region_and_pages(api, flagged)
        statuses = [
            (await _get(api, f"/v1/filings/{f}", "app")).json()["status"] for f in (clean, flagged)
        ]
        assert statuses == ["approved", "needs_review"]
        assert (
            value(
                samples, "intake_decisions_total", decision="approved", region=region, by="machine"
            )
            == 1.0
        )
        assert (
            value(
                samples,
                "intake_decisions_total",
                decision="needs_review",
                region=flagged_region,
                by="machine",
            )
            == 1.0
        )
        assert value(samples, "intake_verification_duration_seconds_count") == 2.0
        assert value(samples, "intake_page_read_duration_seconds_count") == float(
            clean_pages + flagged_pages
        )
        assert value(samples, "intake_queue_depth", queue="local") == 0.0

    async def test_reviewer_actions_and_decisions_are_counted(self, api: Api) -> None:
        filing_id = await _filing(api, seed=33)
        base = f"/v1/review/filings/{filing_id}"
        region, _ = await _region_and_pages(api, filing_id)
        opened = (await _get(api, base, "alice")).json()
        referral = next(d for d in opened["documents_detail"] if d["kind"] == "referral_form")
        city = load_packs().regions.city_and_name_of(opened["treatment_region"])
        correction = {"document_id": referral["id"], "field": "destination", "value": city}

        refused = await _post(api, f"{base}/corrections", "alice", correction)  # not claimed
        assert refused.status_code == 409
        assert (await _post(api, f"{base}/claim", "alice")).status_code == 200
        assert (await _post(api, f"{base}/corrections", "alice", correction)).status_code == 201
        decided = await _post(
            api, f"{base}/decision", "alice", {"action": "request_materials", "message": "补"}
        )
        assert decided.status_code == 200, decided.text
        asked = await _post(api, f"/v1/filings/{filing_id}/review-request", "app", {"note": "齐"})
        assert asked.status_code == 200, asked.text
        assert (await _post(api, f"{base}/claim", "bob")).status_code == 200
        approved = await _post(api, f"{base}/decision", "bob", {"action": "approve"})
        assert approved.status_code == 200, approved.text

        samples = await scrape(api)
        actions = {
            dict(labels)["action"]: count
            for (name, labels), count in samples.items()
            if name == "intake_review_actions_total"
        }
        assert actions == {
            "claim": 2.0,
            "correct": 1.0,  # the refused correction is not counted
            "request_materials": 1.0,
            "request_review": 1.0,
            "approve": 1.0,
        }
        for decision in ("needs_materials", "approved"):
            assert (
                value(
                    samples,
                    "intake_decisions_total",
                    decision=decision,
                    region=region,
                    by="reviewer",
                )
                == 1.0
            )
        assert (
            value(
                samples,
                "intake_decisions_total",
                decision="needs_review",
                region=region,
                by="machine",
            )
            == 1.0
        )
