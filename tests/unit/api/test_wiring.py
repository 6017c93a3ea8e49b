from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings
from api.tasks.celery import CeleryTaskDispatcher
from api.tasks.local import LocalTaskDispatcher
from api.wiring import SystemClock, build_services
from storage.errors import SchemaNotCurrentError
from tests.fakes import FakeReader


@pytest.mark.parametrize(
    ("queue_url", "dispatcher"),
    [
        ("local://", LocalTaskDispatcher),
        ("redis://127.0.0.1:6379/0", CeleryTaskDispatcher),
        ("amqp://guest:guest@127.0.0.1:5672//", CeleryTaskDispatcher),
    ],
)
def test_queue_url_selects_the_dispatcher(
    tmp_path: Path, queue_url: str, dispatcher: type[object]
) -> None:
    services = build_services(
        Settings(data_dir=tmp_path, queue_url=queue_url), reader=FakeReader(), migrate_embedded=True
    )
    try:
        assert isinstance(services.dispatcher, dispatcher)
    finally:
        services.close()


def test_system_clock_is_utc_and_dates_in_china() -> None:
    clock = SystemClock()
    now = clock.now()
    offset = now.utcoffset()
    assert offset is not None
    assert offset.total_seconds() == 0
    assert abs((clock.today() - now.date()).days) <= 1


def test_a_command_never_creates_the_embedded_database(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    with pytest.raises(SchemaNotCurrentError, match="intake db upgrade"):
        build_services(Settings(data_dir=data_dir), reader=FakeReader())
    assert not data_dir.exists()
