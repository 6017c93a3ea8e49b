from __future__ import annotations

import pytest

from intake.domain import FilingStatus
from intake.errors import InvalidTransitionError
from intake.workflow import (
    TRANSITIONS,
    accepts_uploads,
    can_transition,
    ensure_accepts_uploads,
    ensure_transition,
)

S = FilingStatus


class TestTransitions:
    def test_every_status_has_a_row(self) -> None:
        assert set(TRANSITIONS) == set(FilingStatus)

    @pytest.mark.parametrize(
        ("current", "target"),
        [
            (S.DRAFT, S.SUBMITTED),
            (S.NEEDS_MATERIALS, S.SUBMITTED),
            (S.SUBMITTED, S.APPROVED),
            (S.SUBMITTED, S.NEEDS_REVIEW),
            (S.NEEDS_REVIEW, S.REJECTED),
            (S.PROVISIONAL, S.EXPIRED),
            (S.APPROVED, S.CANCELLED),
        ],
    )
    def test_allows_lifecycle_moves(self, current: FilingStatus, target: FilingStatus) -> None:
        assert can_transition(current, target)
        ensure_transition(current, target, action="move")

    @pytest.mark.parametrize(
        ("current", "target"),
        [
            (S.SUBMITTED, S.SUBMITTED),
            (S.DRAFT, S.APPROVED),
            (S.REJECTED, S.SUBMITTED),
            (S.EXPIRED, S.APPROVED),
            (S.APPROVED, S.SUBMITTED),
        ],
    )
    def test_refuses_other_moves(self, current: FilingStatus, target: FilingStatus) -> None:
        assert not can_transition(current, target)
        with pytest.raises(InvalidTransitionError) as raised:
            ensure_transition(current, target, action="submit")
        assert raised.value.current == current.value
        assert raised.value.action == "submit"

    def test_terminal_statuses_lead_nowhere(self) -> None:
        for status in (S.REJECTED, S.CANCELLED, S.EXPIRED):
            assert not any(can_transition(status, target) for target in FilingStatus)


class TestUploads:
    @pytest.mark.parametrize("status", [S.DRAFT, S.NEEDS_MATERIALS, S.PROVISIONAL])
    def test_accepts_uploads_while_collecting(self, status: FilingStatus) -> None:
        assert accepts_uploads(status)
        ensure_accepts_uploads(status)

    @pytest.mark.parametrize(
        "status", sorted(set(FilingStatus) - {S.DRAFT, S.NEEDS_MATERIALS, S.PROVISIONAL}, key=str)
    )
    def test_refuses_uploads_otherwise(self, status: FilingStatus) -> None:
        with pytest.raises(InvalidTransitionError) as raised:
            ensure_accepts_uploads(status)
        assert raised.value.action == "upload"
