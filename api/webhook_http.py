"""The HTTP side of webhooks: resolving hosts and POSTing signed bodies with httpx.

Each attempt checks the URL again (a name may resolve to a refused address
since it was registered) and connects to the address it checked, not to a
second lookup of the name (DNS rebinding); TLS still verifies the
certificate against the name. It follows no redirect (a 3xx is a failed attempt),
ignores proxy settings from the environment, bounds every phase by the
timeout and never reads the receiver's body: only its status counts.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping

import httpx

from intake.egress import Resolve, UrlPolicy, checked_addresses
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
            addresses = checked_addresses(url, policy=self._policy, resolve=self._resolve)
        except InvalidWebhookUrlError as e:
            return WebhookResponse(status_code=None, error=f"refused: {e.reason}")
        named = httpx.URL(url)
        pinned = named.copy_with(host=addresses[0])
        # The name stays in the Host header and, over TLS, in SNI and the certificate check.
        sent = {**headers, "Host": named.netloc.decode("ascii")}
        extensions = {"sni_hostname": named.host} if named.scheme == "https" else {}
        try:
            with self._client.stream(
                "POST", pinned, content=body, headers=sent, extensions=extensions
            ) as answer:
                return WebhookResponse(status_code=answer.status_code)
        except httpx.TimeoutException:
            return WebhookResponse(status_code=None, error=f"timed out after {self._timeout_s:g} s")
        except httpx.HTTPError as e:
            return WebhookResponse(status_code=None, error=f"{type(e).__name__}: {e}")

    def close(self) -> None:
        self._client.close()
