"""``Annotated`` dependency aliases: the long-lived objects the lifespan built, and the caller."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.cpu import BoundedCpuPool
from api.errors import AuthInvalidError, AuthMissingError, ForbiddenError
from api.metrics import Metrics
from api.settings import Settings
from api.wiring import Services
from intake.domain import Principal, Role

_bearer = HTTPBearer(auto_error=False, description="An API key from INTAKE_API_KEYS.")


def key_digest(key: str) -> str:
    """How keys are looked up: by their full SHA-256, so the lookup leaks nothing useful."""
    return hashlib.sha256(key.encode()).hexdigest()


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _cpu(request: Request) -> BoundedCpuPool:
    pool: BoundedCpuPool = request.app.state.cpu
    return pool


def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise AuthMissingError
    principals: dict[str, Principal] = request.app.state.principals
    principal = principals.get(key_digest(credentials.credentials))
    if principal is None:
        raise AuthInvalidError
    return principal


def _require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that admits callers of these roles and answers others ``403 auth.forbidden``."""

    def admit(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
        if principal.role not in roles:
            raise ForbiddenError(role=principal.role.value, needed=tuple(r.value for r in roles))
        return principal

    return admit


def client_address(request: Request) -> str:
    """The caller's address, for the audit log."""
    return request.client.host if request.client else ""


ServicesDep = Annotated[Services, Depends(_services)]
CpuPoolDep = Annotated[BoundedCpuPool, Depends(_cpu)]
MetricsDep = Annotated[Metrics, Depends(_metrics)]
SettingsDep = Annotated[Settings, Depends(_settings)]
PrincipalDep = Annotated[Principal, Depends(_principal)]
"""Any valid key; the use case decides what it may see (an app key: its own filings)."""
AppDep = Annotated[Principal, Depends(_require(Role.APP))]
"""Apps file: create, upload, submit, cancel, ask for a person."""
ReviewerDep = Annotated[Principal, Depends(_require(Role.REVIEWER, Role.ADMIN))]
"""Reviewers (and admins) review."""
AdminDep = Annotated[Principal, Depends(_require(Role.ADMIN))]
