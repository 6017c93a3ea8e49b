"""Webhooks over HTTP, delivered to real receivers on loopback: signed, retried, kept apart."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.tasks.local import LocalTaskDispatcher
from storage.sql.migrate import upgrade_database
from tests.factories import document_image, jpeg_bytes
from tests.fakes import FakeClock, FakeReader
from tests.integration.api.conftest import Api, api_settings, auth
from tests.integration.api.test_lifecycle_api import _file_scenario, _submit_and_wait
from tests.webhooks import Receiver, webhook_receiver

pytestmark = pytest.mark.integration


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    """The app with loopback webhook URLs admitted; the sweep runs only when a test says."""
    settings = api_settings(
        tmp_path / "data", webhook_allow_loopback=True, webhook_sweep_interval_s=3600
    )
    upgrade_database(settings.database_url_resolved)
    clock = FakeClock(datetime.now(UTC))
    app = create_app(settings, reader=FakeReader(), clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(client=client, app=app, settings=settings, clock=clock)


async def _register(api: Api, receiver: Receiver, *, who: str = "a", events: list[str]) -> str:
    response = await api.client.post(
        "/v1/webhooks", json={"url": receiver.url, "events": events}, headers=auth(who)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    receiver.secret = body["secret"]
    receiver.clock = lambda: api.clock.now().timestamp()
    return str(body["id"])


async def _deliveries(api: Api, webhook_id: str, who: str = "a") -> list[dict[str, Any]]:
    response = await api.client.get(f"/v1/webhooks/{webhook_id}/deliveries", headers=auth(who))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _wait_for_attempts(api: Api, webhook_id: str, count: int) -> dict[str, Any]:
    """The endpoint's one delivery once ``count`` attempts are logged."""
    for _ in range(200):
        items = await _deliveries(api, webhook_id)
        if items and len(items[0]["attempts"]) >= count:
            return items[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} attempts were logged")


async def _upload_one(api: Api, *, who: str = "a", seed: int = 1) -> str:
    filing_id = await api.create_filing(who)
    response = await api.upload(filing_id, jpeg_bytes(document_image(seed=seed)), who=who)
    assert response.status_code == 201, response.text
    return filing_id


def _sweep(api: Api) -> int:
    dispatcher = api.app.state.services.dispatcher
    assert isinstance(dispatcher, LocalTaskDispatcher)
    return dispatcher.sweep_webhooks()


class TestRegistration:
    async def test_the_routes_are_documented_with_their_problems(self, api: Api) -> None:
        document: dict[str, Any] = (await api.client.get("/openapi.json")).json()
        expected = {
            ("post", "/v1/webhooks"): "register_webhook",
            ("get", "/v1/webhooks"): "list_webhooks",
            ("get", "/v1/webhooks/{webhook_id}"): "get_webhook",
            ("delete", "/v1/webhooks/{webhook_id}"): "delete_webhook",
            ("post", "/v1/webhooks/{webhook_id}/ping"): "ping_webhook",
            ("get", "/v1/webhooks/{webhook_id}/deliveries"): "list_webhook_deliveries",
        }
        for (method, path), name in expected.items():
            operation = document["paths"][path][method]
            assert operation["operationId"].startswith(name), (method, path)
        register = document["paths"]["/v1/webhooks"]["post"]["responses"]
        codes = {
            code
            for response in register.values()
            for code in response.get("content", {})
            .get("application/problem+json", {})
            .get("examples", {})
        }
        assert {"webhook.invalid_url", "webhook.invalid_events", "webhook.too_many"} <= codes

    async def test_register_list_get_delete(self, api: Api) -> None:
        response = await api.client.post(
            "/v1/webhooks",
            json={"url": "http://127.0.0.1:9/hook", "description": "desk"},
            headers=auth(),
        )
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["secret"].startswith("whsec_")
        assert created["events"] == ["document.analysed", "filing.decided", "filing.expired"]
        listed = (await api.client.get("/v1/webhooks", headers=auth())).json()
        assert [w["id"] for w in listed] == [created["id"]]
        assert "secret" not in listed[0]
        one = await api.client.get(f"/v1/webhooks/{created['id']}", headers=auth())
        assert one.json() == listed[0]
        deleted = await api.client.delete(f"/v1/webhooks/{created['id']}", headers=auth())
        assert deleted.status_code == 204
        gone = await api.client.get(f"/v1/webhooks/{created['id']}", headers=auth())
        assert gone.status_code == 404
        assert gone.json()["code"] == "webhook.not_found"

    async def test_another_app_neither_lists_reads_nor_deletes_it(self, api: Api) -> None:
        response = await api.client.post(
            "/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"}, headers=auth("a")
        )
        webhook_id = response.json()["id"]
        assert (await api.client.get("/v1/webhooks", headers=auth("b"))).json() == []
        for method, path in (
            ("GET", f"/v1/webhooks/{webhook_id}"),
            ("DELETE", f"/v1/webhooks/{webhook_id}"),
            ("GET", f"/v1/webhooks/{webhook_id}/deliveries"),
        ):
            answer = await api.client.request(method, path, headers=auth("b"))
            assert answer.status_code == 404, (method, path)
            assert answer.json()["code"] == "webhook.not_found"
        assert (await api.client.get(f"/v1/webhooks/{webhook_id}", headers=auth("a"))).is_success

    async def test_only_app_keys_own_webhooks(self, api: Api) -> None:
        response = await api.client.post(
            "/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"}, headers=auth("reviewer")
        )
        assert response.status_code == 403
        assert response.json()["code"] == "auth.forbidden"

    @pytest.mark.parametrize(
        ("payload", "code"),
        [
            ({"url": "http://example.com/hook"}, "webhook.invalid_url"),
            ({"url": "https://10.0.0.7/hook"}, "webhook.invalid_url"),
            ({"url": "https://169.254.169.254/latest"}, "webhook.invalid_url"),
            (
                {"url": "https://[::1]:8443/hook", "events": ["filing.won"]},
                "webhook.invalid_events",
            ),
            ({"url": "http://127.0.0.1:9/hook", "secret": "mine"}, "request.invalid"),
        ],
    )
    async def test_bad_input_is_a_problem_and_stores_nothing(
        self, api: Api, payload: dict[str, Any], code: str
    ) -> None:
        response = await api.client.post("/v1/webhooks", json=payload, headers=auth())
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code
        assert (await api.client.get("/v1/webhooks", headers=auth())).json() == []


