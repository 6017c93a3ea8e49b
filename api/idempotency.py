"""``Idempotency-Key``: replay the first response to a repeated request.

A key belongs to the caller's API key. Its record holds a hash of the
request (filing, file bytes, declared kind) and the first successful
response; the same key with another request is a conflict.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from intake.errors import IdempotencyConflictError
from intake.ports import UnitOfWorkFactory


@dataclass(frozen=True, slots=True, kw_only=True)
class Replay:
    status_code: int
    body: dict[str, Any]


def request_hash(*parts: bytes) -> str:
    """A hash of the parts of a request that must match for a replay."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def find_replay(
    uow_factory: UnitOfWorkFactory, *, owner: str, key: str, fingerprint: str
) -> Replay | None:
    """The stored first response for ``key``, if any.

    Raises:
        IdempotencyConflictError: The key was used with a different request.
    """
    with uow_factory() as uow:
        record = uow.idempotency.get(owner=owner, key=key)
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise IdempotencyConflictError(key)
    return Replay(status_code=record.status_code, body=record.body)


def remember(
    uow_factory: UnitOfWorkFactory,
    *,
    owner: str,
    key: str,
    fingerprint: str,
    replay: Replay,
) -> None:
    """Store the first response for ``key``."""
    with uow_factory() as uow:
        uow.idempotency.put(
            owner=owner,
            key=key,
            request_hash=fingerprint,
            status_code=replay.status_code,
            body=replay.body,
            created_at=datetime.now(UTC),
        )
        uow.commit()
