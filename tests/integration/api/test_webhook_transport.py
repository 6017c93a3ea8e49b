"""The webhook transport connects to the address it checked, never to a second lookup."""

from __future__ import annotations

from urllib.parse import urlsplit

from api.webhook_http import HttpxWebhookTransport
from intake.egress import UrlPolicy
from tests.webhooks import webhook_receiver

LOOPBACK = UrlPolicy(allow_loopback=True)


def test_a_name_is_sent_to_the_address_it_was_checked_at() -> None:
    lookups: list[str] = []

    def resolve(host: str) -> list[str]:
        # A name no DNS knows: only the checked address can reach the receiver.
        lookups.append(host)
        return ["127.0.0.1"]

    with webhook_receiver() as receiver:
        port = urlsplit(receiver.url).port
        transport = HttpxWebhookTransport(timeout_s=5, policy=LOOPBACK, resolve=resolve)
        try:
            answer = transport.post(
                f"http://hooks.receiver.invalid:{port}/hook",
                body=b"{}",
                headers={"Content-Type": "application/json"},
            )
        finally:
            transport.close()
        (request,) = receiver.wait_for(1)
    assert answer.status_code == 200
    assert lookups == ["hooks.receiver.invalid"]
    assert request.headers["Host"] == f"hooks.receiver.invalid:{port}"
    assert request.path == "/hook"


def test_a_name_that_now_resolves_to_a_refused_address_is_not_called() -> None:
    transport = HttpxWebhookTransport(
        timeout_s=5, policy=UrlPolicy(), resolve=lambda host: ["10.0.0.7"]
    )
    try:
        answer = transport.post("https://hooks.example.com/hook", body=b"{}", headers={})
    finally:
        transport.close()
    assert answer.status_code is None
    assert answer.error is not None
    assert answer.error.startswith("refused: 10.0.0.7")
