"""Workflow rules: which filing status may follow which.

The lifecycle (DESIGN.md)::

    draft ──submit──> submitted ──verify──> approved | provisional | needs_materials | needs_review
    needs_materials ──submit──> submitted
    needs_review ──review──> approved | provisional | rejected | needs_materials
    needs_materials ──the applicant asks for a person──> needs_review
    approved | provisional ──> expired | cancelled
    provisional ──proof uploaded, submit──> submitted (verified again)
    provisional ──proof uploaded, reviewed──> approved | rejected
    needs_materials ──re-verified (a rule fixed)──> approved | provisional | needs_review
    approved ──re-verified (a rule tightened)──> needs_review

Use cases ask :func:`ensure_transition` before they change a status, so a
rule lives in one table instead of in ``if`` statements across the code.
"""

from __future__ import annotations

from typing import Final

from intake.domain import FilingStatus
from intake.errors import InvalidTransitionError

__all__ = [
    "TRANSITIONS",
    "UPLOAD_STATUSES",
    "accepts_uploads",
    "can_transition",
    "ensure_accepts_uploads",
    "ensure_transition",
]

_S = FilingStatus

TRANSITIONS: Final[dict[FilingStatus, frozenset[FilingStatus]]] = {
    _S.DRAFT: frozenset({_S.SUBMITTED, _S.CANCELLED}),
    _S.SUBMITTED: frozenset({_S.APPROVED, _S.PROVISIONAL, _S.NEEDS_MATERIALS, _S.NEEDS_REVIEW}),
    _S.NEEDS_MATERIALS: frozenset(
        {_S.SUBMITTED, _S.CANCELLED, _S.NEEDS_REVIEW, _S.APPROVED, _S.PROVISIONAL}
    ),
    _S.NEEDS_REVIEW: frozenset({_S.APPROVED, _S.PROVISIONAL, _S.REJECTED, _S.NEEDS_MATERIALS}),
    _S.PROVISIONAL: frozenset({_S.SUBMITTED, _S.EXPIRED, _S.CANCELLED, _S.APPROVED, _S.REJECTED}),
    _S.APPROVED: frozenset({_S.EXPIRED, _S.CANCELLED, _S.NEEDS_REVIEW}),
    _S.REJECTED: frozenset(),
    _S.CANCELLED: frozenset(),
    _S.EXPIRED: frozenset(),
}
"""For each status, the statuses that may follow it."""

UPLOAD_STATUSES: Final[frozenset[FilingStatus]] = frozenset(
    {_S.DRAFT, _S.NEEDS_MATERIALS, _S.PROVISIONAL}
)
"""Statuses in which the applicant may add documents."""


def can_transition(current: FilingStatus, target: FilingStatus) -> bool:
    """Tell whether a filing in ``current`` may move to ``target``.

    Args:
        current: The filing's status now.
        target: The status it would move to.

    Returns:
        ``True`` when the table allows the move.
    """
    return target in TRANSITIONS[current]


def ensure_transition(current: FilingStatus, target: FilingStatus, *, action: str) -> None:
    """Raise unless a filing in ``current`` may move to ``target``.

    Args:
        current: The filing's status now.
        target: The status it would move to.
        action: What the caller tries to do (``submit``...), named in the error.

    Raises:
        InvalidTransitionError: The move is not allowed.
    """
    if not can_transition(current, target):
        raise InvalidTransitionError(current=current.value, action=action)


def accepts_uploads(status: FilingStatus) -> bool:
    """Tell whether documents may be added to a filing in ``status``."""
    return status in UPLOAD_STATUSES


def ensure_accepts_uploads(status: FilingStatus) -> None:
    """Raise unless documents may be added to a filing in ``status``.

    Args:
        status: The filing's status.

    Raises:
        InvalidTransitionError: With ``action="upload"``.
    """
    if not accepts_uploads(status):
        raise InvalidTransitionError(current=status.value, action="upload")
