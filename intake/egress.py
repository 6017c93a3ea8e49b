"""Where webhooks may go: the URL rules that keep the service off its own network.

An app key names the URL, so without these rules a key could make the
service POST to its database, its metadata endpoint (169.254.169.254) or
anything else only it can reach. Only ``https`` to public addresses is
admitted unless the operator allows loopback or private addresses.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from intake.errors import InvalidWebhookUrlError

MAX_URL_LENGTH: Final = 2000

Resolve = Callable[[str], list[str]]
"""Host name to its IP addresses (``getaddrinfo``); an empty list when it does not resolve."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UrlPolicy:
    """Which addresses webhook URLs may name (the service must not be turned on its own network).

    Attributes:
        allow_loopback: Admit loopback hosts, over ``http`` too (development, tests).
        allow_private: Admit private, link-local and other non-public addresses (https).
    """

    allow_loopback: bool = False
    allow_private: bool = False


def check_url(url: str, *, policy: UrlPolicy, resolve: Resolve) -> str:
    """Refuse a URL the service must not call; return it unchanged otherwise.

    Raises:
        InvalidWebhookUrlError: as :func:`checked_addresses`.
    """
    checked_addresses(url, policy=policy, resolve=resolve)
    return url


def checked_addresses(url: str, *, policy: UrlPolicy, resolve: Resolve) -> list[str]:
    """The addresses a URL's host resolves to, each one checked: connect to these only.

    A sender connects to an address returned here rather than resolving the
    name again, so a name cannot pass the check and then point elsewhere
    (DNS rebinding).

    Only ``https`` is admitted, and ``http`` to a loopback host when the policy
    allows loopback. Every address the host resolves to must be public unless
    the policy admits it. The check runs at registration and again before each
    send (a name may resolve elsewhere later).

    Raises:
        InvalidWebhookUrlError: The URL is malformed or names a refused address.
    """
    if len(url) > MAX_URL_LENGTH:
        raise InvalidWebhookUrlError(f"longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  # raises ValueError on a malformed port
    except ValueError as e:
        raise InvalidWebhookUrlError(f"not a URL: {e}") from e
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidWebhookUrlError("must be an absolute https:// URL")
    if parts.username is not None or parts.password is not None:
        raise InvalidWebhookUrlError("must not carry credentials")
    if parts.fragment:
        raise InvalidWebhookUrlError("must not carry a fragment")
    addresses = _addresses(host, resolve)
    loopback = all(a.is_loopback for a in addresses)
    if parts.scheme == "http" and not (loopback and policy.allow_loopback):
        raise InvalidWebhookUrlError("must use https (http is admitted to loopback only, if set)")
    for address in addresses:
        _check_address(address, policy)
    return [str(address) for address in addresses]


def _addresses(host: str, resolve: Resolve) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    found = [str(literal)] if literal is not None else resolve(host)
    if not found:
        raise InvalidWebhookUrlError(f"host {host!r} does not resolve")
    addresses = [ipaddress.ip_address(a.split("%")[0]) for a in found]
    # An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 one.
    return [
        a.ipv4_mapped if isinstance(a, ipaddress.IPv6Address) and a.ipv4_mapped else a
        for a in addresses
    ]


def _check_address(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, policy: UrlPolicy
) -> None:
    if address.is_loopback:
        if not policy.allow_loopback:
            raise InvalidWebhookUrlError(f"{address} is a loopback address")
        return
    if address.is_multicast or address.is_unspecified:
        raise InvalidWebhookUrlError(f"{address} cannot receive webhooks")
    if not address.is_global and not policy.allow_private:
        raise InvalidWebhookUrlError(f"{address} is a private or link-local address")
