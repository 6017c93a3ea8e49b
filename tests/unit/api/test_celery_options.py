"""The Celery app's Redis options: a dead worker's tasks come back soon after the timeout."""

from __future__ import annotations

import pytest

from api.tasks.celery import create_celery_app
from api.tasks.handlers import IntakeTaskHandlers


@pytest.mark.parametrize("visibility", [3.0, 60.0, 600.0])
def test_unacknowledged_tasks_are_looked_for_well_within_the_visibility_timeout(
    visibility: float,
) -> None:
    app = create_celery_app(
        "redis://127.0.0.1:6379/15",
        handlers=IntakeTaskHandlers.__new__(IntakeTaskHandlers),
        visibility_timeout_s=visibility,
    )
    options = app.conf.broker_transport_options
    assert options["visibility_timeout"] == visibility
    # kombu scans every interval × throttle seconds: 100 s unless told otherwise.
    period = options["unacked_restore_interval"] * options["unacked_restore_throttle"]
    assert period <= max(1.0, min(10.0, visibility / 3))
    # A worker killed while it held the scan's mutex blocks the others this long.
    assert options["unacked_mutex_expire"] <= max(10, 3 * period)
