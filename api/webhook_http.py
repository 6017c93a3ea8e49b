"""The HTTP side of webhooks: resolving hosts and POSTing signed bodies with httpx.

Each attempt checks the URL again (a name may resolve to a refused address
since it was registered), follows no redirect (a 3xx is a failed attempt),
ignores proxy settings from the environment, bounds every phase by the
timeout and never reads the receiver's body: only its status counts.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping

import httpx

from intake.egress import Resolve, UrlPolicy, check_url
from intake.errors import InvalidWebhookUrlError
from intake.ports import WebhookResponse


def resolve_host(host: str) -> list[str]:
    """The addresses a host name resolves to; empty when it does not."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


class HttpxWebhookTransport:
    """Implements ``WebhookTransport`` with one pooled ``httpx.Client``."""

    def __init__(
        self, *, timeout_s: float, policy: UrlPolicy, resolve: Resolve = resolve_host
    ) -> None:
        self._timeout_s = timeout_s
        self._policy = policy
        self._resolve = resolve
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_s), follow_redirects=False, trust_env=False
        )

    def post(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> WebhookResponse:
        try:
            check_url(url, policy=self._policy, resolve=self._resolve)
        except InvalidWebhookUrlError as e:
            return WebhookResponse(status_code=None, error=f"refused: {e.reason}")
        try:
            with self._client.stream("POST", url, content=body, headers=dict(headers)) as answer:
                return WebhookResponse(status_code=answer.status_code)
        except httpx.TimeoutException:
            return WebhookResponse(status_code=None, error=f"timed out after {self._timeout_s:g} s")
        except httpx.HTTPError as e:
            return WebhookResponse(status_code=None, error=f"{type(e).__name__}: {e}")

    def close(self) -> None:
        self._client.close()
