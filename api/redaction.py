"""ID numbers masked in what leaves the service, unless the viewer may see them.

The owning app sees its applicants' numbers, and a reviewer the numbers on the
documents before them; everyone else (an operator with the admin key) gets
``3210**********1234`` wherever a number appears: fields read, evidence, check
messages. Log events are masked the same way, whoever caused them.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, TypeVar

from pydantic import BaseModel

from intake.domain import Principal, Role
from intake.identity import mask_id_numbers_in

M = TypeVar("M", bound=BaseModel)

_SEES_ID_NUMBERS = frozenset({Role.APP, Role.REVIEWER})


def redact(value: Any) -> Any:
    """A JSON-like value with every ID-number-shaped string masked."""
    if isinstance(value, str):
        return mask_id_numbers_in(value)
    if isinstance(value, dict):
        return {key: redact(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


def for_viewer(principal: Principal, model: M) -> M:
    """The response as this principal may see it (masked unless app or reviewer)."""
    if principal.role in _SEES_ID_NUMBERS:
        return model
    return type(model).model_validate(redact(model.model_dump()))


def redact_log_event(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask ID numbers in every value of an event."""
    return {key: redact(value) for key, value in event.items()}