class TestDelivery:
    async def test_a_decision_reaches_its_app_signed_with_the_filing_as_get_shows_it(
        self, api: Api
    ) -> None:
        with (
            webhook_receiver() as decided,
            webhook_receiver() as analysed,
            webhook_receiver() as other_app,
        ):
            decided_id = await _register(api, decided, events=["filing.decided"])
            await _register(api, analysed, events=["document.analysed"])
            other_id = await _register(api, other_app, who="b", events=[])
            filing_id = await _file_scenario(api, filing_type="referral")
            filing = await _submit_and_wait(api, filing_id)
            (request,) = decided.wait_for(1)
            documents = analysed.wait_for(len(filing["documents"]))

        assert filing["status"] == "approved"
        assert request.signature_valid
        assert request.headers["Intake-Event"] == "filing.decided"
        body = json.loads(request.body)
        assert body["type"] == "filing.decided"
        assert body["data"]["decided_by"] == "machine"
        assert body["data"]["filing"] == filing
        assert request.headers["Intake-Event-Id"] == body["id"]
        (delivery,) = await _deliveries(api, decided_id)
        assert delivery["status"] == "delivered"
        assert delivery["id"] == request.headers["Intake-Delivery"]
        assert all(r.signature_valid for r in documents)
        assert {json.loads(r.body)["data"]["document"]["id"] for r in documents} == {
            d["id"] for d in filing["documents"]
        }
        assert other_app.requests == []
        assert await _deliveries(api, other_id, who="b") == []

    async def test_a_receiver_failing_twice_gets_the_same_bytes_until_it_answers(
        self, api: Api
    ) -> None:
        with webhook_receiver(statuses=[500, 503]) as receiver:
            webhook_id = await _register(api, receiver, events=["document.analysed"])
            await _upload_one(api)
            receiver.wait_for(1)
            first = await _wait_for_attempts(api, webhook_id, 1)
            assert first["status"] == "pending"
            assert _sweep(api) == 0  # not due for 10 s
            api.clock.advance(seconds=10)
            assert _sweep(api) == 1
            receiver.wait_for(2)
            await _wait_for_attempts(api, webhook_id, 2)
            api.clock.advance(seconds=30)
            assert _sweep(api) == 1
            requests = receiver.wait_for(3)
            delivery = await _wait_for_attempts(api, webhook_id, 3)

        assert [a["status_code"] for a in delivery["attempts"]] == [500, 503, 200]
        assert [a["error"] for a in delivery["attempts"]] == ["HTTP 500", "HTTP 503", None]
        assert delivery["status"] == "delivered"
        assert len({r.body for r in requests}) == 1
        assert len({r.headers["Intake-Delivery"] for r in requests}) == 1
        assert all(r.signature_valid for r in requests)
        metrics = (await api.client.get("/metrics")).text
        retrying = 'intake_webhook_deliveries_total{event="document.analysed",outcome="retrying"}'
        delivered = 'intake_webhook_deliveries_total{event="document.analysed",outcome="delivered"}'
        assert f"{retrying} 2.0" in metrics
        assert f"{delivered} 1.0" in metrics

    async def test_a_ping_reaches_the_receiver_signed_and_is_logged(self, api: Api) -> None:
        with webhook_receiver() as receiver:
            webhook_id = await _register(api, receiver, events=["filing.expired"])
            other = await api.client.post(f"/v1/webhooks/{webhook_id}/ping", headers=auth("b"))
            assert other.status_code == 404
            response = await api.client.post(f"/v1/webhooks/{webhook_id}/ping", headers=auth())
            assert response.status_code == 202, response.text
            (request,) = receiver.wait_for(1)
            delivery = await _wait_for_attempts(api, webhook_id, 1)
        assert request.signature_valid
        body = json.loads(request.body)
        assert body["type"] == "webhook.ping"
        assert body["data"] == {"webhook_id": webhook_id}
        assert delivery["id"] == response.json()["id"] == request.headers["Intake-Delivery"]
        assert delivery["filing_id"] is None
        assert delivery["status"] == "delivered"

    async def test_a_deleted_endpoint_gets_nothing(self, api: Api) -> None:
        with webhook_receiver() as kept, webhook_receiver() as deleted:
            await _register(api, kept, events=["document.analysed"])
            deleted_id = await _register(api, deleted, events=["document.analysed"])
            response = await api.client.delete(f"/v1/webhooks/{deleted_id}", headers=auth())
            assert response.status_code == 204
            await _upload_one(api)
            kept.wait_for(1)
            api.clock.advance(hours=2)
            _sweep(api)
            await asyncio.sleep(0.2)
        assert deleted.requests == []
